package dev.skiff.proxy;

import io.vertx.core.MultiMap;
import java.util.ArrayList;
import java.util.List;

/**
 * Gives a request handed to a callee in the same process (the activator, an instance's sidecar) the
 * headers the next hop is to be sent, in place of the client's.
 *
 * <p>Runs on every request handed in process, twice on the gateway's path through the activator, so
 * it walks each map once with {@link MultiMap#forEach(java.util.function.BiConsumer)}: no sorted
 * name set ({@code names()}) and no value list per name ({@code getAll}).
 */
public final class InProcessHeaders {
  private InProcessHeaders() {}

  /**
   * Makes {@code request} carry exactly the headers of {@code upstream}, in their order and with
   * every value, except that its {@code Host} and pseudo-headers ({@code :authority}, ...) stay
   * unless {@code upstream} names them too.
   */
  public static void replace(MultiMap request, MultiMap upstream) {
    List<String> drop = new ArrayList<>();
    request.forEach(
        (name, value) -> {
          if ((!name.startsWith(":") && !"host".equalsIgnoreCase(name))
              || upstream.contains(name)) {
            drop.add(name); // a name listed twice is removed once, the second time finds nothing
          }
        });
    for (int i = 0; i < drop.size(); i++) {
      request.remove(drop.get(i));
    }
    upstream.forEach(request::add);
  }
}
