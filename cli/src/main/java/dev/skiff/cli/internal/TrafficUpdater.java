package dev.skiff.cli.internal;

import dev.skiff.api.model.ObjectMeta;
import dev.skiff.api.model.Service;
import dev.skiff.api.model.TrafficTarget;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * Changes a service's traffic with optimistic concurrency: reads the service, computes the new list
 * from what it read, and sends it with that resourceVersion. If another writer got in between
 * (409), it reads again and recomputes, a few times.
 */
public final class TrafficUpdater {
  private static final int ATTEMPTS = 3;

  private TrafficUpdater() {}

  /**
   * Sets annotations on a service's metadata (its traffic policy: no new revision), with the same
   * read-merge-write retry; a service that has them already is returned as read.
   */
  public static Reply<Service> annotate(
      ControlPlane api, String ns, String name, Map<String, String> settings) {
    for (int attempt = 1; ; attempt++) {
      Reply<Service> read = api.service(ns, name);
      Service current = read.value();
      Map<String, String> annotations = new HashMap<>(current.metadata().annotations());
      annotations.putAll(settings);
      if (annotations.equals(current.metadata().annotations())) {
        return read;
      }
      ObjectMeta m = current.metadata();
      ObjectMeta meta =
          new ObjectMeta(
              m.name(),
              m.namespace(),
              m.resourceVersion(),
              m.generation(),
              m.uid(),
              m.createdAt(),
              m.labels(),
              annotations);
      try {
        return api.putService(current.withMetadata(meta).withStatus(null));
      } catch (ServerRejectedException e) {
        if (e.status() != 409 || attempt == ATTEMPTS || m.resourceVersion() == null) {
          throw e;
        }
      }
    }
  }

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
