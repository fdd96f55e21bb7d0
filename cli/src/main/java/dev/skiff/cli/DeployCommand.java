package dev.skiff.cli;

import dev.skiff.api.model.Authorization;
import dev.skiff.api.model.ObjectMeta;
import dev.skiff.api.model.RevisionTemplate;
import dev.skiff.api.model.ScalingSettings;
import dev.skiff.api.model.Service;
import dev.skiff.api.model.ServiceSpec;
import dev.skiff.cli.internal.ControlPlane;
import dev.skiff.cli.internal.Reply;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code skiff deploy}: creates the service or replaces its template, keeping its traffic split. A
 * changed template makes a new revision, which this command follows until it is ready.
 */
@Command(
    name = "deploy",
    description = {
      "Create a service or replace its template; waits for the new revision.",
      "The traffic split stays as it is. Every changed template makes a new revision;",
      "unless --no-wait, the command waits until that revision is ready. The",
      "authorization (--allow, --mesh-mode) is the service's, not the revision's:",
      "changing it alone makes no new revision."
    })
final class DeployCommand extends SkiffCommand {
  @Parameters(index = "0", paramLabel = "NAME", description = "The service name (a DNS label).")
  String name;

  @Mixin TemplateOptions template;

  @Option(
      names = "--tag",
      paramLabel = "T",
      description = {
        "Tag the new revision; it gets 0%% of traffic (unless it is the first) and its own URL.",
        "Traffic that followed @latest stays on the revision that served before."
      })
  String tag;

  @Mixin AuthorizationOptions authorization;

  @Mixin WaitOptions wait;

  @Override
  public Integer call() {
    String ns = namespace();
    checkName("service name", name);
    if (tag != null) {
      checkName("tag", tag);
    }
    if (wait.waitTimeoutSeconds < 0) {
      throw usage("--wait-timeout must not be negative");
    }
    List<String> problems = new ArrayList<>(template.problems());
    problems.addAll(authorization.problems());
    if (!problems.isEmpty()) {
      throw usage(String.join("\n", problems));
    }
    byte[] module = template.wasmFile() == null ? null : readModule(template.wasmFile());

    ControlPlane api = api();
    String digest = null;
    if (module != null) {
      // The control plane validates and compiles the module while it takes the upload.
      var progress = skiff().progress();
      progress.show(
          "uploading and compiling " + template.wasmFile() + " (" + module.length + " bytes)");
      try {
        digest = api.uploadBlob(module);
      } finally {
        progress.end();
      }
    }
    RevisionTemplate t = template.template(digest);
    Optional<Reply<Service>> before = api.findService(ns, name);
    Reply<Service> written;
    Authorization oldAuthorization = null;
    if (before.isPresent()) {
      // Sent back with the resourceVersion it was read at: a concurrent change makes this a 409.
      Service old = before.get().value();
      oldAuthorization = old.spec().authorization();
      written =
          api.putService(
              old.withStatus(null)
                  .withSpec(
                      old.spec()
                          .withTemplate(t)
                          .withAuthorization(authorization.applyTo(oldAuthorization))));
      noteDroppedScaling(old.spec().template(), t);
    } else {
      written =
          api.createService(
              Service.of(
                  ObjectMeta.of(ns, name),
                  new ServiceSpec(t, List.of(), authorization.applyTo(null))));
    }
    boolean authorizationChanged =
        before.isPresent()
            && !Objects.equals(oldAuthorization, written.value().spec().authorization());
    ServiceRollout.Result result =
        new ServiceRollout(api, clock(), wait, skiff().progress())
            .follow(before.map(Reply::value).orElse(null), written, tag);
    printer()
        .print(
            result.service().json(),
            out ->
                out.println(
                    "Service "
                        + name
                        + (result.changed()
                            ? " deployed: "
                            : authorizationChanged
                                ? " authorization updated (no new revision): "
                                : " unchanged: ")
                        + ServiceRollout.describe(result)));
    return OK;
  }

  /**
   * Deploy replaces the whole template, scale settings included; says so on stderr when that drops
   * some a user may have set with {@code skiff scale}, so a deploy does not quietly undo them.
   */
  private void noteDroppedScaling(RevisionTemplate old, RevisionTemplate now) {
    String dropped =
        old == null
            ? ""
            : old.annotations().entrySet().stream()
                .filter(e -> e.getKey().startsWith(ScalingSettings.PREFIX))
                .filter(e -> !now.annotations().containsKey(e.getKey()))
                .sorted(Map.Entry.comparingByKey())
                .map(
                    e -> e.getKey().substring(ScalingSettings.PREFIX.length()) + " " + e.getValue())
                .collect(Collectors.joining(", "));
    if (!dropped.isEmpty()) {
      skiff()
          .err()
          .println(
              "Note: the template of "
                  + name
                  + " had "
                  + dropped
                  + "; deploy replaces the whole template, so the new revision has the defaults."
                  + " Keep them with --min-scale, --max-scale or --annotation, or set them again"
                  + " with 'skiff scale "
                  + name
                  + "'.");
    }
  }

  private byte[] readModule(Path file) {
    try {
      return Files.readAllBytes(file);
    } catch (NoSuchFileException e) {
      throw usage("--wasm: no such file: " + file);
    } catch (IOException e) {
      throw usage("--wasm: cannot read " + file + ": " + e.getMessage());
    }
  }
}
