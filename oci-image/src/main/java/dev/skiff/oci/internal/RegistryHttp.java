package dev.skiff.oci.internal;

import dev.skiff.oci.Credentials;
import dev.skiff.oci.ImageReference;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.file.OpenOptions;
import io.vertx.core.http.HttpClientAgent;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpClosedException;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.internal.VertxInternal;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;

/**
 * HTTP to registries on Vert.x's client, nothing blocks: picks the scheme, answers auth challenges
 * (Basic, and Bearer through the challenge's token endpoint), caches tokens per repository scope,
 * and follows redirects without sending credentials to other hosts.
 */
public final class RegistryHttp {
  private static final int MAX_REDIRECTS = 5;
  private static final int MAX_TOKEN_BODY = 64 * 1024;

  private final Vertx vertx;
  private final HttpClientAgent http;
  private final Context context;
  private final int connections;
  private final Duration timeout;
  private final Clock clock;

  /** Authorization header values by {@code host|user|scope} for tokens, {@code host|user|basic}. */
  private final Map<String, Grant> grants = new ConcurrentHashMap<>();

  /** Token fetches under way, by grant key: calls refused together share one fetch. */
  private final Map<String, Future<Grant>> fetching = new ConcurrentHashMap<>();

  /**
   * @param connections connections per host at once; further requests wait for one
   * @param timeout to connect, and the longest a response (headers or body) may stay silent
   */
  public RegistryHttp(Vertx vertx, int connections, Duration timeout, Clock clock) {
    this.vertx = vertx;
    this.timeout = timeout;
    this.clock = clock;
    this.context = ((VertxInternal) vertx).createEventLoopContext();
    this.connections = connections;
    this.http =
        vertx.createHttpClient(
            new HttpClientOptions().setVerifyHost(true),
            new PoolOptions().setHttp1MaxSize(connections));
  }

  /** A request body that can be sent again (after a challenge or a redirect). */
  public record Body(Buffer bytes, Path file, long length) {
    public static Body of(byte[] bytes) {
      return new Body(Buffer.buffer(bytes), null, bytes.length);
    }

    public static Body ofFile(Path file, long length) {
      return new Body(null, file, length);
    }
  }

  /**
   * One registry API call.
   *
   * @param path below the registry root, e.g. {@code /v2/library/alpine/manifests/3} or an absolute
   *     upload URL from a {@code Location} header
   * @param actions what the call needs on the repository: {@code pull} or {@code pull,push}
   * @param body null for none
   */
  public record Call(
      ImageReference repo,
      Credentials credentials,
      boolean insecure,
      String actions,
      String method,
      String path,
      Map<String, String> headers,
      Body body) {
    public Call {
      Objects.requireNonNull(repo);
      headers = headers == null ? Map.of() : headers;
    }

    String scope() {
      return "repository:" + repo.repository() + ":" + actions;
    }
  }

  private record Grant(String authorization, Instant expires) {}

  /** The registry's API root for a repository: http only for loopback or when asked. */
  public static URI base(ImageReference repo, boolean insecure) {
    String scheme = repo.isLoopback() || insecure ? "http" : "https";
    return URI.create(scheme + "://" + repo.endpoint());
  }

  /**
   * Sends the call and returns the final response (after auth and redirects) paused, with its body
   * still to be read: the caller reads it or drops it with {@link Bodies}. Status codes are the
   * caller's business, except for auth failures, which fail with {@link RegistryCallException} with
   * status 401 or 403.
   */
  public Future<HttpClientResponse> send(Call call) {
    URI registry = base(call.repo(), call.insecure());
    return send(call, registry, registry.resolve(call.path()), false, 0);
  }

  private Future<HttpClientResponse> send(
      Call call, URI registry, URI uri, boolean challenged, int redirects) {
    boolean sameHost = Objects.equals(uri.getAuthority(), registry.getAuthority());
    String authorization = sameHost ? authorization(registry, call) : null;
    return exchange(call, uri, authorization)
        .compose(
            response -> {
              int status = response.statusCode();
              if (status == 401 && sameHost && !challenged) {
                String challenge =
                    Objects.requireNonNullElse(response.getHeader("WWW-Authenticate"), "");
                Bodies.discard(response);
                return authorize(registry, call, challenge, authorization)
                    .compose(v -> send(call, registry, uri, true, redirects));
              }
              if (status == 401 || status == 403) {
                return Bodies.error(response)
                    .compose(
                        body ->
                            Future.failedFuture(
                                new RegistryCallException(
                                    status, authFailure(call, status, body))));
              }
              if (isRedirect(status) && redirects < MAX_REDIRECTS) {
                String location = response.getHeader("Location");
                Bodies.discard(response);
                if (location == null) {
                  return Future.failedFuture(
                      new RegistryCallException(status, "redirect without a Location from " + uri));
                }
                return send(call, registry, uri.resolve(location), challenged, redirects + 1);
              }
              return Future.succeededFuture(response);
            });
  }

  /**
   * One request and its response headers; the response comes back paused. Every request runs on the
   * client's one event-loop context, where its connections live too, so the pause happens on the
   * connection's thread before any of the body is delivered. (From another context, a small body
   * could arrive and end, unread, before the caller saw the response.)
   */
  private Future<HttpClientResponse> exchange(Call call, URI uri, String authorization) {
    if (Vertx.currentContext() == context && Context.isOnEventLoopThread()) {
      return exchangeOrRetry(call, uri, authorization);
    }
    Promise<HttpClientResponse> answered = Promise.promise();
    context.runOnContext(v -> exchangeOrRetry(call, uri, authorization).onComplete(answered));
    return answered.future();
  }

  /**
   * A GET or HEAD whose pooled connection turns out closed (the registry restarted, or dropped idle
   * keep-alive connections) is sent again; each closed connection leaves the pool, so after as many
   * tries as the pool holds connections the next one is fresh.
   */
  private Future<HttpClientResponse> exchangeOrRetry(Call call, URI uri, String authorization) {
    boolean idempotent = call.method().equals("GET") || call.method().equals("HEAD");
    return exchangeOrRetry(call, uri, authorization, idempotent ? connections : 0);
  }

  private Future<HttpClientResponse> exchangeOrRetry(
      Call call, URI uri, String authorization, int retries) {
    return exchangeHere(call, uri, authorization)
        .recover(
            e ->
                retries > 0 && e instanceof HttpClosedException
                    ? exchangeOrRetry(call, uri, authorization, retries - 1)
                    : Future.failedFuture(e));
  }

  private Future<HttpClientResponse> exchangeHere(Call call, URI uri, String authorization) {
    RequestOptions options =
        new RequestOptions()
            .setMethod(HttpMethod.valueOf(call.method()))
            .setAbsoluteURI(uri.toString())
            .setConnectTimeout(timeout.toMillis())
            .setIdleTimeout(timeout.toMillis())
            .setFollowRedirects(false);
    call.headers().forEach(options::putHeader);
    if (authorization != null) {
      options.putHeader(HttpHeaders.AUTHORIZATION, authorization);
    }
    return http.request(options)
        .compose(request -> sendBody(request, call.body()))
        .map(
            response -> {
              response.pause();
              return response;
            });
  }

  private Future<HttpClientResponse> sendBody(HttpClientRequest request, Body body) {
    if (body == null) {
      return request.send();
    }
    request.putHeader(HttpHeaders.CONTENT_LENGTH, Long.toString(body.length()));
    if (body.bytes() != null) {
      return request.send(body.bytes());
    }
    return vertx
        .fileSystem()
        .open(body.file().toString(), new OpenOptions().setRead(true).setWrite(false))
        .compose(
            file ->
                request
                    .send(file)
                    .andThen(
                        done -> {
                          file.close();
                        }));
  }

  private String authorization(URI registry, Call call) {
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
  private Future<Void> authorize(URI registry, Call call, String header, String refused) {
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
    return exchange(get, uri, authorization)
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

  /** Closes the connections. */
  public Future<Void> close() {
    return http.close();
  }

  private static String key(URI registry, Call call, String what) {
    String user = call.credentials() == null ? "" : call.credentials().username();
    return registry.getAuthority() + "|" + user + "|" + what;
  }

  private static String basic(Credentials c) {
    String pair = c.username() + ":" + c.password();
    return "Basic " + Base64.getEncoder().encodeToString(pair.getBytes(StandardCharsets.UTF_8));
  }

  private static String authFailure(Call call, int status, String body) {
    String what =
        "registry "
            + call.repo().registry()
            + " "
            + (status == 401 ? "rejected" : "denied")
            + " "
            + call.actions()
            + " access to "
            + call.repo().repository()
            + " (HTTP "
            + status
            + ")";
    String hint =
        call.credentials() == null
            ? "; it needs credentials"
            : "; check the user name, password and their permissions";
    return what + hint + errorSummary(body);
  }

  private static boolean isRedirect(int status) {
    return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
  }

  /** The registry's {@code errors[]} as {@code ": CODE message; ..."}, or the raw body. */
  public static String errorSummary(String body) {
    if (body == null || body.isBlank()) {
      return "";
    }
    try {
      JsonArray errors = new JsonObject(body).getJsonArray("errors");
      if (errors != null && !errors.isEmpty()) {
        StringBuilder sb = new StringBuilder(":");
        for (int i = 0; i < errors.size(); i++) {
          JsonObject e = errors.getJsonObject(i);
          sb.append(i == 0 ? " " : "; ")
              .append(e.getString("code", "?"))
              .append(' ')
              .append(e.getString("message", ""));
        }
        return sb.toString();
      }
    } catch (RuntimeException notJson) {
      // fall through to the raw text
    }
    String raw = body.strip();
    return ": " + (raw.length() > 300 ? raw.substring(0, 300) + "..." : raw);
  }
}
