package dev.skiff.cli;

import dev.skiff.api.model.Service;
import dev.skiff.cli.internal.CliException;
import dev.skiff.cli.internal.GatewayClient;
import dev.skiff.cli.internal.GatewayClient.Header;
import dev.skiff.cli.internal.InvokeView;
import dev.skiff.cli.internal.Reply;
import dev.skiff.cli.internal.ServiceHost;
import dev.skiff.cli.internal.TerminalText;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code skiff invoke NAME}: one HTTP request to a service through the gateway, with the Host
 * header naming the service (or one of its tags), and the answer printed as it came.
 */
@Command(
    name = "invoke",
    description = {
      "Send an HTTP request to a service through the gateway; print the body.",
      "The Host header names the service ({name}.{namespace}.{domain}, the domain",
      "from its URL) or, with --tag, one of its tags. Exit code 1 unless the",
      "answer's status is 2xx or 3xx."
    })
final class InvokeCommand extends SkiffCommand {
  @Parameters(index = "0", paramLabel = "NAME", description = "The service.")
  String name;

  @Option(
      names = {"-d", "--data"},
      paramLabel = "@FILE|-|TEXT",
      description = {
        "The request body: @FILE a file's bytes, - (or @-) standard input, else the text.",
        "Makes the method POST unless --method says otherwise."
      })
  String data;

  @Option(
      names = {"-H", "--header"},
      paramLabel = "K:V",
      description = "A request header; repeatable. -H 'Host: x' replaces the service's host.")
  List<String> headers = new ArrayList<>();

  @Option(
      names = {"-X", "--method"},
      paramLabel = "M",
      description =
          "GET, POST, PUT, DELETE, HEAD, OPTIONS or TRACE (default GET, POST with --data).")
  String method;

  @Option(
      names = "--path",
      paramLabel = "P",
      defaultValue = "/",
      description = "The request path and query, e.g. /greet?name=ann (default ${DEFAULT-VALUE}).")
  String path;

  @Option(names = "--tag", paramLabel = "T", description = "Call the revision tagged T.")
  String tag;

  @Option(
      names = "--gateway",
      paramLabel = "URL",
      description = "The gateway (env SKIFF_GATEWAY, default " + Skiff.DEFAULT_GATEWAY + ").")
  String gateway;

  @Option(
      names = {"-i", "--include"},
      description = "Print the status line and headers before the body, like curl -i.")
  boolean include;

  @Override
  public Integer call() {
    // Everything the command line can get wrong is checked before the first request.
    String ns = namespace();
    checkName("service name", name);
    if (tag != null) {
      checkName("tag", tag);
    }
    GatewayClient client = client();
    String verb = method();
    String target = target();
    List<Header> given = parseHeaders();
    byte[] body = body();
    if (body != null && (verb.equals("GET") || verb.equals("HEAD") || verb.equals("TRACE"))) {
      throw usage("--data: a " + verb + " request cannot carry a body; use --method POST or PUT");
    }

    Service service =
        api()
            .findService(ns, name)
            .map(Reply::value)
            .orElseThrow(
                () ->
                    new CliException(
                        "no service " + name + " in namespace " + ns,
                        "list the services with: skiff list -n " + ns));
    String url = service.status() == null ? null : service.status().url();
    String host = ServiceHost.of(url, name, ns, tag);
    // Defaults first; a header given with -H replaces the default of its name.
    Set<String> givenNames = new HashSet<>();
    given.forEach(h -> givenNames.add(h.name().toLowerCase(Locale.ROOT)));
    List<Header> sent = new ArrayList<>();
    for (Header d : defaultHeaders(body != null)) {
      if (!givenNames.contains(d.name().toLowerCase(Locale.ROOT))) {
        sent.add(d);
      }
    }
    for (Header h : given) {
      if (h.name().equalsIgnoreCase("Host")) {
        host = h.value();
      } else {
        sent.add(h);
      }
    }

    try (GatewayClient.Response r =
        client.send(new GatewayClient.Request(verb, target, host, sent, body))) {
      return print(r, verb, target, host);
    } catch (IOException e) {
      throw new CliException(
          "the connection to the gateway broke while reading the answer: " + e.getMessage(),
          "try again; the gateway's log says why the answer stopped");
    }
  }

  private List<Header> defaultHeaders(boolean hasBody) {
    List<Header> d = new ArrayList<>();
    d.add(new Header("Accept", "*/*"));
    d.add(new Header("User-Agent", "skiff"));
    if (hasBody) {
      // Bytes from a file or stdin are opaque; text typed on the command line is text.
      boolean bytes = data.startsWith("@") || data.equals("-");
      d.add(
          new Header(
              "Content-Type", bytes ? "application/octet-stream" : "text/plain; charset=utf-8"));
    }
    return d;
  }

  private int print(GatewayClient.Response r, String verb, String target, String host)
      throws IOException {
    boolean ok = r.status() >= 200 && r.status() < 400;
    PrintStream out = skiff().out();
    byte[] body = null;
    switch (skiff().format()) {
      case TABLE -> {
        if (include) {
          out.print(InvokeView.head(r.statusLine(), r.headers()));
        }
        if (ok) {
          r.body().transferTo(out); // as it arrives: a large or slow answer is not held back
        } else {
          body = r.body().readAllBytes();
          out.write(body);
        }
        out.flush();
      }
      case JSON, YAML -> {
        body = r.body().readAllBytes();
        printer().print(InvokeView.document(r.status(), r.headers(), body), o -> {});
      }
    }
    if (ok) {
      return OK;
    }
    PrintStream err = skiff().err();
    err.println(
        "Error: HTTP " + r.status() + " from " + verb + " " + target + " (Host " + host + ")");
    if (body.length > 0) {
      String text = InvokeView.utf8(body);
      // On stderr as a diagnostic, so escaped; a successful body goes to stdout as is, like curl.
      err.print(
          text != null ? TerminalText.text(text) : "(" + body.length + " bytes of binary body)");
      if (text == null || !text.endsWith("\n")) {
        err.println();
      }
    }
    err.flush();
    return ErrorHandlers.REFUSED;
  }

  /** The request target: --path, made absolute, checked as URI syntax (percent-encoded). */
  private String target() {
    String target = path.startsWith("/") ? path : "/" + path;
    try {
      URI.create("http://gateway" + target);
    } catch (IllegalArgumentException e) {
      throw usage(
          "--path: '" + path + "' is not a request path; percent-encode spaces and the like");
    }
    return target;
  }

  private GatewayClient client() {
    String url = skiff().gatewayUrl(gateway);
    try {
      return GatewayClient.create(url);
    } catch (IllegalArgumentException e) {
      throw usage("--gateway: '" + url + "' is not a URL like " + Skiff.DEFAULT_GATEWAY);
    }
  }

  private String method() {
    if (method == null) {
      return data == null ? "GET" : "POST";
    }
    String m = method.toUpperCase(Locale.ROOT);
    if (!GatewayClient.METHODS.contains(m)) {
      throw usage(
          "--method: "
              + method
              + " is not supported; skiff invoke sends GET, POST, PUT, DELETE, HEAD, OPTIONS or"
              + " TRACE");
    }
    return m;
  }

  private List<Header> parseHeaders() {
    List<Header> parsed = new ArrayList<>();
    for (String h : headers) {
      int colon = h.indexOf(':');
      String key = colon < 0 ? "" : h.substring(0, colon).strip();
      if (key.isEmpty() || !key.chars().allMatch(InvokeCommand::isTokenChar)) {
        throw usage("-H: '" + h + "' is not a header like 'Content-Type: application/json'");
      }
      if (key.equalsIgnoreCase("Content-Length") || key.equalsIgnoreCase("Transfer-Encoding")) {
        throw usage("-H: " + key + " is set from --data");
      }
      parsed.add(new Header(key, h.substring(colon + 1).strip()));
    }
    return parsed;
  }

  /** RFC 9110 token characters, the only ones a header name may hold. */
  private static boolean isTokenChar(int c) {
    return c > 32 && c < 127 && "\"(),/:;<=>?@[\\]{}".indexOf(c) < 0;
  }

  private byte[] body() {
    if (data == null) {
      return null;
    }
    if (data.equals("-") || data.equals("@-")) {
      try {
        return skiff().in().readAllBytes();
      } catch (IOException e) {
        throw usage("--data: cannot read standard input: " + e.getMessage());
      }
    }
    if (data.startsWith("@")) {
      String file = data.substring(1);
      try {
        return Files.readAllBytes(Path.of(file));
      } catch (NoSuchFileException e) {
        throw usage("--data: no such file: " + file);
      } catch (IOException | InvalidPathException e) {
        throw usage("--data: cannot read " + file + ": " + e.getMessage());
      }
    }
    return data.getBytes(StandardCharsets.UTF_8);
  }
}
