package dev.skiff.server;

import dev.skiff.eventing.Broker;
import dev.skiff.examples.Examples;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The no-loss runs' traffic: {@code count} ids ({@code id-0} …) produced to topic {@code ids}, a
 * trigger {@code ids} that hands them to the Wasm {@code event} function, which answers each on
 * {@code ids-replies}; then which ids never came back.
 */
final class IdsThroughEvent {
  private final List<String> ids;

  private IdsThroughEvent(int count) {
    List<String> all = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      all.add("id-" + i);
    }
    this.ids = List.copyOf(all);
  }

  /** {@code count} ids to send. */
  static IdsThroughEvent of(int count) {
    return new IdsThroughEvent(count);
  }

  /** Deploys the Wasm {@code event} function, its module written to {@code dir}. */
  static void deployEvent(Cli cli, Path dir) throws Exception {
    Path module = Files.write(dir.resolve("event.wasm"), Examples.wasm(Examples.EVENT));
    cli.ok("deploy", "event", "--wasm", module.toString());
  }

  /**
   * Creates the trigger {@code ids} from {@code broker}'s topic {@code ids} to {@code event},
   * unordered, at most {@code maxInFlight} at once, from the earliest offset, replies to {@code
   * ids-replies}, 10 retries 100 ms apart.
   */
  static void createTrigger(Cli cli, Broker broker, int maxInFlight) {
    cli.ok(
        "trigger",
        "create",
        "ids",
        "--bootstrap",
        broker.bootstrap(),
        "--topic",
        "ids",
        "--service",
        "event",
        "--ordering",
        "unordered",
        "--max-in-flight",
        Integer.toString(maxInFlight),
        "--initial-offset",
        "earliest",
        "--reply-topic",
        "ids-replies",
        "--retry",
        "10",
        "--backoff-delay",
        "100ms");
  }

  /** Starts a thread that sends every id to {@code broker}'s topic {@code ids}. */
  Thread sendInBackground(Broker broker) {
    Thread producer =
        new Thread(
            () -> {
              try {
                broker.sendIds("ids", ids);
              } catch (Exception e) {
                throw new IllegalStateException(e);
              }
            });
    producer.start();
    return producer;
  }

  /** The ids that no reply in {@code replies} carries. */
  Set<String> missingFrom(Broker.Tally replies) {
    Set<String> missing = new HashSet<>(ids);
    missing.removeAll(replies.keys());
    return missing;
  }
}
