package dev.skiff.cli;

import dev.skiff.api.model.Revision;
import dev.skiff.api.model.Service;
import dev.skiff.cli.internal.AuthorizationView;
import dev.skiff.cli.internal.DescribeView;
import dev.skiff.cli.internal.Reply;
import dev.skiff.cli.internal.ServerRejectedException;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/**
 * {@code skiff describe NAME}: everything about one service; {@code -o json} prints the Service.
 */
@Command(
    name = "describe",
    description =
        "Show a service: template, revisions, traffic, tag URLs, authorization, conditions.")
final class DescribeCommand extends SkiffCommand {
  @Parameters(index = "0", paramLabel = "NAME", description = "The service.")
  String name;

  @Override
  public Integer call() {
    String ns = namespace();
    checkName("service name", name);
    Reply<Service> service = api().service(ns, name);
    printer()
        .print(
            service.json(),
            out -> {
              List<Revision> revisions = api().revisions(ns, name).value();
              out.print(
                  DescribeView.render(
                      service.value(),
                      revisions,
                      recentEvents(ns),
                      clock().instant(),
                      trustDomain()));
            });
    return OK;
  }

  /**
   * The mesh's trust domain for the authorization's callers. A namespace token may not read the
   * mesh's status; the page then shows the IDs with a placeholder rather than failing.
   */
  private String trustDomain() {
    try {
      var status = api().meshStatus();
      String td = status == null ? "" : status.path("trustDomain").asText("");
      return td.isEmpty() ? AuthorizationView.UNKNOWN_TRUST_DOMAIN : td;
    } catch (ServerRejectedException e) {
      return AuthorizationView.UNKNOWN_TRUST_DOMAIN;
    }
  }

  /** The service's last events; none from an older control plane that keeps no events (404). */
  private List<dev.skiff.api.event.Event> recentEvents(String ns) {
    try {
      List<dev.skiff.api.event.Event> all = api().events(ns, name).value();
      return all.subList(Math.max(0, all.size() - EVENTS), all.size());
    } catch (dev.skiff.cli.internal.ServerRejectedException e) {
      if (e.status() != 404) {
        throw e;
      }
      return List.of();
    }
  }

  private static final int EVENTS = 10;
}
