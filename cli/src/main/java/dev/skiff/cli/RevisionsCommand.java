package dev.skiff.cli;

import dev.skiff.api.model.Revision;
import dev.skiff.api.model.Service;
import dev.skiff.cli.internal.Reply;
import dev.skiff.cli.internal.RevisionListView;
import dev.skiff.cli.internal.Table;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code skiff revisions [NAME]}: a service's revisions, or the namespace's; with delete and prune.
 */
@Command(
    name = "revisions",
    aliases = "rev",
    description = "List revisions of a service (or all): instances, traffic, tags.",
    subcommands = {RevisionDeleteCommand.class, RevisionPruneCommand.class})
final class RevisionsCommand extends SkiffCommand {
  @Parameters(
      index = "0",
      arity = "0..1",
      paramLabel = "NAME",
      description = "The service; all when absent.")
  String service;

  @Option(names = "--prune", description = "Same as 'revisions prune NAME'.")
  boolean prune;

  @Override
  public Integer call() {
    String ns = namespace();
    if (service != null) {
      checkName("service name", service);
    }
    if (prune) {
      if (service == null) {
        throw usage("--prune needs the service: skiff revisions --prune NAME");
      }
      return RevisionPruneCommand.prune(this, ns, service);
    }
    Reply<List<Revision>> revisions = api().revisions(ns, service);
    List<Service> owners =
        service == null ? api().services(ns).value() : List.of(api().service(ns, service).value());
    Map<String, Service> byName =
        owners.stream()
            .collect(Collectors.toMap(s -> s.metadata().name(), Function.identity(), (a, b) -> a));
    printer()
        .print(
            revisions.json(),
            out -> {
              Table t =
                  RevisionListView.table(
                      revisions.value(), byName, service == null, clock().instant());
              if (t.isEmpty()) {
                out.println(
                    "No revisions"
                        + (service == null ? " in namespace " + ns : " of " + service)
                        + ".");
              } else {
                out.print(t.render());
              }
            });
    return OK;
  }
}
