package dev.skiff.wasm;

import dev.skiff.wasm.spi.OutboundHttp;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Per-revision settings and limits of a Wasm function. Build with {@link #builder()}.
 *
 * @param name the function's name: {@code argv[0]} and the name in its log lines
 * @param env the service's environment; the only environment the guest sees besides the CGI
 *     variables
 * @param maxMemoryBytes linear memory limit; {@code memory.grow} fails beyond it and a module whose
 *     minimum is larger is rejected at load
 * @param timeout wall-clock limit per request, counted from {@link WasmFunction#handle}
 * @param maxRequestBytes largest accepted request body (413 beyond)
 * @param maxResponseBytes largest stdout, headers and body together (502 beyond)
 * @param directory the one directory the guest may see; no filesystem when empty
 * @param concurrency requests allowed to run at once, 0 for unlimited (Knative
 *     containerConcurrency)
 * @param logSink where stderr lines and host diagnostics go
 * @param outbound where the function's {@code wasi_experimental_http} calls go; {@link
 *     OutboundHttp#none()} (the default) denies every destination
 */
public record WasmConfig(
    String name,
    Map<String, String> env,
    long maxMemoryBytes,
    Duration timeout,
    long maxRequestBytes,
    long maxResponseBytes,
    Optional<DirectoryMount> directory,
    int concurrency,
    LogSink logSink,
    OutboundHttp outbound) {

  /** Wasm page size: memory limits are whole pages. */
  public static final long PAGE_BYTES = 65_536;

  public static final long DEFAULT_MAX_MEMORY_BYTES = 128L << 20;
  public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(30);
  public static final long DEFAULT_MAX_REQUEST_BYTES = 16L << 20;
  public static final long DEFAULT_MAX_RESPONSE_BYTES = 16L << 20;

  public WasmConfig {
    Objects.requireNonNull(name, "name");
    if (name.isBlank()) {
      throw new IllegalArgumentException("name must not be blank");
    }
    env = Map.copyOf(env);
    env.keySet().forEach(WasmConfig::checkEnvName);
    if (maxMemoryBytes < PAGE_BYTES || maxMemoryBytes > (4L << 30)) {
      throw new IllegalArgumentException("maxMemoryBytes must be between 64 KiB and 4 GiB");
    }
    if (timeout.isNegative() || timeout.isZero()) {
      throw new IllegalArgumentException("timeout must be positive");
    }
    if (maxRequestBytes < 0 || maxResponseBytes <= 0) {
      throw new IllegalArgumentException("maxRequestBytes and maxResponseBytes must be positive");
    }
    if (maxRequestBytes > Integer.MAX_VALUE - 8 || maxResponseBytes > Integer.MAX_VALUE - 8) {
      throw new IllegalArgumentException("byte limits must fit in a Java array");
    }
    Objects.requireNonNull(directory, "directory");
    if (concurrency < 0) {
      throw new IllegalArgumentException("concurrency must be >= 0 (0 = unlimited)");
    }
    Objects.requireNonNull(logSink, "logSink");
    Objects.requireNonNull(outbound, "outbound");
  }

  /** The memory limit in Wasm pages (rounded down). */
  public int maxMemoryPages() {
    return (int) (maxMemoryBytes / PAGE_BYTES);
  }

  public static Builder builder() {
    return new Builder();
  }

  private static void checkEnvName(String key) {
    if (key.isEmpty() || key.indexOf('=') >= 0 || key.indexOf('\0') >= 0) {
      throw new IllegalArgumentException("invalid environment variable name: '" + key + "'");
    }
  }

  /** Builds a {@link WasmConfig}; every setting has the default documented on its constant. */
  public static final class Builder {
    private String name = "function";
    private final Map<String, String> env = new LinkedHashMap<>();
    private long maxMemoryBytes = DEFAULT_MAX_MEMORY_BYTES;
    private Duration timeout = DEFAULT_TIMEOUT;
    private long maxRequestBytes = DEFAULT_MAX_REQUEST_BYTES;
    private long maxResponseBytes = DEFAULT_MAX_RESPONSE_BYTES;
    private DirectoryMount directory;
    private int concurrency;
    private LogSink logSink = LogSink.discard();
    private OutboundHttp outbound = OutboundHttp.none();

    private Builder() {}

    public Builder withName(String name) {
      this.name = name;
      return this;
    }

    public Builder withEnv(Map<String, String> env) {
      this.env.putAll(env);
      return this;
    }

    public Builder withEnv(String name, String value) {
      this.env.put(name, value);
      return this;
    }

    public Builder withMaxMemoryBytes(long maxMemoryBytes) {
      this.maxMemoryBytes = maxMemoryBytes;
      return this;
    }

    public Builder withTimeout(Duration timeout) {
      this.timeout = timeout;
      return this;
    }

    public Builder withMaxRequestBytes(long maxRequestBytes) {
      this.maxRequestBytes = maxRequestBytes;
      return this;
    }

    public Builder withMaxResponseBytes(long maxResponseBytes) {
      this.maxResponseBytes = maxResponseBytes;
      return this;
    }

    public Builder withDirectory(Path hostPath, String guestPath, boolean writable) {
      this.directory = new DirectoryMount(hostPath, guestPath, writable);
      return this;
    }

    public Builder withConcurrency(int concurrency) {
      this.concurrency = concurrency;
      return this;
    }

    public Builder withLogSink(LogSink logSink) {
      this.logSink = logSink;
      return this;
    }

    public Builder withOutbound(OutboundHttp outbound) {
      this.outbound = outbound;
      return this;
    }

    public WasmConfig build() {
      return new WasmConfig(
          name,
          env,
          maxMemoryBytes,
          timeout,
          maxRequestBytes,
          maxResponseBytes,
          Optional.ofNullable(directory),
          concurrency,
          logSink,
          outbound);
    }
  }
}
