package dev.skiff.server;

import java.time.Duration;
import java.util.Objects;

/**
 * The mesh's clock in skiffd: how long the leaves of sidecars, the gateway and the activator live,
 * how often their holders fetch the trust bundle, how long a root rotation waits before the new
 * root signs, and the shortest leaf the CA grants. Production keeps {@link #DEFAULTS}; a test sets
 * {@link SkiffdOptions#meshTimings} to compress a day of renewals and a rotation into seconds.
 *
 * @param leafTtl the lifetime sidecars and components ask for (renewed at 70 %); default 24 h
 * @param bundleRefresh how often each holder fetches the CA's trust bundle; default 30 s
 * @param rootSwitchDelay from {@code skiff mesh rotate-root} until the new root signs; default 1
 *     min
 * @param minLeafTtl the shortest lifetime the CA grants; default 1 min
 */
public record MeshTimings(
    Duration leafTtl, Duration bundleRefresh, Duration rootSwitchDelay, Duration minLeafTtl) {
  public static final MeshTimings DEFAULTS =
      new MeshTimings(
          Duration.ofHours(24),
          Duration.ofSeconds(30),
          Duration.ofMinutes(1),
          Duration.ofMinutes(1));

  public MeshTimings {
    positive(leafTtl, "leafTtl");
    positive(bundleRefresh, "bundleRefresh");
    Objects.requireNonNull(rootSwitchDelay, "rootSwitchDelay");
    if (rootSwitchDelay.isNegative()) {
      throw new IllegalArgumentException("rootSwitchDelay must not be negative");
    }
    positive(minLeafTtl, "minLeafTtl");
    if (leafTtl.compareTo(minLeafTtl) < 0) {
      throw new IllegalArgumentException(
          "leafTtl " + leafTtl + " is below minLeafTtl " + minLeafTtl + ": the CA would refuse it");
    }
    if (rootSwitchDelay.compareTo(bundleRefresh) < 0) {
      throw new IllegalArgumentException(
          "rootSwitchDelay "
              + rootSwitchDelay
              + " is shorter than bundleRefresh "
              + bundleRefresh
              + ": a holder could meet a leaf of the new root before it trusts that root");
    }
  }

  private static void positive(Duration d, String name) {
    Objects.requireNonNull(d, name);
    if (d.isNegative() || d.isZero()) {
      throw new IllegalArgumentException(name + " must be positive, got " + d);
    }
  }
}
