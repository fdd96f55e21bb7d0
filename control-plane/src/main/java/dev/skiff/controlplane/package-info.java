/** The control plane's public API: the REST API server, the embedded store and their outcomes. */
package dev.skiff.controlplane;
