package dev.skiff.wasm.internal;

import dev.skiff.wasm.WagiRequest;
import dev.skiff.wasm.WasmConfig;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The environment and arguments a request becomes under WAGI (CGI 1.1, RFC 3875, as Spin's WAGI
 * executor sets them). The service's env comes first and the CGI variables override it, so a
 * request's facts cannot be spoofed by configuration.
 */
public final class CgiEnvironment {
  private CgiEnvironment() {}

  public static Map<String, String> env(WagiRequest request, WasmConfig config) {
    var env = new LinkedHashMap<String, String>(config.env());
    String[] cgi = variables(request);
    for (int i = 0; i < cgi.length; i += 2) {
      env.put(cgi[i], cgi[i + 1]);
    }
    request.headers().forEach((name, values) -> putHeader(env, name, values));
    return env;
  }

  /**
   * The CGI variables of {@code request} other than its headers' ({@code HTTP_*}), as names and
   * values alternating, in the order {@link #env} gives them.
   */
  static String[] variables(WagiRequest request) {
    String scriptName = scriptName(request.matchedRoute());
    String rawPathInfo =
        request.path().startsWith(scriptName)
            ? request.path().substring(scriptName.length())
            : request.path();
    String pathInfo = decode(rawPathInfo, false);
    String contentType = request.header("Content-Type").orElse("");
    return new String[] {
      "AUTH_TYPE",
      "",
      "CONTENT_LENGTH",
      Integer.toString(request.body().length),
      "CONTENT_TYPE",
      contentType,
      "GATEWAY_INTERFACE",
      "CGI/1.1",
      "PATH_INFO",
      pathInfo,
      "PATH_TRANSLATED",
      pathInfo,
      "QUERY_STRING",
      request.query(),
      "REMOTE_ADDR",
      request.remoteAddr(),
      "REMOTE_HOST",
      request.remoteAddr(),
      "REMOTE_USER",
      "",
      "REQUEST_METHOD",
      request.method(),
      "SCRIPT_NAME",
      scriptName,
      "SERVER_NAME",
      request.serverName(),
      "SERVER_PORT",
      Integer.toString(request.serverPort()),
      "SERVER_PROTOCOL",
      request.protocol(),
      "SERVER_SOFTWARE",
      "Skiff",
      "X_FULL_URL",
      request.fullUrl() != null ? request.fullUrl() : fullUrl(request),
      "X_MATCHED_ROUTE",
      request.matchedRoute(),
      "X_RAW_PATH_INFO",
      rawPathInfo,
    };
  }

  /**
   * Whether a header of this name is left out of the environment: RFC 3875 4.1.18, credentials and
   * hop-by-hop connection data stay with the server (as in Spin).
   */
  static boolean withheld(String variable) {
    return variable.equals("HTTP_AUTHORIZATION") || variable.equals("HTTP_CONNECTION");
  }

  /** {@code argv}: the function's name, then the query's {@code &}-separated terms, URL-decoded. */
  public static List<String> args(WagiRequest request, String functionName) {
    if (request.query().isEmpty()) {
      return List.of(functionName);
    }
    var args = new ArrayList<String>();
    args.add(functionName);
    for (String term : request.query().split("&")) {
      if (!term.isEmpty()) {
        args.add(decode(term, true));
      }
    }
    return args;
  }

  private static void putHeader(Map<String, String> env, String name, List<String> values) {
    String key = variable(name);
    if (withheld(key) || values.isEmpty()) {
      return;
    }
    env.merge(
        key,
        values.size() == 1 ? values.get(0) : String.join(", ", values),
        (a, b) -> a + ", " + b);
  }

  /**
   * {@code HTTP_} and the name upper-cased (ASCII; others as {@link Locale#ROOT} has them), '-' as
   * '_'.
   */
  static String variable(String name) {
    char[] key = new char[5 + name.length()];
    "HTTP_".getChars(0, 5, key, 0);
    for (int i = 0; i < name.length(); i++) {
      char c = name.charAt(i);
      if (c >= 'a' && c <= 'z') {
        c = (char) (c - ('a' - 'A'));
      } else if (c == '-') {
        c = '_';
      } else if (c >= 0x80) {
        return "HTTP_" + name.toUpperCase(Locale.ROOT).replace('-', '_');
      }
      key[5 + i] = c;
    }
    return new String(key);
  }

  /** The route's fixed prefix: {@code /api/...} gives {@code /api}, {@code /...} gives empty. */
  private static String scriptName(String matchedRoute) {
    String route =
        matchedRoute.endsWith("/...")
            ? matchedRoute.substring(0, matchedRoute.length() - 4)
            : matchedRoute;
    return route.equals("/") ? "" : route;
  }

  private static String fullUrl(WagiRequest request) {
    String scheme =
        request.protocol().toUpperCase(Locale.ROOT).startsWith("HTTPS") ? "https" : "http";
    String query = request.query().isEmpty() ? "" : "?" + request.query();
    return scheme
        + "://"
        + request.serverName()
        + ":"
        + request.serverPort()
        + request.path()
        + query;
  }

  /**
   * Percent-decodes as UTF-8, leniently: a malformed escape stays as written. With {@code
   * plusIsSpace}, {@code +} decodes to a space as in form-encoded queries.
   */
  static String decode(String raw, boolean plusIsSpace) {
    if (raw.indexOf('%') < 0 && (!plusIsSpace || raw.indexOf('+') < 0)) {
      return raw;
    }
    var out = new ByteArrayOutputStream(raw.length());
    byte[] bytes = raw.getBytes(StandardCharsets.UTF_8);
    for (int i = 0; i < bytes.length; i++) {
      byte b = bytes[i];
      int hi = i + 2 < bytes.length ? Character.digit(bytes[i + 1], 16) : -1;
      int lo = i + 2 < bytes.length ? Character.digit(bytes[i + 2], 16) : -1;
      if (b == '%' && hi >= 0 && lo >= 0) {
        out.write(hi << 4 | lo);
        i += 2;
      } else if (b == '+' && plusIsSpace) {
        out.write(' ');
      } else {
        out.write(b);
      }
    }
    return out.toString(StandardCharsets.UTF_8);
  }
}
