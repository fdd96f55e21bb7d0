/** The console's internals: the asset handler and the stats sampler. */
package dev.skiff.console.internal;
