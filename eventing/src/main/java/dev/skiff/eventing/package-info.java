/**
 * Kafka triggers: {@link dev.skiff.eventing.Dispatcher} runs a consumer per trigger, turns records
 * into CloudEvents and delivers them at least once through the host's {@link
 * dev.skiff.eventing.spi.EventSink} (skiffd: the mesh, as eventing's own identity) or the gateway,
 * with retries, dead letters and replies.
 */
package dev.skiff.eventing;
