package dev.skiff.controlplane.internal.nodes;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.protobuf.ByteString;
import dev.skiff.api.manifest.Json;
import dev.skiff.api.node.v1.InstanceState;
import dev.skiff.api.node.v1.InstanceStatus;
import dev.skiff.api.node.v1.NodeEndpoints;
import dev.skiff.api.node.v1.RouteUpdate;
import dev.skiff.api.node.v1.ServiceRoute;
import dev.skiff.api.node.v1.ServicesListed;
import dev.skiff.api.node.v1.WatchRoutesRequest;
import dev.skiff.controlplane.internal.resources.Keys;
import dev.skiff.controlplane.nodes.ClusterView;
import dev.skiff.controlplane.nodes.RemoteInstances;
import dev.skiff.controlplane.nodes.ReportedInstance;
import dev.skiff.controlplane.spi.Entry;
import dev.skiff.controlplane.spi.StoreEvent;
import dev.skiff.controlplane.spi.Watch;
import io.vertx.grpc.common.GrpcStatus;
import io.vertx.grpc.server.GrpcServerRequest;
import io.vertx.grpc.server.GrpcServerResponse;
import java.io.IOException;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * WatchRoutes: what a node's mesh callers route by. Every service's routing part (metadata, the
 * template's timeout, the resolved traffic; no image, module, env or other spec), then each change;
 * and every Ready node's ready instances with the identity each presents (the nodes' stored reports
 * under the node port's rule, {@link ClusterView}), then each node's new set, an empty set for a
 * node gone. A node gets all services and all endpoints: a function may call any service of the
 * mesh by name, so which it calls is known only at the call.
 */
final class RouteWatchCalls {
  private static final System.Logger LOG = System.getLogger(RouteWatchCalls.class.getName());

  private final NodeRecords records;

  RouteWatchCalls(NodeRecords records) {
    this.records = records;
  }

  /** Streams to the node named (already checked to be the caller) until it closes the call. */
  void watch(String node, GrpcServerRequest<WatchRoutesRequest, RouteUpdate> req) {
    GrpcServerResponse<WatchRoutesRequest, RouteUpdate> resp = req.response();
    ClusterView view = new ClusterView(records.store());
    Watch[] services = new Watch[1];
    AtomicBoolean closed = new AtomicBoolean();
    Runnable close =
        () -> {
          if (closed.compareAndSet(false, true)) {
            view.close();
            if (services[0] != null) {
              services[0].cancel();
            }
          }
        };
    // Not the connection's close handler: that one is WatchAssignments' (a node gone), and a
    // connection has one. A closed connection resets this stream, which these handlers see; a
    // write that fails stops the stream too.
    req.exceptionHandler(e -> close.run());
    resp.exceptionHandler(e -> close.run());
    records
        .store()
        .listing(Keys.SERVICES)
        .compose(
            listing -> {
              for (Entry e : listing.items()) {
                write(resp, closed, close, service(new StoreEvent(StoreEvent.Type.PUT, e)));
              }
              write(
                  resp,
                  closed,
                  close,
                  RouteUpdate.newBuilder()
                      .setListed(ServicesListed.newBuilder().setRevision(listing.revision()))
                      .build());
              Watch w =
                  records
                      .store()
                      .watch(
                          Keys.SERVICES,
                          listing.revision(),
                          ev -> write(resp, closed, close, service(ev)));
              services[0] = w;
              // A broken store watch ends the stream: the node watches again (and is sent the
              // whole table again), as after any other break.
              w.ended()
                  .onFailure(
                      e -> {
                        close.run();
                        end(resp, GrpcStatus.UNAVAILABLE, "the store's watch broke: " + e);
                      });
              return w.started();
            })
        .compose(v -> view.followInstances(instancesTo(resp, closed, close)))
        .onFailure(
            e -> {
              LOG.log(
                  System.Logger.Level.WARNING,
                  "WatchRoutes for node {0} could not start: {1}",
                  node,
                  e.toString());
              close.run();
              end(resp, GrpcStatus.UNAVAILABLE, "could not read the routes: " + e.getMessage());
            });
  }

  private static RemoteInstances instancesTo(
      GrpcServerResponse<WatchRoutesRequest, RouteUpdate> resp,
      AtomicBoolean closed,
      Runnable close) {
    return new RemoteInstances() {
      @Override
      public void reported(String node, List<ReportedInstance> instances) {
        NodeEndpoints.Builder b = NodeEndpoints.newBuilder().setNodeName(node);
        for (ReportedInstance i : instances) {
          if (i.ready() && i.identity() != null) {
            b.addInstances(
                InstanceStatus.newBuilder()
                    .setNamespace(i.namespace())
                    .setRevision(i.revision())
                    .setInstance(i.instance())
                    .setState(InstanceState.INSTANCE_STATE_READY)
                    .setEndpoint(hostPort(i.host(), i.port()))
                    .setIdentity(i.identity()));
          }
        }
        write(resp, closed, close, RouteUpdate.newBuilder().setEndpoints(b).build());
      }

      @Override
      public void lost(String node) {
        write(
            resp,
            closed,
            close,
            RouteUpdate.newBuilder()
                .setEndpoints(NodeEndpoints.newBuilder().setNodeName(node))
                .build());
      }
    };
  }

  private static String hostPort(String host, int port) {
    return (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
  }

  /** A service's change as routing needs it, or null for an unreadable value (skipped). */
  static RouteUpdate service(StoreEvent ev) {
    Entry e = ev.entry();
    ServiceRoute.Builder b = ServiceRoute.newBuilder().setKey(e.key()).setRevision(ev.revision());
    if (ev.type() == StoreEvent.Type.DELETE) {
      return RouteUpdate.newBuilder().setService(b.setDeleted(true)).build();
    }
    try {
      JsonNode full = Json.mapper().readTree(e.value());
      return RouteUpdate.newBuilder()
          .setService(b.setServiceJson(ByteString.copyFrom(routingPart(full))))
          .build();
    } catch (IOException | RuntimeException x) {
      LOG.log(
          System.Logger.Level.WARNING,
          "not sending the unreadable service at {0} to nodes: {1}",
          e.key(),
          x.toString());
      return null;
    }
  }

  /** Metadata (name, namespace, annotations), the template's timeout, the resolved traffic. */
  static byte[] routingPart(JsonNode full) throws IOException {
    ObjectNode out = Json.mapper().createObjectNode();
    copy(full, out, "apiVersion");
    copy(full, out, "kind");
    ObjectNode meta = out.putObject("metadata");
    JsonNode m = full.path("metadata");
    copy(m, meta, "name");
    copy(m, meta, "namespace");
    copy(m, meta, "annotations");
    JsonNode timeout = full.path("spec").path("template").path("timeoutSeconds");
    if (!timeout.isMissingNode() && !timeout.isNull()) {
      out.putObject("spec").putObject("template").set("timeoutSeconds", timeout);
    }
    JsonNode s = full.path("status");
    if (s.isObject()) {
      ObjectNode status = out.putObject("status");
      copy(s, status, "traffic");
      copy(s, status, "latestReadyRevisionName");
      copy(s, status, "latestCreatedRevisionName");
    }
    return Json.mapper().writeValueAsBytes(out);
  }

  private static void copy(JsonNode from, ObjectNode to, String field) {
    JsonNode v = from.get(field);
    if (v != null && !v.isNull()) {
      to.set(field, v);
    }
  }

  private static void write(
      GrpcServerResponse<WatchRoutesRequest, RouteUpdate> resp,
      AtomicBoolean closed,
      Runnable close,
      RouteUpdate u) {
    if (u == null || closed.get()) {
      return;
    }
    try {
      synchronized (resp) {
        resp.write(u).onFailure(e -> close.run());
      }
    } catch (IllegalStateException e) {
      close.run(); // the stream is over (the node went away)
    }
  }

  private static void end(
      GrpcServerResponse<WatchRoutesRequest, RouteUpdate> resp, GrpcStatus status, String why) {
    try {
      synchronized (resp) {
        resp.status(status).statusMessage(why).end();
      }
    } catch (IllegalStateException e) {
      // already ended (the node closed the call)
    }
  }
}
