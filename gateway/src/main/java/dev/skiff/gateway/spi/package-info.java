/**
 * What the gateway needs from the rest of Skiff: which instances of a revision are ready to serve
 * ({@link dev.skiff.gateway.spi.EndpointSource}, from the node runtime) and, when an activator is
 * configured, which revisions' requests go through it ({@link
 * dev.skiff.gateway.spi.ActivatorRouting}, from the autoscaler's decisions).
 */
package dev.skiff.gateway.spi;
