package dev.skiff.node.container;

import java.util.List;

/**
 * What a reconcile pass removed: leftovers of instances the backend does not run (after an agent
 * crash, say).
 *
 * @param containers OCI runtime containers killed and deleted
 * @param processes runtime processes killed (orphaned {@code runc run} parents)
 * @param cgroups cgroup directories removed
 * @param mounts mount points unmounted
 * @param namespaces network namespaces removed
 * @param links node-side veth links removed
 * @param bundles instance directories emptied (their logs are kept until the retention passes)
 */
public record ReconcileReport(
    List<String> containers,
    List<Long> processes,
    List<String> cgroups,
    List<String> mounts,
    List<String> namespaces,
    List<String> links,
    List<String> bundles) {

  public ReconcileReport {
    containers = List.copyOf(containers);
    processes = List.copyOf(processes);
    cgroups = List.copyOf(cgroups);
    mounts = List.copyOf(mounts);
    namespaces = List.copyOf(namespaces);
    links = List.copyOf(links);
    bundles = List.copyOf(bundles);
  }

  /** True when nothing was left over. */
  public boolean clean() {
    return containers.isEmpty()
        && processes.isEmpty()
        && cgroups.isEmpty()
        && mounts.isEmpty()
        && namespaces.isEmpty()
        && links.isEmpty()
        && bundles.isEmpty();
  }
}
