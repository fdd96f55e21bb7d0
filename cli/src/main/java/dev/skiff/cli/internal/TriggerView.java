package dev.skiff.cli.internal;

import dev.skiff.api.model.Condition;
import dev.skiff.api.model.DeliverySpec;
import dev.skiff.api.model.Trigger;
import dev.skiff.api.model.TriggerSpec;
import dev.skiff.api.model.TriggerStatus;

/** {@code skiff trigger describe}'s text: the spec, the state, lag per partition, the counters. */
public final class TriggerView {
  private TriggerView() {}

  /** {@code True}, {@code False (Reason)} or {@code Unknown} when no dispatcher reported yet. */
  public static String ready(Trigger t) {
    if (t.status() == null) {
      return "Unknown";
    }
    return t.status().conditions().stream()
        .filter(c -> "Ready".equals(c.type()))
        .findFirst()
        .map(c -> c.isTrue() ? "True" : c.status() + " (" + c.reason() + ")")
        .orElse("Unknown");
  }

  public static String render(Trigger t) {
    StringBuilder b = new StringBuilder();
    TriggerSpec s = t.spec();
    DeliverySpec d = s.deliveryOrDefault();
    line(b, "Name", t.metadata().namespaceOrDefault() + "/" + t.metadata().name());
    line(b, "Topics", String.join(", ", s.allTopics()));
    line(b, "Bootstrap", s.bootstrapServers());
    line(b, "Service", s.service() + " (path " + s.pathOrDefault() + ")");
    line(
        b,
        "Group",
        s.consumerGroupFor(t.metadata().namespaceOrDefault(), t.metadata().name())
            + ", from "
            + (s.fromEarliest() ? "earliest" : "latest"));
    line(
        b,
        "Ordering",
        s.ordered() ? "ordered" : "unordered, up to " + s.maxInFlightOrDefault() + " in flight");
    line(
        b,
        "Delivery",
        d.retryOrDefault()
            + " retries, "
            + (d.exponential() ? "exponential" : "linear")
            + " backoff from "
            + (d.backoffDelay() == null ? "PT0.2S" : d.backoffDelay())
            + ", timeout "
            + (d.timeout() == null ? "PT30S" : d.timeout()));
    line(b, "Dead letters", d.deadLetterTopic() == null ? "-" : d.deadLetterTopic());
    line(b, "Replies", s.replyTopic() == null ? "-" : s.replyTopic());
    TriggerStatus st = t.status();
    if (st == null) {
      line(b, "State", "Unknown (no dispatcher has reported yet)");
      return b.toString();
    }
    Condition ready =
        st.conditions().stream().filter(c -> "Ready".equals(c.type())).findFirst().orElse(null);
    line(
        b,
        "State",
        ready == null
            ? "Unknown"
            : ready.isTrue()
                ? "Ready"
                : "Not ready: "
                    + ready.reason()
                    + (ready.message() == null ? "" : ": " + ready.message()));
    line(b, "Lag", st.lag() == null ? "-" : Long.toString(st.lag()));
    line(
        b,
        "Counters",
        "delivered "
            + n(st.delivered())
            + ", retried "
            + n(st.retried())
            + ", dead-lettered "
            + n(st.deadLettered())
            + ", dropped "
            + n(st.dropped())
            + ", replied "
            + n(st.replied())
            + ", malformed "
            + n(st.malformed()));
    line(b, "Delivered at", st.lastDeliveredAt() == null ? "-" : st.lastDeliveredAt().toString());
    line(
        b,
        "Last error",
        st.lastError() == null ? "-" : st.lastError() + " (" + st.lastErrorTime() + ")");
    if (!st.partitions().isEmpty()) {
      Table p = new Table("TOPIC", "PARTITION", "COMMITTED", "END", "LAG");
      st.partitions()
          .forEach(x -> p.row(x.topic(), x.partition(), x.committed(), x.end(), x.lag()));
      b.append('\n').append(p.render());
    }
    return b.toString();
  }

  private static long n(Long v) {
    return v == null ? 0 : v;
  }

  private static void line(StringBuilder b, String label, String value) {
    b.append(String.format("%-13s %s%n", label + ":", value));
  }
}
