package dev.skiff.cli.internal;

import dev.skiff.api.model.Service;
import dev.skiff.api.model.ServiceStatus;
import java.time.Instant;
import java.util.List;

/** The {@code list} table: one line per service. */
public final class ServiceListView {
  private ServiceListView() {}

  public static Table table(List<Service> services, boolean withNamespace, Instant now) {
    Table t =
        withNamespace
            ? new Table("NAMESPACE", "NAME", "KIND", "LATEST", "READY", "TRAFFIC", "URL", "AGE")
            : new Table("NAME", "KIND", "LATEST", "READY", "TRAFFIC", "URL", "AGE");
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
        ResolvedTraffic.of(s).summary(),
        st == null ? null : st.url(),
        Ages.since(s.metadata().createdAt(), now)
      };
      if (withNamespace) {
        Object[] withNs = new Object[cells.length + 1];
        withNs[0] = s.metadata().namespaceOrDefault();
        System.arraycopy(cells, 0, withNs, 1, cells.length);
        cells = withNs;
      }
      t.row(cells);
    }
    return t;
  }
}
