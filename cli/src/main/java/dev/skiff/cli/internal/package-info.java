/**
 * The CLI's machinery behind the commands: the control-plane HTTP client, error reporting, output
 * formatting, and the pure planning of traffic, rollbacks and pruning.
 */
package dev.skiff.cli.internal;
