package dev.skiff.oci.internal;

import dev.skiff.oci.Credentials;
import dev.skiff.oci.internal.RegistryHttp.Call;
import io.vertx.core.Future;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Registry auth for {@link RegistryHttp}: the {@code Authorization} a call carries, and the answer
 * to a 401 challenge (Basic, or Bearer through the challenge's token endpoint), with tokens cached
 * per registry, user and scope until shortly before they expire.
 */
final class RegistryAuth {
  private static final int MAX_TOKEN_BODY = 64 * 1024;

  /** Sends one request (a token fetch) and answers its response paused, body unread. */
  interface Exchange {
    Future<HttpClientResponse> send(Call call, URI uri, String authorization);
  }

  private record Grant(String authorization, Instant expires) {}

  private final Clock clock;
  private final Exchange exchange;

  /** Authorization header values by {@code host|user|scope} for tokens, {@code host|user|basic}. */
  private final Map<String, Grant> grants = new ConcurrentHashMap<>();

  /** Token fetches under way, by grant key: calls refused together share one fetch. */
  private final Map<String, Future<Grant>> fetching = new ConcurrentHashMap<>();

  RegistryAuth(Clock clock, Exchange exchange) {
    this.clock = clock;
    this.exchange = exchange;
  }

  /** What to send as {@code Authorization} with {@code call}; null for nothing yet. */
  String authorization(URI registry, Call call) {
    Instant now = clock.instant();
    Grant token = grants.get(key(registry, call, call.scope()));
    if (token != null && token.expires().isAfter(now)) {
      return token.authorization();
    }
    Grant basic = grants.get(key(registry, call, "basic"));
    return basic != null ? basic.authorization() : null;
  }

  /**
   * Answers a 401. Concurrent calls that were refused together fetch one token: the first fetches,
   * the others join that fetch or find a grant newer than the one they were refused with.
   */
  Future<Void> authorize(URI registry, Call call, String header, String refused) {
    Challenge challenge = Challenge.parse(header);
    String host = registry.getAuthority();
    if (challenge.scheme().equalsIgnoreCase("basic")) {
      if (call.credentials() == null) {
        return Future.failedFuture(
            new RegistryCallException(
                401,
                "registry "
                    + host
                    + " requires a user name and password"
                    + " for "
                    + call.repo().repository()
                    + " (HTTP Basic); pass credentials"));
      }
      grants.put(key(registry, call, "basic"), new Grant(basic(call.credentials()), Instant.MAX));
      return Future.succeededFuture();
    }
    if (!challenge.scheme().equalsIgnoreCase("bearer")) {
      return Future.failedFuture(
          new RegistryCallException(
              401,
              "registry "
                  + host
                  + " asked for unsupported auth '"
                  + header
                  + "' (Basic and Bearer are supported)"));
    }
    String realm = challenge.params().get("realm");
    if (realm == null) {
      return Future.failedFuture(
          new RegistryCallException(
              401, "registry " + host + " sent a Bearer challenge without a realm: " + header));
    }
    // Our scope covers the whole call sequence (a push HEADs before it POSTs, and the HEAD's
    // challenge asks only for pull); the registry's, when different, is added as a second scope.
    List<String> scopes = new ArrayList<>(List.of(call.scope()));
    String asked = challenge.params().get("scope");
    if (asked != null && !asked.equals(call.scope())) {
      scopes.add(asked);
    }
    String key = key(registry, call, call.scope());
    Future<Grant> fetch =
        fetching.compute(
            key,
            (k, running) -> {
              if (running != null) {
                return running;
              }
              Grant current = grants.get(k);
              if (current != null
                  && !current.authorization().equals(refused)
                  && current.expires().isAfter(clock.instant())) {
                return Future.succeededFuture(current);
              }
              return fetchToken(registry, realm, challenge.params().get("service"), scopes, call)
                  .andThen(
                      done -> {
                        if (done.succeeded()) {
                          grants.put(k, done.result());
                        }
                      });
            });
    fetch.onComplete(done -> fetching.remove(key, fetch));
    return fetch.mapEmpty();
  }

  private Future<Grant> fetchToken(
      URI registry, String realm, String service, List<String> scopes, Call call) {
    List<String> params = new ArrayList<>();
    if (service != null) {
      params.add("service=" + URLEncoder.encode(service, StandardCharsets.UTF_8));
    }
    scopes.forEach(s -> params.add("scope=" + URLEncoder.encode(s, StandardCharsets.UTF_8)));
    String url = realm + (realm.contains("?") ? "&" : "?") + String.join("&", params);
    String scope = String.join(" ", scopes);
    URI uri;
    try {
      uri = registry.resolve(url);
    } catch (IllegalArgumentException e) {
      return Future.failedFuture(
          new RegistryCallException(
              401,
              "registry " + registry.getAuthority() + " sent an invalid token realm " + realm));
    }
    if ("http".equals(uri.getScheme()) && !"http".equals(registry.getScheme())) {
      return Future.failedFuture(
          new RegistryCallException(
              401,
              "registry "
                  + registry.getAuthority()
                  + " points to a plain-HTTP token endpoint "
                  + realm
                  + "; refusing to send credentials"));
    }
    Call get =
        new Call(call.repo(), null, call.insecure(), call.actions(), "GET", url, Map.of(), null);
    String authorization = call.credentials() == null ? null : basic(call.credentials());
    return exchange
        .send(get, uri, authorization)
        .compose(
            response ->
                Bodies.read(response, MAX_TOKEN_BODY)
                    .compose(
                        body ->
                            grant(realm, scope, call, response.statusCode(), Bodies.text(body))));
  }

  private Future<Grant> grant(String realm, String scope, Call call, int status, String body) {
    if (status != 200) {
      return Future.failedFuture(
          new RegistryCallException(
              401,
              "token endpoint "
                  + realm
                  + " answered HTTP "
                  + status
                  + " for scope "
                  + scope
                  + (call.credentials() == null
                      ? " without credentials"
                      : " with the given credentials")
                  + ": "
                  + body.strip()));
    }
    try {
      JsonObject json = new JsonObject(body);
      String token = json.getString("token", json.getString("access_token"));
      if (token == null || token.isEmpty()) {
        return Future.failedFuture(
            new RegistryCallException(401, "token endpoint " + realm + " returned no token"));
      }
      long ttl = json.getLong("expires_in", 60L);
      // Renew a little before the registry would reject it.
      Instant expires = clock.instant().plusSeconds(Math.max(ttl - 10, 1));
      return Future.succeededFuture(new Grant("Bearer " + token, expires));
    } catch (DecodeException | ClassCastException e) {
      return Future.failedFuture(
          new RegistryCallException(
              401, "token endpoint " + realm + " returned invalid JSON: " + body.strip()));
    }
  }

  private static String key(URI registry, Call call, String what) {
    String user = call.credentials() == null ? "" : call.credentials().username();
    return registry.getAuthority() + "|" + user + "|" + what;
  }

  private static String basic(Credentials c) {
    String pair = c.username() + ":" + c.password();
    return "Basic " + Base64.getEncoder().encodeToString(pair.getBytes(StandardCharsets.UTF_8));
  }
}
