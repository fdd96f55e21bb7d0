package dev.skiff.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.skiff.eventing.Broker;
import dev.skiff.store.etcd.EtcdProcess;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.IntSupplier;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Eventing as processes of its own on a real etcd and a real KRaft broker: a control plane with
 * every role but eventing (and a local node running the Wasm {@code event} function), and two
 * {@code skiffd --roles eventing} dispatchers reading the trigger from etcd and POSTing its events
 * to the control plane's gateway ({@code --gateway-url}). Records are produced while one dispatcher
 * is SIGKILLed mid-stream and started again: every id comes back on the reply topic at least once
 * (duplicates counted and printed), and the trigger's status, which only the dispatchers write (to
 * etcd), shows through the API. The dispatchers join the control plane's node port as {@code
 * spiffe://skiff.local/skiff/eventing} with a bootstrap token, to report their lag.
 */
class EventingProcessesIT {
  private static final int RECORDS = 4_000;

  private final List<Process> processes = Collections.synchronizedList(new ArrayList<>());
  private EtcdProcess etcd;

  @AfterEach
  void stop() throws Exception {
    synchronized (processes) {
      for (Process p : processes) {
        p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }
    }
    if (etcd != null) {
      etcd.close();
    }
  }

  @Test
  @Timeout(value = 10, unit = TimeUnit.MINUTES)
  void dispatchersApartDeliverEveryRecordAcrossASigkillAndWriteTheTriggersStatus(@TempDir Path dir)
      throws Exception {
    etcd = EtcdProcess.startNew();
    try (Broker broker = Broker.start()) {
      broker.createTopic("ids", 4);
      broker.createTopic("ids-replies", 4);
      ControlPlaneProcess cp =
          ControlPlaneProcess.builder(dir.resolve("cp"), dir.resolve("config"))
              .roles("control-plane,gateway,activator,autoscaler,node")
              .store(etcd.url())
              .launch();
      processes.add(cp.process());
      int gateway = cp.gateway();
      int nodePort = cp.nodePort();
      Cli cli = cp.cli();
      IdsThroughEvent.deployEvent(cli, dir);
      // The dispatchers join the node port as eventing, to report their lag to the autoscaler.
      Path join = cp.createJoinToken(dir.resolve("join"));

      List<String> e1Flags = eventingFlags("ev1", gateway, nodePort, join);
      NodeProcess e1 = start(e1Flags);
      NodeProcess e2 = start(eventingFlags("ev2", gateway, nodePort, join));
      e1.await("skiffd ready");
      e2.await("skiffd ready");
      e1.await("eventing ev1 bootstrapped as spiffe://skiff.local/skiff/eventing");

      IdsThroughEvent.createTrigger(cli, broker, 32);
      long start = System.nanoTime();
      try (Broker.Tally replies = broker.tally("ids-replies")) {
        IdsThroughEvent ids = IdsThroughEvent.of(RECORDS);
        Thread producer = ids.sendInBackground(broker);

        waitFor("a quarter delivered", replies::distinct, RECORDS / 4, e1, e2);
        e1.process().destroyForcibly().waitFor(10, TimeUnit.SECONDS); // SIGKILL, no warning
        waitFor("half delivered", replies::distinct, RECORDS / 2, e2);
        e1 = start(e1Flags);
        e1.await("skiffd ready");
        producer.join(TimeUnit.MINUTES.toMillis(3));
        waitFor("every id delivered", replies::distinct, RECORDS, e1, e2);

        Set<String> missing = ids.missingFrom(replies);
        long seconds = Math.max(1, (System.nanoTime() - start) / 1_000_000_000L);
        System.out.printf(
            "EventingProcessesIT: %d records over 4 partitions, 2 dispatcher processes, one"
                + " SIGKILLed and restarted: %d replies for %d distinct ids (%d duplicates, %d"
                + " missing) in %d s%n",
            RECORDS,
            replies.records(),
            replies.distinct(),
            replies.records() - replies.distinct(),
            missing.size(),
            seconds);
        assertEquals(Set.of(), missing);
      }

      // The status comes from the dispatchers (written to etcd), read back through the API.
      JsonNode status =
          waitForStatus(
              cli,
              "ids",
              s -> s.path("delivered").asLong() > 0 && ready(s) && s.path("partitions").size() > 0);
      assertTrue(status.path("replied").asLong() > 0, status.toString());
    }
  }

  private List<String> eventingFlags(String name, int gateway, int nodePort, Path join) {
    return List.of(
        "--roles",
        "eventing",
        "--store",
        etcd.url(),
        "--gateway-url",
        "http://127.0.0.1:" + gateway,
        "--node-name",
        name,
        "--control-plane",
        "127.0.0.1:" + nodePort,
        "--bootstrap-token",
        join.resolve("bootstrap-token").toString(),
        "--control-plane-ca",
        join.resolve("ca.pem").toString());
  }

  private static boolean ready(JsonNode status) {
    for (JsonNode c : status.path("conditions")) {
      if ("Ready".equals(c.path("type").asText())) {
        return "True".equals(c.path("status").asText());
      }
    }
    return false;
  }

  private static JsonNode waitForStatus(Cli cli, String trigger, Predicate<JsonNode> ok)
      throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
    JsonNode s = cli.ok("trigger", "describe", trigger, "-o", "json").json().path("status");
    while (!ok.test(s)) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("trigger " + trigger + " never got there: " + s);
      }
      Thread.sleep(100);
      s = cli.ok("trigger", "describe", trigger, "-o", "json").json().path("status");
    }
    return s;
  }

  /** Waits for {@code value} to reach {@code atLeast} while every one of {@code alive} runs. */
  private static void waitFor(String what, IntSupplier value, int atLeast, NodeProcess... alive)
      throws Exception {
    long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(4);
    while (value.getAsInt() < atLeast) {
      for (NodeProcess p : alive) {
        if (!p.process().isAlive()) {
          throw new AssertionError(
              "a dispatcher exited ("
                  + p.process().exitValue()
                  + ") waiting for "
                  + what
                  + ": "
                  + p.output());
        }
      }
      if (System.nanoTime() > deadline) {
        throw new AssertionError(
            "timed out waiting for " + what + ": " + value.getAsInt() + " of " + atLeast);
      }
      Thread.sleep(50);
    }
  }

  private NodeProcess start(List<String> flags) throws Exception {
    NodeProcess p = NodeProcess.start(flags);
    processes.add(p.process());
    return p;
  }
}
