/** The proxy's implementation: request-body streaming and the per-event-loop server verticle. */
package dev.skiff.proxy.internal;
