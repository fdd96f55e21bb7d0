/** The embedded store: a CRC-framed, fsync'd append-only log with snapshots, and its watches. */
package dev.skiff.controlplane.internal.store;
