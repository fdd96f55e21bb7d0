/** The control plane's {@link dev.skiff.controlplane.spi.Store} on etcd, through jetcd. */
package dev.skiff.store.etcd;
