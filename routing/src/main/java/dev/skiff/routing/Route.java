package dev.skiff.routing;

import java.time.Duration;

/**
 * Where one host name leads: a service's traffic split, or (for a tag host) one revision.
 *
 * @param namespace the service's namespace
 * @param service the service's name
 * @param tag the traffic tag for a tag host; null for the service's own host
 * @param split how the route's requests spread over revisions
 * @param timeout how long an instance may take to answer a request
 */
public record Route(
    String namespace, String service, String tag, TrafficSplit split, Duration timeout) {}
