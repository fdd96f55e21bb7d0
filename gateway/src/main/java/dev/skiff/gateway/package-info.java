/**
 * Skiff's ingress: routes requests by Host to a service's revisions by traffic weight or tag, and
 * proxies them to a ready instance. Start one with {@link dev.skiff.gateway.Gateway#builder()}.
 */
package dev.skiff.gateway;
