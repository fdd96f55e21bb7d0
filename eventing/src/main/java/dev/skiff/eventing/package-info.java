/** Kafka triggers delivering CloudEvents. Not built yet; it arrives with the eventing issue. */
package dev.skiff.eventing;
