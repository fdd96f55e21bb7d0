package dev.skiff.proxy;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.http.HttpServerRequest;
import java.util.Objects;
import java.util.function.BiFunction;
import java.util.function.Function;

/**
 * A component's request handling as {@link ProxyServer} runs it. One is built per event loop,
 * around that loop's upstream client; both methods run on that event loop.
 *
 * @param <X> the component's exchange
 */
public interface ProxyPipeline<X extends ProxyExchange> {

  /** Wraps a request that just arrived; its body is paused until the proxy pipes it. */
  X exchange(HttpServerRequest request, Context context);

  /** Serves the exchange; completes when it is over, the response sent or abandoned. */
  Future<Void> serve(X exchange);

  /** A pipeline from its two halves. */
  static <X extends ProxyExchange> ProxyPipeline<X> of(
      BiFunction<HttpServerRequest, Context, X> exchanges, Function<X, Future<Void>> serve) {
    Objects.requireNonNull(exchanges, "exchanges");
    Objects.requireNonNull(serve, "serve");
    return new ProxyPipeline<>() {
      @Override
      public X exchange(HttpServerRequest request, Context context) {
        return exchanges.apply(request, context);
      }

      @Override
      public Future<Void> serve(X exchange) {
        return serve.apply(exchange);
      }
    };
  }
}
