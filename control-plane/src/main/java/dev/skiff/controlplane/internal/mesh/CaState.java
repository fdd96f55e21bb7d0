package dev.skiff.controlplane.internal.mesh;

import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;

/**
 * The CA's roots, oldest first: one, or two during a root rotation. What is issued from and what is
 * trusted follow from the time alone:
 *
 * <ul>
 *   <li>the newest generation whose {@code issuesFrom} has passed signs new leaves;
 *   <li>the bundle holds every root, except an older one once a newer one issues and every leaf the
 *       older one signed has expired.
 * </ul>
 */
public record CaState(String trustDomain, List<Generation> generations) {
  public CaState {
    generations = List.copyOf(generations);
    if (generations.isEmpty() || generations.size() > 2) {
      throw new IllegalArgumentException("a CA has one or two roots, not " + generations.size());
    }
  }

  /** The generation that signs leaves at {@code now}. */
  public Generation issuing(Instant now) {
    Generation newest = generations.get(generations.size() - 1);
    return !newest.issuesFrom().isAfter(now) || generations.size() == 1
        ? newest
        : generations.get(0);
  }

  /** Whether a rotation is under way: a second root still in the bundle at {@code now}. */
  public boolean rotating(Instant now) {
    return trusted(now).size() > 1;
  }

  /** The generations whose roots are trusted at {@code now}, oldest first. */
  public List<Generation> trusted(Instant now) {
    if (generations.size() == 1) {
      return generations;
    }
    Generation old = generations.get(0);
    Generation next = generations.get(1);
    boolean replaced = !next.issuesFrom().isAfter(now);
    boolean leavesGone = old.leavesUntil() == null || old.leavesUntil().isBefore(now);
    return replaced && leavesGone ? List.of(next) : generations;
  }

  /** The trusted roots at {@code now}. */
  public List<X509Certificate> bundle(Instant now) {
    List<X509Certificate> roots = new ArrayList<>();
    for (Generation g : trusted(now)) {
      roots.add(g.root());
    }
    return roots;
  }

  /** This state with the retired root of a finished rotation left out. */
  public CaState pruned(Instant now) {
    return new CaState(trustDomain, trusted(now));
  }

  /** This state with {@code next} added as the newest generation (the state must hold one). */
  public CaState adding(Generation next) {
    if (generations.size() != 1) {
      throw new IllegalStateException("a rotation is already under way");
    }
    return new CaState(trustDomain, List.of(generations.get(0), next));
  }

  /** This state with only the newest generation, issuing from {@code now} at the latest. */
  public CaState finished(Instant now) {
    Generation newest = generations.get(generations.size() - 1);
    if (newest.issuesFrom().isAfter(now)) {
      newest = newest.withIssuesFrom(now);
    }
    return new CaState(trustDomain, List.of(newest));
  }

  /** This state with the generation of the same root replaced by {@code g}. */
  public CaState replacing(Generation g) {
    List<Generation> out = new ArrayList<>();
    for (Generation old : generations) {
      out.add(old.fingerprint().equals(g.fingerprint()) ? g : old);
    }
    return new CaState(trustDomain, out);
  }

  /**
   * This state with the root {@code fingerprint} having signed a leaf valid until {@code until}.
   */
  public CaState signedUntil(String fingerprint, Instant until) {
    List<Generation> out = new ArrayList<>();
    for (Generation g : generations) {
      boolean later = g.leavesUntil() == null || until.isAfter(g.leavesUntil());
      // Rounded up to the next whole hour: the state is written about once an hour per root
      // rather than once per leaf, and an old root stays in the bundle at most an hour longer.
      Instant rounded = until.plus(Duration.ofHours(1)).truncatedTo(ChronoUnit.HOURS);
      out.add(g.fingerprint().equals(fingerprint) && later ? g.withLeavesUntil(rounded) : g);
    }
    return new CaState(trustDomain, out);
  }
}
