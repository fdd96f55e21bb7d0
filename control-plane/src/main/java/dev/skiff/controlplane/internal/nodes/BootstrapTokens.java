package dev.skiff.controlplane.internal.nodes;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import dev.skiff.api.validation.Names;
import dev.skiff.controlplane.BadRequestException;
import dev.skiff.controlplane.NotFoundException;
import dev.skiff.controlplane.UnauthorizedException;
import dev.skiff.controlplane.internal.auth.Secrets;
import dev.skiff.controlplane.internal.auth.StoredRecords;
import dev.skiff.controlplane.spi.Store;
import io.vertx.core.Future;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;

/**
 * Bootstrap tokens for node agents and edges: made by an admin, stored as SHA-256 hashes under
 * {@value #PREFIX} (outside the change feed), shown once. A token lets a node agent trade a CSR for
 * its node certificate, or an edge for its activator certificate, on the node port, nothing else.
 * It may be for nodes only or edges only ({@code for}), bound to one node name, and may expire; a
 * token for neither serves both.
 */
public final class BootstrapTokens {
  public static final String PREFIX = "/skiff-nodes/tokens/";

  /** What a token may join as ({@code for}); absent: either. */
  public static final String FOR_NODE = "node";

  public static final String FOR_EDGE = "edge";

  private static final SecureRandom RANDOM = new SecureRandom();

  /** A token as stored: its hash, never the token. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record Stored(
      String id,
      String sha256,
      String node,
      @JsonProperty("for") String joinsAs,
      Instant createdAt,
      Instant expiresAt) {}

  /** A token as listed. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record Info(
      String id,
      String node,
      @JsonProperty("for") String joinsAs,
      Instant createdAt,
      Instant expiresAt) {}

  /** The answer to a creation, the only time the token is shown, with the CA to trust. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record Issued(
      String id,
      String node,
      @JsonProperty("for") String joinsAs,
      Instant createdAt,
      Instant expiresAt,
      String token,
      String caBundle) {}

  private final StoredRecords<Stored> records;
  private final Clock clock;

  public BootstrapTokens(Store store, Clock clock) {
    this.records = new StoredRecords<>(store, PREFIX, Stored.class, "bootstrap token");
    this.clock = clock;
  }

  /**
   * Makes a token, for {@code joinsAs} ({@value #FOR_NODE} or {@value #FOR_EDGE}; null: either)
   * only when given, for node {@code node} only when given, valid for {@code ttl} when given
   * (forever otherwise, until deleted). Fails with 400 on a bad role, node name or lifetime, or an
   * edge token bound to a node.
   */
  public Future<Issued> create(String joinsAs, String node, Duration ttl, String caBundle) {
    if (joinsAs != null && !FOR_NODE.equals(joinsAs) && !FOR_EDGE.equals(joinsAs)) {
      return Future.failedFuture(
          BadRequestException.of(
              "for",
              "'" + joinsAs + "' is not what a token can be for",
              "give node or edge, or leave it out for a token either may use"));
    }
    if (node != null && !Names.isDnsLabel(node)) {
      return Future.failedFuture(
          BadRequestException.of(
              "node", "'" + node + "' is not a valid node name", Names.DNS_HINT));
    }
    if (node != null && FOR_EDGE.equals(joinsAs)) {
      return Future.failedFuture(
          BadRequestException.of(
              "node",
              "an edge token cannot be bound to node '" + node + "'",
              "leave out the node for an edge token, or make a node token (for node)"));
    }
    if (ttl != null && (ttl.isNegative() || ttl.isZero())) {
      return Future.failedFuture(
          BadRequestException.of("ttl", "must be more than 0, got " + ttl, "e.g. 1h or 24h"));
    }
    byte[] idBytes = new byte[6];
    RANDOM.nextBytes(idBytes);
    String id = HexFormat.of().formatHex(idBytes);
    String token = Secrets.newToken();
    Instant now = clock.instant();
    Instant expires = ttl == null ? null : now.plus(ttl);
    Stored s = new Stored(id, Secrets.hash(token), node, joinsAs, now, expires);
    return records
        .create(id, s)
        .map(v -> new Issued(id, node, joinsAs, now, expires, token, caBundle));
  }

  /**
   * Checks {@code token} for node {@code node}: fails with {@link UnauthorizedException} saying why
   * when no stored token matches, it expired, or it is bound to another node.
   */
  public Future<Void> check(String token, String node) {
    return valid(token)
        .compose(
            found -> {
              if (FOR_EDGE.equals(found.joinsAs())) {
                return Future.failedFuture(
                    new UnauthorizedException(
                        "bootstrap token "
                            + found.id()
                            + " is for edges and cannot register a node",
                        "give the node a node token (skiff nodes token create --for node --node "
                            + node
                            + ")"));
              }
              if (found.node() != null && !found.node().equals(node)) {
                return Future.failedFuture(
                    new UnauthorizedException(
                        "bootstrap token "
                            + found.id()
                            + " is for node '"
                            + found.node()
                            + "', not '"
                            + node
                            + "'",
                        "start the agent with --node-name "
                            + found.node()
                            + ", or make a token for this node (skiff nodes token create --node "
                            + node
                            + ")"));
              }
              return Future.<Void>succeededFuture();
            });
  }

  /**
   * Checks {@code token} for an edge process (gateway and activator): only a token bound to no node
   * will do, so a token handed to one node cannot make a gateway. Fails with {@link
   * UnauthorizedException} saying why otherwise.
   */
  public Future<Void> checkForEdge(String token) {
    return valid(token)
        .compose(
            found -> {
              if (FOR_NODE.equals(found.joinsAs())) {
                return Future.failedFuture(
                    new UnauthorizedException(
                        "bootstrap token "
                            + found.id()
                            + " is for nodes and cannot make a gateway or activator identity",
                        "give the edge an edge token (skiff nodes token create --for edge --ttl 1h"
                            + " --out DIR)"));
              }
              if (found.node() != null) {
                return Future.failedFuture(
                    new UnauthorizedException(
                        "bootstrap token "
                            + found.id()
                            + " is bound to node '"
                            + found.node()
                            + "' and cannot make a gateway or activator identity",
                        "give the edge an edge token (skiff nodes token create --for edge --ttl 1h"
                            + " --out DIR)"));
              }
              return Future.<Void>succeededFuture();
            });
  }

  /** The stored token matching {@code token}, unless unknown or expired. */
  private Future<Stored> valid(String token) {
    Instant now = clock.instant();
    return records
        .all()
        .compose(
            tokens -> {
              Stored found = null;
              for (Stored s : tokens) {
                // Compare with every hash: the time taken does not tell which one matched.
                if (Secrets.matches(token == null ? "" : token, s.sha256()) && found == null) {
                  found = s;
                }
              }
              if (found == null) {
                return Future.failedFuture(
                    new UnauthorizedException(
                        "the bootstrap token is not valid (unknown or deleted)",
                        "make one with skiff nodes token create and pass its file with"
                            + " --bootstrap-token"));
              }
              if (found.expiresAt() != null && now.isAfter(found.expiresAt())) {
                return Future.failedFuture(
                    new UnauthorizedException(
                        "bootstrap token " + found.id() + " expired at " + found.expiresAt(),
                        "make a new one with skiff nodes token create"));
              }
              return Future.succeededFuture(found);
            });
  }

  /** Every token, without hashes. */
  public Future<List<Info>> list() {
    return records
        .all()
        .map(
            tokens ->
                tokens.stream()
                    .map(s -> new Info(s.id(), s.node(), s.joinsAs(), s.createdAt(), s.expiresAt()))
                    .toList());
  }

  /** Deletes a token; fails with 404 when there is none with that id. */
  public Future<Void> delete(String id) {
    return records.delete(
        id,
        () ->
            new NotFoundException(
                "bootstrap token '" + id + "' does not exist",
                "list them with skiff nodes token list"));
  }
}
