package dev.skiff.gateway;

import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The ACME HTTP-01 challenges the gateway answers on {@code /.well-known/acme-challenge/TOKEN} (RFC
 * 8555 section 8.3): the ACME client puts a token's key authorization before it asks the server to
 * validate, and removes it after. Thread-safe.
 */
public final class AcmeChallenges {
  /** The path prefix HTTP-01 validation requests use. */
  public static final String PATH = "/.well-known/acme-challenge/";

  private final Map<String, String> byToken = new ConcurrentHashMap<>();

  public void put(String token, String keyAuthorization) {
    byToken.put(Objects.requireNonNull(token, "token"), keyAuthorization);
  }

  public void remove(String token) {
    byToken.remove(token);
  }

  /** The key authorization for {@code token}, or null when none is pending. */
  public String keyAuthorization(String token) {
    return token == null ? null : byToken.get(token);
  }
}
