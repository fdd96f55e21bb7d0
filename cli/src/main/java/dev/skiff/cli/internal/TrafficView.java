package dev.skiff.cli.internal;

import dev.skiff.api.model.Service;
import dev.skiff.api.model.TrafficTarget;

/** A service's traffic as a table: share, revision, tag and the tag's own URL. */
public final class TrafficView {
  private TrafficView() {}

  public static Table table(Service s) {
    String url = s.status() == null ? null : s.status().url();
    Table t = new Table("PERCENT", "REVISION", "TAG", "URL");
    for (TrafficTarget e : ResolvedTraffic.of(s).entries()) {
      String revision =
          ResolvedTraffic.nameOf(e)
              + (e.isLatest() && e.revisionName() != null ? " (@latest)" : "");
      t.row(
          e.percentOrZero() + "%",
          revision,
          e.tag(),
          e.tag() == null
              ? (e.percentOrZero() > 0 ? url : null)
              : ResolvedTraffic.tagUrl(url, e.tag()));
    }
    return t;
  }
}
