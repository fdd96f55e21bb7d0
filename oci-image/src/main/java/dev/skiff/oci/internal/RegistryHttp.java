package dev.skiff.oci.internal;

import dev.skiff.oci.Credentials;
import dev.skiff.oci.ImageReference;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * Blocking HTTP to registries: picks the scheme, answers auth challenges (Basic, and Bearer through
 * the challenge's token endpoint), caches tokens per repository scope, and follows redirects
 * without leaking credentials to other hosts. Call from worker threads only.
 */
public final class RegistryHttp {
  private static final int MAX_REDIRECTS = 5;
  private static final int MAX_ERROR_BODY = 16 * 1024;

  private final HttpClient http;
  private final Duration timeout;
  private final Clock clock;

  /** Authorization header values by {@code host|user|scope} for tokens, {@code host|user|basic}. */
  private final Map<String, Grant> grants = new ConcurrentHashMap<>();

  private final Map<String, Object> fetchLocks = new ConcurrentHashMap<>();

  public RegistryHttp(Duration timeout, Clock clock) {
    this.timeout = timeout;
    this.clock = clock;
    this.http =
        HttpClient.newBuilder()
            .connectTimeout(timeout)
            .followRedirects(HttpClient.Redirect.NEVER)
            .build();
  }

  /**
   * One registry API call.
   *
   * @param path below the registry root, e.g. {@code /v2/library/alpine/manifests/3} or an absolute
   *     upload URL from a {@code Location} header
   * @param actions what the call needs on the repository: {@code pull} or {@code pull,push}
   */
  public record Call(
      ImageReference repo,
      Credentials credentials,
      boolean insecure,
      String actions,
      String method,
      String path,
      Map<String, String> headers,
      Supplier<HttpRequest.BodyPublisher> body) {
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
   * Sends the call and returns the final response (after auth and redirects) with its body still to
   * be read; the caller closes it. Status codes are the caller's business, except for auth
   * failures, which throw {@link RegistryCallException} with status 401 or 403.
   */
  public HttpResponse<InputStream> send(Call call) throws IOException {
    URI registry = base(call.repo(), call.insecure());
    URI uri = registry.resolve(call.path());
    boolean challenged = false;
    int redirects = 0;
    while (true) {
      boolean sameHost = Objects.equals(uri.getAuthority(), registry.getAuthority());
      HttpRequest.Builder b =
          HttpRequest.newBuilder(uri)
              .timeout(timeout)
              .method(
                  call.method(),
                  call.body() == null ? HttpRequest.BodyPublishers.noBody() : call.body().get());
      if ("http".equals(uri.getScheme())) {
        b.version(HttpClient.Version.HTTP_1_1);
      }
      call.headers().forEach(b::header);
      String authorization = sameHost ? authorization(registry, call) : null;
      if (authorization != null) {
        b.header("Authorization", authorization);
      }
      HttpResponse<InputStream> response = send(b.build());
      int status = response.statusCode();
      if (status == 401 && sameHost && !challenged) {
        String challenge = response.headers().firstValue("WWW-Authenticate").orElse("");
        discard(response);
        authorize(registry, call, challenge, authorization);
        challenged = true;
        continue;
      }
      if (status == 401 || status == 403) {
        String body = errorBody(response);
        throw new RegistryCallException(status, authFailure(call, status, body));
      }
      if (isRedirect(status) && redirects < MAX_REDIRECTS) {
        String location = response.headers().firstValue("Location").orElse(null);
        discard(response);
        if (location == null) {
          throw new RegistryCallException(status, "redirect without a Location from " + uri);
        }
        uri = uri.resolve(location);
        redirects++;
        continue;
      }
      return response;
    }
  }

  private HttpResponse<InputStream> send(HttpRequest request) throws IOException {
    try {
      return http.send(request, HttpResponse.BodyHandlers.ofInputStream());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while calling " + request.uri(), e);
    }
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
   * the others find a grant newer than the one they were refused with.
   */
  private void authorize(URI registry, Call call, String header, String refused)
      throws IOException {
    Challenge challenge = Challenge.parse(header);
    String host = registry.getAuthority();
    if (challenge.scheme().equalsIgnoreCase("basic")) {
      if (call.credentials() == null) {
        throw new RegistryCallException(
            401,
            "registry "
                + host
                + " requires a user name and password"
                + " for "
                + call.repo().repository()
                + " (HTTP Basic); pass credentials");
      }
      grants.put(key(registry, call, "basic"), new Grant(basic(call.credentials()), Instant.MAX));
    } else if (challenge.scheme().equalsIgnoreCase("bearer")) {
      String realm = challenge.params().get("realm");
      if (realm == null) {
        throw new RegistryCallException(
            401, "registry " + host + " sent a Bearer challenge" + " without a realm: " + header);
      }
      // Our scope covers the whole call sequence (a push HEADs before it POSTs, and the HEAD's
      // challenge asks only for pull); the registry's, when different, is added as a second scope.
      List<String> scopes = new ArrayList<>(List.of(call.scope()));
      String asked = challenge.params().get("scope");
      if (asked != null && !asked.equals(call.scope())) {
        scopes.add(asked);
      }
      String key = key(registry, call, call.scope());
      synchronized (fetchLocks.computeIfAbsent(key, k -> new Object())) {
        Grant current = grants.get(key);
        if (current != null
            && !current.authorization().equals(refused)
            && current.expires().isAfter(clock.instant())) {
          return;
        }
        grants.put(
            key, fetchToken(registry, realm, challenge.params().get("service"), scopes, call));
      }
    } else {
      throw new RegistryCallException(
          401,
          "registry "
              + host
              + " asked for unsupported auth '"
              + header
              + "' (Basic and Bearer are supported)");
    }
  }

  private Grant fetchToken(
      URI registry, String realm, String service, List<String> scopes, Call call)
      throws IOException {
    List<String> params = new ArrayList<>();
    if (service != null) {
      params.add("service=" + URLEncoder.encode(service, StandardCharsets.UTF_8));
    }
    scopes.forEach(s -> params.add("scope=" + URLEncoder.encode(s, StandardCharsets.UTF_8)));
    String url = realm + (realm.contains("?") ? "&" : "?") + String.join("&", params);
    String scope = String.join(" ", scopes);
    URI uri = registry.resolve(url);
    if ("http".equals(uri.getScheme()) && !"http".equals(registry.getScheme())) {
      throw new RegistryCallException(
          401,
          "registry "
              + registry.getAuthority()
              + " points to a plain-HTTP token endpoint "
              + realm
              + "; refusing to send credentials");
    }
    HttpRequest.Builder b = HttpRequest.newBuilder(uri).timeout(timeout).GET();
    if ("http".equals(uri.getScheme())) {
      b.version(HttpClient.Version.HTTP_1_1);
    }
    if (call.credentials() != null) {
      b.header("Authorization", basic(call.credentials()));
    }
    HttpResponse<InputStream> response = send(b.build());
    String body;
    try (InputStream in = response.body()) {
      body = new String(in.readNBytes(MAX_ERROR_BODY * 4), StandardCharsets.UTF_8);
    }
    if (response.statusCode() != 200) {
      throw new RegistryCallException(
          401,
          "token endpoint "
              + realm
              + " answered HTTP "
              + response.statusCode()
              + " for scope "
              + scope
              + (call.credentials() == null
                  ? " without credentials"
                  : " with the given credentials")
              + ": "
              + body.strip());
    }
    try {
      JsonObject json = new JsonObject(body);
      String token = json.getString("token", json.getString("access_token"));
      if (token == null || token.isEmpty()) {
        throw new RegistryCallException(401, "token endpoint " + realm + " returned no token");
      }
      long ttl = json.getLong("expires_in", 60L);
      // Renew a little before the registry would reject it.
      Instant expires = clock.instant().plusSeconds(Math.max(ttl - 10, 1));
      return new Grant("Bearer " + token, expires);
    } catch (DecodeException | ClassCastException e) {
      throw new RegistryCallException(
          401, "token endpoint " + realm + " returned invalid JSON: " + body.strip());
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

  /** Reads a bounded error body, for messages. */
  public static String errorBody(HttpResponse<InputStream> response) {
    try (InputStream in = response.body()) {
      return new String(in.readNBytes(MAX_ERROR_BODY), StandardCharsets.UTF_8);
    } catch (IOException e) {
      return "";
    }
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

  public static void discard(HttpResponse<InputStream> response) {
    try (InputStream in = response.body()) {
      in.skip(MAX_ERROR_BODY);
    } catch (IOException ignored) {
      // the connection is dropped instead of reused
    }
  }
}
