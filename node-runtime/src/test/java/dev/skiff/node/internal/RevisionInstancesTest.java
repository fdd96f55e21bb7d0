package dev.skiff.node.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;

import dev.skiff.api.model.Condition;
import dev.skiff.api.model.Revision;
import dev.skiff.api.model.RevisionStatus;
import dev.skiff.node.Fixtures;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class RevisionInstancesTest {
  private static RevisionStatus status(String reason) {
    return new RevisionStatus(
        null,
        0,
        0,
        List.of(
            new Condition(
                "Ready", "True", reason, "at zero", Instant.parse("2026-12-06T19:00:00.123Z"))));
  }

  @Test
  void theStatusTheFeedBringsBackIsKeptOnceNotTwice() {
    Revision rev = Fixtures.revision("hello", 1);
    RevisionInstances book = new RevisionInstances(rev);
    book.lastReported(status("Served"));

    // The control plane stored the report; the feed's copy was read back from the store.
    Revision written = rev.withStatus(status("Served"));
    book.revision(written);

    assertSame(written.status(), book.lastReported());
    assertSame(written, book.revision());
  }

  @Test
  void aStatusThatDiffersFromTheReportDoesNotReplaceIt() {
    Revision rev = Fixtures.revision("hello", 1);
    RevisionInstances book = new RevisionInstances(rev);
    RevisionStatus reported = status("Served");
    book.lastReported(reported);

    Revision older = rev.withStatus(status("Deploying"));
    book.revision(older);

    assertSame(reported, book.lastReported());
    assertNotSame(older.status(), book.lastReported());
    assertEquals(older, book.revision());
  }
}
