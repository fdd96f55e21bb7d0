package dev.skiff.cli;

import dev.skiff.api.model.Service;
import dev.skiff.api.model.ServiceStatus;
import dev.skiff.cli.internal.ControlPlane;
import dev.skiff.cli.internal.Reply;
import dev.skiff.cli.internal.ResolvedTraffic;
import dev.skiff.cli.internal.Rollout;
import dev.skiff.cli.internal.TrafficPlan;
import dev.skiff.cli.internal.TrafficUpdater;
import java.time.Clock;
import java.time.Instant;

/**
 * What {@code deploy} and {@code apply} do after writing a service: find the revision the write
 * made, tag it if asked, wait until it is ready, and say so in one line.
 */
final class ServiceRollout {
  private final ControlPlane api;
  private final Rollout rollout;
  private final Clock clock;
  private final WaitOptions wait;

  ServiceRollout(ControlPlane api, Clock clock, WaitOptions wait) {
    this(api, clock, wait, dev.skiff.cli.internal.ProgressLine.NONE);
  }

  /** With {@code progress} showing what the new revision does while {@code --wait} waits. */
  ServiceRollout(
      ControlPlane api,
      Clock clock,
      WaitOptions wait,
      dev.skiff.cli.internal.ProgressLine progress) {
    this.api = api;
    this.clock = clock;
    this.wait = wait;
    this.rollout = new Rollout(api, clock, WaitOptions.POLL_INTERVAL).withProgress(progress);
  }

  /**
   * @param service the service as it is now (after the last step)
   * @param revision the revision made from the written template; null if not waited for
   * @param changed whether the write changed the template (and so made a new revision)
   * @param tag the tag put on the revision, or null
   */
  record Result(
      Reply<Service> service, String revision, boolean changed, String tag, boolean waited) {}

  /** Follows a write; {@code before} is the service as it was, null if the write created it. */
  Result follow(Service before, Reply<Service> written, String tag) {
    Instant deadline = clock.instant().plus(wait.timeout());
    Service w = written.value();
    String ns = w.metadata().namespaceOrDefault();
    String name = w.metadata().name();
    Reply<Service> current = written;
    String revision =
        tag != null || wait.waiting()
            ? rollout.awaitRevisionName(before, w, deadline)
            : Rollout.knownRevision(before, w);
    if (tag != null) {
      // A tagged deploy is a canary: what followed @latest stays on the revision that served before
      // the write, so the new one gets 0% until traffic is moved. A first revision gets it all.
      String rev = revision;
      String served =
          before == null || before.status() == null
              ? null
              : before.status().latestReadyRevisionName();
      current =
          TrafficUpdater.update(
              api,
              ns,
              name,
              s -> {
                TrafficPlan plan = TrafficPlan.from(s.spec().traffic());
                if (served != null && !served.equals(rev)) {
                  plan.pinLatest(served);
                }
                return plan.tag(rev, tag).targets();
              });
    }
    if (wait.waiting()) {
      rollout.awaitReady(ns, name, revision, deadline);
      current = rollout.awaitServiceStatus(ns, name, revision, deadline);
    }
    return new Result(current, revision, Rollout.templateChanged(before, w), tag, wait.waiting());
  }

  /** {@code revision hello-00002 ready at http://hello.default.localhost}, and variants. */
  static String describe(Result r) {
    return describe(r, "revision", "");
  }

  /**
   * The same, naming the revision {@code noun} and saying {@code about} it: {@code new revision
   * hello-00003 with min-scale 1 ready at ...}.
   *
   * @param about empty, or starting with a space
   */
  static String describe(Result r, String noun, String about) {
    Service s = r.service().value();
    String name = s.metadata().name();
    if (!r.waited()) {
      return r.revision() == null
          ? "not waiting for the new revision" + about + " to become ready"
          : noun
              + " "
              + r.revision()
              + about
              + (r.changed() ? " is starting" : "")
              + " (not waiting for it)";
    }
    ServiceStatus st = s.status();
    String url = st == null ? null : st.url();
    int percent = ResolvedTraffic.of(s).percentOf(r.revision());
    String ready = noun + " " + r.revision() + about + " ready";
    if (r.tag() != null && percent == 0) {
      return ready
          + " at "
          + ResolvedTraffic.tagUrl(url, r.tag())
          + " (tag "
          + r.tag()
          + ", 0% of traffic)";
    } else if (percent == 0) {
      return ready
          + ", but no traffic goes to it (route some with: skiff traffic "
          + name
          + " ...)";
    } else if (url == null) {
      return ready + " (" + percent + "% of traffic)";
    }
    return ready + " at " + url + (percent < 100 ? " (" + percent + "% of traffic)" : "");
  }
}
