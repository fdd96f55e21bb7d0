/**
 * What the gateway needs from the rest of Skiff: which instances of a revision are ready to serve.
 * The node runtime implements it in-process; the activator will later sit in front of it.
 */
package dev.skiff.gateway.spi;
