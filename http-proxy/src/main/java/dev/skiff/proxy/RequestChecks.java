package dev.skiff.proxy;

import io.vertx.core.MultiMap;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpVersion;
import java.util.List;

/**
 * The checks every request passes before a proxy's pipeline sees it: framing that two HTTP parsers
 * could read differently (RFC 9112 sections 6.1 and 6.3, the stuff of request smuggling), more than
 * one Host, and a path that decodes to a control character a CGI function would copy into its
 * response headers.
 */
public final class RequestChecks {
  private RequestChecks() {}

  /** What is wrong with {@code request}, or null when nothing is. */
  public static String problem(HttpServerRequest request) {
    if (request.decoderResult() != null && request.decoderResult().isFailure()) {
      return "the request could not be parsed: " + request.decoderResult().cause().getMessage();
    }
    List<String> hosts = request.headers().getAll("host");
    if (hosts.size() > 1) {
      return "the request has " + hosts.size() + " Host headers; send exactly one";
    }
    if (request.version() != HttpVersion.HTTP_2) {
      String framing = framingProblem(request);
      if (framing != null) {
        return framing;
      }
    }
    return pathProblem(request.path());
  }

  private static String framingProblem(HttpServerRequest request) {
    // Nearly every request has neither header: then no list is made for them.
    MultiMap headers = request.headers();
    List<String> te =
        headers.contains("transfer-encoding") ? headers.getAll("transfer-encoding") : List.of();
    List<String> cl =
        headers.contains("content-length") ? headers.getAll("content-length") : List.of();
    if (!te.isEmpty()) {
      if (te.size() > 1 || !te.get(0).trim().equalsIgnoreCase("chunked")) {
        return "Transfer-Encoding "
            + te
            + " is not accepted: the only transfer coding is a single 'chunked'";
      }
      if (!cl.isEmpty()) {
        return "the request has both Transfer-Encoding and Content-Length; send one of them";
      }
    }
    if (cl.size() > 1) {
      return "the request has " + cl.size() + " Content-Length headers; send exactly one";
    }
    if (cl.size() == 1 && !isDigits(cl.get(0).trim())) {
      return "Content-Length '" + cl.get(0) + "' is not a number of bytes";
    }
    if (request.version() == HttpVersion.HTTP_1_1 && request.headers().get("host") == null) {
      return "an HTTP/1.1 request must have a Host header";
    }
    return null;
  }

  private static String pathProblem(String path) {
    if (path == null) {
      return null;
    }
    if (controlCharacter(path)) {
      return "the request path contains an encoded CR, LF or NUL (%0d, %0a, %00), which no"
          + " function should receive";
    }
    return null;
  }

  /** A CR, LF or NUL in {@code path}, raw or percent-encoded (any case); one pass, no copy. */
  private static boolean controlCharacter(String path) {
    int n = path.length();
    for (int i = 0; i < n; i++) {
      char c = path.charAt(i);
      if (c == '\r' || c == '\n' || c == '\0') {
        return true;
      }
      if (c == '%' && i + 2 < n && path.charAt(i + 1) == '0') {
        char d = path.charAt(i + 2);
        if (d == 'd' || d == 'D' || d == 'a' || d == 'A' || d == '0') {
          return true;
        }
      }
    }
    return false;
  }

  private static boolean isDigits(String s) {
    if (s.isEmpty() || s.length() > 18) {
      return false;
    }
    for (int i = 0; i < s.length(); i++) {
      if (s.charAt(i) < '0' || s.charAt(i) > '9') {
        return false;
      }
    }
    return true;
  }
}
