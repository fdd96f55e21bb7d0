package dev.skiff.api.model;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;

/**
 * Who may call a service's instances through the mesh, and whether plaintext is accepted.
 *
 * @param allow extra callers: SPIFFE IDs, IDs whose last segment is {@code *}, or {@code *} alone;
 *     empty means the default (every workload of the service's own namespace). The gateway, the
 *     activator and eventing are always allowed.
 * @param mode {@code STRICT} (default: mTLS only) or {@code PERMISSIVE} (plaintext accepted too)
 */
@JsonInclude(JsonInclude.Include.NON_EMPTY)
public record Authorization(List<String> allow, String mode) {
  public static final String STRICT = "STRICT";
  public static final String PERMISSIVE = "PERMISSIVE";

  public Authorization {
    allow = allow == null ? List.of() : List.copyOf(allow);
  }

  public String modeOrDefault() {
    return mode == null ? STRICT : mode;
  }
}
