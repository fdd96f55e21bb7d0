package dev.skiff.meshproxy.internal;

import dev.skiff.api.mesh.SpiffeId;

/**
 * The {@code X-Forwarded-Client-Cert} value a sidecar tells its workload: {@code By=} the sidecar's
 * identity, {@code URI=} the caller's. Built once per caller rather than once per request: the last
 * caller's value is kept and handed out again while the same caller calls (a connection's caller
 * never changes, and a sidecar's callers are few: the gateway, the activator, a namespace's
 * workloads). A different caller gets its own value. Thread-safe: the last value is an immutable
 * pair, so a thread reads either the old pair or the new one, never a caller with another's value.
 */
final class ClientCertHeader {
  private record Last(SpiffeId caller, String value) {}

  private final String by;
  private volatile Last last;

  ClientCertHeader(SpiffeId self) {
    this.by = "By=" + self.uri() + ";URI=";
  }

  /** The header's value for {@code caller}. */
  String of(SpiffeId caller) {
    Last l = last;
    if (l != null && (l.caller() == caller || l.caller().equals(caller))) {
      return l.value();
    }
    String value = by + caller.uri();
    last = new Last(caller, value);
    return value;
  }
}
