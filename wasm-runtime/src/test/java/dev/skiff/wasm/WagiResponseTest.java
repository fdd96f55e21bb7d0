package dev.skiff.wasm;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class WagiResponseTest {

  @Test
  void eachOutcomeMapsToItsStatus() {
    assertEquals(413, WagiResponse.statusOf(new RequestTooLargeException(2, 1)));
    assertEquals(500, WagiResponse.statusOf(new FunctionTrapException("trap", null)));
    assertEquals(500, WagiResponse.statusOf(new FunctionExitException(1)));
    assertEquals(500, WagiResponse.statusOf(new ModuleInvalidException("bad")));
    assertEquals(502, WagiResponse.statusOf(new MalformedResponseException("bad")));
    assertEquals(502, WagiResponse.statusOf(new ResponseTooLargeException(1)));
    assertEquals(503, WagiResponse.statusOf(new OverloadedException("busy")));
    assertEquals(504, WagiResponse.statusOf(new FunctionTimeoutException(Duration.ofSeconds(1))));
  }

  @Test
  void failureBodySaysWhatWentWrong() {
    var response = WagiResponse.ofFailure(new FunctionTimeoutException(Duration.ofSeconds(2)));

    assertEquals("text/plain; charset=utf-8", response.header("content-type").orElseThrow());
    assertEquals(
        "function did not answer within its timeout of 2000 ms;"
            + " make it faster or raise the service's timeoutSeconds\n",
        response.bodyText());
  }

  @Test
  void unexpectedFailuresDoNotLeakDetails() {
    var response = WagiResponse.ofFailure(new IllegalStateException("/secret/path broke"));

    assertEquals(500, response.status());
    assertEquals("internal error\n", response.bodyText());
  }
}
