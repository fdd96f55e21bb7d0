package dev.skiff.cli.internal;

import dev.skiff.api.model.Revision;
import dev.skiff.api.model.Service;
import dev.skiff.api.model.ServiceStatus;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;

/**
 * The {@code list} table: one line per service. INSTANCES is the ready instances of the revisions
 * that receive its traffic.
 */
public final class ServiceListView {
  private ServiceListView() {}

  /**
   * @param revisions the revisions of the listed namespace (or of all), for INSTANCES
   * @param withNamespace add a NAMESPACE column (when listing every namespace)
   */
  public static Table table(
      List<Service> services, List<Revision> revisions, boolean withNamespace, Instant now) {
    String[] headers = {"NAME", "KIND", "LATEST", "READY", "INSTANCES", "TRAFFIC", "URL", "AGE"};
    Table t = withNamespace ? new Table(prepend("NAMESPACE", headers)) : new Table(headers);
    for (Service s : services) {
      ServiceStatus st = s.status();
      String kind =
          s.spec() == null || s.spec().template() == null
              ? null
              : s.spec().template().workloadKind();
      Object[] cells = {
        s.metadata().name(),
        kind,
        st == null ? null : st.latestCreatedRevisionName(),
        Conditions.readyStatus(st == null ? null : st.conditions()),
        Scaling.routedReady(s, revisions),
        ResolvedTraffic.of(s).summary(),
        st == null ? null : st.url(),
        Ages.since(s.metadata().createdAt(), now)
      };
      t.row(withNamespace ? prepend(s.metadata().namespaceOrDefault(), cells) : cells);
    }
    return t;
  }

  private static <T> T[] prepend(T first, T[] rest) {
    T[] all = Arrays.copyOf(rest, rest.length + 1);
    System.arraycopy(rest, 0, all, 1, rest.length);
    all[0] = first;
    return all;
  }
}
