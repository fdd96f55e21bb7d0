/**
 * The one stats message every concurrency reporter (instance sidecars, the activator) sends the
 * autoscaler, per revision and every second.
 */
package dev.skiff.api.stats;
