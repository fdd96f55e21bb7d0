package dev.skiff.controlplane;

/**
 * A watch asked for history older than the store still keeps. List again, then watch from there.
 */
public class CompactedException extends ControlPlaneException {
  private static final long serialVersionUID = 1L;

  private final long compactedRevision;

  public CompactedException(long requested, long compactedRevision) {
    super(
        "revision " + requested + " is compacted; history starts after " + compactedRevision,
        "list the resources again and watch from the revision the list answered with");
    this.compactedRevision = compactedRevision;
  }

  /** The newest revision no longer in the history: watches may start from it or later. */
  public long compactedRevision() {
    return compactedRevision;
  }
}
