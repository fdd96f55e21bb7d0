package dev.skiff.api.model;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;

/**
 * The desired state of a service.
 *
 * @param template what each revision is made from
 * @param traffic how requests split across revisions; empty means 100% to the latest revision
 */
@JsonInclude(JsonInclude.Include.NON_EMPTY)
public record ServiceSpec(RevisionTemplate template, List<TrafficTarget> traffic) {
  public ServiceSpec {
    traffic = traffic == null ? List.of() : List.copyOf(traffic);
  }

  public ServiceSpec withTraffic(List<TrafficTarget> newTraffic) {
    return new ServiceSpec(template, newTraffic);
  }

  public ServiceSpec withTemplate(RevisionTemplate newTemplate) {
    return new ServiceSpec(newTemplate, traffic);
  }
}
