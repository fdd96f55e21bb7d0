package dev.skiff.cli.internal;

import dev.skiff.api.validation.Names;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The traffic command's arguments, checked for syntax only (whether a revision exists is the
 * control plane's call). Malformed input throws {@link IllegalArgumentException} with a message for
 * the user.
 *
 * @param percents {@code REV=PCT} in the order given; the key {@code @latest} means the latest
 *     ready revision; empty when only tags change
 * @param tags {@code --tag REV=TAG} as tag to revision (or {@code @latest})
 * @param untags {@code --untag TAG}
 */
public record TrafficArgs(
    Map<String, Integer> percents, Map<String, String> tags, List<String> untags) {
  public static final String LATEST = ResolvedTraffic.LATEST;

  public TrafficArgs {
    percents = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(percents));
    tags = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(tags));
    untags = List.copyOf(untags);
  }

  public static TrafficArgs parse(
      List<String> targets, List<String> tagArgs, List<String> untagArgs) {
    Map<String, Integer> percents = new LinkedHashMap<>();
    for (String arg : nonNull(targets)) {
      String[] kv = split(arg, "REV=PCT", "hello-00002=50 or @latest=100");
      String ref = ref(kv[0], arg);
      if (percents.put(ref, percent(kv[1], arg)) != null) {
        throw new IllegalArgumentException("'" + ref + "' is given twice; give each revision once");
      }
    }
    if (!percents.isEmpty()) {
      int sum = percents.values().stream().mapToInt(Integer::intValue).sum();
      if (sum != 100) {
        throw new IllegalArgumentException(
            "percents must sum to 100, got "
                + sum
                + " ("
                + String.join(" ", nonNull(targets))
                + ")");
      }
    }
    Map<String, String> tags = new LinkedHashMap<>();
    for (String arg : nonNull(tagArgs)) {
      String[] kv = split(arg, "REV=TAG", "--tag hello-00002=canary");
      String tag = label(kv[1], "tag", arg);
      if (tags.put(tag, ref(kv[0], arg)) != null) {
        throw new IllegalArgumentException(
            "tag '" + tag + "' is given twice; a tag names one revision");
      }
    }
    List<String> untags = new ArrayList<>();
    for (String tag : nonNull(untagArgs)) {
      untags.add(label(tag, "tag", tag));
    }
    return new TrafficArgs(percents, tags, untags);
  }

  public boolean isEmpty() {
    return percents.isEmpty() && tags.isEmpty() && untags.isEmpty();
  }

  private static String[] split(String arg, String form, String example) {
    int eq = arg.lastIndexOf('=');
    if (eq <= 0 || eq == arg.length() - 1) {
      throw new IllegalArgumentException(
          "expected " + form + ", got '" + arg + "' (e.g. " + example + ")");
    }
    return new String[] {arg.substring(0, eq), arg.substring(eq + 1)};
  }

  private static String ref(String s, String arg) {
    return LATEST.equals(s) ? LATEST : label(s, "revision name", arg);
  }

  private static String label(String s, String what, String arg) {
    if (!Names.isDnsLabel(s)) {
      throw new IllegalArgumentException(
          "'" + s + "' in '" + arg + "' is not a valid " + what + "; " + Names.DNS_HINT);
    }
    return s;
  }

  private static int percent(String s, String arg) {
    String digits = s.endsWith("%") ? s.substring(0, s.length() - 1) : s;
    int p;
    try {
      p = Integer.parseInt(digits);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(
          "'" + s + "' in '" + arg + "' is not a whole percent (0-100)");
    }
    if (p < 0 || p > 100) {
      throw new IllegalArgumentException("'" + s + "' in '" + arg + "' is not between 0 and 100");
    }
    return p;
  }

  private static List<String> nonNull(List<String> l) {
    return l == null ? List.of() : l;
  }
}
