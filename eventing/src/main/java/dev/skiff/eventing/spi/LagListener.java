package dev.skiff.eventing.spi;

/**
 * Told a trigger's lag each time the dispatcher measures it, for scaling the target service by lag.
 * Called from the trigger's consumer thread; must not block.
 */
public interface LagListener {
  /**
   * @param namespace the trigger's namespace
   * @param service the target service
   * @param trigger the trigger
   * @param lag records not yet finished over every assigned partition; 0 when the trigger stops
   * @param partitions partitions assigned (caps the instances lag may ask for)
   * @param lagThreshold records of lag per instance
   */
  void onLag(
      String namespace, String service, String trigger, long lag, int partitions, int lagThreshold);
}
