/**
 * Plug-in points of the autoscaler: where windowed load comes from, what decides, where decisions
 * go, who knows a revision's ready instances, and what drives the ticks.
 */
package dev.skiff.autoscaler.spi;
