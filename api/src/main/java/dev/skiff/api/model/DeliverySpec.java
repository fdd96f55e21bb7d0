package dev.skiff.api.model;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * How a trigger delivers events, with Knative eventing's names.
 *
 * @param retry attempts after the first; default 3
 * @param backoffPolicy {@code linear} or {@code exponential} (default)
 * @param backoffDelay ISO-8601 duration, default {@code PT0.2S}
 * @param deadLetterTopic where events go after the last failed attempt
 * @param timeout ISO-8601 duration of one attempt
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record DeliverySpec(
    Integer retry,
    String backoffPolicy,
    String backoffDelay,
    String deadLetterTopic,
    String timeout) {}
