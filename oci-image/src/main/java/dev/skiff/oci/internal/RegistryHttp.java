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
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;

/**
 * HTTP to registries on Vert.x's client, nothing blocks: picks the scheme, sends what {@link
 * RegistryAuth} says to a 401, and follows redirects without sending credentials to other hosts.
 */
public final class RegistryHttp {
  private static final int MAX_REDIRECTS = 5;

  private final Vertx vertx;
  private final HttpClientAgent http;
  private final Context context;
  private final int connections;
  private final Duration timeout;
  private final RegistryAuth auth;

  /**
   * @param connections connections per host at once; further requests wait for one
   * @param timeout to connect, and the longest a response (headers or body) may stay silent
   */
  public RegistryHttp(Vertx vertx, int connections, Duration timeout, Clock clock) {
    this.vertx = vertx;
    this.timeout = timeout;
    this.context = ((VertxInternal) vertx).createEventLoopContext();
    this.connections = connections;
    this.http =
        vertx.createHttpClient(
            new HttpClientOptions().setVerifyHost(true),
            new PoolOptions().setHttp1MaxSize(connections));
    this.auth = new RegistryAuth(clock, this::exchange);
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
    String authorization = sameHost ? auth.authorization(registry, call) : null;
    return exchange(call, uri, authorization)
        .compose(
            response -> {
              int status = response.statusCode();
              if (status == 401 && sameHost && !challenged) {
                String challenge =
                    Objects.requireNonNullElse(response.getHeader("WWW-Authenticate"), "");
                Bodies.discard(response);
                return auth.authorize(registry, call, challenge, authorization)
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

  /** Closes the connections. */
  public Future<Void> close() {
    return http.close();
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
