package dev.skiff.bench.events;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.ToDoubleFunction;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.test.KafkaClusterTestKit;
import org.apache.kafka.common.test.TestKitNodes;

/**
 * Events/s from one topic: Kafka's own consumer perf tool ({@code
 * org.apache.kafka.tools.ConsumerPerformance}, what {@code kafka-consumer-perf-test.sh} runs) and
 * skiffd's dispatcher delivering every record as a CloudEvent to the Wasm {@code event} function
 * (through the mesh as eventing's identity; through the gateway with {@code --mesh off}), on the
 * same topic in the same run, against a KRaft broker on loopback. Prints one JSON object.
 *
 * <pre>java -jar events-bench.jar --skiffd skiffd.jar --wasm event.wasm [--records N]
 *     [--partitions P] [--size BYTES] [--max-in-flight M]</pre>
 */
public final class EventsBench {
  static {
    // The driver's own checks reach the function through the gateway by its Host, on loopback.
    System.setProperty("jdk.httpclient.allowRestrictedHeaders", "host");
  }

  private static final HttpClient HTTP = HttpClient.newHttpClient();

  private static volatile PrintStream LOG;
  private static volatile long mark = System.nanoTime();

  private static double sinceMark() {
    return (System.nanoTime() - mark) / 1e6;
  }

  private EventsBench() {}

  public static void main(String[] args) throws Exception {
    Map<String, String> a = new HashMap<>();
    for (int i = 0; i + 1 < args.length; i += 2) {
      a.put(args[i], args[i + 1]);
    }
    Path skiffdJar = Path.of(a.get("--skiffd"));
    Path wasm = Path.of(a.get("--wasm"));
    int records = Integer.parseInt(a.getOrDefault("--records", "50000"));
    int partitions = Integer.parseInt(a.getOrDefault("--partitions", "6"));
    int size = Integer.parseInt(a.getOrDefault("--size", "1024"));
    int maxInFlight = Integer.parseInt(a.getOrDefault("--max-in-flight", "256"));
    // Extra JVM options for skiffd, space-separated (e.g. a JFR recording when profiling).
    String skiffdJvm =
        a.getOrDefault("--skiffd-jvm", System.getenv().getOrDefault("SKIFFD_JVM", ""));
    Path tmp = Files.createTempDirectory("skiff-events-bench");
    KafkaClusterTestKit cluster =
        new KafkaClusterTestKit.Builder(
                new TestKitNodes.Builder()
                    .setCombined(true)
                    .setNumBrokerNodes(1)
                    .setNumControllerNodes(1)
                    .build())
            .setConfigProp("offsets.topic.replication.factor", "1")
            .setConfigProp("transaction.state.log.replication.factor", "1")
            .setConfigProp("transaction.state.log.min.isr", "1")
            .setConfigProp("group.initial.rebalance.delay.ms", "0")
            .build();
    cluster.format();
    cluster.startup();
    cluster.waitForReadyBrokers();
    String bootstrap = cluster.bootstrapServers();
    Process skiffd = null;
    try {
      createTopic(bootstrap, "events", partitions);
      produce(bootstrap, records, size);
      // Every topic the warmed skiffd reads is filled now, before any skiffd runs: filled while
      // one ran, a batch now and then went unacknowledged by the broker for a minute.
      boolean warmed = !"off".equals(a.get("--warm"));
      int warmRecords = Integer.parseInt(a.getOrDefault("--warmup-records", "" + records));
      int rounds = Integer.parseInt(a.getOrDefault("--warm-rounds", "3"));
      if (warmed) {
        createTopic(bootstrap, "warmup", partitions);
        produce(bootstrap, "warmup", warmRecords, size);
        for (int i = 1; i <= rounds; i++) {
          createTopic(bootstrap, "events" + i, partitions);
          produce(bootstrap, "events" + i, records, size);
        }
      }
      String perf = perfTool(bootstrap, records);
      double perfRate = perfRateOf(perf);
      Served first = serve(skiffdJar, tmp, skiffdJvm, a.get("--skiffd-log"), wasm);
      skiffd = first.process();
      Run fresh =
          measure(
              skiffd,
              first.api(),
              first.token(),
              bootstrap,
              "bench",
              "events",
              records,
              maxInFlight,
              0);
      String warmJson = "null";
      if (warmed) {
        // The same measurement on a second skiffd that first delivered a warm-up topic through
        // another trigger (then deleted), as a long-running dispatcher is: the JIT has compiled
        // the path. The fresh skiffd above is measured exactly as before.
        skiffd.destroy();
        skiffd.waitFor(30, TimeUnit.SECONDS);
        Path warmTmp = Files.createDirectories(tmp.resolve("warm"));
        String log = a.get("--skiffd-log");
        Served second =
            serve(skiffdJar, warmTmp, skiffdJvm, log == null ? null : log + ".warm", wasm);
        skiffd = second.process();
        int api2 = second.api();
        String token2 = second.token();
        Run warmup =
            measure(
                skiffd, api2, token2, bootstrap, "warmup", "warmup", warmRecords, maxInFlight, 0);
        call(api2, token2, "DELETE", "/v1/namespaces/default/triggers/warmup", null);
        awaitGone(api2, token2, "warmup");
        // Three rounds in the same warmed skiffd, each a new trigger on a new topic (so a new
        // consumer group reading from the start), the previous one deleted first: one round is
        // one sample of a machine whose load moves; the median and every round are reported.
        List<Run> warm = new ArrayList<>();
        for (int i = 1; i <= rounds; i++) {
          String topic = "events" + i;
          double before = answers2xx(api2, token2);
          String trigger = "benchwarm" + i;
          warm.add(
              measure(
                  skiffd, api2, token2, bootstrap, trigger, topic, records, maxInFlight, before));
          call(api2, token2, "DELETE", "/v1/namespaces/default/triggers/" + trigger, null);
          awaitGone(api2, token2, trigger);
        }
        warmJson = warmedJson(warm, records, warmRecords, warmup, perfRate);
      }
      Map<String, String> p = parsePerf(perf);
      System.out.printf(
          "{\"records\":%d,\"record_bytes\":%d,\"partitions\":%d,\"max_in_flight\":%d,"
              + "\"skiff\":%s,\"skiff_warmed\":%s,"
              + "\"load_average_before\":\"%s\",\"load_average_after\":\"%s\","
              + "\"perf_tool\":{\"nMsg_sec\":%s,\"fetch_nMsg_sec\":%s,\"MB_sec\":%s,"
              + "\"raw\":\"%s\"},\"ratio_skiff_to_perf_tool\":%.4f,"
              + "\"note\":\"events_per_sec_by_status is records over the time from the"
              + " trigger's creation to the status's lastDeliveredAt (when its delivered count"
              + " reached the record count, as skiffd's dispatcher stamped it; group join"
              + " included); events_per_sec is the same count over the time until the driver saw"
              + " that status (it is written every 2 s, read every 250 ms, so it ends up to about"
              + " 2 s late), as measured before lastDeliveredAt existed; steady_events_per_sec runs from the first offset commit seen to the"
              + " one covering every record (commits every 1 s); first_answer_after_s and"
              + " all_answered_after_s come from the function sidecar's count of 2xx answers"
              + " (/metrics, scraped every 100 ms), events_per_sec_by_answers is records over the"
              + " latter, group join included; the perf tool's nMsg.sec"
              + " includes its group join too; skiff is a fresh skiffd, skiff_warmed a second"
              + " skiffd that first delivered warmup_records of another topic through another"
              + " trigger (deleted), then delivered the same number of records in each of"
              + " skiff_warmed.rounds rounds, each a new trigger on a new topic (the previous"
              + " one deleted); skiff_warmed's own figures are the round with the median rate"
              + " by answers, skiff_warmed.median the median of each figure; threads_second_half is"
              + " skiffd's CPU by thread group in microseconds per event over the second half\"}%n",
          records,
          size,
          partitions,
          maxInFlight,
          fresh.json(records),
          warmJson,
          fresh.loadBefore(),
          fresh.loadAfter(),
          p.getOrDefault("nMsg.sec", "null"),
          p.getOrDefault("fetch.nMsg.sec", "null"),
          p.getOrDefault("MB.sec", "null"),
          perf.trim().replace("\"", "'").replace("\n", " | "),
          perfRate > 0 ? fresh.rate() / perfRate : 0);
    } finally {
      if (skiffd != null) {
        skiffd.destroy();
        skiffd.waitFor(30, TimeUnit.SECONDS);
      }
      cluster.close();
    }
  }

  /**
   * The warmed skiffd's rounds: the round with the median rate by answers, with the warm-up's
   * figures, every round and each figure's median over the rounds.
   */
  private static String warmedJson(
      List<Run> rounds, int records, int warmRecords, Run warmup, double perfRate) {
    List<Run> byAnswers = new ArrayList<>(rounds);
    byAnswers.sort(Comparator.comparingDouble(r -> r.rateByAnswers(records)));
    Run mid = byAnswers.get(byAnswers.size() / 2);
    StringBuilder all = new StringBuilder("[");
    for (Run r : rounds) {
      all.append(all.length() > 1 ? "," : "").append(r.json(records));
    }
    all.append(']');
    String median =
        String.format(
            "{\"events_per_sec_by_status\":%.1f,\"events_per_sec\":%.1f,"
                + "\"events_per_sec_by_answers\":%.1f,\"steady_events_per_sec\":%.1f,"
                + "\"skiffd_cpu_us_per_event_second_half\":%.1f,\"ratio_to_perf_tool\":%.4f}",
            median(rounds, r -> r.rateByStatus(records)),
            median(rounds, Run::rate),
            median(rounds, r -> r.rateByAnswers(records)),
            median(rounds, Run::steady),
            median(rounds, Run::usSecondHalf),
            perfRate > 0 ? median(rounds, r -> r.rateByAnswers(records)) / perfRate : 0);
    return mid.json(records)
        .replaceFirst(
            "^\\{",
            Matcher.quoteReplacement(
                String.format(
                    "{\"warmup_records\":%d,\"warmup_events_per_sec_by_answers\":%.1f,"
                        + "\"ratio_to_perf_tool\":%.4f,\"median\":%s,\"rounds\":%s,",
                    warmRecords,
                    warmup.rateByAnswers(warmRecords),
                    perfRate > 0 ? mid.rate() / perfRate : 0,
                    median,
                    all)));
  }

  private static double median(List<Run> rounds, ToDoubleFunction<Run> f) {
    double[] v = rounds.stream().mapToDouble(f).sorted().toArray();
    return v.length == 0 ? 0 : v[v.length / 2];
  }

  /** What one trigger's delivery of every record of a topic measured, from its creation. */
  private record Run(
      long delivered,
      double seconds,
      double firstDelivery,
      double steady,
      double cpuSeconds,
      double usPerEvent,
      double usSecondHalf,
      double switchesPerEvent,
      double firstAnswer,
      double allAnswered,
      double lastDeliveredAfter,
      String loadBefore,
      String loadAfter,
      String threadsSecondHalf) {
    double rate() {
      return delivered / seconds;
    }

    double rateByAnswers(int records) {
      return allAnswered > 0 ? records / allAnswered : 0;
    }

    /** Records over the time until the status's lastDeliveredAt; 0 when it has none. */
    double rateByStatus(int records) {
      return lastDeliveredAfter > 0 ? records / lastDeliveredAfter : 0;
    }

    String json(int records) {
      return String.format(
          "{\"delivered\":%d,\"seconds\":%.2f,\"events_per_sec\":%.1f,"
              + "\"first_delivery_after_s\":%.2f,\"steady_events_per_sec\":%.1f,"
              + "\"skiffd_cpu_seconds\":%.2f,\"skiffd_cpu_us_per_event\":%.1f,"
              + "\"skiffd_cpu_us_per_event_second_half\":%.1f,"
              + "\"skiffd_context_switches_per_event\":%.2f,"
              + "\"first_answer_after_s\":%.2f,\"all_answered_after_s\":%.2f,"
              + "\"events_per_sec_by_answers\":%.1f,\"last_delivered_after_s\":%s,"
              + "\"events_per_sec_by_status\":%s,\"threads_second_half\":%s,"
              + "\"load_average_before\":\"%s\",\"load_average_after\":\"%s\"}",
          delivered,
          seconds,
          rate(),
          firstDelivery,
          steady,
          cpuSeconds,
          usPerEvent,
          usSecondHalf,
          switchesPerEvent,
          firstAnswer,
          allAnswered,
          rateByAnswers(records),
          lastDeliveredAfter > 0 ? String.format("%.2f", lastDeliveredAfter) : "null",
          lastDeliveredAfter > 0 ? String.format("%.1f", rateByStatus(records)) : "null",
          threadsSecondHalf,
          loadBefore,
          loadAfter);
    }
  }

  /**
   * Creates trigger {@code trigger} on {@code topic} (unordered, from the earliest offset) and
   * measures it until every record is delivered and committed. {@code answersBefore}: the
   * function's 2xx answers counted before (another trigger's, on a warmed skiffd).
   */
  private static Run measure(
      Process skiffd,
      int api,
      String token,
      String bootstrap,
      String trigger,
      String topic,
      int records,
      int maxInFlight,
      double answersBefore)
      throws Exception {
    String loadBefore = loadAverage();
    Duration cpu0 = cpuTime(skiffd);
    long switches0 = contextSwitches(skiffd);
    long t0 = System.nanoTime();
    // skiffd stamps lastDeliveredAt with the same machine's wall clock.
    Instant created = Instant.now();
    Instant lastDeliveredAt = null;
    mark = t0;
    if (LOG != null) {
      LOG.printf("%+9.1f ms [driver] creating the trigger%n", sinceMark());
    }
    call(
        api,
        token,
        "POST",
        "/v1/namespaces/default/triggers",
        "{\"metadata\":{\"name\":\""
            + trigger
            + "\"},\"spec\":{\"topic\":\""
            + topic
            + "\",\"bootstrapServers\":\""
            + bootstrap
            + "\",\"service\":\"event\",\"ordering\":\"unordered\",\"maxInFlight\":"
            + maxInFlight
            + ",\"initialOffset\":\"earliest\"}}");
    long first = -1;
    long delivered = 0;
    long deadline = t0 + TimeUnit.MINUTES.toNanos(10);
    // The steady rate: the group's committed offsets (committed every second) sampled every
    // 50 ms; from the first commit seen to the one covering every record, so the group join and
    // the 2 s status period do not count.
    Committed committed = new Committed(bootstrap, "skiff-default-" + trigger);
    // Sharper ends than the status (written every 2 s): the function's sidecar counts every
    // answer it gives, by status class, at /metrics; scraped every 100 ms. The first 2xx and
    // the scrape where 2xx reached the record count, both from the trigger's creation. The
    // same counter exists in the builds compared, and skiffd's CPU includes the scrapes.
    Answers answers = new Answers(api, token, answersBefore);
    // CPU per event once warm: from the commit covering half the records to the last, so the
    // JIT's and the group join's share of the first half stays out.
    Duration cpuHalf = null;
    ThreadCpu threadsHalf = null;
    long committedHalf = 0;
    // The broker's committed offsets every 50 ms; skiffd's status (written every 2 s) only every
    // 250 ms, so the driver's own API calls stay a small share of the skiffd CPU measured.
    int sampled = 0;
    while (delivered < records && System.nanoTime() < deadline) {
      Thread.sleep(50);
      committed.sample();
      if (cpuHalf == null && committed.last >= records / 2) {
        cpuHalf = cpuTime(skiffd);
        committedHalf = committed.last;
        threadsHalf = ThreadCpu.sample(skiffd);
      }
      if (sampled % 2 == 1) {
        answers.sample(records, t0);
      }
      if (sampled++ % 5 != 4 && committed.last < records) {
        continue;
      }
      String t = call(api, token, "GET", "/v1/namespaces/default/triggers/" + trigger, null);
      Matcher m = Pattern.compile("\"delivered\":(\\d+)").matcher(t);
      delivered = m.find() ? Long.parseLong(m.group(1)) : 0;
      Matcher at = Pattern.compile("\"lastDeliveredAt\":\"([^\"]+)\"").matcher(t);
      lastDeliveredAt = at.find() ? Instant.parse(at.group(1)) : null;
      if (delivered > 0 && first < 0) {
        first = System.nanoTime();
      }
    }
    double seconds = (System.nanoTime() - t0) / 1e9;
    double skiffRate = delivered / seconds;
    answers.sample(records, t0);
    while (committed.last < records && System.nanoTime() < deadline) {
      Thread.sleep(50);
      committed.sample();
      if (cpuHalf == null && committed.last >= records / 2) {
        cpuHalf = cpuTime(skiffd);
        committedHalf = committed.last;
        threadsHalf = ThreadCpu.sample(skiffd);
      }
    }
    committed.close();
    ThreadCpu threadsEnd = ThreadCpu.sample(skiffd);
    // skiffd's own CPU (all its threads, user + system) from the trigger's creation to the last
    // commit: what a node would spend per event with the broker and this driver elsewhere.
    Duration cpuEnd = cpuTime(skiffd);
    long switches = contextSwitches(skiffd) - switches0;
    double cpuSeconds = cpuEnd.minus(cpu0).toNanos() / 1e9;
    double warmUsPerEvent =
        cpuHalf == null || committed.last <= committedHalf
            ? -1
            : cpuEnd.minus(cpuHalf).toNanos() / 1e3 / (committed.last - committedHalf);
    String loadAfter = loadAverage();
    double steady = committed.rate();
    return new Run(
        delivered,
        seconds,
        first < 0 ? -1 : (first - t0) / 1e9,
        steady,
        cpuSeconds,
        cpuSeconds * 1e6 / records,
        warmUsPerEvent,
        switches < 0 ? -1.0 : (double) switches / records,
        answers.firstAfter,
        answers.allAfter,
        delivered >= records && lastDeliveredAt != null
            ? Duration.between(created, lastDeliveredAt).toNanos() / 1e9
            : -1,
        loadBefore,
        loadAfter,
        threadsHalf == null || threadsEnd == null
            ? "null"
            : threadsEnd.json(threadsHalf, committed.last - committedHalf));
  }

  private static void produce(String bootstrap, int records, int size) throws Exception {
    produce(bootstrap, "events", records, size);
  }

  /**
   * Fills {@code topic} up to {@code records} records. On this loaded machine a batch now and then
   * is never acknowledged by the broker in the driver's own JVM (the producer waits for it until
   * its delivery timeout, and those records are not in the topic); so the topic's end offsets
   * decide, and what is missing is produced again by a new producer.
   */
  private static void produce(String bootstrap, String topic, int records, int size)
      throws Exception {
    long have = 0;
    for (int attempt = 1; have < records; attempt++) {
      try {
        produceOnce(bootstrap, topic, (int) (records - have), size);
      } catch (ExecutionException e) {
        if (attempt == 3) {
          throw e;
        }
        System.err.println("producing to " + topic + " again: " + e.getCause());
      }
      have = endOffsets(bootstrap, topic);
    }
  }

  private static long endOffsets(String bootstrap, String topic) throws Exception {
    try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrap))) {
      var parts =
          admin.describeTopics(List.of(topic)).allTopicNames().get().get(topic).partitions();
      Map<TopicPartition, OffsetSpec> ask = new HashMap<>();
      for (var p : parts) {
        ask.put(new TopicPartition(topic, p.partition()), OffsetSpec.latest());
      }
      long sum = 0;
      for (var o : admin.listOffsets(ask).all().get().values()) {
        sum += o.offset();
      }
      return sum;
    }
  }

  private static void produceOnce(String bootstrap, String topic, int records, int size)
      throws Exception {
    Properties p = new Properties();
    p.put("bootstrap.servers", bootstrap);
    p.put("linger.ms", "5");
    p.put("batch.size", "262144");
    // A batch the broker never answers fails within a minute instead of two.
    p.put("request.timeout.ms", "15000");
    p.put("delivery.timeout.ms", "60000");
    byte[] value = new byte[size];
    Random r = new Random(1);
    for (int i = 0; i < size; i++) {
      value[i] = (byte) ('a' + r.nextInt(26));
    }
    try (KafkaProducer<byte[], byte[]> producer =
        new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer())) {
      List<Future<?>> acks = new ArrayList<>();
      for (int i = 0; i < records; i++) {
        acks.add(producer.send(new ProducerRecord<>(topic, value)));
      }
      ExecutionException failed = null;
      for (Future<?> f : acks) {
        try {
          f.get();
        } catch (ExecutionException e) {
          failed = e;
        }
      }
      if (failed != null) {
        throw failed;
      }
    }
  }

  /** Kafka's consumer perf tool in a JVM of its own, as kafka-consumer-perf-test.sh runs it. */
  private static String perfTool(String bootstrap, int records) throws Exception {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    String cp = System.getProperty("java.class.path");
    Process p =
        new ProcessBuilder(
                java,
                "-cp",
                cp,
                "org.apache.kafka.tools.ConsumerPerformance",
                "--bootstrap-server",
                bootstrap,
                "--topic",
                "events",
                "--messages",
                Integer.toString(records),
                "--group",
                "perf-tool",
                "--timeout",
                "60000")
            .redirectErrorStream(true)
            .start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    p.waitFor(5, TimeUnit.MINUTES);
    return out;
  }

  /** The perf tool's CSV: a header line naming the columns, then one line of values. */
  private static Map<String, String> parsePerf(String out) {
    Map<String, String> m = new HashMap<>();
    String[] lines = out.lines().filter(l -> !l.startsWith("SLF4J")).toArray(String[]::new);
    for (int i = 0; i + 1 < lines.length; i++) {
      if (lines[i].startsWith("start.time")) {
        String[] h = lines[i].split(",\\s*");
        String[] v = lines[i + 1].split(",\\s*");
        for (int j = 0; j < Math.min(h.length, v.length); j++) {
          m.put(h[j].trim(), v[j].trim());
        }
      }
    }
    return m;
  }

  /** A skiffd started in {@code dir}, its API's port and admin token. */
  private record Served(Process process, int api, String token) {}

  /** Starts a skiffd in {@code dir} and deploys the {@code event} function from {@code wasm}. */
  private static Served serve(Path jar, Path dir, String jvm, String log, Path wasm)
      throws Exception {
    int api = freePort();
    int gateway = freePort();
    Process p = launch(jar, dir, api, gateway, jvm, log);
    try {
      String token = Files.readString(dir.resolve("data").resolve("admin.token")).trim();
      String digest = upload(api, token, Files.readAllBytes(wasm));
      call(
          api,
          token,
          "PUT",
          "/v1/namespaces/default/services/event",
          "{\"spec\":{\"template\":{\"wasm\":{\"digest\":\"" + digest + "\"}}}}");
      awaitFunction(gateway);
      return new Served(p, api, token);
    } catch (Exception e) {
      p.destroy(); // the caller never held it: its cleanup cannot stop it
      throw e;
    }
  }

  private static void createTopic(String bootstrap, String name, int partitions) throws Exception {
    try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrap))) {
      admin.createTopics(List.of(new NewTopic(name, partitions, (short) 1))).all().get();
    }
  }

  private static Process launch(Path jar, Path tmp, int api, int gateway, String jvm, String log)
      throws Exception {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    List<String> cmd = new ArrayList<>(List.of(java));
    // As bin/skiffd launches it: its JVM flags first, then the jar's CDS archive when one newer
    // than the jar lies beside it (bin/_cds.sh; the bench's harness passes its own archive in
    // --skiffd-jvm instead), then the caller's options, which may override them.
    Path bin = launcherDir(jar);
    if (bin != null) {
      cmd.addAll(launcherLines(bin.resolve("skiffd.jvm-options")));
    }
    Path archive = cdsArchive(jar);
    if (archive != null && !jvm.contains("-XX:SharedArchiveFile")) {
      cmd.add("-XX:SharedArchiveFile=" + archive);
    }
    for (String o : jvm.trim().split("\\s+")) {
      if (!o.isEmpty()) {
        cmd.add(o);
      }
    }
    cmd.addAll(
        List.of(
            "-jar",
            jar.toString(),
            "--data-dir",
            tmp.resolve("data").toString(),
            "--api-port",
            Integer.toString(api),
            "--gateway-port",
            Integer.toString(gateway)));
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
    pb.environment().put("SKIFF_CONFIG_DIR", tmp.resolve("cli-config").toString());
    if (bin != null) {
      // bin/skiffd.env: NAME=value, unless the caller's environment sets NAME already.
      for (String line : launcherLines(bin.resolve("skiffd.env"))) {
        int eq = line.indexOf('=');
        if (eq > 0) {
          pb.environment().putIfAbsent(line.substring(0, eq), line.substring(eq + 1));
        }
      }
    }
    System.err.println("skiffd: " + String.join(" ", cmd));
    Process p = pb.start();
    BufferedReader out =
        new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
    String line;
    while ((line = out.readLine()) != null) {
      if (line.contains("skiffd ready")) {
        // With --skiffd-log FILE, skiffd's output is kept there, each line stamped with the
        // driver's clock (ms since the trigger's creation, see mark()) for the start's timeline.
        PrintStream keep =
            log == null ? null : new PrintStream(Files.newOutputStream(Path.of(log)), true);
        LOG = keep;
        Thread drain =
            new Thread(
                () -> {
                  try {
                    out.lines()
                        .forEach(
                            l -> {
                              if (keep != null) {
                                keep.printf("%+9.1f ms %s%n", sinceMark(), l);
                              }
                            });
                  } catch (UncheckedIOException e) {
                    // skiffd was stopped: its output's pipe closed under the reader, an end
                  }
                });
        drain.setDaemon(true);
        drain.start();
        return p;
      }
    }
    throw new IllegalStateException("skiffd did not start");
  }

  /**
   * The {@code bin/} directory with {@code skiffd.jvm-options}: the {@code SKIFFD_LAUNCHER_DIR}
   * environment variable, else the first {@code bin/} above the skiffd jar or the working directory
   * that has it; null when none does (skiffd then runs with the JVM's defaults).
   */
  static Path launcherDir(Path jar) {
    String set = System.getenv("SKIFFD_LAUNCHER_DIR");
    if (set != null && !set.isBlank()) {
      return Path.of(set);
    }
    for (Path start : List.of(jar.toAbsolutePath(), Path.of("").toAbsolutePath())) {
      for (Path d = start; d != null; d = d.getParent()) {
        if (Files.isRegularFile(d.resolve("bin").resolve("skiffd.jvm-options"))) {
          return d.resolve("bin");
        }
      }
    }
    return null;
  }

  /** A launcher file's lines without blanks and {@code #} comments; none for a missing file. */
  static List<String> launcherLines(Path file) throws IOException {
    if (!Files.isRegularFile(file)) {
      return List.of();
    }
    List<String> lines = new ArrayList<>();
    for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
      String t = line.trim();
      if (!t.isEmpty() && !t.startsWith("#")) {
        lines.add(t);
      }
    }
    return lines;
  }

  /**
   * The jar's CDS archive as bin/_cds.sh maps it ({@code skiffd.jar -> skiffd.jsa}, newer than the
   * jar), unless {@code SKIFF_CDS=off}; null for none. The driver does not train one.
   */
  static Path cdsArchive(Path jar) throws IOException {
    if ("off".equals(System.getenv("SKIFF_CDS"))) {
      return null;
    }
    String name = jar.getFileName().toString();
    Path archive =
        jar.resolveSibling(
            (name.endsWith(".jar") ? name.substring(0, name.length() - 4) : name) + ".jsa");
    if (Files.isRegularFile(archive)
        && Files.size(archive) > 0
        && Files.getLastModifiedTime(archive).compareTo(Files.getLastModifiedTime(jar)) > 0) {
      return archive;
    }
    return null;
  }

  private static String upload(int api, String token, byte[] module) throws Exception {
    HttpResponse<String> r =
        HTTP.send(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + api + "/v1/blobs"))
                .header("Authorization", "Bearer " + token)
                .header("Content-Type", "application/wasm")
                .POST(HttpRequest.BodyPublishers.ofByteArray(module))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    Matcher m = Pattern.compile("\"digest\":\"([^\"]+)\"").matcher(r.body());
    if (!m.find()) {
      throw new IllegalStateException("upload failed: " + r.statusCode() + " " + r.body());
    }
    return m.group(1);
  }

  private static String call(int api, String token, String method, String path, String body)
      throws IOException, InterruptedException {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + api + path))
            .header("Authorization", "Bearer " + token)
            .header("Content-Type", "application/json")
            .method(
                method,
                body == null
                    ? HttpRequest.BodyPublishers.noBody()
                    : HttpRequest.BodyPublishers.ofString(body));
    HttpResponse<String> r = HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    if (r.statusCode() / 100 != 2) {
      throw new IllegalStateException(method + " " + path + ": " + r.statusCode() + " " + r.body());
    }
    return r.body();
  }

  /** The function answers (400: a GET is not a CloudEvent) once its revision is ready. */
  private static void awaitFunction(int gateway) throws Exception {
    HttpClient c = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (System.nanoTime() < deadline) {
      try {
        HttpResponse<String> r =
            c.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway + "/"))
                    .header("Host", "event.default.localhost")
                    .build(),
                HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() == 400) {
          return;
        }
      } catch (IOException e) {
        // not listening yet
      }
      Thread.sleep(100);
    }
    throw new IllegalStateException("the event function did not answer");
  }

  /** The function sidecar's 2xx answers in namespace default, from skiffd's /metrics. */
  private static final class Answers {
    private final int api;
    private final String token;
    double firstAfter = -1;
    double allAfter = -1;
    double count;
    private final double before;

    Answers(int api, String token, double before) {
      this.api = api;
      this.token = token;
      this.before = before;
    }

    void sample(int records, long t0) throws Exception {
      if (allAfter >= 0) {
        return;
      }
      double sum = answers2xx(api, token) - before;
      double after = (System.nanoTime() - t0) / 1e9;
      count = sum;
      if (LOG != null) {
        LOG.printf("%+9.1f ms [driver] 2xx answers so far: %.0f%n", sinceMark(), sum);
      }
      if (sum > 0 && firstAfter < 0) {
        firstAfter = after;
        if (LOG != null) {
          LOG.printf("%+9.1f ms [driver] first 2xx answer seen%n", sinceMark());
        }
      }
      if (sum >= records) {
        allAfter = after;
      }
    }
  }

  /** The trigger group's committed offsets summed over its partitions, timestamped on change. */
  private static final class Committed {
    private final Admin admin;
    private final String group;
    long firstAt = -1;
    long first;
    long lastAt = -1;
    long last;

    Committed(String bootstrap, String group) {
      this.admin = Admin.create(Map.of("bootstrap.servers", bootstrap));
      this.group = group;
    }

    void sample() throws Exception {
      long sum = 0;
      for (var o :
          admin
              .listConsumerGroupOffsets(group)
              .partitionsToOffsetAndMetadata()
              .get(5, TimeUnit.SECONDS)
              .values()) {
        if (o != null) {
          sum += o.offset();
        }
      }
      long now = System.nanoTime();
      if (sum > last) {
        if (firstAt < 0) {
          firstAt = now;
          first = sum;
        }
        last = sum;
        lastAt = now;
      }
    }

    double rate() {
      return lastAt > firstAt ? (last - first) / ((lastAt - firstAt) / 1e9) : 0;
    }

    void close() {
      admin.close();
    }
  }

  /** A child's CPU time so far (user + system, all its threads), as the OS counts it. */
  private static Duration cpuTime(Process p) {
    return p.toHandle()
        .info()
        .totalCpuDuration()
        .orElseThrow(() -> new IllegalStateException("the OS does not report skiffd's CPU time"));
  }

  /**
   * Context switches (voluntary and not) of skiffd's live threads, from /proc; -1 off Linux. A
   * thread that ended meanwhile takes its count with it, so this is a lower bound.
   */
  private static long contextSwitches(Process p) {
    Path tasks = Path.of("/proc", Long.toString(p.pid()), "task");
    long sum = 0;
    try (var dirs = Files.list(tasks)) {
      for (Path t : dirs.toList()) {
        try {
          for (String line : Files.readAllLines(t.resolve("status"))) {
            if (line.startsWith("voluntary_ctxt_switches:")
                || line.startsWith("nonvoluntary_ctxt_switches:")) {
              sum += Long.parseLong(line.substring(line.indexOf(':') + 1).trim());
            }
          }
        } catch (IOException e) {
          // the thread ended between the listing and the read
        }
      }
    } catch (IOException e) {
      return -1;
    }
    return sum;
  }

  private static double perfRateOf(String perf) {
    return Double.parseDouble(parsePerf(perf).getOrDefault("nMsg.sec", "0"));
  }

  /** Waits until the trigger is gone from the API (its consumer closed). */
  private static void awaitGone(int api, String token, String trigger) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (System.nanoTime() < deadline) {
      try {
        call(api, token, "GET", "/v1/namespaces/default/triggers/" + trigger, null);
      } catch (IllegalStateException e) {
        return;
      }
      Thread.sleep(100);
    }
    throw new IllegalStateException("trigger " + trigger + " was not deleted");
  }

  /** The function sidecars' 2xx answers in namespace default so far, from /metrics. */
  private static double answers2xx(int api, String token) throws Exception {
    String text = call(api, token, "GET", "/metrics", null);
    double sum = 0;
    for (String l : text.split("\n")) {
      if (l.startsWith("skiff_sidecar_requests_total{")
          && l.contains("namespace=\"default\"")
          && l.contains("code_class=\"2xx\"")) {
        sum += Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1));
      }
    }
    return sum;
  }

  /** The first three fields of /proc/loadavg (what uptime prints), or "unknown" off Linux. */
  private static String loadAverage() {
    try {
      String[] f = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
      return f[0] + " " + f[1] + " " + f[2];
    } catch (IOException e) {
      return "unknown";
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }
}
