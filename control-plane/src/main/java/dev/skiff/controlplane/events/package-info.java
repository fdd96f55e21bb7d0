/**
 * The event log: a bounded, in-memory record per namespace of what happened to services, revisions
 * and instances, fed by the components in this JVM and served at {@code /v1/events}.
 */
package dev.skiff.controlplane.events;
