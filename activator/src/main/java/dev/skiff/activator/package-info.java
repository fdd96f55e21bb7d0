/**
 * The activator (Knative's activator): holds requests for revisions at zero or short of capacity,
 * pokes the autoscaler, and forwards them to instances as capacity frees up. Start one with {@link
 * dev.skiff.activator.Activator#builder()}.
 */
package dev.skiff.activator;
