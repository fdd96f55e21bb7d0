package dev.skiff.api.validation;

import dev.skiff.api.model.TriggerSpec;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/** The checks of a trigger's spec that need no store: topics, brokers, modes, client properties. */
final class TriggerChecks {
  /** Kafka's own rule for topic names. */
  private static final Pattern TOPIC = Pattern.compile("[a-zA-Z0-9._-]{1,249}");

  private static final Pattern HOST_PORT =
      Pattern.compile("(\\[[0-9a-fA-F:.]+\\]|[A-Za-z0-9.-]+):([0-9]{1,5})");

  /** Broker security may be configured; nothing that changes how records are consumed. */
  private static final Set<String> KAFKA_KEYS = Set.of("security.protocol", "sasl.mechanism");

  private static final Set<String> PROTOCOLS =
      Set.of("PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL");
  private static final Set<String> MECHANISMS = Set.of("PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512");
  private static final Set<String> LOGIN_MODULES =
      Set.of(
          "org.apache.kafka.common.security.plain.PlainLoginModule",
          "org.apache.kafka.common.security.scram.ScramLoginModule");

  static final int MAX_TOPICS = 100;

  private TriggerChecks() {}

  static void spec(Problems p, String path, TriggerSpec s) {
    boolean hasOne = s.topic() != null && !s.topic().isEmpty();
    if (!hasOne && s.topics().isEmpty()) {
      p.add(path + ".topic", "is required", "the Kafka topic to consume, or a list in topics");
    } else if (hasOne && !s.topics().isEmpty()) {
      p.add(path + ".topics", "is given together with topic", "give topic or topics, not both");
    }
    if (hasOne) {
      topic(p, path + ".topic", s.topic());
    }
    if (s.topics().size() > MAX_TOPICS) {
      p.add(path + ".topics", "lists " + s.topics().size() + " topics", "at most " + MAX_TOPICS);
    }
    Set<String> seen = new HashSet<>();
    for (int i = 0; i < s.topics().size(); i++) {
      String t = s.topics().get(i);
      topic(p, path + ".topics[" + i + "]", t);
      if (t != null && !seen.add(t)) {
        p.add(path + ".topics[" + i + "]", "'" + t + "' is listed twice", "list each topic once");
      }
    }
    bootstrap(p, path + ".bootstrapServers", s.bootstrapServers());
    if (s.service() == null || s.service().isEmpty()) {
      p.add(path + ".service", "is required", "the service that receives the events");
    } else {
      Names.checkLabel(p, path + ".service", s.service(), Names.MAX_SERVICE_NAME);
    }
    if (s.path() != null && (!s.path().startsWith("/") || !s.path().matches("/[\\x21-\\x7e]*"))) {
      p.add(
          path + ".path",
          "must start with '/' and hold no spaces or control characters",
          "e.g. /events");
    }
    if (s.consumerGroup() != null
        && !s.consumerGroup().isEmpty()
        && !s.consumerGroup().matches("[A-Za-z0-9._-]{1,249}")) {
      p.add(path + ".consumerGroup", "must be 1-249 of [A-Za-z0-9._-]", "e.g. orders-billing");
    }
    oneOf(p, path + ".initialOffset", s.initialOffset(), List.of("earliest", "latest"));
    oneOf(p, path + ".ordering", s.ordering(), List.of("ordered", "unordered"));
    if (s.maxInFlight() != null && (s.maxInFlight() < 1 || s.maxInFlight() > 10_000)) {
      p.add(path + ".maxInFlight", "must be 1-10000, got " + s.maxInFlight(), "default 100");
    }
    if (s.lagThreshold() != null && s.lagThreshold() < 1) {
      p.add(path + ".lagThreshold", "must be >= 1, got " + s.lagThreshold(), "default 10");
    }
    if (s.replyTopic() != null) {
      topic(p, path + ".replyTopic", s.replyTopic());
      if (s.allTopics().contains(s.replyTopic())) {
        p.add(
            path + ".replyTopic",
            "is also a consumed topic, so every reply would trigger the service again",
            "reply to another topic");
      }
    }
    kafka(p, path + ".kafka", s.kafka());
  }

  static void topic(Problems p, String field, String t) {
    if (t == null || !TOPIC.matcher(t).matches() || t.equals(".") || t.equals("..")) {
      p.add(field, "'" + t + "' is not a Kafka topic name", "1-249 of [a-zA-Z0-9._-], e.g. orders");
    }
  }

  private static void bootstrap(Problems p, String field, String v) {
    if (v == null || v.isBlank()) {
      p.add(field, "is required", "host:port[,host:port], e.g. 127.0.0.1:9092");
      return;
    }
    for (String hp : v.split(",", -1)) {
      var m = HOST_PORT.matcher(hp.trim());
      if (!m.matches()
          || Integer.parseInt(m.group(2)) < 1
          || Integer.parseInt(m.group(2)) > 65535) {
        p.add(field, "'" + hp + "' is not host:port", "e.g. 127.0.0.1:9092,broker2:9092");
        return;
      }
    }
  }

  private static void oneOf(Problems p, String field, String v, List<String> allowed) {
    if (v != null && !allowed.contains(v)) {
      p.add(field, "must be " + String.join(" or ", allowed) + ", got '" + v + "'", null);
    }
  }

  /**
   * Only broker security passes through: which protocol, SASL PLAIN or SCRAM credentials, TLS
   * stores. No property naming a class (Kafka instantiates those), nothing about consuming.
   */
  private static void kafka(Problems p, String path, Map<String, String> props) {
    String hint =
        "only security.protocol, sasl.mechanism, sasl.jaas.config (PlainLoginModule or"
            + " ScramLoginModule) and ssl.* settings that name no class pass through";
    props.forEach(
        (k, v) -> {
          String field = path + "." + k;
          if (v == null) {
            p.add(field, "must have a value", null);
            return;
          }
          boolean allowed =
              KAFKA_KEYS.contains(k)
                  || k.equals("sasl.jaas.config")
                  || (k.startsWith("ssl.") && !k.endsWith(".class") && !k.contains("factory"));
          if (!allowed) {
            p.add(field, "is not a broker security setting Skiff passes to Kafka", hint);
          } else if (k.equals("security.protocol") && !PROTOCOLS.contains(v)) {
            p.add(field, "must be one of " + PROTOCOLS + ", got '" + v + "'", null);
          } else if (k.equals("sasl.mechanism") && !MECHANISMS.contains(v)) {
            p.add(field, "must be one of " + MECHANISMS + ", got '" + v + "'", null);
          } else if (k.equals("sasl.jaas.config")
              && (LOGIN_MODULES.stream().noneMatch(m -> v.trim().startsWith(m + " "))
                  || !oneEntry(v))) {
            p.add(
                field,
                "must be one entry (ending in one ';') of " + LOGIN_MODULES,
                "e.g. org.apache.kafka.common.security.plain.PlainLoginModule required"
                    + " username=\"u\" password=\"p\";");
          }
        });
  }

  /** True when the JAAS text holds exactly one entry: one ';' outside quotes, at the end. */
  static boolean oneEntry(String jaas) {
    String unquoted = jaas.trim().replaceAll("\"(\\\\.|[^\"\\\\])*\"", "\"\"");
    return unquoted.endsWith(";") && unquoted.indexOf(';') == unquoted.length() - 1;
  }
}
