/**
 * The image layer's internals: digests, manifest parsing, registry auth, the layer unpacker, libc.
 */
package dev.skiff.oci.internal;
