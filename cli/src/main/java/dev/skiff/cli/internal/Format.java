package dev.skiff.cli.internal;

import java.util.Arrays;
import java.util.Iterator;
import java.util.Locale;

/** How a command prints its result: aligned columns for people, or the resource for programs. */
public enum Format {
  TABLE,
  JSON,
  YAML;

  /** The values as typed on the command line, for help and shell completion. */
  public static final class Names implements Iterable<String> {
    @Override
    public Iterator<String> iterator() {
      return Arrays.stream(values()).map(f -> f.name().toLowerCase(Locale.ROOT)).iterator();
    }
  }
}
