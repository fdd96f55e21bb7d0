/**
 * The activator's implementation: per-revision queues and capacity slots, the request pipeline's
 * stages, the proxy, and the per-second stats.
 */
package dev.skiff.activator.internal;
