package dev.skiff.api.model;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;

/**
 * The desired state of a service.
 *
 * @param template what each revision is made from
 * @param traffic how requests split across revisions; empty means 100% to the latest revision
 * @param authorization who may call its instances through the mesh; null for the default. Outside
 *     the template: changing it makes no new revision
 */
@JsonInclude(JsonInclude.Include.NON_EMPTY)
public record ServiceSpec(
    RevisionTemplate template, List<TrafficTarget> traffic, Authorization authorization) {
  public ServiceSpec {
    traffic = traffic == null ? List.of() : List.copyOf(traffic);
  }

  public ServiceSpec(RevisionTemplate template, List<TrafficTarget> traffic) {
    this(template, traffic, null);
  }

  public ServiceSpec withTraffic(List<TrafficTarget> newTraffic) {
    return new ServiceSpec(template, newTraffic, authorization);
  }

  public ServiceSpec withTemplate(RevisionTemplate newTemplate) {
    return new ServiceSpec(newTemplate, traffic, authorization);
  }

  public ServiceSpec withAuthorization(Authorization newAuthorization) {
    return new ServiceSpec(template, traffic, newAuthorization);
  }
}
