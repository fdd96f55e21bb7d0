package dev.skiff.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.skiff.api.manifest.Json;
import dev.skiff.oci.GrpcPingImage;
import dev.skiff.oci.LocalRegistry;
import dev.skiff.testing.Prerequisites;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientInterceptors;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.MetadataUtils;
import io.grpc.stub.StreamObserver;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpVersion;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Knative's grpc-ping sample: its manifest applied with {@code skiff apply} as written (only the
 * image names the one built here from {@code grpc-ping.c}, a gRPC {@code ping.PingService} over
 * h2c), served by skiffd under real runc with the mesh on, and called by grpc-java through the
 * gateway with h2c: unary Ping, the PingStream answering each message before the next is sent, an
 * unknown method's status from the workload's trailers, warm and from zero (the activator); and
 * Knative's {@code grpc} readiness and liveness probes (grpc.health.v1) against it, and deadlines
 * through the gateway.
 */
class KnativeGrpcPingIT {
  private static final String HOST = "grpc-ping.default.localhost";

  @TempDir static Path dir;
  static LocalRegistry registry;
  static RunningSkiffd skiffd;
  static Http http;
  static Cli cli;
  static String image;
  static ManagedChannel channel;

  /** ping.Request and ping.Response alike: {@code string msg = 1}, encoded by hand. */
  static final MethodDescriptor.Marshaller<String> MSG =
      new MethodDescriptor.Marshaller<>() {
        @Override
        public InputStream stream(String value) {
          byte[] text = value.getBytes(StandardCharsets.UTF_8);
          ByteArrayOutputStream out = new ByteArrayOutputStream();
          out.write(0x0a);
          for (int v = text.length; ; v >>>= 7) {
            out.write((v & 0x7f) | (v > 0x7f ? 0x80 : 0));
            if (v <= 0x7f) {
              break;
            }
          }
          out.writeBytes(text);
          return new ByteArrayInputStream(out.toByteArray());
        }

        @Override
        public String parse(InputStream stream) {
          try {
            byte[] b = stream.readAllBytes();
            if (b.length == 0) {
              return "";
            }
            int at = 1;
            int len = 0;
            for (int shift = 0; ; shift += 7) {
              int x = b[at++];
              len |= (x & 0x7f) << shift;
              if ((x & 0x80) == 0) {
                break;
              }
            }
            if (b[0] != 0x0a || at + len != b.length) {
              throw new IllegalArgumentException("not a ping.Response");
            }
            return new String(b, at, len, StandardCharsets.UTF_8);
          } catch (IOException e) {
            throw new UncheckedIOException(e);
          }
        }
      };

  static final MethodDescriptor<String, String> PING =
      method("Ping", MethodDescriptor.MethodType.UNARY);
  static final MethodDescriptor<String, String> PING_STREAM =
      method("PingStream", MethodDescriptor.MethodType.BIDI_STREAMING);

  /** grpc-ping's switch for tests: makes the named health service NOT_SERVING in one instance. */
  static final MethodDescriptor<String, String> FAIL =
      method("Fail", MethodDescriptor.MethodType.UNARY);

  static final Metadata.Key<String> INSTANCE =
      Metadata.Key.of("x-instance", Metadata.ASCII_STRING_MARSHALLER);

  static MethodDescriptor<String, String> method(String name, MethodDescriptor.MethodType type) {
    return MethodDescriptor.<String, String>newBuilder()
        .setType(type)
        .setFullMethodName("ping.PingService/" + name)
        .setRequestMarshaller(MSG)
        .setResponseMarshaller(MSG)
        .build();
  }

  @BeforeAll
  static void start() throws Exception {
    Prerequisites.requireRoot("containers");
    Prerequisites.requireExecutable(Path.of("/usr/sbin/runc"), "apt-get install runc");
    LocalRegistry.assumeInstalled();
    registry = LocalRegistry.start(dir.resolve("registry"));
    skiffd = RunningSkiffd.start(dir.resolve("data"), 2);
    http = new Http(HttpVersion.HTTP_1_1);
    cli = new Cli(skiffd);
    image = registry.address() + "/knative/grpc-ping-go:1";
    Vertx vertx = Vertx.vertx();
    try {
      GrpcPingImage.write(
          Files.createDirectories(dir.resolve("build")), dir.resolve("layout"), "1");
      ImagePush.push(vertx, dir.resolve("layout"), image);
    } finally {
      vertx.close();
    }
    channel =
        NettyChannelBuilder.forAddress("127.0.0.1", skiffd.gatewayPort())
            .overrideAuthority(HOST)
            .usePlaintext()
            .build();
  }

  @AfterAll
  static void stop() throws Exception {
    if (channel != null) {
      channel.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
    }
    if (http != null) {
      http.close();
    }
    if (skiffd != null) {
      skiffd.close();
    }
    if (registry != null) {
      registry.close();
    }
  }

  static CallOptions deadline() {
    return CallOptions.DEFAULT.withDeadlineAfter(60, TimeUnit.SECONDS);
  }

  @Test
  void grpcPingAnswersUnaryAndStreamingCallsWarmAndFromZero() throws Exception {
    Path manifest =
        Files.writeString(
            dir.resolve("grpc-ping.yaml"),
            """
            apiVersion: serving.knative.dev/v1
            kind: Service
            metadata:
              name: grpc-ping
              namespace: default
            spec:
              template:
                spec:
                  containers:
                  - image: %s
                    ports:
                      - name: h2c
                        containerPort: 8080
            """
                .formatted(image));
    cli.ok("apply", "-f", manifest.toString());

    String revision = "grpc-ping-00001";
    assertEquals(
        "hello - pong from " + revision,
        ClientCalls.blockingUnaryCall(channel, PING, deadline(), "hello"));
    assertEquals(List.of("one", "two", "three"), pingStream(List.of("one", "two", "three")));
    StatusRuntimeException unknown =
        assertThrows(
            StatusRuntimeException.class,
            () ->
                ClientCalls.blockingUnaryCall(
                    channel, method("Nope", MethodDescriptor.MethodType.UNARY), deadline(), "x"));
    assertEquals(
        Status.Code.UNIMPLEMENTED,
        unknown.getStatus().getCode(),
        "the workload's grpc-status trailer reaches the client: " + unknown);

    awaitReadyInstances(revision, 0, 120);
    assertEquals(
        "cold - pong from " + revision,
        ClientCalls.blockingUnaryCall(channel, PING, deadline(), "cold"),
        "a unary call from zero, held by the activator");
    awaitReadyInstances(revision, 0, 120);
    assertEquals(
        List.of("a", "b"), pingStream(List.of("a", "b")), "a bidirectional stream from zero");
  }

  @Test
  void anHttpGetReadinessProbeOfAnH2cPortIsSentOverHttp2() throws Exception {
    // The workload speaks only HTTP/2: a probe over HTTP/1.1 would never pass, and the revision
    // would never become ready.
    Path manifest =
        Files.writeString(
            dir.resolve("grpc-probed.yaml"),
            """
            apiVersion: serving.knative.dev/v1
            kind: Service
            metadata:
              name: grpc-probed
              namespace: default
            spec:
              template:
                spec:
                  containers:
                  - image: %s
                    ports:
                      - name: h2c
                        containerPort: 8080
                    readinessProbe:
                      httpGet:
                        path: /ping.PingService/Ping
            """
                .formatted(image));
    cli.ok("apply", "-f", manifest.toString());
    ManagedChannel probed =
        NettyChannelBuilder.forAddress("127.0.0.1", skiffd.gatewayPort())
            .overrideAuthority("grpc-probed.default.localhost")
            .usePlaintext()
            .build();
    try {
      assertEquals(
          "probed - pong from grpc-probed-00001",
          ClientCalls.blockingUnaryCall(probed, PING, deadline(), "probed"));
    } finally {
      probed.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
    }
  }

  @Test
  void grpcProbesTakeAnUnreadyInstanceOutAndRestartADeadOne() throws Exception {
    Path manifest =
        Files.writeString(
            dir.resolve("grpc-health.yaml"),
            """
            apiVersion: serving.knative.dev/v1
            kind: Service
            metadata:
              name: grpc-health
              namespace: default
            spec:
              template:
                metadata:
                  annotations:
                    autoscaling.knative.dev/min-scale: "2"
                    autoscaling.knative.dev/scale-down-delay: "15m"
                spec:
                  containers:
                  - image: %s
                    ports:
                      - name: h2c
                        containerPort: 8080
                    readinessProbe:
                      grpc:
                        port: 8080
                      periodSeconds: 1
                      failureThreshold: 1
                    livenessProbe:
                      grpc:
                        port: 8080
                        service: ping.PingService
                      periodSeconds: 1
                      failureThreshold: 2
            """
                .formatted(image));
    cli.ok("apply", "-f", manifest.toString());
    ManagedChannel health =
        NettyChannelBuilder.forAddress("127.0.0.1", skiffd.gatewayPort())
            .overrideAuthority("grpc-health.default.localhost")
            .usePlaintext()
            .build();
    try {
      List<String> failures = new ArrayList<>();
      Set<String> seen = new HashSet<>();
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
      while (seen.size() < 2 && System.nanoTime() < deadline) {
        seen.add(call(health, PING, "hi", failures));
      }
      assertEquals(2, seen.size(), "instances answering: " + seen);

      // One instance's overall health turns NOT_SERVING: its readiness probe fails, it leaves the
      // endpoints, and no call fails.
      String a = call(health, FAIL, "", failures);
      assertTrue(seen.contains(a), seen + " " + a);
      awaitOnlyOthersAnswer(health, Set.of(a), failures);

      // The other's ping.PingService turns NOT_SERVING: its liveness probe fails, it is killed and
      // restarted; calls meanwhile wait for the new instance rather than fail.
      String b = call(health, FAIL, "ping.PingService", failures);
      assertNotEquals(a, b);
      awaitOnlyOthersAnswer(health, Set.of(a, b), failures);
      assertEquals(List.of(), failures);
    } finally {
      health.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
    }
    String logs = cli.ok("logs", "grpc-health").out();
    assertTrue(logs.contains("LivenessProbeFailed"), logs);
    assertTrue(logs.contains("gRPC health check of service ping.PingService"), logs);
    String described = cli.ok("describe", "grpc-health").out();
    assertTrue(described.contains("Restarts:"), described);
    assertTrue(described.contains("LivenessProbeFailed"), described);
    String events = cli.ok("events", "grpc-health").out();
    assertTrue(events.contains("Restarting"), events);
    assertTrue(events.contains("gRPC health check of service ping.PingService"), events);
  }

  @Test
  void deadlinesReachTheWorkloadAndExpireThroughTheGateway() throws Exception {
    Path manifest =
        Files.writeString(
            dir.resolve("grpc-deadline.yaml"),
            """
            apiVersion: serving.knative.dev/v1
            kind: Service
            metadata:
              name: grpc-deadline
              namespace: default
            spec:
              template:
                spec:
                  containers:
                  - image: %s
                    ports:
                      - name: h2c
                        containerPort: 8080
            """
                .formatted(image));
    cli.ok("apply", "-f", manifest.toString());
    ManagedChannel deadlined =
        NettyChannelBuilder.forAddress("127.0.0.1", skiffd.gatewayPort())
            .overrideAuthority("grpc-deadline.default.localhost")
            .usePlaintext()
            .build();
    try {
      // The client's deadline reaches the workload as grpc-timeout (grpc-ping echoes it).
      AtomicReference<Metadata> headers = new AtomicReference<>();
      Channel capturing =
          ClientInterceptors.intercept(
              deadlined,
              MetadataUtils.newCaptureMetadataInterceptor(headers, new AtomicReference<>()));
      ClientCalls.blockingUnaryCall(
          capturing, PING, CallOptions.DEFAULT.withDeadlineAfter(30, TimeUnit.SECONDS), "t");
      String timeout =
          headers.get().get(Metadata.Key.of("x-grpc-timeout", Metadata.ASCII_STRING_MARSHALLER));
      assertTrue(timeout != null, "no grpc-timeout reached the workload: " + headers.get());
      long nanos = grpcTimeoutNanos(timeout);
      assertTrue(
          nanos > 0 && nanos <= TimeUnit.SECONDS.toNanos(30),
          "grpc-timeout " + timeout + " is not within the client's 30 s deadline");

      // A stream the workload never answers ends with the client's deadline, not an error of a
      // proxy on the way; the channel serves the next call.
      CompletableFuture<Void> done = new CompletableFuture<>();
      ClientCalls.asyncBidiStreamingCall(
          deadlined.newCall(
              PING_STREAM, CallOptions.DEFAULT.withDeadlineAfter(1, TimeUnit.SECONDS)),
          new StreamObserver<String>() {
            @Override
            public void onNext(String value) {
              done.completeExceptionally(new AssertionError("an answer to nothing: " + value));
            }

            @Override
            public void onError(Throwable t) {
              done.completeExceptionally(t);
            }

            @Override
            public void onCompleted() {
              done.complete(null);
            }
          });
      var ended =
          assertThrows(
              java.util.concurrent.ExecutionException.class, () -> done.get(60, TimeUnit.SECONDS));
      assertEquals(
          Status.Code.DEADLINE_EXCEEDED,
          Status.fromThrowable(ended.getCause()).getCode(),
          ended.getCause().toString());
      assertEquals(
          "after - pong from grpc-deadline-00001",
          ClientCalls.blockingUnaryCall(deadlined, PING, deadline(), "after"));
    } finally {
      deadlined.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
    }
  }

  /** A grpc-timeout header's value ({@code 1-8 digits} and a unit: H, M, S, m, u, n) in nanos. */
  static long grpcTimeoutNanos(String value) {
    long n = Long.parseLong(value.substring(0, value.length() - 1));
    TimeUnit unit =
        switch (value.charAt(value.length() - 1)) {
          case 'H' -> TimeUnit.HOURS;
          case 'M' -> TimeUnit.MINUTES;
          case 'S' -> TimeUnit.SECONDS;
          case 'm' -> TimeUnit.MILLISECONDS;
          case 'u' -> TimeUnit.MICROSECONDS;
          case 'n' -> TimeUnit.NANOSECONDS;
          default -> throw new AssertionError("not a grpc-timeout: " + value);
        };
    return unit.toNanos(n);
  }

  /**
   * One unary call; answers the instance that served it (its x-instance header), or records the
   * failure in {@code failures} and answers null.
   */
  static String call(
      Channel channel, MethodDescriptor<String, String> method, String msg, List<String> failures) {
    AtomicReference<Metadata> headers = new AtomicReference<>();
    AtomicReference<Metadata> trailers = new AtomicReference<>();
    Channel capturing =
        ClientInterceptors.intercept(
            channel, MetadataUtils.newCaptureMetadataInterceptor(headers, trailers));
    try {
      ClientCalls.blockingUnaryCall(capturing, method, deadline(), msg);
    } catch (StatusRuntimeException e) {
      failures.add(method.getFullMethodName() + ": " + e.getStatus());
      return null;
    }
    return headers.get() == null ? null : headers.get().get(INSTANCE);
  }

  /**
   * Calls Ping until 20 answers in a row came from instances not in {@code gone}; none may fail.
   */
  static void awaitOnlyOthersAnswer(Channel channel, Set<String> gone, List<String> failures) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
    int streak = 0;
    while (streak < 20) {
      assertTrue(System.nanoTime() < deadline, "still answered by " + gone);
      String instance = call(channel, PING, "hi", failures);
      assertEquals(List.of(), failures);
      streak = instance == null || gone.contains(instance) ? 0 : streak + 1;
    }
  }

  /**
   * Sends each message only after the answer to the one before arrived, so a proxy that held the
   * request until its end (or the response until its end) would never finish; returns the echoed
   * messages.
   */
  static List<String> pingStream(List<String> messages) throws Exception {
    BlockingQueue<String> answers = new LinkedBlockingQueue<>();
    CompletableFuture<Void> done = new CompletableFuture<>();
    StreamObserver<String> requests =
        ClientCalls.asyncBidiStreamingCall(
            channel.newCall(PING_STREAM, deadline()),
            new StreamObserver<String>() {
              @Override
              public void onNext(String value) {
                answers.add(value);
              }

              @Override
              public void onError(Throwable t) {
                done.completeExceptionally(t);
              }

              @Override
              public void onCompleted() {
                done.complete(null);
              }
            });
    List<String> echoed = new ArrayList<>();
    String suffix = " - pong from grpc-ping-00001";
    for (String m : messages) {
      requests.onNext(m);
      String answer = answers.poll(60, TimeUnit.SECONDS);
      assertTrue(answer != null, "no answer to '" + m + "' while the stream stayed open");
      assertTrue(answer.endsWith(suffix), answer);
      echoed.add(answer.substring(0, answer.length() - suffix.length()));
    }
    requests.onCompleted();
    done.get(60, TimeUnit.SECONDS); // grpc-status 0 in the trailers
    return echoed;
  }

  static void awaitReadyInstances(String revision, int wanted, int seconds) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    int n;
    while ((n = readyInstances(revision)) != wanted) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError(revision + " stayed at " + n + " ready instances");
      }
      Thread.sleep(100); // polling with a deadline
    }
  }

  static int readyInstances(String revision) throws Exception {
    JsonNode r =
        Json.mapper()
            .readTree(
                http.send(
                        HttpMethod.GET,
                        skiffd.skiffd.apiPort(),
                        "127.0.0.1",
                        "/v1/namespaces/default/revisions/" + revision,
                        skiffd.auth(),
                        null)
                    .text());
    return r.at("/status/readyInstances").asInt(-1);
  }
}
