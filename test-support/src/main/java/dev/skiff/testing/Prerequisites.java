package dev.skiff.testing;

import static org.junit.jupiter.api.Assertions.fail;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import org.junit.jupiter.api.Assumptions;

/**
 * The one gate for tests that need something from the host (root, runc, a registry binary, clang).
 * On a workstation a missing prerequisite skips the test with a message naming what to install; in
 * CI (the environment variable {@code CI} is {@code true} or {@code 1}, as {@code .ci/run} sets it)
 * it fails the test instead, so a green CI run cannot hide an untested path.
 *
 * <p>A known incompatibility of the host (not something an install fixes) is a different thing:
 * {@link #skipKnownIncompatibility} skips everywhere, and its message says why.
 */
public final class Prerequisites {
  /** The prefix of every message of a skip that CI accepts; {@code .ci/run} looks for it. */
  public static final String KNOWN_INCOMPATIBILITY = "known incompatibility: ";

  private static final Prerequisites CURRENT = new Prerequisites(System.getenv("CI"));

  private final boolean ci;

  /** A gate for the given value of the {@code CI} variable ({@code null} when unset). */
  Prerequisites(String ciVariable) {
    String v = ciVariable == null ? "" : ciVariable.strip().toLowerCase(Locale.ROOT);
    this.ci = v.equals("true") || v.equals("1");
  }

  /** Whether this run is CI, where missing prerequisites fail. */
  public static boolean inCi() {
    return CURRENT.ci;
  }

  /**
   * Skips (or in CI fails) the calling test unless {@code present}.
   *
   * @param what the prerequisite, as a reader would name it ("runc", "root")
   * @param install how to get it, e.g. "apt-get install runc" (bin/test installs every package)
   */
  public static void require(boolean present, String what, String install) {
    CURRENT.check(present, what, install);
  }

  /** Requires an executable file at {@code path}, installed by {@code install}. */
  public static void requireExecutable(Path path, String install) {
    CURRENT.check(Files.isExecutable(path), path.toString(), install);
  }

  /** Requires that the tests run as root (uid 0), which {@code why} needs. */
  public static void requireRoot(String why) {
    CURRENT.check(
        "root".equals(System.getProperty("user.name")),
        "root (" + why + ")",
        "run the tests as root, e.g. `sudo bin/test`");
  }

  /**
   * Skips the calling test, in CI too, when the host is {@code incompatible} with what it tests in
   * a way no install fixes; {@code why} names the incompatibility.
   */
  public static void skipKnownIncompatibility(boolean incompatible, String why) {
    if (incompatible) {
      Assumptions.abort(KNOWN_INCOMPATIBILITY + why);
    }
  }

  void check(boolean present, String what, String install) {
    if (present) {
      return;
    }
    String missing = "needs " + what + ", which is missing; install it: " + install;
    if (ci) {
      fail("CI=true, so a test may not skip: it " + missing);
    }
    Assumptions.abort("skipped: " + missing);
  }
}
