package dev.skiff.cli.internal;

import dev.skiff.api.model.Condition;
import dev.skiff.api.model.Revision;
import dev.skiff.api.model.RevisionTemplate;
import dev.skiff.api.model.Service;
import dev.skiff.api.model.ServiceStatus;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The {@code describe} page: identity, template, revisions with their instances and scale settings,
 * traffic with tag URLs, authorization, conditions. Every value is printed with its control
 * characters escaped ({@link TerminalText}).
 */
public final class DescribeView {
  private DescribeView() {}

  public static String render(Service s, List<Revision> revisions, Instant now) {
    return render(s, revisions, List.of(), now, AuthorizationView.UNKNOWN_TRUST_DOMAIN);
  }

  /**
   * The page with the service's last {@code events} at the end, like {@code kn}.
   *
   * @param trustDomain the mesh's, for the authorization's callers; {@link
   *     AuthorizationView#UNKNOWN_TRUST_DOMAIN} when it cannot be read
   */
  public static String render(
      Service s,
      List<Revision> revisions,
      List<dev.skiff.api.event.Event> events,
      Instant now,
      String trustDomain) {
    StringBuilder b = new StringBuilder();
    ServiceStatus st = s.status();
    field(b, "", "Name", s.metadata().name());
    field(b, "", "Namespace", s.metadata().namespaceOrDefault());
    field(b, "", "URL", st == null ? null : st.url());
    field(b, "", "Age", Ages.since(s.metadata().createdAt(), now));
    field(b, "", "Ready", Conditions.readyStatus(st == null ? null : st.conditions()));
    field(b, "", "Latest created", st == null ? null : st.latestCreatedRevisionName());
    field(b, "", "Latest ready", st == null ? null : st.latestReadyRevisionName());
    map(b, "", "Annotations", s.metadata().annotations());

    RevisionTemplate t = s.spec() == null ? null : s.spec().template();
    if (t != null) {
      b.append("\nTemplate:\n");
      field(b, "  ", "Kind", t.workloadKind());
      field(b, "  ", "Image", t.image());
      if (t.wasm() != null) {
        field(b, "  ", "Wasm", t.wasm().digest() != null ? t.wasm().digest() : t.wasm().url());
      }
      field(b, "  ", "Port", String.valueOf(t.portOrDefault()));
      int cc = t.containerConcurrencyOrDefault();
      field(b, "  ", "Concurrency", cc == 0 ? "0 (unlimited)" : String.valueOf(cc));
      field(b, "  ", "Timeout", t.timeoutSecondsOrDefault() + "s");
      if (t.resources() != null) {
        field(b, "  ", "Memory", t.resources().memory());
        field(b, "  ", "CPU", t.resources().cpu());
      }
      map(b, "  ", "Env", t.env());
      map(b, "  ", "Annotations", new TreeMap<>(t.annotations()));
    }

    b.append("\nRevisions:\n");
    indent(b, RevisionListView.table(revisions, Map.of(s.metadata().name(), s), false, true, now));
    Table scaling = new Table("REVISION", "MODE", "LAST SCALE EVENT", "DECISION");
    for (Revision r : revisions) {
      if (r.status() == null) {
        continue;
      }
      for (Condition k : r.status().conditions()) {
        if ("Autoscaled".equals(k.type())) {
          scaling.row(
              r.metadata().name(),
              k.reason(),
              Ages.since(k.lastTransitionTime(), now) + " ago",
              k.message());
        }
      }
    }
    if (!scaling.isEmpty()) {
      b.append("\nAutoscaler:\n");
      indent(b, scaling);
    }
    Table restarts = new Table("REVISION", "REASON", "LAST", "RESTARTS");
    for (Revision r : revisions) {
      if (r.status() == null) {
        continue;
      }
      for (Condition k : r.status().conditions()) {
        if ("InstancesRestarted".equals(k.type())) {
          restarts.row(
              r.metadata().name(),
              k.reason(),
              Ages.since(k.lastTransitionTime(), now) + " ago",
              k.message());
        }
      }
    }
    if (!restarts.isEmpty()) {
      b.append("\nRestarts:\n");
      indent(b, restarts);
    }
    b.append("\nTraffic:\n");
    indent(b, TrafficView.table(s));
    b.append(RolloutView.render(s, now));
    b.append(AuthorizationView.render(s, trustDomain));

    List<Condition> conditions = st == null ? List.of() : st.conditions();
    if (!conditions.isEmpty()) {
      b.append("\nConditions:\n");
      Table c = new Table("TYPE", "STATUS", "REASON", "AGE", "MESSAGE");
      for (Condition k : conditions) {
        c.row(
            k.type(), k.status(), k.reason(), Ages.since(k.lastTransitionTime(), now), k.message());
      }
      indent(b, c);
    }
    Table rc = new Table("REVISION", "TYPE", "STATUS", "REASON", "AGE", "MESSAGE");
    for (Revision r : revisions) {
      if (r.status() == null) {
        continue;
      }
      for (Condition k : r.status().conditions()) {
        if (!"Autoscaled".equals(k.type())) {
          rc.row(
              r.metadata().name(),
              k.type(),
              k.status(),
              k.reason(),
              Ages.since(k.lastTransitionTime(), now),
              k.message());
        }
      }
    }
    if (!rc.isEmpty()) {
      b.append("\nRevision conditions:\n");
      indent(b, rc);
    }
    if (!events.isEmpty()) {
      b.append("\nEvents:\n");
      indent(b, EventView.table(events, false, now));
    }
    return b.toString();
  }

  private static void field(StringBuilder b, String indent, String label, String value) {
    if (value != null && !value.isEmpty()) {
      b.append(indent)
          .append(String.format("%-16s%s", label + ":", TerminalText.line(value)))
          .append('\n');
    }
  }

  private static void map(StringBuilder b, String indent, String label, Map<String, String> m) {
    if (m == null || m.isEmpty()) {
      return;
    }
    b.append(indent).append(label).append(":\n");
    m.forEach(
        (k, v) ->
            b.append(indent)
                .append("  ")
                .append(TerminalText.line(k))
                .append('=')
                .append(TerminalText.line(v))
                .append('\n'));
  }

  private static void indent(StringBuilder b, Table t) {
    t.render().lines().forEach(l -> b.append("  ").append(l).append('\n'));
  }
}
