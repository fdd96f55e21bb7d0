package dev.skiff.cli;

import dev.skiff.api.model.RevisionTemplate;
import dev.skiff.api.model.Service;
import dev.skiff.cli.internal.ControlPlane;
import dev.skiff.cli.internal.Reply;
import dev.skiff.cli.internal.Scaling;
import dev.skiff.cli.internal.ServerRejectedException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/**
 * {@code skiff scale NAME --min N ...}: sets Knative autoscaling annotations on the service's
 * template. They are part of the template, so a change makes a new revision, which this command
 * follows until it is ready, as deploy does.
 */
@Command(
    name = "scale",
    description = {
      "Set a service's autoscaling: instance bounds, target, window, retention.",
      "Settings are autoscaling.knative.dev annotations of the template: a change",
      "makes a new revision of the same code, waited for unless --no-wait.",
      "Settings not given stay as they are. Examples:",
      "  skiff scale hello --min 1          # never scale to zero",
      "  skiff scale hello --max 10 --target 50 --window 30s"
    })
final class ScaleCommand extends SkiffCommand {
  /** Writes tried when another writer changes the service in between (409). */
  private static final int ATTEMPTS = 3;

  @Parameters(index = "0", paramLabel = "NAME", description = "The service.")
  String name;

  @Mixin ScaleOptions scale;

  @Mixin WaitOptions wait;

  @Override
  public Integer call() {
    String ns = namespace();
    checkName("service name", name);
    if (wait.waitTimeoutSeconds < 0) {
      throw usage("--wait-timeout must not be negative");
    }
    if (scale.annotations().isEmpty()) {
      throw usage("nothing to change: give " + ScaleOptions.flagList());
    }
    List<String> problems = scale.problems();
    if (!problems.isEmpty()) {
      throw usage(String.join("\n", problems));
    }

    ControlPlane api = api();
    Reply<Service> read;
    Reply<Service> written;
    for (int attempt = 1; ; attempt++) {
      read = api.service(ns, name);
      try {
        written = write(api, read);
        break;
      } catch (ServerRejectedException e) {
        // Someone else wrote in between: merge the settings again into what is there now.
        Long version = read.value().metadata().resourceVersion();
        if (e.status() != 409 || attempt == ATTEMPTS || version == null) {
          throw e;
        }
      }
    }
    print(
        new ServiceRollout(api, clock(), wait, skiff().progress())
            .follow(read.value(), written, null));
    return OK;
  }

  /**
   * PUTs the service with the settings merged into its template, conditional on the resourceVersion
   * it was read at. A service that has them already is returned as read: nothing is written, and no
   * revision is made.
   */
  private Reply<Service> write(ControlPlane api, Reply<Service> read) {
    Service before = read.value();
    Map<String, String> current = Scaling.effective(before);
    String conflict = scale.conflict(current, name);
    if (conflict != null) {
      throw usage(conflict);
    }
    Map<String, String> wanted = new HashMap<>(current);
    wanted.putAll(scale.annotations());
    if (wanted.equals(current)) {
      return read;
    }
    RevisionTemplate t = before.spec().template();
    Map<String, String> annotations = new HashMap<>(t.annotations());
    annotations.putAll(scale.annotations());
    // A changed template needs a new revision name (Knative's rule): a name the user chose for the
    // current revision is dropped, so Skiff names the new one.
    return api.putService(
        before
            .withStatus(null)
            .withSpec(before.spec().withTemplate(t.withAnnotations(annotations).withName(null))));
  }

  private void print(ServiceRollout.Result result) {
    printer()
        .print(
            result.service().json(),
            out ->
                out.println(
                    "Service "
                        + name
                        + (result.changed()
                            ? " scaled: " + ServiceRollout.describe(result, "new revision", with())
                            : " unchanged: "
                                + ServiceRollout.describe(result, "revision", with()))));
  }

  private String with() {
    return " with " + scale.summary();
  }
}
