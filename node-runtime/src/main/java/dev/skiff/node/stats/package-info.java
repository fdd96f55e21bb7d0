/**
 * Per-instance request accounting: what the sidecar role reports to the autoscaler every second.
 */
package dev.skiff.node.stats;
