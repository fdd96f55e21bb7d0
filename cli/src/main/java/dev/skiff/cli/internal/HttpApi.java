package dev.skiff.cli.internal;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.HttpURLConnection;
import java.net.URI;
import java.net.URL;
import java.nio.charset.StandardCharsets;

/**
 * The control plane's HTTP transport: sends one request, turns error statuses into {@link
 * ServerRejectedException} and I/O failures into {@link ServerUnreachableException}. Blocking,
 * which suits a CLI: one thread, one request at a time.
 *
 * <p>Built on {@link HttpURLConnection} rather than {@code java.net.http.HttpClient}: both block
 * without an event loop, but the newer client costs ~0.7 s of start-up on every invocation (it
 * loads the default TLS context and its own module even for {@code http://}), while this one lives
 * in java.base, loads TLS only for {@code https://} servers, and keeps connections alive across the
 * polls of a rollout.
 */
public final class HttpApi {
  private static final int CONNECT_TIMEOUT_MS = 5_000;
  private static final int READ_TIMEOUT_MS = 60_000;

  private final String base;
  private final Credentials credentials;
  private javax.net.ssl.SSLSocketFactory tls;

  private HttpApi(String base, Credentials credentials) {
    this.base = base;
    this.credentials = credentials;
  }

  /**
   * A client for the control plane at {@code server}, e.g. {@code http://127.0.0.1:7070}, sending
   * the credentials' token on every request and trusting their CA for {@code https://}.
   */
  public static HttpApi create(String server, Credentials credentials) {
    return new HttpApi(
        server.endsWith("/") ? server.substring(0, server.length() - 1) : server, credentials);
  }

  private HttpURLConnection open(URL url) throws IOException {
    HttpURLConnection c = (HttpURLConnection) url.openConnection();
    c.setRequestProperty("Authorization", "Bearer " + credentials.token());
    if (c instanceof javax.net.ssl.HttpsURLConnection https && credentials.ca() != null) {
      https.setSSLSocketFactory(tlsFactory());
    }
    return c;
  }

  /** Trusts exactly the CA (or self-signed certificate) skiffd recorded for this server. */
  private javax.net.ssl.SSLSocketFactory tlsFactory() throws IOException {
    if (tls == null) {
      try (InputStream in = java.nio.file.Files.newInputStream(credentials.ca())) {
        var certs =
            java.security.cert.CertificateFactory.getInstance("X.509").generateCertificates(in);
        var ks = java.security.KeyStore.getInstance(java.security.KeyStore.getDefaultType());
        ks.load(null, null);
        int i = 0;
        for (var cert : certs) {
          ks.setCertificateEntry("ca" + i++, cert);
        }
        var tmf =
            javax.net.ssl.TrustManagerFactory.getInstance(
                javax.net.ssl.TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(ks);
        var ctx = javax.net.ssl.SSLContext.getInstance("TLS");
        ctx.init(null, tmf.getTrustManagers(), null);
        tls = ctx.getSocketFactory();
      } catch (java.security.GeneralSecurityException e) {
        throw new IOException("cannot use the CA file " + credentials.ca() + ": " + e, e);
      }
    }
    return tls;
  }

  /** An answer with a 2xx status; {@code json} is null when the body was empty or not JSON. */
  public record Response(int status, JsonNode json) {}

  public Response get(String path) {
    return send("GET", path, null, null);
  }

  public Response delete(String path) {
    return send("DELETE", path, null, null);
  }

  public Response post(String path, String json) {
    return send("POST", path, json.getBytes(StandardCharsets.UTF_8), "application/json");
  }

  public Response put(String path, String json) {
    return send("PUT", path, json.getBytes(StandardCharsets.UTF_8), "application/json");
  }

  public Response postBytes(String path, byte[] body, String contentType) {
    return send("POST", path, body, contentType);
  }

  /**
   * A GET whose answer is read line by line as it arrives, e.g. {@code application/x-ndjson} that
   * the server keeps open. An error status is thrown here, before any line is returned.
   *
   * @param open true when the server may stay silent for long (a follow): no read timeout then
   */
  public LineStream getLines(String path, boolean open) {
    URL url = url(path);
    HttpURLConnection c;
    int status;
    try {
      c = open(url);
      c.setConnectTimeout(CONNECT_TIMEOUT_MS);
      c.setReadTimeout(open ? 0 : READ_TIMEOUT_MS);
      c.setRequestProperty("Accept", "application/x-ndjson, application/json");
      status = c.getResponseCode();
    } catch (IOException e) {
      throw new ServerUnreachableException(base, e);
    }
    if (status / 100 != 2) {
      String answer;
      try {
        answer = readFully(c.getErrorStream());
      } catch (IOException e) {
        answer = "";
      }
      throw new ServerRejectedException(status, Problem.fromResponse(status, "GET", path, answer));
    }
    try {
      return new LineStream(c, c.getInputStream(), base);
    } catch (IOException e) {
      throw new ServerUnreachableException(base, e);
    }
  }

  /** A GET whose answer is text (e.g. PEM), returned as is. */
  public String getText(String path) {
    return exchange("GET", path, null, null, "*/*").body();
  }

  private record Raw(int status, String body) {}

  private Response send(String method, String path, byte[] body, String contentType) {
    Raw answer = exchange(method, path, body, contentType, "application/json");
    return new Response(answer.status(), Decoder.tree(answer.body()));
  }

  private Raw exchange(String method, String path, byte[] body, String contentType, String accept) {
    URL url = url(path);
    int status;
    String answer;
    try {
      HttpURLConnection c = open(url);
      c.setConnectTimeout(CONNECT_TIMEOUT_MS);
      c.setReadTimeout(READ_TIMEOUT_MS);
      c.setRequestMethod(method);
      c.setRequestProperty("Accept", accept);
      if (body != null) {
        c.setDoOutput(true);
        c.setFixedLengthStreamingMode(body.length); // no copy of a large module in memory
        c.setRequestProperty("Content-Type", contentType);
        try (OutputStream out = c.getOutputStream()) {
          out.write(body);
        }
      }
      status = c.getResponseCode();
      answer = readFully(status >= 400 ? c.getErrorStream() : c.getInputStream());
    } catch (IOException e) {
      throw new ServerUnreachableException(base, e);
    }
    if (status / 100 != 2) {
      throw new ServerRejectedException(status, Problem.fromResponse(status, method, path, answer));
    }
    return new Raw(status, answer);
  }

  private URL url(String path) {
    try {
      URI uri = URI.create(base + path);
      if (!"http".equals(uri.getScheme()) && !"https".equals(uri.getScheme())) {
        throw new IllegalArgumentException("not http(s)");
      }
      return uri.toURL();
    } catch (IllegalArgumentException | java.net.MalformedURLException e) {
      throw new CliException(
          "'" + base + "' is not a valid server URL", "give --server like http://127.0.0.1:7070");
    }
  }

  /** Reads and closes the body, so the connection goes back to the keep-alive cache. */
  private static String readFully(InputStream in) throws IOException {
    if (in == null) {
      return "";
    }
    try (in) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }
}
