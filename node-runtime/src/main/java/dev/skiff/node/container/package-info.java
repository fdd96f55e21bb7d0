/**
 * The container runtime backend: OCI images run under runc (or crun), one network namespace,
 * overlay rootfs and cgroup per instance, reconciled against leftovers when the agent starts.
 */
package dev.skiff.node.container;
