/** The control plane's own events, derived from the store's change feed. */
package dev.skiff.controlplane.internal.events;
