package dev.skiff.api.model;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import java.time.Duration;

/**
 * How a trigger delivers events, with Knative eventing's names.
 *
 * @param retry attempts after the first; default 3
 * @param backoffPolicy {@code linear} or {@code exponential} (default)
 * @param backoffDelay ISO-8601 duration, default {@code PT0.2S}
 * @param deadLetterTopic where events go after the last failed attempt
 * @param timeout ISO-8601 duration of one attempt, default {@code PT30S}
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record DeliverySpec(
    Integer retry,
    String backoffPolicy,
    String backoffDelay,
    String deadLetterTopic,
    String timeout) {

  public static final int DEFAULT_RETRY = 3;
  public static final Duration DEFAULT_BACKOFF_DELAY = Duration.ofMillis(200);
  public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(30);

  @JsonIgnore
  public int retryOrDefault() {
    return retry == null ? DEFAULT_RETRY : retry;
  }

  @JsonIgnore
  public boolean exponential() {
    return backoffPolicy == null || backoffPolicy.equals("exponential");
  }

  /** The backoff delay; call only on a validated spec. */
  @JsonIgnore
  public Duration backoffDelayOrDefault() {
    return backoffDelay == null ? DEFAULT_BACKOFF_DELAY : Duration.parse(backoffDelay);
  }

  /** The timeout of one attempt; call only on a validated spec. */
  @JsonIgnore
  public Duration timeoutOrDefault() {
    return timeout == null ? DEFAULT_TIMEOUT : Duration.parse(timeout);
  }
}
