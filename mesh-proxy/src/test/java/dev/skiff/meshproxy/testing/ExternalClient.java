package dev.skiff.meshproxy.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs curl or openssl as a process and collects its output. */
public final class ExternalClient {
  private ExternalClient() {}

  /** What a process printed (stdout and stderr together) and its exit code. */
  public record Result(int exit, String output) {}

  /**
   * curl to {@code url}, printing the answer's status line and headers before its body ({@code -sS
   * -i}), given up after 10 s unless {@link Curl#maxTime} says otherwise.
   */
  public static Curl curl(String url) {
    return new Curl(url);
  }

  /** Runs {@code command} with {@code stdin} as its input; kills it after 30 s. */
  public static Result run(List<String> command, String stdin)
      throws IOException, InterruptedException {
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    try (var in = p.getOutputStream()) {
      if (stdin != null) {
        in.write(stdin.getBytes(StandardCharsets.US_ASCII));
      }
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    Thread reader = new Thread(() -> copy(p.getInputStream(), out));
    reader.start();
    if (!p.waitFor(30, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      p.waitFor();
    }
    reader.join();
    return new Result(p.exitValue(), out.toString(StandardCharsets.UTF_8));
  }

  private static void copy(InputStream in, ByteArrayOutputStream out) {
    try {
      in.transferTo(out);
    } catch (IOException e) {
      // the process ended
    }
  }

  /**
   * One curl call, built up: {@code curl -sS -i --max-time N [flags] [--cert --key --cacert] [-H
   * header]… url}.
   */
  public static final class Curl {
    private final String url;
    private int maxTime = 10;
    private final List<String> flags = new ArrayList<>();
    private final List<String> headers = new ArrayList<>();
    private Path identity;

    private Curl(String url) {
      this.url = url;
    }

    /** Gives up after {@code seconds} ({@code --max-time}); 10 unless set. */
    public Curl maxTime(int seconds) {
      this.maxTime = seconds;
      return this;
    }

    /** Adds curl flags as they are (e.g. {@code --tlsv1.3}), before the identity's files. */
    public Curl flags(String... more) {
      flags.addAll(List.of(more));
      return this;
    }

    /**
     * Presents the workload identity in {@code dir} (its {@code cert.pem} and {@code key.pem}) and
     * trusts its {@code ca.pem}.
     */
    public Curl identity(Path dir) {
      this.identity = dir;
      return this;
    }

    /** Sends {@code header} ({@code "Name: value"}). */
    public Curl header(String header) {
      headers.add(header);
      return this;
    }

    /** Runs curl and waits for it. */
    public Result run() throws IOException, InterruptedException {
      List<String> cmd =
          new ArrayList<>(List.of("curl", "-sS", "-i", "--max-time", Integer.toString(maxTime)));
      cmd.addAll(flags);
      if (identity != null) {
        cmd.addAll(
            List.of(
                "--cert",
                identity.resolve("cert.pem").toString(),
                "--key",
                identity.resolve("key.pem").toString(),
                "--cacert",
                identity.resolve("ca.pem").toString()));
      }
      for (String header : headers) {
        cmd.add("-H");
        cmd.add(header);
      }
      cmd.add(url);
      return ExternalClient.run(cmd, null);
    }
  }
}
