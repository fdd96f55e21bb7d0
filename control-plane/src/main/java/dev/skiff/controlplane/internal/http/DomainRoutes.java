package dev.skiff.controlplane.internal.http;

import static io.vertx.core.http.HttpMethod.DELETE;
import static io.vertx.core.http.HttpMethod.GET;
import static io.vertx.core.http.HttpMethod.POST;
import static io.vertx.core.http.HttpMethod.PUT;

import dev.skiff.api.model.DomainMapping;
import dev.skiff.controlplane.internal.resources.DomainApi;
import dev.skiff.controlplane.internal.resources.Written;
import io.vertx.ext.web.RoutingContext;
import java.util.Map;

/**
 * Domain mappings ({@code /v1/namespaces/{ns}/domainmappings/{domain}}, all of them at {@code
 * /v1/domainmappings}), a mapped domain's uploaded certificate ({@code .../certificate}, PEM in a
 * JSON body {@code {certificate, key}}) and cluster certificates such as a wildcard for the cluster
 * domain ({@code PUT /v1/certificates/{name}}, admin only). Certificates are never answered.
 */
final class DomainRoutes {
  private static final String HINT = "a domain mapping is at most 1 MiB";
  private static final String CERT_HINT = "a certificate chain and key are at most 64 KiB";
  private static final long CERT_LIMIT = 64 * 1024;

  /** The JSON body of a certificate upload. */
  record Upload(String certificate, String key) {}

  private final DomainApi api;

  DomainRoutes(DomainApi api) {
    this.api = api;
  }

  void register(Routes routes) {
    String one = "/v1/namespaces/:ns/domainmappings/:name";
    routes
        .on(
            POST,
            "/v1/namespaces/:ns/domainmappings",
            ctx ->
                Bodies.read(ctx.request(), Bodies.RESOURCE_LIMIT, HINT)
                    .compose(
                        b ->
                            api.writeMapping(
                                Parsing.resource(b, DomainMapping.class, ns(ctx), null), true))
                    .map(DomainRoutes::reply))
        .on(
            PUT,
            one,
            ctx ->
                Bodies.read(ctx.request(), Bodies.RESOURCE_LIMIT, HINT)
                    .compose(
                        b ->
                            api.writeMapping(
                                Parsing.resource(b, DomainMapping.class, ns(ctx), name(ctx)),
                                false))
                    .map(DomainRoutes::reply))
        .on(
            GET,
            "/v1/namespaces/:ns/domainmappings",
            ctx -> api.mappings(ns(ctx)).map(l -> Reply.ok(Map.of("items", l))))
        .on(
            GET,
            "/v1/domainmappings",
            ctx -> api.mappings(null).map(l -> Reply.ok(Map.of("items", l))))
        .on(GET, one, ctx -> api.mapping(ns(ctx), name(ctx)).map(Reply::ok))
        .on(
            DELETE,
            one,
            ctx ->
                api.deleteMapping(ns(ctx), name(ctx))
                    .map(v -> Reply.ok(Map.of("deleted", name(ctx)))))
        .on(
            PUT,
            one + "/certificate",
            ctx ->
                Bodies.read(ctx.request(), CERT_LIMIT, CERT_HINT)
                    .map(b -> Parsing.json(b, Upload.class))
                    .compose(
                        u -> api.uploadCertificate(ns(ctx), name(ctx), u.certificate(), u.key()))
                    .map(Reply::ok))
        .on(
            PUT,
            "/v1/certificates/:name",
            ctx ->
                Bodies.read(ctx.request(), CERT_LIMIT, CERT_HINT)
                    .map(b -> Parsing.json(b, Upload.class))
                    .compose(u -> api.uploadClusterCertificate(name(ctx), u.certificate(), u.key()))
                    .map(
                        c ->
                            Reply.ok(
                                Map.of(
                                    "name", c.name(),
                                    "notAfter", c.notAfter().toString(),
                                    "source", c.source()))));
  }

  private static Reply reply(Written<?> w) {
    return w.created() ? Reply.created(w.resource()) : Reply.ok(w.resource());
  }

  private static String ns(RoutingContext ctx) {
    return ctx.pathParam("ns");
  }

  private static String name(RoutingContext ctx) {
    return ctx.pathParam("name");
  }
}
