package dev.skiff.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.skiff.api.manifest.Json;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * Runs the CLI in process, as the lead's round-trip test will, capturing stdout, stderr and the
 * code.
 */
final class CliRunner {
  private final Map<String, String> env;
  private final Clock clock;

  CliRunner(Map<String, String> env) {
    this(env, Clock.systemUTC());
  }

  private CliRunner(Map<String, String> env, Clock clock) {
    this.env = env;
    this.clock = clock;
  }

  /** The same CLI reading the time from {@code clock} (ages in tables). */
  CliRunner at(Clock clock) {
    return new CliRunner(env, clock);
  }

  /** The CLI of an admin of {@code controlPlane}. */
  static CliRunner against(LocalControlPlane controlPlane) {
    return against(controlPlane.url(), LocalControlPlane.ADMIN_TOKEN);
  }

  static CliRunner against(String server, String token) {
    return new CliRunner(Map.of("SKIFF_SERVER", server, "SKIFF_TOKEN", token));
  }

  /** The same, with one more environment variable. */
  CliRunner withEnv(String name, String value) {
    Map<String, String> more = new HashMap<>(env);
    more.put(name, value);
    return new CliRunner(more, clock);
  }

  /**
   * @param outBytes stdout exactly as written, for binary answers
   */
  record Result(int code, String out, String err, byte[] outBytes) {
    /** Stdout as exactly one JSON document (the shared mapper fails on trailing tokens). */
    JsonNode json() {
      try {
        return Json.mapper().readTree(out);
      } catch (IOException e) {
        throw new UncheckedIOException(
            "stdout is not one JSON document:\n" + out + "\nstderr:\n" + err, e);
      }
    }

    <T> T json(Class<T> type) {
      try {
        return Json.mapper().treeToValue(json(), type);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }

    @Override
    public String toString() {
      return "exit " + code + "\n--- stdout\n" + out + "--- stderr\n" + err;
    }
  }

  Result run(String... args) {
    return runWithStdin("", args);
  }

  Result runWithStdin(String stdin, String... args) {
    return runWithStdin(stdin.getBytes(StandardCharsets.UTF_8), args);
  }

  Result runWithStdin(byte[] stdin, String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int code = run(stdin, out, err, args);
    return result(code, out, err);
  }

  /**
   * Starts a command on another thread, for commands that stream (logs --follow): its stdout can be
   * read while it runs.
   */
  Running start(String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    CompletableFuture<Result> done =
        CompletableFuture.supplyAsync(
            () -> result(run(new byte[0], out, err, args), out, err),
            task -> {
              Thread t = new Thread(task, "skiff-under-test");
              t.setDaemon(true); // a command stuck by a failing test must not keep the JVM up
              t.start();
            });
    return new Running(out, done);
  }

  /** A command started with {@link #start}. */
  record Running(ByteArrayOutputStream out, CompletableFuture<Result> done) {
    /** Stdout so far. */
    String outSoFar() {
      return out.toString(StandardCharsets.UTF_8);
    }

    /** Waits until stdout holds {@code text}, failing after a deadline. */
    void awaitOut(String text) {
      long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
      while (!outSoFar().contains(text)) {
        if (System.nanoTime() > deadline) {
          throw new AssertionError("stdout never showed '" + text + "'; it holds:\n" + outSoFar());
        }
        LockSupport.parkNanos(Duration.ofMillis(5).toNanos());
      }
    }

    Result await() {
      try {
        return done.get(10, TimeUnit.SECONDS);
      } catch (Exception e) {
        throw new AssertionError("the command did not end; stdout so far:\n" + outSoFar(), e);
      }
    }
  }

  private int run(
      byte[] stdin, ByteArrayOutputStream out, ByteArrayOutputStream err, String[] args) {
    return Skiff.run(
        args,
        new ByteArrayInputStream(stdin),
        new PrintStream(out, true, StandardCharsets.UTF_8),
        new PrintStream(err, true, StandardCharsets.UTF_8),
        env,
        clock);
  }

  private static Result result(int code, ByteArrayOutputStream out, ByteArrayOutputStream err) {
    return new Result(
        code,
        out.toString(StandardCharsets.UTF_8),
        err.toString(StandardCharsets.UTF_8),
        out.toByteArray());
  }
}
