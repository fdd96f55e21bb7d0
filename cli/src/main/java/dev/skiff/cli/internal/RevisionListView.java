package dev.skiff.cli.internal;

import dev.skiff.api.model.Revision;
import dev.skiff.api.model.Service;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * The {@code revisions} table: newest first, with each revision's share of traffic and its tags.
 */
public final class RevisionListView {
  private RevisionListView() {}

  /**
   * @param services the owning services by name, for traffic and tags; a missing one shows none
   * @param withService add a SERVICE column (when listing a whole namespace)
   */
  public static Table table(
      List<Revision> revisions, Map<String, Service> services, boolean withService, Instant now) {
    Table t =
        withService
            ? new Table("NAME", "SERVICE", "NUMBER", "READY", "TRAFFIC", "TAGS", "AGE")
            : new Table("NAME", "NUMBER", "READY", "TRAFFIC", "TAGS", "AGE");
    for (Revision r : revisions.stream().sorted(Revisions.NEWEST_FIRST).toList()) {
      String service = r.spec() == null ? null : r.spec().service();
      Service owner = service == null ? null : services.get(service);
      ResolvedTraffic traffic = owner == null ? null : ResolvedTraffic.of(owner);
      String name = Revisions.name(r);
      String percent = traffic == null ? null : traffic.percentOf(name) + "%";
      String tags = traffic == null ? null : String.join(",", traffic.tagsOf(name));
      String ready = Conditions.readyStatus(Conditions.of(r));
      String age = Ages.since(r.metadata().createdAt(), now);
      int number = Revisions.number(r);
      if (withService) {
        t.row(name, service, number, ready, percent, tags, age);
      } else {
        t.row(name, number, ready, percent, tags, age);
      }
    }
    return t;
  }
}
