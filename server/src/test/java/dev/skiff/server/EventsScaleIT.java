package dev.skiff.server;

import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.skiff.api.manifest.Json;
import dev.skiff.eventing.Broker;
import dev.skiff.examples.Examples;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpVersion;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntPredicate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A function at zero is woken by new records, runs more than one instance while there is lag
 * (KEDA's rule under the KPA), and returns to zero once the topic is drained and the grace passes.
 */
class EventsScaleIT {
  @TempDir Path dir;

  @Test
  void aFunctionAtZeroIsWokenByRecordsScalesWithLagAndReturnsToZero() throws Exception {
    try (Broker broker = Broker.start();
        Http http = new Http(HttpVersion.HTTP_1_1)) {
      RunningSkiffd skiffd = RunningSkiffd.start(dir.resolve("data"), 1);
      try {
        Cli cli = new Cli(skiffd);
        Path wasm = Files.write(dir.resolve("event.wasm"), Examples.wasm(Examples.EVENT));
        // The shortest stable window Knative allows, so scale-to-zero comes in seconds.
        cli.ok(
            "deploy",
            "event",
            "--wasm",
            wasm.toString(),
            "--annotation",
            "autoscaling.knative.dev/window=6s");
        broker.createTopic("work", 3);
        cli.ok(
            "trigger",
            "create",
            "work",
            "--bootstrap",
            broker.bootstrap(),
            "--topic",
            "work",
            "--service",
            "event",
            "--ordering",
            "ordered",
            "--lag-threshold",
            "10");
        awaitReady(http, skiffd, n -> n == 0, "at zero before any record");

        AtomicInteger most = new AtomicInteger();
        Thread watch =
            new Thread(
                () -> {
                  while (!Thread.currentThread().isInterrupted()) {
                    try {
                      most.accumulateAndGet(ready(http, skiffd), Math::max);
                      Thread.sleep(100);
                    } catch (InterruptedException e) {
                      return;
                    } catch (Exception e) {
                      // the next poll tells
                    }
                  }
                });
        watch.setDaemon(true);
        watch.start();
        List<String> values = new ArrayList<>();
        for (int i = 0; i < 3000; i++) {
          values.add("r" + i);
        }
        broker.sendValues("work", values);
        awaitReady(http, skiffd, n -> n >= 1, "woken by the records");
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(3);
        while (!drained(cli, 3000)) {
          assertTrue(System.nanoTime() < deadline, "the topic was never drained");
          Thread.sleep(200);
        }
        awaitReady(http, skiffd, n -> n == 0, "back at zero after the topic is drained");
        watch.interrupt();
        System.out.println("events scale: most instances ready at once " + most.get());
        assertTrue(most.get() >= 2, "lag should have asked for more than one instance");
      } finally {
        skiffd.close();
      }
    }
  }

  private static boolean drained(Cli cli, int count) throws Exception {
    JsonNode s = cli.ok("trigger", "describe", "work", "-o", "json").json().path("status");
    return s.path("delivered").asLong() >= count && s.path("lag").asLong(-1) == 0;
  }

  private static int ready(Http http, RunningSkiffd skiffd) throws Exception {
    JsonNode r =
        Json.mapper()
            .readTree(
                http.send(
                        HttpMethod.GET,
                        skiffd.skiffd.apiPort(),
                        "127.0.0.1",
                        "/v1/namespaces/default/revisions/event-00001",
                        skiffd.auth(),
                        null)
                    .text());
    return r.at("/status/readyInstances").asInt(0);
  }

  private static void awaitReady(Http http, RunningSkiffd skiffd, IntPredicate ok, String what)
      throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
    int n = ready(http, skiffd);
    while (!ok.test(n)) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("never " + what + "; ready instances: " + n);
      }
      Thread.sleep(100);
      n = ready(http, skiffd);
    }
  }
}
