/**
 * Container images for the node: an OCI distribution client, a content-addressed blob store, layers
 * unpacked for overlayfs, and the {@link dev.skiff.oci.ImageStore} the container backend prepares
 * images through (pulled, or imported from OCI image layouts); plus an OCI image layout writer and
 * pusher for building images without Docker.
 */
package dev.skiff.oci;
