package dev.skiff.meshproxy.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class DnsResponderTest {
  private final AtomicLong now = new AtomicLong();
  private final DnsResponder responder =
      new DnsResponder(
          null,
          "10.88.0.1",
          "10.88.0.2",
          Set.of("hello.default", "hello.default.localhost")::contains,
          10,
          now::get);

  @Test
  void answersAMeshNameWithTheNodesEndOfTheLink() {
    byte[] answer = responder.reply(DnsMessage.query(0x1234, "hello.default", DnsMessage.TYPE_A));
    assertEquals(DnsMessage.NOERROR, DnsMessage.rcode(answer));
    assertEquals(1, DnsMessage.answers(answer));
    assertEquals(0x12, answer[0]);
    assertEquals(0x34, answer[1]);
    assertTrue((answer[2] & 0x80) != 0, "QR set");
    assertTrue((answer[2] & 0x04) != 0, "authoritative");
    assertEquals(0, answer[3] & 0x80, "never offers recursion");
    assertArrayEquals(
        new byte[] {10, 88, 0, 1}, Arrays.copyOfRange(answer, answer.length - 4, answer.length));
  }

  @Test
  void namesAreMatchedWithoutRegardToCaseAndTheQuestionIsEchoedAsSent() {
    byte[] query = DnsMessage.query(7, "HeLLo.Default.LOCALHOST", DnsMessage.TYPE_A);
    byte[] answer = responder.reply(query);
    assertEquals(DnsMessage.NOERROR, DnsMessage.rcode(answer));
    assertEquals(1, DnsMessage.answers(answer));
    assertArrayEquals(
        Arrays.copyOfRange(query, 12, query.length), Arrays.copyOfRange(answer, 12, query.length));
  }

  @Test
  void anUnknownNameIsNxdomainAndNothingIsForwarded() {
    for (String name : Set.of("nothere.default", "example.com", "localhost", "hello")) {
      byte[] answer = responder.reply(DnsMessage.query(1, name, DnsMessage.TYPE_A));
      assertEquals(DnsMessage.NXDOMAIN, DnsMessage.rcode(answer), name);
      assertEquals(0, DnsMessage.answers(answer), name);
    }
  }

  @Test
  void aaaaForAMeshNameIsAnEmptyAnswerSoClientsUseTheIpv4One() {
    byte[] answer = responder.reply(DnsMessage.query(1, "hello.default", DnsMessage.TYPE_AAAA));
    assertEquals(DnsMessage.NOERROR, DnsMessage.rcode(answer));
    assertEquals(0, DnsMessage.answers(answer));
  }

  @Test
  void aNameWithBytesNoHostNameHasIsNxdomain() {
    byte[] query = DnsMessage.query(1, "hello.default", DnsMessage.TYPE_A);
    query[13] = '.'; // "h.llo" as one label: it must not be read as two
    assertEquals(DnsMessage.NXDOMAIN, DnsMessage.rcode(responder.reply(query)));
    query[13] = 0;
    assertEquals(DnsMessage.NXDOMAIN, DnsMessage.rcode(responder.reply(query)));
  }

  @Test
  void anotherClassIsRefused() {
    byte[] query = DnsMessage.query(1, "hello.default", DnsMessage.TYPE_A);
    query[query.length - 1] = 3; // CHAOS
    assertEquals(DnsMessage.REFUSED, DnsMessage.rcode(responder.reply(query)));
  }

  @Test
  void truncatedOversizedAndResponsePacketsGetNoAnswer() {
    byte[] query = DnsMessage.query(1, "hello.default", DnsMessage.TYPE_A);
    assertNull(responder.reply(new byte[0]));
    assertNull(responder.reply(new byte[11]));
    assertNull(responder.reply(new byte[513]));
    byte[] response = query.clone();
    response[2] |= (byte) 0x80;
    assertNull(responder.reply(response), "a response is never answered (no loops)");
  }

  @Test
  void malformedQuestionsAreFormerr() {
    byte[] query = DnsMessage.query(9, "hello.default", DnsMessage.TYPE_A);
    // Cut anywhere inside the question.
    for (int len = 12; len < query.length; len++) {
      byte[] cut = Arrays.copyOf(query, len);
      assertEquals(DnsMessage.FORMERR, DnsMessage.rcode(responder.reply(cut)), "cut at " + len);
    }
    byte[] twoQuestions = query.clone();
    twoQuestions[5] = 2;
    assertEquals(DnsMessage.FORMERR, DnsMessage.rcode(responder.reply(twoQuestions)));
    byte[] withAnswers = query.clone();
    withAnswers[7] = 1;
    assertEquals(DnsMessage.FORMERR, DnsMessage.rcode(responder.reply(withAnswers)));
    byte[] pointer = query.clone();
    pointer[12] = (byte) 0xC0; // a compression pointer in the question
    assertEquals(DnsMessage.FORMERR, DnsMessage.rcode(responder.reply(pointer)));
    byte[] labelPastEnd = query.clone();
    labelPastEnd[12] = 63;
    assertEquals(DnsMessage.FORMERR, DnsMessage.rcode(responder.reply(labelPastEnd)));
  }

  @Test
  void aNameLongerThan255BytesIsFormerr() {
    String label = "a".repeat(63);
    String name = String.join(".", label, label, label, label, label);
    assertEquals(
        DnsMessage.FORMERR,
        DnsMessage.rcode(responder.reply(DnsMessage.query(1, name, DnsMessage.TYPE_A))));
  }

  @Test
  void otherOpcodesAreNotImplemented() {
    byte[] query = DnsMessage.query(1, "hello.default", DnsMessage.TYPE_A);
    query[2] = (byte) (query[2] | (5 << 3)); // UPDATE
    byte[] answer = responder.reply(query);
    assertEquals(DnsMessage.NOTIMP, DnsMessage.rcode(answer));
    assertEquals(12, answer.length);
  }

  @Test
  void randomBytesNeverThrow() {
    Random random = new Random(42);
    byte[] valid = DnsMessage.query(1, "hello.default", DnsMessage.TYPE_A);
    for (int i = 0; i < 20_000; i++) {
      byte[] packet = random.nextBoolean() ? new byte[random.nextInt(600)] : valid.clone();
      if (packet == valid || packet.length == valid.length) {
        packet[random.nextInt(packet.length)] = (byte) random.nextInt(256);
      } else {
        random.nextBytes(packet);
      }
      byte[] answer = responder.reply(packet);
      assertTrue(answer == null || answer.length >= 12);
    }
  }

  @Test
  void theBucketAllowsItsRateAndRefillsWithTime() {
    DnsResponder.TokenBucket bucket = new DnsResponder.TokenBucket(10, now::get);
    for (int i = 0; i < 10; i++) {
      assertTrue(bucket.take(), "take " + i);
    }
    assertFalse(bucket.take(), "over the burst");
    now.addAndGet(100_000_000); // 0.1 s: one more
    assertTrue(bucket.take());
    assertFalse(bucket.take());
  }
}
