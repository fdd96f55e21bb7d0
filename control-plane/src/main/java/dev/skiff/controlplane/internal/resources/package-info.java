/** Resource logic over the store: keys, revisions, service status, traffic checks, blobs. */
package dev.skiff.controlplane.internal.resources;
