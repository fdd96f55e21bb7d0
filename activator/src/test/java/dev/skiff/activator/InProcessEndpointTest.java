package dev.skiff.activator;

import static dev.skiff.proxy.testing.Await.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.skiff.activator.spi.Endpoint;
import io.vertx.core.Future;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.junit.jupiter.api.Test;

/**
 * An instance this process serves, published before its sidecar's listener is bound (port 0): the
 * activator hands it its requests in process, and never tries an address it does not have.
 */
class InProcessEndpointTest extends ActivatorTestBase {
  static final String IDENTITY = "spiffe://skiff.local/ns/default/svc/hello";
  final Queue<String> servedInProcess = new ConcurrentLinkedQueue<>();

  @Override
  Activator.Builder configure(Activator.Builder builder) {
    return builder.withLocalEndpoints(
        endpoint ->
            "i1".equals(endpoint.instance())
                ? (request, cancellation) -> {
                  servedInProcess.add(request.path());
                  request.response().end("in process");
                  return Future.succeededFuture();
                }
                : null);
  }

  @Test
  void aColdRequestGoesInProcessToAnInstanceWhoseListenerIsNotBoundYet() {
    Future<Response> waiting = get("hello-00001", "/cold");
    endpoints.publish(NS, "hello-00001", 0, new Endpoint("127.0.0.1", 0, IDENTITY, "i1"));

    Response r = await(waiting);

    assertEquals(200, r.status(), r.body().toString());
    assertEquals("in process", r.body().toString());
    assertEquals(java.util.List.of("/cold"), java.util.List.copyOf(servedInProcess));
  }

  @Test
  void anInstanceWithoutListenerWhoseEntryIsGoneIsNeverCalledOverTheNetwork() {
    endpoints.publish(NS, "hello-00001", 0, new Endpoint("127.0.0.1", 0, IDENTITY, "i2"));

    Response r = await(get("hello-00001", "/"));

    assertEquals(502, r.status(), r.body().toString());
    assertTrue(r.body().toString().contains("was not sent"), r.body().toString());
    assertTrue(servedInProcess.isEmpty());
  }

  @Test
  void anEndpointWithoutPortMustNameItsInstance() {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> new Endpoint("127.0.0.1", 0, IDENTITY));
    assertTrue(e.getMessage().contains("served in process"), e.getMessage());
  }
}
