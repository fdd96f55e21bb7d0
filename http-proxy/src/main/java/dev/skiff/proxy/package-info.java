/**
 * The HTTP reverse-proxy plumbing of Skiff's mesh data path, shared by the gateway and the
 * activator and meant for the sidecar mesh-proxy too: hop-by-hop headers ({@link
 * dev.skiff.proxy.HopByHop}), the streaming exchange with one endpoint ({@link
 * dev.skiff.proxy.EndpointProxy}) and when it sends a request again ({@link
 * dev.skiff.proxy.Replayable}, {@link dev.skiff.proxy.Unprocessed}), error answers ({@link
 * dev.skiff.proxy.ErrorResponder}), the pipeline's {@link dev.skiff.proxy.Stage}s, the settings
 * every proxy builder shares ({@link dev.skiff.proxy.ProxyBuilder}), the edge's request checks and
 * connection limits ({@link dev.skiff.proxy.RequestChecks}, {@link
 * dev.skiff.proxy.ConnectionGuard}) and the multi-instance server on one port ({@link
 * dev.skiff.proxy.ProxyServer}), and the TLS hooks, which know nothing of the mesh: mutual TLS to
 * upstreams that name an identity ({@link dev.skiff.proxy.UpstreamTls}) and a mutual-TLS listener
 * ({@link dev.skiff.proxy.ListenerTls}). What a component decides (routing, queueing, its headers,
 * metrics and exceptions) stays in that component.
 */
package dev.skiff.proxy;
