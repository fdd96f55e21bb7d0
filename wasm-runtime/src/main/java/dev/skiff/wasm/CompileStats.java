package dev.skiff.wasm;

import java.time.Duration;

/**
 * What loading a module cost.
 *
 * @param digest the module's SHA-256, hex; the key of the compiled-code cache
 * @param mode how the module runs (a module the compiler rejects as a whole runs {@code
 *     INTERPRETED})
 * @param fromCache whether compiled code came from the disk cache instead of the compiler
 * @param parseTime parsing and validation
 * @param compileTime compiling, or loading compiled code from the cache; zero when interpreted
 */
public record CompileStats(
    String digest,
    ExecutionMode mode,
    boolean fromCache,
    Duration parseTime,
    Duration compileTime) {}
