package dev.skiff.controlplane.mesh;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.time.Instant;
import java.util.List;

/**
 * What {@code GET /v1/mesh/status} and {@code skiff mesh status} show: the trust domain, the roots
 * in the bundle and the last certificate of each identity. No key, ever.
 */
public record MeshStatus(String trustDomain, List<Root> roots, List<Identity> identities) {
  /**
   * A root in the trust bundle.
   *
   * @param state {@code active} (signs new leaves), {@code next} (in the bundle, signs from {@code
   *     issuesFrom}) or {@code retiring} (signs nothing, leaves the bundle after {@code
   *     leavesUntil})
   * @param leavesUntil the latest expiry of a leaf this root's intermediate signed, or null
   */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record Root(
      String fingerprint,
      String subject,
      Instant notAfter,
      Instant intermediateNotAfter,
      String state,
      Instant issuesFrom,
      Instant leavesUntil) {}

  /** The last certificate issued to an identity under a root. */
  public record Identity(String spiffeId, String serial, Instant notAfter, String root) {}
}
