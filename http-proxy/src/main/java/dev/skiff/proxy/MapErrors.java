package dev.skiff.proxy;

import io.vertx.core.Future;
import java.util.Objects;
import java.util.function.BiConsumer;

/**
 * The stage where a failed exchange becomes an HTTP answer: everything below it that fails is
 * answered by the component's {@link ErrorResponder}, and the exchange then counts as served. A
 * component may note the failure first (its metrics' outcome, say).
 *
 * @param <X> the component's exchange
 */
public final class MapErrors<X extends ProxyExchange> implements Stage<X> {
  private final ErrorResponder errors;
  private final BiConsumer<? super X, Throwable> onFailure;
  private final Stage<X> next;

  /** Answers every failure of {@code next} with {@code errors}. */
  public MapErrors(ErrorResponder errors, Stage<X> next) {
    this(errors, (x, err) -> {}, next);
  }

  /** Like {@link #MapErrors(ErrorResponder, Stage)}, calling {@code onFailure} before answering. */
  public MapErrors(
      ErrorResponder errors, BiConsumer<? super X, Throwable> onFailure, Stage<X> next) {
    this.errors = Objects.requireNonNull(errors, "errors");
    this.onFailure = Objects.requireNonNull(onFailure, "onFailure");
    this.next = Objects.requireNonNull(next, "next");
  }

  @Override
  public Future<Void> serve(X x) {
    return Stage.call(next, x)
        .recover(
            err -> {
              onFailure.accept(x, err);
              errors.answer(x, err);
              return Future.succeededFuture();
            });
  }
}
