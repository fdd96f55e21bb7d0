/**
 * The KPA autoscaler. Not built yet; it arrives with the scale-to-zero issue. Until then every routed
 * revision keeps one instance.
 */
package dev.skiff.autoscaler;
