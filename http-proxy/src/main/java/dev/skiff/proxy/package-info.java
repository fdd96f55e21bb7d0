/**
 * The HTTP reverse-proxy plumbing of Skiff's mesh data path, shared by the gateway and the
 * activator and meant for the sidecar mesh-proxy too: hop-by-hop headers ({@link
 * dev.skiff.proxy.HopByHop}), the streaming exchange with one endpoint ({@link
 * dev.skiff.proxy.EndpointProxy}), error answers ({@link dev.skiff.proxy.ErrorResponder}) and the
 * multi-instance server on one port ({@link dev.skiff.proxy.ProxyServer}). What a component decides
 * (routing, queueing, its headers, metrics and exceptions) stays in that component.
 */
package dev.skiff.proxy;
