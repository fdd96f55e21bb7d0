package dev.skiff.cli;

import dev.skiff.api.event.Event;
import dev.skiff.cli.internal.EventView;
import dev.skiff.cli.internal.Format;
import dev.skiff.cli.internal.LineStream;
import dev.skiff.cli.internal.Reply;
import dev.skiff.cli.internal.Table;
import java.io.PrintStream;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code skiff events [NAME]}: what happened to a namespace's services, revisions and instances
 * (scaled, failed, ready, traffic moved), oldest first; with {@code --follow} new ones as they
 * happen, until Ctrl-C.
 */
@Command(
    name = "events",
    description = {
      "Show recent events: revisions created, ready or failed and why, scaling and its reason,",
      "instances started, failed or restarted, traffic changes and rollbacks.",
      "NAME limits them to one service (its revisions and instances too) or one revision."
    })
final class EventsCommand extends SkiffCommand {
  @Parameters(
      index = "0",
      arity = "0..1",
      paramLabel = "NAME",
      description = "A service or revision.")
  String name;

  @Option(
      names = {"-f", "--follow"},
      description = "Keep printing new events as they happen, until Ctrl-C.")
  boolean follow;

  @Option(
      names = {"-A", "--all-namespaces"},
      description = "Events of every namespace.")
  boolean allNamespaces;

  @Override
  public Integer call() {
    String ns = allNamespaces ? null : namespace();
    if (name != null) {
      checkName("name", name);
    }
    if (follow) {
      return follow(ns);
    }
    Reply<List<Event>> events = api().events(ns, name);
    printer()
        .print(
            events.json(),
            out -> {
              Table t = EventView.table(events.value(), allNamespaces, clock().instant());
              if (t.isEmpty()) {
                out.println(
                    "No events"
                        + (name == null ? "" : " for " + name)
                        + (ns == null ? "." : " in namespace " + ns + "."));
              } else {
                out.print(t.render());
              }
            });
    return OK;
  }

  private Integer follow(String ns) {
    PrintStream out = skiff().out();
    Format format = skiff().format();
    try (LineStream lines = api().watchEvents(ns, name)) {
      for (String line = lines.next(); line != null; line = lines.next()) {
        out.print(EventView.line(line, format));
        out.flush(); // now: the next event may be minutes away
        if (out.checkError()) {
          break; // stdout is gone (`skiff events -f | head`)
        }
      }
    }
    return OK;
  }
}
