/**
 * The control plane's side of the node protocol: the node port ({@link
 * dev.skiff.controlplane.nodes.NodePort}), where node agents bootstrap their identity, register,
 * hold leases, watch their assignments and report; and placement of instances on nodes.
 */
package dev.skiff.controlplane.nodes;
