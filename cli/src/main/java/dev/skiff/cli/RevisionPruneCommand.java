package dev.skiff.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.skiff.api.manifest.Json;
import dev.skiff.api.model.Revision;
import dev.skiff.api.model.Service;
import dev.skiff.cli.internal.ControlPlane;
import dev.skiff.cli.internal.PrunePlanner;
import dev.skiff.cli.internal.Revisions;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code skiff revisions prune NAME}: deletes the revisions that serve nothing. */
@Command(
    name = "prune",
    description = {
      "Delete the revisions of a service that have no traffic and no tag.",
      "The latest revision, and any named in the traffic spec, are kept."
    })
final class RevisionPruneCommand extends SkiffCommand {
  @Parameters(index = "0", paramLabel = "NAME", description = "The service.")
  String service;

  @Override
  public Integer call() {
    return prune(this, namespace(), checkName("service name", service));
  }

  /** Shared with {@code revisions --prune NAME}. */
  static int prune(SkiffCommand cmd, String ns, String service) {
    ControlPlane api = cmd.api();
    Service s = api.service(ns, service).value();
    List<Revision> all = api.revisions(ns, service).value();
    List<String> doomed = PrunePlanner.prunable(s, all).stream().map(Revisions::name).toList();
    for (String name : doomed) {
      api.deleteRevision(ns, name);
    }
    ObjectNode doc = Json.mapper().createObjectNode();
    doc.putPOJO("deleted", doomed);
    doc.putPOJO(
        "kept", all.stream().map(Revisions::name).filter(n -> !doomed.contains(n)).toList());
    cmd.printer()
        .print(
            doc,
            out -> {
              if (doomed.isEmpty()) {
                out.println(
                    "Nothing to prune: every revision of "
                        + service
                        + " has traffic or a tag, or is the latest.");
              } else {
                doomed.forEach(n -> out.println("Revision " + n + " deleted."));
              }
            });
    return OK;
  }
}
