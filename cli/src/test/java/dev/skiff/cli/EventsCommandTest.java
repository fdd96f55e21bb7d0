package dev.skiff.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/** {@code skiff events} and the events at the end of {@code describe}, against a real API. */
class EventsCommandTest extends CliTestCase {

  /** Runs {@code args} until its stdout holds {@code text} (events are recorded asynchronously). */
  private String awaitOutput(String text, String... args) {
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    Supplier<String> run = () -> ok(args).out();
    String out = run.get();
    while (!out.contains(text)) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError(
            "'" + String.join(" ", args) + "' never showed " + text + ":\n" + out);
      }
      LockSupport.parkNanos(Duration.ofMillis(20).toNanos());
      out = run.get();
    }
    return out;
  }

  @Test
  void listsWhatHappenedToAServiceAndItsRevisions() {
    ok("deploy", "hello", "--wasm", wasm, "--no-wait");
    controlPlane.instances("hello-00001", 1, 1);

    String out = awaitOutput("RevisionReady", "events", "hello");

    assertTrue(out.startsWith("LAST SEEN"), out);
    assertTrue(out.contains("Revision/hello-00001"), out);
    assertTrue(out.indexOf("Created") < out.indexOf("RevisionReady"), "oldest first:\n" + out);
  }

  @Test
  void saysSoWhenThereAreNone() {
    assertEquals("No events for nothing in namespace default.\n", ok("events", "nothing").out());
  }

  @Test
  void describeEndsWithTheLastEventsAndShowsRevisionConditions() {
    ok("deploy", "hello", "--wasm", wasm, "--no-wait");
    controlPlane.instances("hello-00001", 1, 1);
    awaitOutput("RevisionReady", "events", "hello");

    String describe = ok("describe", "hello").out();

    assertTrue(describe.contains("\nRevision conditions:\n"), describe);
    String events = describe.substring(describe.indexOf("\nEvents:\n"));
    assertTrue(events.contains("RevisionReady"), describe);
  }

  @Test
  void followPrintsNewEventsAsTheyHappen() {
    ok("deploy", "hello", "--wasm", wasm, "--no-wait");
    CliRunner.Running follow = cli.start("events", "hello", "--follow");
    follow.awaitOut("Revision/hello-00001");

    ok("deploy", "hello", "--wasm", wasm, "--env", "A=b", "--no-wait");

    follow.awaitOut("Revision/hello-00002");
  }

  @Test
  void followAsJsonPrintsOneEventPerLine() {
    ok("deploy", "hello", "--wasm", wasm, "--no-wait");
    CliRunner.Running follow = cli.start("events", "-f", "-o", "json");
    follow.awaitOut("\"reason\":\"Created\"");
    assertTrue(follow.outSoFar().startsWith("{\"id\":"), follow.outSoFar());
  }
}
