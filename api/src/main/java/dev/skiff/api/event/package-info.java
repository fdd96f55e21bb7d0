/**
 * What happened to a resource, as {@code GET /v1/events} lists and streams it and {@code skiff
 * events} prints it.
 */
package dev.skiff.api.event;
