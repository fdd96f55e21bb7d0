/** The control plane's implementation; nothing outside this module may import it. */
package dev.skiff.controlplane.internal;
