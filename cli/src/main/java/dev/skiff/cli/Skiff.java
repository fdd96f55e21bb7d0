package dev.skiff.cli;

import dev.skiff.api.model.ObjectMeta;
import dev.skiff.cli.internal.ControlPlane;
import dev.skiff.cli.internal.Credentials;
import dev.skiff.cli.internal.Format;
import dev.skiff.cli.internal.GatewayClient;
import dev.skiff.cli.internal.HttpApi;
import dev.skiff.cli.internal.Printer;
import java.io.InputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.time.Clock;
import java.util.Map;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Help;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;

/**
 * The {@code skiff} command: global options and the list of subcommands. {@link #run} executes one
 * command line in process and returns its exit code; {@link #main} does the same and exits.
 */
@Command(
    name = "skiff",
    scope = ScopeType.INHERIT,
    mixinStandardHelpOptions = true,
    versionProvider = VersionProvider.class,
    usageHelpAutoWidth = true,
    description =
        "Deploy and manage functions (Wasm modules and containers) on a Skiff control plane.",
    subcommands = {
      DeployCommand.class,
      ApplyCommand.class,
      ListCommand.class,
      DescribeCommand.class,
      RevisionsCommand.class,
      InstancesCommand.class,
      TrafficCommand.class,
      ScaleCommand.class,
      RollbackCommand.class,
      DeleteCommand.class,
      InvokeCommand.class,
      LogsCommand.class,
      EventsCommand.class,
      TriggerCommand.class,
      TokenCommand.class,
      SecretCommand.class,
      DomainCommand.class,
      MeshCommand.class,
      NodesCommand.class,
      CompletionCommand.class,
      CommandLine.HelpCommand.class
    },
    footerHeading = "%nExit codes:%n",
    footer = {
      "  0  done",
      "  1  refused by the control plane, unreachable, a revision failed, or invoke",
      "     got a status other than 2xx/3xx",
      "  2  usage error: unknown option, bad value, percents not summing to 100",
      "",
      "Environment:",
      "  SKIFF_SERVER     default for --server",
      "  SKIFF_TOKEN      default for --token; without either, the token skiffd recorded",
      "                   for this user (SKIFF_CONFIG_DIR, default ~/.config/skiff), then",
      "                   ${SKIFF_DATA_DIR:-.skiff}/admin.token",
      "  SKIFF_NAMESPACE  default for -n",
      "  SKIFF_GATEWAY    default for invoke --gateway"
    })
public final class Skiff {
  /** Where the control plane listens when neither --server nor SKIFF_SERVER says otherwise. */
  public static final String DEFAULT_SERVER = "http://127.0.0.1:7070";

  /**
   * Where {@code invoke} sends requests when neither --gateway nor SKIFF_GATEWAY says otherwise.
   */
  public static final String DEFAULT_GATEWAY = "http://127.0.0.1:8080";

  // Global options: inherited by every subcommand, so they may come before or after its name. No
  // defaultValue on purpose: null means "not given", and the env fallback is applied below.
  @Option(
      names = "--server",
      scope = ScopeType.INHERIT,
      paramLabel = "URL",
      description = "Control plane URL (env SKIFF_SERVER, default " + DEFAULT_SERVER + ").")
  private String server;

  @Option(
      names = "--token",
      scope = ScopeType.INHERIT,
      paramLabel = "TOKEN",
      description =
          "API token (env SKIFF_TOKEN). Default: the one skiffd recorded for this user, then"
              + " .skiff/admin.token.")
  private String token;

  @Option(
      names = {"-n", "--namespace"},
      scope = ScopeType.INHERIT,
      paramLabel = "NS",
      description = "Namespace (env SKIFF_NAMESPACE, default 'default').")
  private String namespace;

  @Option(
      names = {"-o", "--output"},
      scope = ScopeType.INHERIT,
      paramLabel = "FORMAT",
      completionCandidates = Format.Names.class,
      description =
          "Output: ${COMPLETION-CANDIDATES} (default table). json and yaml print one document"
              + " (logs: one per log line).")
  private Format output;

  private final InputStream in;
  private final PrintStream out;
  private final PrintStream err;
  private final Map<String, String> env;
  private final Clock clock;
  private ControlPlane controlPlane;

  private Skiff(
      InputStream in, PrintStream out, PrintStream err, Map<String, String> env, Clock clock) {
    this.in = in;
    this.out = out;
    this.err = err;
    this.env = Map.copyOf(env);
    this.clock = clock;
  }

  public static void main(String[] args) {
    System.exit(run(args, System.out, System.err, System.getenv()));
  }

  /**
   * Runs one command line in process: never calls {@link System#exit}, reads stdin ({@code apply -f
   * -}, {@code invoke --data -}) from {@link System#in}. Sets the system property {@code
   * sun.net.http.allowRestrictedHeaders=true} unless already set, so that {@code invoke} can send a
   * Host header; it takes effect only if nothing in the JVM used HttpURLConnection before.
   *
   * @param env the environment to read SKIFF_* variables from, instead of the process's
   * @return the exit code: 0 done, 1 refused or unreachable, 2 usage error
   */
  public static int run(String[] args, PrintStream out, PrintStream err, Map<String, String> env) {
    return run(args, System.in, out, err, env, Clock.systemUTC());
  }

  static int run(
      String[] args,
      InputStream in,
      PrintStream out,
      PrintStream err,
      Map<String, String> env,
      Clock clock) {
    // Read once, when HttpURLConnection's implementation class loads: before any request.
    if (System.getProperty(GatewayClient.ALLOW_RESTRICTED) == null) {
      System.setProperty(GatewayClient.ALLOW_RESTRICTED, "true");
    }
    Skiff skiff = new Skiff(in, out, err, env, clock);
    CommandLine cmd = new CommandLine(skiff);
    cmd.setOut(new PrintWriter(out, true));
    cmd.setErr(new PrintWriter(err, true));
    cmd.setCaseInsensitiveEnumValuesAllowed(true);
    // "@file" is invoke's --data syntax (as curl's), not a picocli argument file to expand.
    cmd.setExpandAtFiles(false);
    cmd.setExecutionExceptionHandler(new ErrorHandlers.Execution(err));
    cmd.setParameterExceptionHandler(new ErrorHandlers.Usage());
    if (out != System.out) {
      // Captured output (tests, in-process callers) gets no ANSI colour codes.
      cmd.setColorScheme(Help.defaultColorScheme(Help.Ansi.OFF));
    }
    int code = cmd.execute(args);
    out.flush();
    err.flush();
    return code;
  }

  ControlPlane controlPlane() {
    if (controlPlane == null) {
      String url = serverUrl();
      controlPlane = new ControlPlane(HttpApi.create(url, Credentials.find(url, token, env)));
    }
    return controlPlane;
  }

  String serverUrl() {
    if (server != null && !server.isBlank()) {
      return server;
    }
    String fromEnv = env.get("SKIFF_SERVER");
    return fromEnv == null || fromEnv.isBlank() ? DEFAULT_SERVER : fromEnv;
  }

  String namespace() {
    if (namespace != null && !namespace.isBlank()) {
      return namespace;
    }
    String fromEnv = env.get("SKIFF_NAMESPACE");
    return fromEnv == null || fromEnv.isBlank() ? ObjectMeta.DEFAULT_NAMESPACE : fromEnv;
  }

  /** The namespace exactly as given with -n (or SKIFF_NAMESPACE), or null when neither was. */
  String explicitNamespace() {
    if (namespace != null && !namespace.isBlank()) {
      return namespace;
    }
    String fromEnv = env.get("SKIFF_NAMESPACE");
    return fromEnv == null || fromEnv.isBlank() ? null : fromEnv;
  }

  /**
   * The gateway for {@code invoke}: {@code option} when given, else SKIFF_GATEWAY, else default.
   */
  String gatewayUrl(String option) {
    if (option != null && !option.isBlank()) {
      return option;
    }
    String fromEnv = env.get("SKIFF_GATEWAY");
    return fromEnv == null || fromEnv.isBlank() ? DEFAULT_GATEWAY : fromEnv;
  }

  Printer printer() {
    return new Printer(out, output);
  }

  Format format() {
    return output == null ? Format.TABLE : output;
  }

  InputStream in() {
    return in;
  }

  PrintStream out() {
    return out;
  }

  /**
   * The progress line of waits: on stderr when it is a terminal's, else none. {@code
   * SKIFF_PROGRESS} overrides: {@code always}, {@code never}; {@code auto} (the default) shows it
   * when the JVM has a console (stdin and stdout a terminal, so not {@code skiff deploy ... | tee
   * log}) and {@code TERM} is not {@code dumb}.
   */
  dev.skiff.cli.internal.ProgressLine progress() {
    String mode = env.getOrDefault("SKIFF_PROGRESS", "auto");
    boolean show =
        switch (mode) {
          case "always" -> true;
          case "never" -> false;
          default -> System.console() != null && !"dumb".equals(env.get("TERM"));
        };
    return show
        ? new dev.skiff.cli.internal.ProgressLine(err, clock)
        : dev.skiff.cli.internal.ProgressLine.NONE;
  }

  /** Standard error, for progress and warnings of commands. */
  PrintStream err() {
    return err;
  }

  Clock clock() {
    return clock;
  }
}
