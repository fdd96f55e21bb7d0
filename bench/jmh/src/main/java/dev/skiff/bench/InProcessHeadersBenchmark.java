package dev.skiff.bench;

import dev.skiff.proxy.InProcessHeaders;
import io.vertx.core.MultiMap;
import io.vertx.core.http.HttpHeaders;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;

/**
 * What handing a request in process costs in headers, on every request the gateway enters the
 * activator with and the activator an instance's sidecar with: the client's headers (curl's, on an
 * HTTP/1.1 request map) replaced by the hop's (the same plus forwarding, id and trace headers).
 * {@link #byNames} is how the gateway and the activator did it (a sorted name set of each map, a
 * value list per name), {@link #inOnePass} is {@link InProcessHeaders#replace}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class InProcessHeadersBenchmark {
  private final MultiMap upstream =
      MultiMap.caseInsensitiveMultiMap()
          .add("user-agent", "curl/7.88.1")
          .add("accept", "*/*")
          .add("x-forwarded-for", "127.0.0.1")
          .add("x-forwarded-proto", "http")
          .add("x-forwarded-host", "hello.default.localhost")
          .add("forwarded", "for=127.0.0.1;host=hello.default.localhost;proto=http")
          .add("x-request-id", "9c786327-e19f-4bd2-af76-e307942c1b5c")
          .add("traceparent", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01");

  private static MultiMap clientHeaders() {
    return HttpHeaders.headers()
        .add("Host", "hello.default.localhost")
        .add("User-Agent", "curl/7.88.1")
        .add("Accept", "*/*");
  }

  @Benchmark
  public MultiMap byNames() {
    MultiMap request = clientHeaders();
    List<String> drop = new ArrayList<>();
    for (String name : request.names()) {
      if (!name.startsWith(":") && !"host".equalsIgnoreCase(name) && !upstream.contains(name)) {
        drop.add(name);
      }
    }
    drop.forEach(request::remove);
    for (String name : upstream.names()) {
      request.set(name, upstream.getAll(name));
    }
    return request;
  }

  @Benchmark
  public MultiMap inOnePass() {
    MultiMap request = clientHeaders();
    InProcessHeaders.replace(request, upstream);
    return request;
  }

  /** The request map alone, to subtract from both. */
  @Benchmark
  public MultiMap mapOnly() {
    return clientHeaders();
  }
}
