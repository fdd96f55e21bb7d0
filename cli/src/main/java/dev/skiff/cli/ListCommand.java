package dev.skiff.cli;

import dev.skiff.api.model.Revision;
import dev.skiff.api.model.Service;
import dev.skiff.cli.internal.Reply;
import dev.skiff.cli.internal.ServiceListView;
import dev.skiff.cli.internal.Table;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code skiff list}: the services of a namespace (or of all). */
@Command(
    name = "list",
    aliases = "ls",
    description = "List services: kind, latest revision, readiness, instances, traffic, URL.")
final class ListCommand extends SkiffCommand {
  @Option(
      names = {"-A", "--all-namespaces"},
      description = "List the services of every namespace.")
  boolean allNamespaces;

  @Override
  public Integer call() {
    String ns = allNamespaces ? null : namespace();
    Reply<List<Service>> services = api().services(ns);
    printer()
        .print(
            services.json(),
            out -> {
              // One list of revisions for every service's INSTANCES; only tables need it.
              List<Revision> revisions =
                  services.value().isEmpty() ? List.of() : api().revisions(ns, null).value();
              Table t =
                  ServiceListView.table(
                      services.value(), revisions, allNamespaces, clock().instant());
              if (t.isEmpty()) {
                out.println(ns == null ? "No services." : "No services in namespace " + ns + ".");
              } else {
                out.print(t.render());
              }
            });
    return OK;
  }
}
