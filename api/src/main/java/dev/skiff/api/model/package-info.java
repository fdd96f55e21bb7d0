/** Immutable records for Skiff's resources: Service, Revision, traffic targets, Trigger, Node. */
package dev.skiff.api.model;
