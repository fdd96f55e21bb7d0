package dev.skiff.gateway.internal;

import java.util.Locale;

/**
 * The headers that tell the activator which revision a request is for and how long it may take. The
 * gateway cannot depend on the activator module, so these duplicate, string for string, {@code
 * dev.skiff.activator.Activator.REVISION_NAMESPACE_HEADER}, {@code REVISION_NAME_HEADER} and {@code
 * REQUEST_TIMEOUT_HEADER}; change them together.
 */
final class ActivatorHeaders {
  static final String REVISION_NAMESPACE = "Skiff-Revision-Namespace";
  static final String REVISION_NAME = "Skiff-Revision-Name";
  static final String REQUEST_TIMEOUT_MS = "Skiff-Request-Timeout-Ms";

  /** Lower case, for matching: a client must never set these itself. */
  static final String REVISION_NAMESPACE_LOWER = REVISION_NAMESPACE.toLowerCase(Locale.ROOT);

  static final String REVISION_NAME_LOWER = REVISION_NAME.toLowerCase(Locale.ROOT);
  static final String REQUEST_TIMEOUT_MS_LOWER = REQUEST_TIMEOUT_MS.toLowerCase(Locale.ROOT);

  private ActivatorHeaders() {}
}
