/**
 * Plug-in points of the node agent: runtime backends, where modules come from, where status and
 * stats go, who decides instance counts, the timers it runs on and the file-descriptor counts its
 * admission reads.
 */
package dev.skiff.node.spi;
