package dev.skiff.cli;

import dev.skiff.api.model.Service;
import dev.skiff.cli.internal.Reply;
import dev.skiff.cli.internal.RolloutView;
import dev.skiff.cli.internal.TrafficArgs;
import dev.skiff.cli.internal.TrafficPlan;
import dev.skiff.cli.internal.TrafficUpdater;
import dev.skiff.cli.internal.TrafficView;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
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
      "  skiff traffic hello --untag canary",
      "  skiff traffic hello --rollout 5m --max-error-rate 2 --max-p99 300ms",
      "Policy flags set annotations on the service (no new revision); see docs/traffic.md."
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

  @Mixin TrafficPolicyOptions policy;

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
    Map<String, String> settings = policy.annotations();
    if (args.isEmpty() && settings.isEmpty()) {
      throw usage(
          "nothing to change: give REV=PCT, --tag, --untag or a policy flag (--rollout,"
              + " --max-error-rate, --max-p99, --analysis-window, --min-requests, --tag-header)");
    }
    List<String> problems = policy.problems();
    if (!problems.isEmpty()) {
      throw usage(String.join("\n", problems));
    }
    Reply<Service> updated = null;
    if (!settings.isEmpty()) {
      updated = TrafficUpdater.annotate(api(), ns, name, settings);
    }
    if (!args.isEmpty()) {
      updated =
          TrafficUpdater.update(
              api(), ns, name, s -> TrafficPlan.from(s.spec().traffic()).apply(args).targets());
    }
    Reply<Service> result = updated;
    printer()
        .print(
            result.json(),
            out -> {
              out.println("Traffic of " + name + " updated:");
              out.print(TrafficView.table(result.value()).render());
              out.print(RolloutView.policy(result.value()));
            });
    return OK;
  }
}
