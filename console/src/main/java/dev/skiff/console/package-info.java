/** The web console: its static files and the per-revision stats endpoint it polls. */
package dev.skiff.console;
