package dev.skiff.controlplane.internal.auth;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.skiff.api.validation.Names;
import dev.skiff.controlplane.BadRequestException;
import dev.skiff.controlplane.ConflictException;
import dev.skiff.controlplane.NotFoundException;
import dev.skiff.controlplane.StaleRevisionException;
import dev.skiff.controlplane.spi.Store;
import io.vertx.core.Future;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Knows every token: the admin token and the in-process system token (given at start, kept only as
 * hashes in memory) and scoped tokens (kept as SHA-256 hashes in the store under {@value #PREFIX},
 * outside the resource keys, so they survive restarts and never appear in the change feed). A token
 * itself is returned once, when it is created, and never stored.
 */
public final class TokenRegistry {
  /** Where scoped tokens are stored; not under {@code /skiff/}, which the change feed streams. */
  public static final String PREFIX = "/skiff-auth/tokens/";

  private static final Set<String> RESERVED = Set.of("admin", "system");

  /** A scoped token as stored: its hash, never the token. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record StoredToken(
      String name, String role, String namespace, String sha256, Instant createdAt) {}

  /** A token as listed: no hash, no token. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record TokenInfo(String name, String role, String namespace, Instant createdAt) {}

  /** The answer to a creation: the only time the token is shown. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record Issued(
      String name, String role, String namespace, Instant createdAt, String token) {}

  private final StoredRecords<StoredToken> records;
  private final String adminHash;
  private final String systemHash;
  private final Clock clock;

  public TokenRegistry(Store store, String adminToken, String systemToken, Clock clock) {
    this.records = new StoredRecords<>(store, PREFIX, StoredToken.class, "token");
    this.adminHash = Secrets.hash(adminToken);
    this.systemHash = Secrets.hash(systemToken);
    this.clock = clock;
  }

  /** Who {@code token} stands for, or empty when it is no valid token. */
  public Future<Optional<Principal>> authenticate(String token) {
    if (Secrets.matches(token, adminHash)) {
      return Future.succeededFuture(Optional.of(new Principal("admin", Role.ADMIN, null)));
    }
    if (Secrets.matches(token, systemHash)) {
      return Future.succeededFuture(Optional.of(new Principal("system", Role.SYSTEM, null)));
    }
    return records
        .all()
        .map(
            tokens -> {
              Principal found = null;
              for (StoredToken t : tokens) {
                // Compare with every stored hash: the time taken does not tell which one matched.
                if (Secrets.matches(token, t.sha256()) && found == null) {
                  Role role = Role.grantable(t.role());
                  if (role != null) {
                    found = new Principal(t.name(), role, t.namespace());
                  }
                }
              }
              return Optional.ofNullable(found);
            });
  }

  /** Creates a scoped token; fails with 400 on a bad name, role or namespace, 409 if it exists. */
  public Future<Issued> create(String name, String roleName, String namespace) {
    if (name == null || !Names.isDnsLabel(name)) {
      return Future.failedFuture(
          BadRequestException.of(
              "name", "'" + name + "' is not a valid token name", Names.DNS_HINT));
    }
    if (RESERVED.contains(name)) {
      return Future.failedFuture(
          BadRequestException.of("name", "'" + name + "' is reserved", "pick another name"));
    }
    // Without a role: the least a token can be (namespace when one is named, else read-only).
    String wanted = roleName != null ? roleName : namespace != null ? "namespace" : "read-only";
    Role role = Role.grantable(wanted);
    if (role == null) {
      return Future.failedFuture(
          BadRequestException.of(
              "role",
              "'" + roleName + "' is not a role",
              "use admin, read-only, node, or namespace (with a namespace)"));
    }
    if (role == Role.NAMESPACE && (namespace == null || !Names.isDnsLabel(namespace))) {
      return Future.failedFuture(
          BadRequestException.of(
              "namespace",
              "a namespace token needs a valid namespace, got '" + namespace + "'",
              Names.DNS_HINT));
    }
    if (role != Role.NAMESPACE && namespace != null) {
      return Future.failedFuture(
          BadRequestException.of(
              "namespace",
              "only role namespace takes a namespace",
              "drop namespace, or use role namespace"));
    }
    String token = Secrets.newToken();
    Instant now = clock.instant();
    StoredToken stored = new StoredToken(name, role.wire(), namespace, Secrets.hash(token), now);
    return records
        .create(name, stored)
        .recover(
            e ->
                Future.failedFuture(
                    e instanceof StaleRevisionException
                        ? new ConflictException(
                            "token '" + name + "' already exists",
                            "delete it first (DELETE /v1/tokens/" + name + ") or pick another name")
                        : e))
        .map(e -> new Issued(name, role.wire(), namespace, now, token));
  }

  /** Every scoped token, without hashes. */
  public Future<List<TokenInfo>> list() {
    return records
        .all()
        .map(
            tokens ->
                tokens.stream()
                    .map(t -> new TokenInfo(t.name(), t.role(), t.namespace(), t.createdAt()))
                    .toList());
  }

  /** Deletes a scoped token; fails with 404 when there is none of that name. */
  public Future<Void> delete(String name) {
    return records.delete(
        name,
        () ->
            new NotFoundException(
                "token '" + name + "' does not exist",
                "list tokens with GET /v1/tokens (skiff token list)"));
  }
}
