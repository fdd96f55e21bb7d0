package dev.skiff.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.skiff.api.manifest.Json;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code skiff revisions delete REV}: the control plane refuses while traffic routes to it. */
@Command(
    name = "delete",
    description = "Delete a revision (refused while traffic or a tag points at it).")
final class RevisionDeleteCommand extends SkiffCommand {
  @Parameters(index = "0", paramLabel = "REV", description = "The revision, e.g. hello-00001.")
  String revision;

  @Override
  public Integer call() {
    String ns = namespace();
    checkName("revision name", revision);
    api().deleteRevision(ns, revision);
    ObjectNode doc = Json.mapper().createObjectNode().put("deleted", revision);
    printer().print(doc, out -> out.println("Revision " + revision + " deleted."));
    return OK;
  }
}
