package dev.skiff.cli;

import dev.skiff.api.model.DeliverySpec;
import dev.skiff.api.model.ObjectMeta;
import dev.skiff.api.model.Trigger;
import dev.skiff.api.model.TriggerSpec;
import dev.skiff.api.validation.Durations;
import dev.skiff.api.validation.ResourceValidator;
import dev.skiff.cli.internal.Reply;
import dev.skiff.cli.internal.Table;
import dev.skiff.cli.internal.TriggerView;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code skiff trigger create|list|describe|delete}: Kafka topics feeding a service. */
@Command(
    name = "trigger",
    description = "Manage Kafka triggers: records of topics delivered to a service as CloudEvents.",
    subcommands = {
      TriggerCommand.Create.class,
      TriggerCommand.ListTriggers.class,
      TriggerCommand.Describe.class,
      TriggerCommand.Delete.class
    })
final class TriggerCommand {
  @Command(
      name = "create",
      description =
          "Create a trigger: each record of the topics becomes a CloudEvent POSTed to the"
              + " service, at least once, in offset order per partition unless --ordering"
              + " unordered.")
  static final class Create extends SkiffCommand {
    @Parameters(index = "0", paramLabel = "NAME", description = "The trigger's name.")
    String name;

    @Option(
        names = "--bootstrap",
        required = true,
        paramLabel = "HOST:PORT[,HOST:PORT]",
        description = "Kafka bootstrap servers.")
    String bootstrap;

    @Option(
        names = "--topic",
        required = true,
        paramLabel = "T",
        description = "A topic to consume (repeat for several).")
    List<String> topics;

    @Option(names = "--service", required = true, paramLabel = "SVC", description = "The target.")
    String service;

    @Option(names = "--path", paramLabel = "PATH", description = "Request path (default /).")
    String path;

    @Option(
        names = "--group",
        paramLabel = "G",
        description = "Consumer group (default skiff-{namespace}-{name}).")
    String group;

    @Option(
        names = "--initial-offset",
        paramLabel = "earliest|latest",
        description = "Where a new group starts (default latest).")
    String initialOffset;

    @Option(
        names = "--ordering",
        paramLabel = "ordered|unordered",
        description = "ordered (default): one event in flight per partition, in offset order.")
    String ordering;

    @Option(
        names = "--max-in-flight",
        paramLabel = "N",
        description = "Events in flight at once in unordered mode (default 100).")
    Integer maxInFlight;

    @Option(names = "--retry", paramLabel = "N", description = "Retries after the first attempt.")
    Integer retry;

    @Option(
        names = "--backoff-policy",
        paramLabel = "linear|exponential",
        description = "Backoff between retries (default exponential).")
    String backoffPolicy;

    @Option(
        names = "--backoff-delay",
        paramLabel = "DURATION",
        description = "Base backoff delay, e.g. 200ms (default), 1s.")
    String backoffDelay;

    @Option(
        names = "--timeout",
        paramLabel = "DURATION",
        description = "Time for one attempt, e.g. 30s (default).")
    String timeout;

    @Option(
        names = "--dead-letter-topic",
        paramLabel = "T",
        description = "Where failed events go.")
    String deadLetterTopic;

    @Option(
        names = "--reply-topic",
        paramLabel = "T",
        description = "Where CloudEvents the service answers with are published.")
    String replyTopic;

    @Option(
        names = "--lag-threshold",
        paramLabel = "N",
        description = "Records of lag per desired instance (default 10).")
    Integer lagThreshold;

    @Option(
        names = "--kafka-property",
        paramLabel = "KEY=VALUE",
        description =
            "A broker security setting passed to the Kafka client: security.protocol,"
                + " sasl.mechanism, sasl.jaas.config, ssl.* (repeat).")
    Map<String, String> kafka = new LinkedHashMap<>();

    @Override
    public Integer call() {
      String ns = namespace();
      checkName("trigger name", name);
      DeliverySpec delivery =
          retry == null
                  && backoffPolicy == null
                  && backoffDelay == null
                  && timeout == null
                  && deadLetterTopic == null
              ? null
              : new DeliverySpec(
                  retry,
                  backoffPolicy,
                  iso("--backoff-delay", backoffDelay),
                  deadLetterTopic,
                  iso("--timeout", timeout));
      Trigger t =
          Trigger.of(
              ObjectMeta.of(ns, name),
              new TriggerSpec(
                  topics.size() == 1 ? topics.get(0) : null,
                  topics.size() == 1 ? null : topics,
                  bootstrap,
                  service,
                  path,
                  group,
                  initialOffset,
                  ordering,
                  maxInFlight,
                  replyTopic,
                  lagThreshold,
                  kafka,
                  delivery));
      ResourceValidator.validate(t);
      Reply<Trigger> created = api().createTrigger(t);
      printer().print(created.json(), out -> out.println("Trigger " + name + " created."));
      return OK;
    }

    /** A duration as people write it (200ms, 1m30s) or ISO-8601, as stored (PT0.2S). */
    private String iso(String flag, String value) {
      if (value == null) {
        return null;
      }
      if (value.startsWith("P") || value.startsWith("p")) {
        return value;
      }
      try {
        Duration d = Durations.parse(value);
        return d.toString();
      } catch (IllegalArgumentException e) {
        throw usage(flag + ": " + e.getMessage());
      }
    }
  }

  @Command(name = "list", aliases = "ls", description = "List triggers with state and lag.")
  static final class ListTriggers extends SkiffCommand {
    @Option(
        names = {"-A", "--all-namespaces"},
        description = "Triggers of every namespace.")
    boolean all;

    @Override
    public Integer call() {
      Reply<List<Trigger>> answer = api().triggers(all ? null : namespace());
      printer()
          .print(
              answer.json(),
              out -> {
                Table t = new Table("NAMESPACE", "NAME", "TOPICS", "SERVICE", "READY", "LAG");
                for (Trigger tr : answer.value()) {
                  t.row(
                      tr.metadata().namespaceOrDefault(),
                      tr.metadata().name(),
                      String.join(",", tr.spec().allTopics()),
                      tr.spec().service(),
                      TriggerView.ready(tr),
                      tr.status() == null || tr.status().lag() == null ? "-" : tr.status().lag());
                }
                out.print(t.isEmpty() ? "No triggers.\n" : t.render());
              });
      return OK;
    }
  }

  @Command(
      name = "describe",
      description =
          "Show a trigger: spec, state, lag per partition, delivered, retried, dead-lettered,"
              + " last error.")
  static final class Describe extends SkiffCommand {
    @Parameters(index = "0", paramLabel = "NAME", description = "The trigger.")
    String name;

    @Override
    public Integer call() {
      String ns = namespace();
      checkName("trigger name", name);
      Reply<Trigger> t = api().trigger(ns, name);
      printer().print(t.json(), out -> out.print(TriggerView.render(t.value())));
      return OK;
    }
  }

  @Command(name = "delete", aliases = "rm", description = "Delete a trigger: consuming stops.")
  static final class Delete extends SkiffCommand {
    @Parameters(index = "0", paramLabel = "NAME", description = "The trigger.")
    String name;

    @Override
    public Integer call() {
      String ns = namespace();
      checkName("trigger name", name);
      printer()
          .print(
              api().deleteTrigger(ns, name), out -> out.println("Trigger " + name + " deleted."));
      return OK;
    }
  }
}
