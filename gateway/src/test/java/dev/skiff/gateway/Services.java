package dev.skiff.gateway;

import dev.skiff.api.manifest.Json;
import dev.skiff.api.model.DomainMapping;
import dev.skiff.api.model.DomainMappingSpec;
import dev.skiff.api.model.ObjectMeta;
import dev.skiff.api.model.RevisionTemplate;
import dev.skiff.api.model.Service;
import dev.skiff.api.model.ServiceSpec;
import dev.skiff.api.model.ServiceStatus;
import dev.skiff.api.model.TrafficTarget;
import dev.skiff.api.watch.ResourceEvent;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Services as the control plane publishes them (status.traffic resolved), and their watch events.
 */
final class Services {
  private static final AtomicLong STORE_REVISION = new AtomicLong();

  private Services() {}

  static Service service(String ns, String name, Integer timeoutSeconds, TrafficTarget... traffic) {
    RevisionTemplate template =
        new RevisionTemplate(
            "127.0.0.1:5000/fn:1", null, null, null, null, timeoutSeconds, null, null);
    String latest = traffic.length == 0 ? null : traffic[traffic.length - 1].revisionName();
    return Service.of(ObjectMeta.of(ns, name), new ServiceSpec(template, List.of(traffic)))
        .withStatus(new ServiceStatus(1L, latest, latest, null, List.of(traffic), null));
  }

  static Service service(String ns, String name, TrafficTarget... traffic) {
    return service(ns, name, null, traffic);
  }

  static TrafficTarget to(String revision, int percent) {
    return TrafficTarget.revision(revision, percent);
  }

  static TrafficTarget tagged(String revision, int percent, String tag) {
    return TrafficTarget.revision(revision, percent).withTag(tag);
  }

  static ResourceEvent put(Service s) {
    return event(ResourceEvent.Type.PUT, s);
  }

  static ResourceEvent delete(Service s) {
    return event(ResourceEvent.Type.DELETE, s);
  }

  /** A DomainMapping PUT: {@code domain} to {@code service} (tag null: its whole split). */
  static ResourceEvent mapDomain(
      String ns,
      String domain,
      String service,
      String tag,
      String tls,
      Boolean redirect,
      Long hsts) {
    DomainMapping d =
        DomainMapping.of(
            ObjectMeta.of(ns, domain), new DomainMappingSpec(service, tag, tls, redirect, hsts));
    return new ResourceEvent(
        ResourceEvent.Type.PUT,
        DomainMapping.KIND,
        "/skiff/domainmappings/" + domain,
        STORE_REVISION.incrementAndGet(),
        Json.mapper().valueToTree(d));
  }

  static ResourceEvent unmapDomain(String domain) {
    return new ResourceEvent(
        ResourceEvent.Type.DELETE,
        DomainMapping.KIND,
        "/skiff/domainmappings/" + domain,
        STORE_REVISION.incrementAndGet(),
        null);
  }

  private static ResourceEvent event(ResourceEvent.Type type, Service s) {
    String key = "/skiff/services/" + s.metadata().namespace() + "/" + s.metadata().name();
    return new ResourceEvent(
        type, Service.KIND, key, STORE_REVISION.incrementAndGet(), Json.mapper().valueToTree(s));
  }
}
