package dev.skiff.wasm;

/**
 * A snapshot of a runtime's counters.
 *
 * @param compiles modules translated by the compiler since the runtime started
 * @param cacheHits modules whose compiled code came from the disk cache
 * @param threads size of the Wasm pool
 * @param busyThreads pool threads running an instance right now
 * @param queued requests waiting for a pool thread
 */
public record RuntimeStats(
    long compiles, long cacheHits, int threads, int busyThreads, int queued) {}
