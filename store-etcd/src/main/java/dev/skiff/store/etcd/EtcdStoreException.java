package dev.skiff.store.etcd;

import dev.skiff.controlplane.StoreException;

/** etcd failed or could not be reached: the call may or may not have been applied. */
public class EtcdStoreException extends StoreException {
  private static final long serialVersionUID = 1L;

  public EtcdStoreException(String message, Throwable cause) {
    super(message, cause);
  }
}
