package dev.skiff.eventing.internal;

import io.cloudevents.CloudEvent;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.net.SocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.Base64;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.IntSupplier;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;

/**
 * Delivers one event: a CloudEvents binary-mode POST through the gateway, retried on 5xx, 404, 408,
 * 409, 429 and connection errors with the trigger's backoff (or longer when the answer says
 * Retry-After); then the dead-letter topic, with {@code knativeerrorcode}, {@code knativeerrordest}
 * and {@code knativeerrordata} (the first 1 KiB of the last answer, base64). An answer that is
 * itself a CloudEvent goes to the reply topic. The future completes once the record is finished; a
 * dead letter that cannot be written is retried until it is, so the record is never committed
 * before.
 */
final class Delivery {
  /** How much of an answer is read; the rest is drained and dropped. */
  static final int MAX_RESPONSE = 1 << 20;

  static final int ERROR_DATA = 1024;

  /** What a trigger's deliveries share. */
  record Plan(
      String gatewayHost,
      IntSupplier gatewayPort,
      String authority,
      String path,
      Duration timeout,
      int retries,
      boolean exponential,
      Duration backoff,
      String deadLetterTopic,
      String replyTopic) {}

  private final Vertx vertx;
  private final HttpClient http;
  private final Plan plan;
  private final Publisher publisher;
  private final TriggerCounters counters;
  private final Clock clock;
  private volatile boolean closed;

  Delivery(
      Vertx vertx,
      HttpClient http,
      Plan plan,
      Publisher publisher,
      TriggerCounters counters,
      Clock clock) {
    this.vertx = vertx;
    this.http = http;
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
                counters.delivered.incrementAndGet();
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

  /** The answer of one attempt: status 0 with {@code error} for a connection failure. */
  record Answer(int status, MultiMap headers, Buffer body, String retryAfter, String error) {}

  private Future<Answer> post(CloudEvent event) {
    RequestOptions o =
        new RequestOptions()
            .setServer(
                SocketAddress.inetSocketAddress(plan.gatewayPort().getAsInt(), plan.gatewayHost()))
            .setMethod(HttpMethod.POST)
            .setHost(plan.authority())
            .setPort(plan.gatewayPort().getAsInt())
            .setURI(plan.path());
    RecordEvents.attributes(event)
        .forEach((k, v) -> o.putHeader("ce-" + k, RecordEvents.percentEncode(v)));
    if (event.getDataContentType() != null) {
      o.putHeader("Content-Type", event.getDataContentType());
    }
    byte[] data = event.getData() == null ? new byte[0] : event.getData().toBytes();
    Promise<Answer> done = Promise.promise();
    AtomicReference<HttpClientRequest> sent = new AtomicReference<>();
    long timer =
        vertx.setTimer(
            plan.timeout().toMillis(),
            id -> {
              if (done.tryComplete(
                  new Answer(0, null, null, null, "timed out after " + plan.timeout()))) {
                HttpClientRequest req = sent.get();
                if (req != null) {
                  req.reset();
                }
              }
            });
    http.request(o)
        .compose(
            (HttpClientRequest req) -> {
              sent.set(req);
              return req.send(Buffer.buffer(data));
            })
        .compose(resp -> read(resp))
        .onComplete(
            ar -> {
              vertx.cancelTimer(timer);
              if (ar.succeeded()) {
                done.tryComplete(ar.result());
              } else {
                done.tryComplete(
                    new Answer(0, null, null, null, "cannot reach the gateway: " + ar.cause()));
              }
            });
    return done.future();
  }

  private static Future<Answer> read(HttpClientResponse resp) {
    Promise<Answer> p = Promise.promise();
    Buffer body = Buffer.buffer();
    resp.handler(
        chunk -> {
          int room = MAX_RESPONSE - body.length();
          if (room > 0) {
            body.appendBuffer(chunk.length() <= room ? chunk : chunk.getBuffer(0, room));
          }
        });
    resp.exceptionHandler(p::tryFail);
    resp.endHandler(
        v ->
            p.tryComplete(
                new Answer(
                    resp.statusCode(), resp.headers(), body, resp.getHeader("Retry-After"), null)));
    return p.future();
  }

  /** Publishes the answer when it is a CloudEvent and the trigger has a reply topic. */
  private Future<Void> reply(ConsumerRecord<byte[], byte[]> record, Answer answer) {
    if (plan.replyTopic() == null) {
      return Future.succeededFuture();
    }
    String ct = answer.headers().get("Content-Type");
    boolean structured =
        ct != null && ct.toLowerCase(Locale.ROOT).startsWith(RecordEvents.STRUCTURED);
    boolean binary = answer.headers().contains("ce-specversion");
    if (!structured && !binary) {
      return Future.succeededFuture();
    }
    RecordHeaders headers = new RecordHeaders();
    if (binary) {
      for (Map.Entry<String, String> h : answer.headers()) {
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
        new ProducerRecord<>(
            plan.replyTopic(), null, record.key(), answer.body().getBytes(), headers);
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
            ? answer.body().getBytes(0, Math.min(ERROR_DATA, answer.body().length()))
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
