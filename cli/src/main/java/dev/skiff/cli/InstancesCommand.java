package dev.skiff.cli;

import dev.skiff.cli.internal.CliException;
import dev.skiff.cli.internal.Instance;
import dev.skiff.cli.internal.InstanceListView;
import dev.skiff.cli.internal.Reply;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code skiff instances [NAME]}: the running instances of a namespace or of one service. */
@Command(
    name = "instances",
    description = {
      "List instances (of a service, or of the namespace): revision, node, state, age,",
      "restarts and the mesh address host:port of the instance's sidecar. -o json prints",
      "the control plane's answer, with each instance's SPIFFE identity."
    })
final class InstancesCommand extends SkiffCommand {
  @Parameters(
      index = "0",
      arity = "0..1",
      paramLabel = "NAME",
      description = "The service; every service of the namespace when absent.")
  String service;

  @Override
  public Integer call() {
    String ns = namespace();
    if (service != null) {
      checkName("service name", service);
    }
    Reply<List<Instance>> instances = api().instances(ns, service);
    // The endpoint answers a service it does not know with no instances, as one at zero; a typo
    // in NAME is told apart here, and only then, at the cost of one more request.
    if (service != null
        && instances.value().isEmpty()
        && api().findService(ns, service).isEmpty()) {
      throw new CliException(
          "no service " + service + " in namespace " + ns,
          "list the services with: skiff list -n " + ns);
    }
    printer()
        .print(
            instances.json(),
            out -> {
              if (instances.value().isEmpty()) {
                out.println(
                    service == null
                        ? "No instances in namespace " + ns + "."
                        : "No instances of " + service + " (it is at zero).");
              } else {
                out.print(InstanceListView.table(instances.value(), clock().instant()).render());
              }
            });
    return OK;
  }
}
