/**
 * What the dispatcher asks of its host: where events go ({@link dev.skiff.eventing.spi.EventSink}),
 * a place to write trigger status, a listener for lag.
 */
package dev.skiff.eventing.spi;
