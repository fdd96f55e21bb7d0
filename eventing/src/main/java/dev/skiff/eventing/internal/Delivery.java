package dev.skiff.eventing.internal;

import dev.skiff.eventing.spi.EventReply;
import dev.skiff.eventing.spi.EventRequest;
import dev.skiff.eventing.spi.EventSink;
import io.cloudevents.CloudEvent;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;

/**
 * Delivers one event: a CloudEvents binary-mode POST through the trigger's {@link EventSink},
 * retried on 5xx, 404, 408, 409, 429 and connection errors with the trigger's backoff (or longer
 * when the answer says Retry-After); then the dead-letter topic, with {@code knativeerrorcode},
 * {@code knativeerrordest} and {@code knativeerrordata} (the first 1 KiB of the last answer,
 * base64). An answer that is itself a CloudEvent goes to the reply topic. The future completes once
 * the record is finished; a dead letter that cannot be written is retried until it is, so the
 * record is never committed before.
 */
final class Delivery {
  /** How much of an answer is read; the rest is drained and dropped. */
  static final int MAX_RESPONSE = 1 << 20;

  static final int ERROR_DATA = 1024;

  /** What a trigger's deliveries share. */
  record Plan(
      String namespace,
      String service,
      String authority,
      String path,
      Duration timeout,
      int retries,
      boolean exponential,
      Duration backoff,
      String deadLetterTopic,
      String replyTopic) {}

  private final Vertx vertx;
  private final EventSink sink;
  private final Plan plan;
  private final Publisher publisher;
  private final TriggerCounters counters;
  private final Clock clock;
  private volatile boolean closed;

  Delivery(
      Vertx vertx,
      EventSink sink,
      Plan plan,
      Publisher publisher,
      TriggerCounters counters,
      Clock clock) {
    this.vertx = vertx;
    this.sink = sink;
    this.plan = plan;
    this.publisher = publisher;
    this.counters = counters;
    this.clock = clock;
  }

  /** Stops retrying: pending retries end without finishing their record. */
  void close() {
    closed = true;
  }

  /** Completes when the record is finished; fails only when closed first. */
  Future<Void> deliver(ConsumerRecord<byte[], byte[]> record, CloudEvent event) {
    return attempt(record, event, 0);
  }

  private Future<Void> attempt(ConsumerRecord<byte[], byte[]> record, CloudEvent event, int n) {
    if (closed) {
      return Future.failedFuture("closed");
    }
    return post(event)
        .compose(
            answer -> {
              if (answer.status() / 100 == 2) {
                counters.delivered();
                return reply(record, answer);
              }
              String where = where(record);
              counters.error(
                  where
                      + ": "
                      + (answer.status() == 0
                          ? answer.error()
                          : plan.authority() + " answered " + answer.status()));
              if (Backoff.retryable(answer.status()) && n < plan.retries()) {
                counters.retried.incrementAndGet();
                Duration wait = Backoff.delay(n + 1, plan.exponential(), plan.backoff());
                Duration asked = Backoff.retryAfter(answer.retryAfter(), clock.instant());
                return later(asked.compareTo(wait) > 0 ? asked : wait)
                    .compose(v -> attempt(record, event, n + 1));
              }
              return deadLetter(record, event, answer);
            });
  }

  private Future<Void> later(Duration d) {
    Promise<Void> p = Promise.promise();
    vertx.setTimer(Math.max(1, d.toMillis()), id -> p.complete());
    return p.future();
  }

  /** The answer of one attempt: status 0 with {@code error} when none came. */
  record Answer(int status, EventReply reply, String retryAfter, String error) {
    byte[] body() {
      return reply == null ? null : reply.body();
    }
  }

  private Future<Answer> post(CloudEvent event) {
    List<Map.Entry<String, String>> headers = RecordEvents.httpHeaders(event);
    byte[] data = event.getData() == null ? new byte[0] : event.getData().toBytes();
    Future<EventReply> sent;
    try {
      sent =
          sink.deliver(
              plan.namespace(),
              plan.service(),
              new EventRequest(plan.path(), headers, data, plan.timeout()));
    } catch (RuntimeException e) {
      sent = Future.failedFuture(e);
    }
    return sent.transform(
        ar ->
            Future.succeededFuture(
                ar.succeeded()
                    ? new Answer(
                        ar.result().status(), ar.result(), ar.result().header("Retry-After"), null)
                    : new Answer(0, null, null, String.valueOf(ar.cause().getMessage()))));
  }

  /** Publishes the answer when it is a CloudEvent and the trigger has a reply topic. */
  private Future<Void> reply(ConsumerRecord<byte[], byte[]> record, Answer answer) {
    if (plan.replyTopic() == null) {
      return Future.succeededFuture();
    }
    String ct = answer.reply().header("Content-Type");
    boolean structured =
        ct != null && ct.toLowerCase(Locale.ROOT).startsWith(RecordEvents.STRUCTURED);
    boolean binary = answer.reply().header("ce-specversion") != null;
    if (!structured && !binary) {
      return Future.succeededFuture();
    }
    RecordHeaders headers = new RecordHeaders();
    if (binary) {
      for (Map.Entry<String, String> h : answer.reply().headers()) {
        String name = h.getKey().toLowerCase(Locale.ROOT);
        if (name.startsWith("ce-") && name.length() > 3) {
          headers.add(
              "ce_" + name.substring(3),
              RecordEvents.percentDecode(h.getValue()).getBytes(StandardCharsets.UTF_8));
        }
      }
    }
    if (ct != null) {
      headers.add("content-type", ct.getBytes(StandardCharsets.UTF_8));
    }
    ProducerRecord<byte[], byte[]> out =
        new ProducerRecord<>(plan.replyTopic(), null, record.key(), answer.body(), headers);
    return publishUntilAcknowledged(out, "reply", 0)
        .onSuccess(m -> counters.replied.incrementAndGet())
        .mapEmpty();
  }

  private Future<Void> deadLetter(
      ConsumerRecord<byte[], byte[]> record, CloudEvent event, Answer answer) {
    if (plan.deadLetterTopic() == null) {
      counters.dropped.incrementAndGet();
      return Future.succeededFuture();
    }
    RecordHeaders headers = new RecordHeaders();
    RecordEvents.attributes(event)
        .forEach((k, v) -> headers.add("ce_" + k, v.getBytes(StandardCharsets.UTF_8)));
    headers.add("ce_specversion", "1.0".getBytes(StandardCharsets.UTF_8));
    if (event.getDataContentType() != null) {
      headers.add("content-type", event.getDataContentType().getBytes(StandardCharsets.UTF_8));
    }
    headers.add(
        "ce_knativeerrorcode", Integer.toString(answer.status()).getBytes(StandardCharsets.UTF_8));
    headers.add(
        "ce_knativeerrordest",
        ("http://" + plan.authority() + plan.path()).getBytes(StandardCharsets.UTF_8));
    byte[] data =
        answer.body() != null
            ? Arrays.copyOf(answer.body(), Math.min(ERROR_DATA, answer.body().length))
            : String.valueOf(answer.error()).getBytes(StandardCharsets.UTF_8);
    headers.add(
        "ce_knativeerrordata",
        Base64.getEncoder().encodeToString(data).getBytes(StandardCharsets.UTF_8));
    byte[] value = event.getData() == null ? null : event.getData().toBytes();
    ProducerRecord<byte[], byte[]> out =
        new ProducerRecord<>(plan.deadLetterTopic(), null, record.key(), value, headers);
    return publishUntilAcknowledged(out, "dead letter", 0)
        .onSuccess(m -> counters.deadLettered.incrementAndGet())
        .mapEmpty();
  }

  /** Writes until the broker acknowledges; the record is not finished before. */
  private Future<Void> publishUntilAcknowledged(
      ProducerRecord<byte[], byte[]> out, String what, int n) {
    if (closed) {
      return Future.failedFuture("closed");
    }
    return publisher
        .send(out)
        .<Void>mapEmpty()
        .recover(
            err -> {
              counters.error(
                  "cannot write the "
                      + what
                      + " to topic "
                      + out.topic()
                      + ": "
                      + err.getMessage());
              return later(Backoff.delay(n + 1, true, plan.backoff()))
                  .compose(v -> publishUntilAcknowledged(out, what, n + 1));
            });
  }

  private static String where(ConsumerRecord<byte[], byte[]> r) {
    return r.topic() + "/" + r.partition() + "@" + r.offset();
  }
}
