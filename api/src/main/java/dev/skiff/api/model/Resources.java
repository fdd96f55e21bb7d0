package dev.skiff.api.model;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * Resource limits of one instance, in Kubernetes quantity notation.
 *
 * @param memory e.g. {@code 128Mi}, {@code 1Gi}, {@code 500M}
 * @param cpu e.g. {@code 500m}, {@code 1}, {@code 0.25}
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Resources(String memory, String cpu) {}
