package dev.skiff.cli;

import dev.skiff.api.validation.Names;
import dev.skiff.cli.internal.ControlPlane;
import dev.skiff.cli.internal.Printer;
import java.time.Clock;
import java.util.concurrent.Callable;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * What every subcommand shares: the global options (held by {@link Skiff}), the control plane, the
 * printer, and a way to report usage errors (exit code 2). Subclasses return 0 or throw.
 */
abstract class SkiffCommand implements Callable<Integer> {
  static final int OK = 0;

  @Spec CommandSpec spec;

  final Skiff skiff() {
    return (Skiff) spec.root().userObject();
  }

  final ControlPlane api() {
    return skiff().controlPlane();
  }

  final Printer printer() {
    return skiff().printer();
  }

  final Clock clock() {
    return skiff().clock();
  }

  /** The namespace to work in; a malformed one is a usage error. */
  final String namespace() {
    return checkName("namespace", skiff().namespace());
  }

  /** A usage error: printed with a pointer to --help, exit code 2. */
  final ParameterException usage(String message) {
    return new ParameterException(spec.commandLine(), message);
  }

  /** Names go into URL paths, so anything but a DNS label is refused before it is sent. */
  final String checkName(String what, String value) {
    if (!Names.isDnsLabel(value)) {
      throw usage("'" + value + "' is not a valid " + what + "; " + Names.DNS_HINT);
    }
    return value;
  }
}
