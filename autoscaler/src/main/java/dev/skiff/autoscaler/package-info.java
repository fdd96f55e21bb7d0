/**
 * The KPA autoscaler: turns per-revision concurrency reports into desired instance counts with
 * Knative's stable and panic windows, rate limits, bounds and scale-to-zero rules ({@link
 * dev.skiff.autoscaler.KpaDecider}), ticked per revision by {@link
 * dev.skiff.autoscaler.Autoscaler}.
 */
package dev.skiff.autoscaler;
