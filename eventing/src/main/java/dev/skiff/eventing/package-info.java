/**
 * Kafka triggers: {@link dev.skiff.eventing.Dispatcher} runs a consumer per trigger, turns records
 * into CloudEvents and delivers them through the gateway at least once, with retries, dead letters
 * and replies.
 */
package dev.skiff.eventing;
