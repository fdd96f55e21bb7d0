/**
 * What the activator needs from the rest of Skiff: each revision's ready endpoints and container
 * concurrency ({@link dev.skiff.activator.spi.EndpointWatch}), somewhere to poke the autoscaler
 * ({@link dev.skiff.activator.spi.Poker}) and to send its per-second reports ({@link
 * dev.skiff.activator.spi.StatsSink}), and a clock tick ({@link dev.skiff.activator.spi.Ticker}).
 */
package dev.skiff.activator.spi;
