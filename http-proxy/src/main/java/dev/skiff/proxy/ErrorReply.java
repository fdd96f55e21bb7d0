package dev.skiff.proxy;

import java.time.Duration;

/**
 * What a client is told about a failed exchange.
 *
 * @param status the HTTP status
 * @param error what went wrong, the JSON body's {@code error}
 * @param hint how to fix it, the body's {@code hint}; may be null
 * @param retryAfter sent as {@code Retry-After} in whole seconds, rounded up; null for none
 */
public record ErrorReply(int status, String error, String hint, Duration retryAfter) {}
