package dev.skiff.activator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.skiff.proxy.testing.RawHttp;
import dev.skiff.proxy.testing.RawHttp.Reply;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The activator refuses ambiguous request framing like the gateway does (400, connection closed),
 * so a request hidden in a body never reaches its queue.
 */
class FramingTest extends ActivatorTestBase {
  @ParameterizedTest
  @ValueSource(
      strings = {
        "Transfer-Encoding: gzip",
        "Transfer-Encoding: identity",
        "Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked",
        "Host: other.default.localhost",
      })
  void refusesAmbiguousRequestsAndClosesTheConnection(String extra) {
    String smuggled =
        "GET /smuggled HTTP/1.1\r\nHost: svc.default.localhost\r\n"
            + Activator.REVISION_NAMESPACE_HEADER
            + ": "
            + NS
            + "\r\n"
            + Activator.REVISION_NAME_HEADER
            + ": hello-00001\r\n\r\n";

    Reply r =
        RawHttp.exchange(
            activator.actualPort(),
            "POST / HTTP/1.1\r\nHost: svc.default.localhost\r\n"
                + Activator.REVISION_NAMESPACE_HEADER
                + ": "
                + NS
                + "\r\n"
                + Activator.REVISION_NAME_HEADER
                + ": hello-00001\r\n"
                + extra
                + "\r\n\r\n0\r\n\r\n"
                + smuggled);

    assertEquals(400, r.status(), r.text());
    assertEquals(1, r.responses(), r.text());
    assertTrue(r.closed());
    assertTrue(pokes.isEmpty(), "no request may reach a revision's queue: " + pokes);
  }
}
