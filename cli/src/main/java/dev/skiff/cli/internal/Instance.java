package dev.skiff.cli.internal;

import java.time.Instant;

/**
 * One instance as {@code GET /v1/instances} lists it (the node agent's view, served by skiffd).
 *
 * @param name {@code {namespace}.{revision}.{n}}
 * @param revision the revision it runs
 * @param kind {@code wasm} or {@code container}
 * @param node the node it runs on
 * @param state {@code Starting}, {@code Ready} or {@code Draining}
 * @param startedAt when it started; null while starting
 * @param restarts how often it was restarted after ending by itself
 * @param address its sidecar's {@code host:port}; null while starting
 * @param identity the SPIFFE ID its sidecar presents; null while starting
 */
public record Instance(
    String name,
    String namespace,
    String service,
    String revision,
    String kind,
    String node,
    String state,
    Instant startedAt,
    Integer restarts,
    String address,
    String identity) {}
