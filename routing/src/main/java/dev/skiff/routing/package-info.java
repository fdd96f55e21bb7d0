/**
 * Route resolution shared by the gateway (ingress) and the mesh's outbound side: host names to
 * services and tags, traffic splits by weight, and endpoint choice.
 */
package dev.skiff.routing;
