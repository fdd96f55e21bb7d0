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
  private static final ExecutorService STDERR_READERS =
      Executors.newCachedThreadPool(Threads.daemon("skiff-cmd-stderr"));

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

  /** Runs {@code argv}, writing {@code stdin} (when not null) to its standard input. */
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
    // stderr is drained beside stdout so neither pipe can fill up and stall the command.
    CompletableFuture<String> err =
        CompletableFuture.supplyAsync(() -> drain(p.getErrorStream()), STDERR_READERS);
    try {
      if (stdin != null) {
        try (OutputStream in = p.getOutputStream()) {
          in.write(stdin.getBytes(StandardCharsets.UTF_8));
        }
      }
      String out = drain(p.getInputStream());
      if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        p.destroyForcibly();
        throw new ContainerRuntimeException(
            String.join(" ", argv) + " did not finish within " + timeout.toSeconds() + " s");
      }
      return new Result(
          List.copyOf(argv),
          p.exitValue(),
          out,
          err.get(timeout.toMillis(), TimeUnit.MILLISECONDS));
    } catch (IOException | ExecutionException | TimeoutException e) {
      p.destroyForcibly();
      throw new ContainerRuntimeException("running " + String.join(" ", argv) + " failed: " + e, e);
    } catch (InterruptedException e) {
      p.destroyForcibly();
      Thread.currentThread().interrupt();
      throw new ContainerRuntimeException("interrupted while running " + argv.get(0), e);
    }
  }

  private static String drain(InputStream in) {
    try (in) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
