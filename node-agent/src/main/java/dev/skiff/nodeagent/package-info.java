/**
 * A node agent's link to the control plane's node port (api's node.proto over Vert.x gRPC): it
 * trades a bootstrap token for the node's mesh certificate, registers the node, holds its lease by
 * heartbeat, follows its assignments and reports, and reconnects with backoff.
 */
package dev.skiff.nodeagent;
