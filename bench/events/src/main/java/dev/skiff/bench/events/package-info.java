/** The events/s benchmark: Skiff's dispatcher beside Kafka's own consumer perf tool. */
package dev.skiff.bench.events;
