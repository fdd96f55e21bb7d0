package dev.skiff.controlplane.nodes;

import java.util.List;

/**
 * Where the node port tells what remote nodes run: each node's whole instance report as it arrives,
 * and the loss of a node (its lease ran out), whose instances must no longer take requests. skiffd
 * mirrors these into the endpoints its gateway and activator use. Called on a Vert.x event loop;
 * must not block.
 */
public interface RemoteInstances {
  /** Ignores everything (a control plane without remote nodes, tests). */
  RemoteInstances NONE =
      new RemoteInstances() {
        @Override
        public void reported(String node, List<ReportedInstance> instances) {}

        @Override
        public void lost(String node) {}
      };

  /** Node {@code node}'s instances now: the whole set, replacing the last report. */
  void reported(String node, List<ReportedInstance> instances);

  /** Node {@code node} lost its lease: none of its instances may be called until it reports. */
  void lost(String node);
}
