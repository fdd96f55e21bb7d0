package dev.skiff.activator.internal;

import dev.skiff.activator.CallerNotAllowedException;
import dev.skiff.activator.MissingRevisionException;
import dev.skiff.activator.QueueTimeoutException;
import dev.skiff.activator.RequestQueueFullException;
import dev.skiff.activator.UpstreamFailedException;
import dev.skiff.activator.UpstreamTimeoutException;
import dev.skiff.proxy.ClientGoneException;

/** How a request through the activator ended; the {@code outcome} tag of the request counter. */
enum Outcome {
  /** The instance answered (any status). */
  FORWARDED("forwarded"),
  QUEUE_FULL("queue_full"),
  QUEUE_TIMEOUT("queue_timeout"),
  UPSTREAM_FAILED("upstream_failed"),
  UPSTREAM_TIMEOUT("upstream_timeout"),
  CLIENT_GONE("client_gone"),
  NO_REVISION("no_revision"),
  /** The caller's identity may not call the activator (403). */
  CALLER_NOT_ALLOWED("caller_not_allowed"),
  ERROR("error");

  final String tag;

  Outcome(String tag) {
    this.tag = tag;
  }

  static Outcome of(Throwable err) {
    if (err instanceof RequestQueueFullException) {
      return QUEUE_FULL;
    } else if (err instanceof QueueTimeoutException) {
      return QUEUE_TIMEOUT;
    } else if (err instanceof UpstreamFailedException) {
      return UPSTREAM_FAILED;
    } else if (err instanceof UpstreamTimeoutException) {
      return UPSTREAM_TIMEOUT;
    } else if (err instanceof ClientGoneException) {
      return CLIENT_GONE;
    } else if (err instanceof MissingRevisionException) {
      return NO_REVISION;
    } else if (err instanceof CallerNotAllowedException) {
      return CALLER_NOT_ALLOWED;
    }
    return ERROR;
  }
}
