package dev.skiff.controlplane.nodes;

/**
 * Where the node port hands the lag an eventing process ({@code skiffd --roles eventing}) reports
 * per trigger (ReportLag), for the autoscaler's lag floor. Called on a Vert.x event loop; must not
 * block.
 */
@FunctionalInterface
public interface LagReports {
  /** Drops every report: a control plane whose autoscaler takes no lag from elsewhere. */
  LagReports NONE = (dispatcher, namespace, service, trigger, lag, partitions, threshold) -> {};

  /**
   * @param dispatcher the reporting process's name (floors are kept per dispatcher)
   * @param lag records not yet finished over the partitions the dispatcher holds
   * @param partitions partitions it holds
   * @param lagThreshold records of lag per instance
   */
  void onLag(
      String dispatcher,
      String namespace,
      String service,
      String trigger,
      long lag,
      int partitions,
      int lagThreshold);
}
