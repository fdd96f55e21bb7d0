package dev.skiff.server;

import dev.skiff.controlplane.events.EventLog;
import dev.skiff.controlplane.events.EventNote;
import dev.skiff.node.spi.InstanceEvents;

/** The node agent's instance events, recorded in the control plane's event log. */
final class InstanceEventLog implements InstanceEvents {
  private final EventLog log;

  InstanceEventLog(EventLog log) {
    this.log = log;
  }

  @Override
  public void onInstanceEvent(InstanceEvent e) {
    String reason =
        switch (e.what()) {
          case PULLING -> "Pulling";
          case PULLED -> "Pulled";
          case STARTED -> "Started";
          case START_FAILED -> e.reason() == null ? "StartFailed" : e.reason();
          case ENDED -> "Restarting";
          case GAVE_UP -> "GaveUp";
        };
    boolean ok = e.what() == What.STARTED || e.what() == What.PULLING || e.what() == What.PULLED;
    // Instances come and go with scale: one event per revision and outcome, folded by the log,
    // keeps the ring from filling with instance names; the message names the instance. A pull's
    // updates replace each other: one Pulling event per revision whose message has the bytes.
    EventNote note =
        new EventNote(
            e.namespace(),
            "Revision",
            e.revision(),
            e.service(),
            ok ? dev.skiff.api.event.Event.NORMAL : dev.skiff.api.event.Event.WARNING,
            reason,
            e.message() + (ok || e.instance() == null ? "" : " [" + e.instance() + "]"),
            "node");
    if (e.what() == What.PULLING) {
      log.update(note);
    } else {
      log.record(note);
    }
  }
}
