package dev.skiff.oci;

import java.util.Objects;

/** A registry user name and password (or token), sent as HTTP Basic or to the token endpoint. */
public record Credentials(String username, String password) {
  public Credentials {
    Objects.requireNonNull(username, "username");
    Objects.requireNonNull(password, "password");
  }

  @Override
  public String toString() {
    return "Credentials[username=" + username + ", password=***]";
  }
}
