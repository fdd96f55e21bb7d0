package dev.skiff.wasm;

/**
 * A snapshot of a runtime's counters.
 *
 * @param compiles modules translated by the compiler since the runtime started
 * @param cacheHits modules whose compiled code came from the disk cache
 * @param threads CPU permits: guests that may compute at once
 * @param busyThreads permits held by computing guests right now
 * @param queued guests waiting for a permit (not counting those sleeping in WASI)
 * @param executions requests admitted and not finished: waiting, computing or sleeping; a cancelled
 *     or timed-out request counts until its guest has stopped
 * @param pooledMemoryBytes linear memory kept between requests for reuse, all functions together
 */
public record RuntimeStats(
    long compiles,
    long cacheHits,
    int threads,
    int busyThreads,
    int queued,
    int executions,
    long pooledMemoryBytes) {}
