package dev.skiff.api.model;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * The frozen template of one revision.
 *
 * @param service the owning service's name
 * @param number the revision's ordinal within its service (1, 2, ...)
 * @param template the template as it was when the revision was created; wasm URLs are resolved to a
 *     digest and image tags, once pulled, to a digest
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record RevisionSpec(String service, int number, RevisionTemplate template) {}
