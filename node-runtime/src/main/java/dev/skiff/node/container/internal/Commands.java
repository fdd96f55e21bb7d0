package dev.skiff.node.container.internal;

import dev.skiff.node.container.ContainerRuntimeException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** Runs short host commands (runc, ip, nft) to completion. Blocking; call off the event loop. */
public final class Commands {
  private static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(30);
  // Not the common pool: it has one thread on a two-core node, and these reads block.
  private static final ExecutorService READERS =
      Executors.newCachedThreadPool(Threads.daemon("skiff-cmd-output"));

  private Commands() {}

  /** What a finished command returned. */
  public record Result(List<String> argv, int exitCode, String stdout, String stderr) {
    public boolean ok() {
      return exitCode == 0;
    }

    /**
     * Throws {@link ContainerRuntimeException} naming the command and its stderr unless it
     * succeeded.
     */
    public Result orThrow() {
      if (!ok()) {
        throw new ContainerRuntimeException(
            String.join(" ", argv) + " exited with " + exitCode + ": " + message());
      }
      return this;
    }

    /** The command's own explanation: stderr, else stdout, trimmed. */
    public String message() {
      String m = stderr.isBlank() ? stdout : stderr;
      return m.strip();
    }
  }

  /** Runs {@code argv} with empty stdin. */
  public static Result run(List<String> argv) {
    return run(argv, null, DEFAULT_TIMEOUT);
  }

  /**
   * Runs {@code argv}, writing {@code stdin} (when not null) to its standard input. Never blocks
   * past {@code timeout}: a command still running then is killed, with what it started.
   */
  public static Result run(List<String> argv, String stdin, Duration timeout) {
    Process p;
    try {
      ProcessBuilder pb = new ProcessBuilder(argv);
      if (stdin == null) {
        pb.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
      }
      p = pb.start();
    } catch (IOException e) {
      throw new ContainerRuntimeException("cannot run " + argv.get(0) + ": " + e.getMessage(), e);
    }
    long deadline = System.nanoTime() + timeout.toNanos();
    // Both pipes are drained on threads of their own, so neither can fill up and stall the
    // command, and a command that never closes them cannot hold this thread past the timeout.
    CompletableFuture<String> out =
        CompletableFuture.supplyAsync(() -> drain(p.getInputStream()), READERS);
    CompletableFuture<String> err =
        CompletableFuture.supplyAsync(() -> drain(p.getErrorStream()), READERS);
    String command = String.join(" ", argv);
    try {
      if (stdin != null) {
        try (OutputStream in = p.getOutputStream()) {
          in.write(stdin.getBytes(StandardCharsets.UTF_8));
        }
      }
      if (!p.waitFor(left(deadline), TimeUnit.NANOSECONDS)) {
        kill(p);
        throw new ContainerRuntimeException(
            command + " did not finish within " + describe(timeout) + "; it was killed");
      }
      try {
        return new Result(
            List.copyOf(argv),
            p.exitValue(),
            out.get(left(deadline), TimeUnit.NANOSECONDS),
            err.get(left(deadline), TimeUnit.NANOSECONDS));
      } catch (TimeoutException e) {
        throw new ContainerRuntimeException(
            command + " exited but its output was not read within " + describe(timeout), e);
      }
    } catch (IOException | ExecutionException e) {
      kill(p);
      throw new ContainerRuntimeException("running " + command + " failed: " + e, e);
    } catch (InterruptedException e) {
      kill(p);
      Thread.currentThread().interrupt();
      throw new ContainerRuntimeException("interrupted while running " + argv.get(0), e);
    }
  }

  private static long left(long deadline) {
    return Math.max(0, deadline - System.nanoTime());
  }

  /** Kills the command and whatever it started that is still its descendant. */
  private static void kill(Process p) {
    p.descendants().forEach(ProcessHandle::destroyForcibly);
    p.destroyForcibly();
  }

  private static String describe(Duration d) {
    return d.toMillis() % 1000 == 0 ? d.toSeconds() + " s" : d.toMillis() + " ms";
  }

  private static String drain(InputStream in) {
    try (in) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
