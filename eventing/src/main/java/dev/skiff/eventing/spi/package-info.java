/** What the dispatcher asks of its host: a place to write trigger status, a listener for lag. */
package dev.skiff.eventing.spi;
