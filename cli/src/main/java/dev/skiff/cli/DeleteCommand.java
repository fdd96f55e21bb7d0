package dev.skiff.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.skiff.api.manifest.Json;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code skiff delete NAME}: the service and all its revisions. */
@Command(name = "delete", aliases = "rm", description = "Delete a service and all its revisions.")
final class DeleteCommand extends SkiffCommand {
  @Parameters(index = "0", paramLabel = "NAME", description = "The service.")
  String name;

  @Override
  public Integer call() {
    String ns = namespace();
    checkName("service name", name);
    JsonNode answer = api().deleteService(ns, name);
    JsonNode doc =
        answer != null && answer.has("deleted")
            ? answer
            : Json.mapper().createObjectNode().put("deleted", name);
    printer().print(doc, out -> out.println("Service " + name + " deleted."));
    return OK;
  }
}
