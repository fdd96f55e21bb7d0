/** Secret values sealed at rest: AES-GCM under a key kept in a file outside the store. */
package dev.skiff.controlplane.internal.secrets;
