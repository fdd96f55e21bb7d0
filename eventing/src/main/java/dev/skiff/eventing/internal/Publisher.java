package dev.skiff.eventing.internal;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * Writes dead letters and replies, each acknowledged by every in-sync replica ({@code acks=all},
 * idempotent) before the record it stems from counts as finished. {@code send} may block while the
 * producer fetches metadata, so it runs on a worker thread, never an event loop.
 */
final class Publisher implements AutoCloseable {
  private final Vertx vertx;
  private final KafkaProducer<byte[], byte[]> producer;

  Publisher(Vertx vertx, String bootstrap, Map<String, String> security, String clientId) {
    this.vertx = vertx;
    Properties p = new Properties();
    p.putAll(security);
    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    p.put(ProducerConfig.CLIENT_ID_CONFIG, clientId);
    p.put(ProducerConfig.ACKS_CONFIG, "all");
    p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
    p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, "10000");
    p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, "30000");
    p.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, "10000");
    p.put(ProducerConfig.LINGER_MS_CONFIG, "1");
    this.producer = new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer());
  }

  Future<RecordMetadata> send(ProducerRecord<byte[], byte[]> record) {
    Promise<RecordMetadata> done = Promise.promise();
    vertx
        .executeBlocking(
            () ->
                producer.send(
                    record,
                    (meta, err) -> {
                      if (err != null) {
                        done.tryFail(err);
                      } else {
                        done.tryComplete(meta);
                      }
                    }),
            false)
        .onFailure(done::tryFail);
    return done.future();
  }

  @Override
  public void close() {
    producer.close(Duration.ofSeconds(5));
  }
}
