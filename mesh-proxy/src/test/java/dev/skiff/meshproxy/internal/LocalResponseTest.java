package dev.skiff.meshproxy.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.skiff.meshproxy.ResponseTooLargeException;
import io.vertx.core.buffer.Buffer;
import org.junit.jupiter.api.Test;

class LocalResponseTest {
  private final LocalResponse response = new LocalResponse(8, "http://cart.default/");

  @Test
  void aWholeAnswerWrittenAtOnceIsTheBody() {
    response.setStatusCode(201).end(Buffer.buffer("answer"));

    assertTrue(response.done().succeeded());
    assertEquals(201, response.getStatusCode());
    assertEquals("answer", response.body().toString());
    assertEquals(6, response.bytesWritten());
  }

  @Test
  void chunksAreJoinedInOrderWithoutChangingTheWorkloadsOwnBuffers() {
    Buffer first = Buffer.buffer("ab");
    Buffer second = Buffer.buffer("cd");

    response.write(first);
    response.write(Buffer.buffer());
    response.write(second);
    response.end(Buffer.buffer("ef"));

    assertEquals("abcdef", response.body().toString());
    assertEquals("ab", first.toString());
    assertEquals("cd", second.toString());
  }

  @Test
  void aBodyPastTheLimitFailsTheResponseAndKeepsWhatWasAccepted() {
    response.write(Buffer.buffer("12345"));
    response.write(Buffer.buffer("6789"));

    assertTrue(response.done().failed());
    assertInstanceOf(ResponseTooLargeException.class, response.done().cause());
    assertEquals("12345", response.body().toString());
    assertTrue(response.write(Buffer.buffer("x")).failed());
  }

  @Test
  void anAnswerWithoutABodyHasAnEmptyOne() {
    response.setStatusCode(204).end();

    assertTrue(response.done().succeeded());
    assertEquals(0, response.body().length());
  }
}
