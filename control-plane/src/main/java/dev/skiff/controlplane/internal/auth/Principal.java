package dev.skiff.controlplane.internal.auth;

/**
 * The caller a token stands for.
 *
 * @param name the token's name ({@code admin} for the admin token, {@code system} for components)
 * @param role what it may do
 * @param namespace the one namespace of a {@link Role#NAMESPACE} token, else null
 */
public record Principal(String name, Role role, String namespace) {
  /** How the caller is named in a refusal: {@code token 'ci' (namespace team-a)}. */
  public String describe() {
    return "token '"
        + name
        + "' ("
        + role.wire()
        + (namespace == null ? "" : " " + namespace)
        + ")";
  }
}
