package dev.skiff.cli.internal;

import dev.skiff.api.model.Revision;
import dev.skiff.api.model.Service;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The {@code revisions} table: newest first, with each revision's instances, share of traffic and
 * tags.
 */
public final class RevisionListView {
  private RevisionListView() {}

  /**
   * @param services the owning services by name, for traffic and tags; a missing one shows none
   * @param withService add a SERVICE column (when listing a whole namespace)
   */
  public static Table table(
      List<Revision> revisions, Map<String, Service> services, boolean withService, Instant now) {
    return table(revisions, services, withService, false, now);
  }

  /**
   * @param withScaling add MIN, MAX, TARGET and WINDOW, the revision's scale settings (describe)
   */
  public static Table table(
      List<Revision> revisions,
      Map<String, Service> services,
      boolean withService,
      boolean withScaling,
      Instant now) {
    List<String> headers = new ArrayList<>(List.of("NAME"));
    if (withService) {
      headers.add("SERVICE");
    }
    headers.addAll(List.of("NUMBER", "READY", "INSTANCES"));
    if (withScaling) {
      headers.addAll(List.of("MIN", "MAX", "TARGET", "WINDOW"));
    }
    headers.addAll(List.of("TRAFFIC", "TAGS", "AGE"));
    Table t = new Table(headers.toArray(String[]::new));
    for (Revision r : revisions.stream().sorted(Revisions.NEWEST_FIRST).toList()) {
      String service = r.spec() == null ? null : r.spec().service();
      Service owner = service == null ? null : services.get(service);
      ResolvedTraffic traffic = owner == null ? null : ResolvedTraffic.of(owner);
      String name = Revisions.name(r);
      List<Object> cells = new ArrayList<>();
      cells.add(name);
      if (withService) {
        cells.add(service);
      }
      cells.add(Revisions.number(r));
      cells.add(Conditions.readyStatus(Conditions.of(r)));
      cells.add(Scaling.instances(r));
      if (withScaling) {
        cells.addAll(Scaling.settings(r));
      }
      cells.add(traffic == null ? null : traffic.percentOf(name) + "%");
      cells.add(traffic == null ? null : String.join(",", traffic.tagsOf(name)));
      cells.add(Ages.since(r.metadata().createdAt(), now));
      t.row(cells.toArray());
    }
    return t;
  }
}
