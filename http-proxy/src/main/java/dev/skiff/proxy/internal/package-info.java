/**
 * The proxy's implementation: request-body streaming with its read timeout, the per-event-loop
 * server verticle, and the one reach below Vert.x into Netty pipelines ({@code Channels}).
 */
package dev.skiff.proxy.internal;
