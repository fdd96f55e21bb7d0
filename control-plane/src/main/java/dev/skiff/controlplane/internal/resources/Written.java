package dev.skiff.controlplane.internal.resources;

/**
 * The outcome of a create-or-update.
 *
 * @param resource the resource as stored, with its resourceVersion
 * @param created true if it did not exist before
 */
public record Written<T>(T resource, boolean created) {}
