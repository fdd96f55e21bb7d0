/** The autoscaler's machinery: per-second stat buckets, the stat collector, the Vert.x ticker. */
package dev.skiff.autoscaler.internal;
