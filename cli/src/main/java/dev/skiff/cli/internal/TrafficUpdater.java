package dev.skiff.cli.internal;

import dev.skiff.api.model.Service;
import dev.skiff.api.model.TrafficTarget;
import java.util.List;
import java.util.function.Function;

/**
 * Changes a service's traffic with optimistic concurrency: reads the service, computes the new list
 * from what it read, and sends it with that resourceVersion. If another writer got in between
 * (409), it reads again and recomputes, a few times.
 */
public final class TrafficUpdater {
  private static final int ATTEMPTS = 3;

  private TrafficUpdater() {}

  public static Reply<Service> update(
      ControlPlane api, String ns, String name, Function<Service, List<TrafficTarget>> change) {
    for (int attempt = 1; ; attempt++) {
      Service current = api.service(ns, name).value();
      List<TrafficTarget> traffic = change.apply(current);
      try {
        return api.putTraffic(ns, name, traffic, current.metadata().resourceVersion());
      } catch (ServerRejectedException e) {
        if (e.status() != 409
            || attempt == ATTEMPTS
            || current.metadata().resourceVersion() == null) {
          throw e;
        }
      }
    }
  }
}
