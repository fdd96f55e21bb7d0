package dev.skiff.cli;

import dev.skiff.api.model.Service;
import dev.skiff.cli.internal.Reply;
import dev.skiff.cli.internal.TrafficArgs;
import dev.skiff.cli.internal.TrafficPlan;
import dev.skiff.cli.internal.TrafficUpdater;
import dev.skiff.cli.internal.TrafficView;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code skiff traffic NAME REV=PCT... [--tag REV=TAG]... [--untag TAG]...}: sets the whole split.
 * Percents given replace all current ones; tags stay unless moved or removed.
 */
@Command(
    name = "traffic",
    description = {
      "Split traffic between revisions; tag revisions with their own URL.",
      "Percents given replace the current split and must sum to 100; revisions not named get none.",
      "Tags stay where they are unless moved with --tag or removed with --untag.",
      "Examples:",
      "  skiff traffic hello hello-00002=50 hello-00001=50",
      "  skiff traffic hello @latest=100 --tag hello-00001=stable",
      "  skiff traffic hello --untag canary"
    })
final class TrafficCommand extends SkiffCommand {
  @Parameters(index = "0", paramLabel = "NAME", description = "The service.")
  String name;

  @Parameters(
      index = "1..*",
      arity = "0..*",
      paramLabel = "REV=PCT",
      description = "A revision and its percent; @latest=PCT follows the latest ready revision.")
  List<String> targets;

  @Option(
      names = "--tag",
      paramLabel = "REV=TAG",
      description = "Tag a revision (or @latest); repeatable.")
  List<String> tags;

  @Option(names = "--untag", paramLabel = "TAG", description = "Remove a tag; repeatable.")
  List<String> untags;

  @Override
  public Integer call() {
    String ns = namespace();
    checkName("service name", name);
    TrafficArgs args;
    try {
      args = TrafficArgs.parse(targets, tags, untags);
    } catch (IllegalArgumentException e) {
      throw usage(e.getMessage());
    }
    if (args.isEmpty()) {
      throw usage("nothing to change: give REV=PCT, --tag or --untag");
    }
    Reply<Service> updated =
        TrafficUpdater.update(
            api(), ns, name, s -> TrafficPlan.from(s.spec().traffic()).apply(args).targets());
    printer()
        .print(
            updated.json(),
            out -> {
              out.println("Traffic of " + name + " updated:");
              out.print(TrafficView.table(updated.value()).render());
            });
    return OK;
  }
}
