/**
 * How the container backend does its work: OCI runtime spec and seccomp profile, overlay mounts,
 * pod networking, cgroups, the runc/crun command line, log capture and leftover cleanup.
 */
package dev.skiff.node.container.internal;
