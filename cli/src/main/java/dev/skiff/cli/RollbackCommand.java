package dev.skiff.cli;

import dev.skiff.api.model.Revision;
import dev.skiff.api.model.Service;
import dev.skiff.cli.internal.ControlPlane;
import dev.skiff.cli.internal.Reply;
import dev.skiff.cli.internal.ResolvedTraffic;
import dev.skiff.cli.internal.Revisions;
import dev.skiff.cli.internal.RollbackPlanner;
import dev.skiff.cli.internal.TrafficPlan;
import dev.skiff.cli.internal.TrafficUpdater;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code skiff rollback NAME}: all traffic to the ready revision before the one serving most. */
@Command(
    name = "rollback",
    description = {
      "Send all traffic to the previous ready revision.",
      "That is the newest ready revision older than the one now getting the most traffic.",
      "Tags stay. New deploys then get no traffic until 'skiff traffic NAME @latest=100'."
    })
final class RollbackCommand extends SkiffCommand {
  @Parameters(index = "0", paramLabel = "NAME", description = "The service.")
  String name;

  @Override
  public Integer call() {
    String ns = namespace();
    checkName("service name", name);
    ControlPlane api = api();
    List<Revision> revisions = api.revisions(ns, name).value();
    RollbackPlanner.Choice[] choice = new RollbackPlanner.Choice[1];
    Reply<Service> updated =
        TrafficUpdater.update(
            api,
            ns,
            name,
            s -> {
              choice[0] = RollbackPlanner.choose(name, ResolvedTraffic.of(s), revisions);
              String target = Revisions.name(choice[0].to());
              return TrafficPlan.from(s.spec().traffic()).route(Map.of(target, 100)).targets();
            });
    RollbackPlanner.Choice c = choice[0];
    printer()
        .print(
            updated.json(),
            out -> {
              out.println(
                  "Rolled back "
                      + name
                      + ": 100% of traffic to "
                      + Revisions.name(c.to())
                      + " (was "
                      + c.from()
                      + " with "
                      + c.fromPercent()
                      + "%).");
              out.println(
                  "New deploys get no traffic until: skiff traffic " + name + " @latest=100");
            });
    return OK;
  }
}
