package dev.skiff.routing;

/**
 * Why a host name has no route, and how to reach a service instead; callers turn it into their own
 * "not found" error (the gateway's 404, the mesh's outbound 404).
 *
 * @param problem what is wrong, e.g. "no service 'hello' in namespace 'dev'"
 * @param hint how to fix it
 */
public record RouteMiss(String problem, String hint) {}
