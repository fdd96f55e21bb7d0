package dev.skiff.eventing;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.ScramCredentialInfo;
import org.apache.kafka.clients.admin.ScramMechanism;
import org.apache.kafka.clients.admin.UserScramCredentialUpsertion;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.security.auth.SecurityProtocol;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.test.JaasUtils;
import org.apache.kafka.common.test.KafkaClusterTestKit;
import org.apache.kafka.common.test.TestKitNodes;

/**
 * A real single-node KRaft Kafka (one combined broker and controller) from Kafka's own test kit,
 * listening on loopback; one per test class. Topics are not created automatically, so an unknown
 * topic stays unknown. Shared as a test-jar with skiffd's acceptance tests.
 */
public final class Broker implements AutoCloseable {
  private final KafkaClusterTestKit cluster;
  private final KafkaProducer<byte[], byte[]> producer;
  private final Admin admin;

  /** What the test's own clients need to reach the broker (its SASL login included). */
  private final Properties client;

  private Broker(KafkaClusterTestKit cluster, Map<String, String> login) {
    this.cluster = cluster;
    this.client = cluster.clientProperties();
    client.putAll(login);
    Properties p = new Properties();
    p.putAll(client);
    p.put(ProducerConfig.LINGER_MS_CONFIG, "5");
    // Not idempotent: a fresh topic's partition answering NOT_LEADER on the loaded test broker
    // then failed later batches with OutOfOrderSequence; one request in flight keeps the order.
    p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "false");
    p.put(ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, "1");
    p.put(ProducerConfig.ACKS_CONFIG, "all");
    this.producer = new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer());
    this.admin = Admin.create(client);
  }

  public static Broker start() throws Exception {
    return start(new TestKitNodes.Builder(), Map.of(), Map.of());
  }

  /**
   * A broker whose client listener wants SASL: PLAIN with the test kit's users ({@link #SUPER_USER}
   * is a super user; ACLs are on) and SCRAM-SHA-256 for credentials made with {@link
   * #addScramUser}. The test's own clients log in as the super user.
   */
  public static Broker startSasl() throws Exception {
    return start(
        new TestKitNodes.Builder()
            .setBrokerSecurityProtocol(SecurityProtocol.SASL_PLAINTEXT)
            .setControllerSecurityProtocol(SecurityProtocol.SASL_PLAINTEXT),
        Map.of("sasl.enabled.mechanisms", "PLAIN,SCRAM-SHA-256"),
        Map.of(
            "security.protocol",
            "SASL_PLAINTEXT",
            "sasl.mechanism",
            "PLAIN",
            "sasl.jaas.config",
            "org.apache.kafka.common.security.plain.PlainLoginModule required username=\""
                + JaasUtils.KAFKA_PLAIN_ADMIN
                + "\" password=\""
                + JaasUtils.KAFKA_PLAIN_ADMIN_PASSWORD
                + "\";"));
  }

  /** The test kit's SASL/PLAIN super user and its password. */
  public static final String SUPER_USER = JaasUtils.KAFKA_PLAIN_ADMIN;

  public static final String SUPER_USER_PASSWORD = JaasUtils.KAFKA_PLAIN_ADMIN_PASSWORD;

  /** Gives {@code user} a SCRAM-SHA-256 password (a second credential beside any PLAIN one). */
  public void addScramUser(String user, String password) throws Exception {
    admin
        .alterUserScramCredentials(
            List.of(
                new UserScramCredentialUpsertion(
                    user, new ScramCredentialInfo(ScramMechanism.SCRAM_SHA_256, 4096), password)))
        .all()
        .get();
  }

  private static Broker start(
      TestKitNodes.Builder nodes, Map<String, String> props, Map<String, String> login)
      throws Exception {
    KafkaClusterTestKit.Builder b =
        new KafkaClusterTestKit.Builder(
                nodes.setCombined(true).setNumBrokerNodes(1).setNumControllerNodes(1).build())
            .setConfigProp("offsets.topic.replication.factor", "1")
            .setConfigProp("offsets.topic.num.partitions", "3")
            .setConfigProp("transaction.state.log.replication.factor", "1")
            .setConfigProp("transaction.state.log.min.isr", "1")
            .setConfigProp("group.initial.rebalance.delay.ms", "0")
            .setConfigProp("auto.create.topics.enable", "false");
    props.forEach(b::setConfigProp);
    KafkaClusterTestKit cluster = b.build();
    cluster.format();
    cluster.startup();
    cluster.waitForReadyBrokers();
    return new Broker(cluster, login);
  }

  public String bootstrap() {
    return cluster.bootstrapServers();
  }

  public void createTopic(String name, int partitions) throws Exception {
    admin.createTopics(List.of(new NewTopic(name, partitions, (short) 1))).all().get();
  }

  void send(ProducerRecord<byte[], byte[]> r) throws Exception {
    producer.send(r).get();
  }

  void sendAll(List<ProducerRecord<byte[], byte[]>> records) throws Exception {
    List<java.util.concurrent.Future<?>> acks = new ArrayList<>();
    for (ProducerRecord<byte[], byte[]> r : records) {
      acks.add(producer.send(r));
    }
    for (java.util.concurrent.Future<?> f : acks) {
      f.get();
    }
  }

  /** Sends each value as a record without key, spread over the partitions; waits for the acks. */
  public void sendValues(String topic, List<String> values) throws Exception {
    List<ProducerRecord<byte[], byte[]>> records = new ArrayList<>();
    for (String v : values) {
      records.add(new ProducerRecord<>(topic, v.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
    }
    sendAll(records);
  }

  /**
   * Stops the broker and starts it again on the same address; clients reconnect by themselves.
   * Returns once it serves again.
   */
  public void restart() throws Exception {
    var broker = cluster.brokers().values().iterator().next();
    broker.shutdown();
    broker.awaitShutdown();
    broker.startup();
    cluster.waitForReadyBrokers();
  }

  /** Sends each id as a record with the id as key and value; waits for the acks. */
  public void sendIds(String topic, List<String> ids) throws Exception {
    List<ProducerRecord<byte[], byte[]>> records = new ArrayList<>();
    for (String id : ids) {
      byte[] b = id.getBytes(java.nio.charset.StandardCharsets.UTF_8);
      records.add(new ProducerRecord<>(topic, b, b));
    }
    sendAll(records);
  }

  /**
   * Counts a topic's records and their distinct keys from the beginning, on a thread of its own.
   */
  public Tally tally(String topic) {
    return new Tally(client, topic);
  }

  /** A running count of a topic's records and distinct keys. */
  public static final class Tally implements AutoCloseable {
    private final java.util.Set<String> keys = java.util.concurrent.ConcurrentHashMap.newKeySet();
    private final java.util.concurrent.atomic.AtomicLong records =
        new java.util.concurrent.atomic.AtomicLong();
    private volatile boolean running = true;
    private final Thread thread;

    private Tally(Properties client, String topic) {
      thread =
          new Thread(
              () -> {
                Properties p = new Properties();
                p.putAll(client);
                p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
                try (KafkaConsumer<byte[], byte[]> c =
                    new KafkaConsumer<>(
                        p, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
                  List<TopicPartition> parts =
                      c.partitionsFor(topic).stream()
                          .map(i -> new TopicPartition(topic, i.partition()))
                          .toList();
                  c.assign(parts);
                  c.seekToBeginning(parts);
                  while (running) {
                    try {
                      for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(200))) {
                        records.incrementAndGet();
                        if (r.key() != null) {
                          keys.add(new String(r.key(), java.nio.charset.StandardCharsets.UTF_8));
                        }
                      }
                    } catch (org.apache.kafka.common.KafkaException e) {
                      // the broker restarting: keep polling
                    }
                  }
                }
              },
              "tally-" + topic);
      thread.setDaemon(true);
      thread.start();
    }

    public int distinct() {
      return keys.size();
    }

    public long records() {
      return records.get();
    }

    public java.util.Set<String> keys() {
      return java.util.Set.copyOf(keys);
    }

    @Override
    public void close() {
      running = false;
      try {
        thread.join(5000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  /** The values of one header of the topic's records (null where absent), from the beginning. */
  public List<String> headerValues(String topic, String header, int expected, Duration wait) {
    List<String> out = new ArrayList<>();
    for (ConsumerRecord<byte[], byte[]> r : readAll(topic, expected, wait)) {
      var h = r.headers().lastHeader(header);
      out.add(h == null ? null : new String(h.value(), java.nio.charset.StandardCharsets.UTF_8));
    }
    return out;
  }

  /** Reads every record of a topic present within {@code wait} (from the beginning). */
  List<ConsumerRecord<byte[], byte[]>> readAll(String topic, int expected, Duration wait) {
    Properties p = new Properties();
    p.putAll(client);
    p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    List<ConsumerRecord<byte[], byte[]>> out = new ArrayList<>();
    try (KafkaConsumer<byte[], byte[]> c =
        new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
      List<TopicPartition> parts =
          c.partitionsFor(topic).stream()
              .map(i -> new TopicPartition(topic, i.partition()))
              .toList();
      c.assign(parts);
      c.seekToBeginning(parts);
      long deadline = System.nanoTime() + wait.toNanos();
      while (out.size() < expected && System.nanoTime() < deadline) {
        c.poll(Duration.ofMillis(100)).forEach(out::add);
      }
    }
    return out;
  }

  Set<String> topicNames() throws Exception {
    return admin.listTopics().names().get();
  }

  @Override
  public void close() {
    producer.close(Duration.ofSeconds(5));
    admin.close(Duration.ofSeconds(5));
    try {
      cluster.close();
    } catch (Exception e) {
      throw new IllegalStateException("the test broker did not close cleanly", e);
    }
  }
}
