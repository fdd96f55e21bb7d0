package dev.skiff.api.event;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.time.Instant;

/**
 * One thing that happened to one object, like a Kubernetes event: repeats of the same reason and
 * message on the same object are folded into one event whose {@code count} grows.
 *
 * @param id increases with every record or repeat; a watch resumes after the last one it read
 * @param namespace the object's namespace
 * @param type {@code Normal} or {@code Warning}
 * @param reason a CamelCase reason, e.g. {@code ScaledToZero}
 * @param message what happened, for a person
 * @param kind the object's kind: {@code Service}, {@code Revision} or {@code Instance}
 * @param name the object's name
 * @param service the service the object belongs to
 * @param source the component that saw it: {@code control-plane}, {@code autoscaler}, {@code node}
 * @param count how many times it happened
 * @param firstTime when it first happened
 * @param lastTime when it last happened
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Event(
    long id,
    String namespace,
    String type,
    String reason,
    String message,
    String kind,
    String name,
    String service,
    String source,
    int count,
    Instant firstTime,
    Instant lastTime) {

  public static final String NORMAL = "Normal";
  public static final String WARNING = "Warning";

  /** Whether this event is about {@code name}: the object itself or anything of that service. */
  public boolean concerns(String objectOrService) {
    return objectOrService.equals(name) || objectOrService.equals(service);
  }
}
