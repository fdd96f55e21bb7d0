/**
 * The sidecar in front of one instance: TLS 1.3 mTLS with the instance's SPIFFE identity, which it
 * renews itself, authorization of callers, the concurrency limit, stats and golden metrics.
 */
package dev.skiff.meshproxy;
