/**
 * Plug-in points of the node agent: runtime backends, where modules come from, where status goes.
 */
package dev.skiff.node.spi;
