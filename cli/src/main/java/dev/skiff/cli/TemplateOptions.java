package dev.skiff.cli;

import dev.skiff.api.model.EnvSource;
import dev.skiff.api.model.Resources;
import dev.skiff.api.model.RevisionTemplate;
import dev.skiff.api.model.ScalingSettings;
import dev.skiff.api.model.WasmModule;
import dev.skiff.api.validation.FieldError;
import dev.skiff.api.validation.Problems;
import dev.skiff.api.validation.ResourceValidator;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Option;

/**
 * The flags that make a revision template ({@code --image}/{@code --wasm}, {@code --env}, limits,
 * scale bounds), and the template they make. Checked locally with the control plane's own rules, so
 * a bad value is reported by its flag before anything is uploaded.
 */
final class TemplateOptions {
  /** Stands in for the upload's digest while the template is checked, before anything is sent. */
  private static final String PLACEHOLDER_DIGEST = "sha256:" + "0".repeat(64);

  @ArgGroup(exclusive = true, multiplicity = "1")
  Workload workload;

  static final class Workload {
    @Option(
        names = "--image",
        paramLabel = "REF",
        description = "OCI image reference to run.",
        required = true)
    String image;

    @Option(
        names = "--wasm",
        paramLabel = "FILE",
        description = "WebAssembly module to upload and run.",
        required = true)
    Path wasm;
  }

  @Option(names = "--env", paramLabel = "K=V", description = "Environment variable (repeatable).")
  Map<String, String> env;

  @Option(
      names = "--allowed-host",
      paramLabel = "HOST",
      description =
          "A host outside the mesh the Wasm function may call (host, host:port or"
              + " http(s)://host[:port]; repeatable). Services of the mesh need none.")
  List<String> allowedHosts;

  @Option(
      names = "--env-secret",
      paramLabel = "VAR=SECRET:KEY",
      description =
          "Environment variable read from a secret's key when each instance starts (repeatable).")
  Map<String, String> envSecrets;

  @Option(
      names = "--revision-name",
      paramLabel = "NAME",
      description =
          "Name the new revision (NAME must start with the service's name and a dash);"
              + " default: NAME-00001, ...")
  String revisionName;

  @Option(
      names = "--port",
      paramLabel = "N",
      description = "Port the container listens on (default 8080).")
  Integer port;

  @Option(
      names = "--concurrency",
      paramLabel = "N",
      description = "Max in-flight requests per instance; 0 = unlimited.")
  Integer concurrency;

  @Option(
      names = "--timeout",
      paramLabel = "S",
      description = "Per-request timeout in seconds (default 300).")
  Integer timeout;

  @Option(
      names = "--min-scale",
      paramLabel = "N",
      description = "Fewest instances; 0 allows scale to zero.")
  Integer minScale;

  @Option(names = "--max-scale", paramLabel = "N", description = "Most instances; 0 = unbounded.")
  Integer maxScale;

  @Option(
      names = "--memory",
      paramLabel = "Q",
      description = "Memory limit per instance, e.g. 128Mi.")
  String memory;

  @Option(names = "--cpu", paramLabel = "Q", description = "CPU limit per instance, e.g. 500m.")
  String cpu;

  @Option(
      names = "--annotation",
      paramLabel = "K=V",
      description = "Template annotation, e.g. autoscaling.knative.dev/target=50.")
  Map<String, String> annotations;

  /** The wasm file to upload, or null for an image. */
  Path wasmFile() {
    return workload.wasm;
  }

  /**
   * The template these flags describe; {@code digest} is the uploaded module's, null for images.
   */
  RevisionTemplate template(String digest) {
    Map<String, String> a = new LinkedHashMap<>(annotations == null ? Map.of() : annotations);
    if (minScale != null) {
      a.put(ScalingSettings.MIN_SCALE, minScale.toString());
    }
    if (maxScale != null) {
      a.put(ScalingSettings.MAX_SCALE, maxScale.toString());
    }
    return RevisionTemplate.builder()
        .image(workload.image)
        .wasm(digest == null ? null : WasmModule.ofDigest(digest))
        .env(env)
        .port(port)
        .containerConcurrency(concurrency)
        .timeoutSeconds(timeout)
        .resources(memory == null && cpu == null ? null : new Resources(memory, cpu))
        .annotations(a)
        .name(revisionName)
        .envValueFrom(envSecrets())
        .allowedHosts(allowedHosts)
        .build();
  }

  /** {@code --env-secret VAR=SECRET:KEY} as references; a malformed one is left for problems(). */
  private Map<String, EnvSource> envSecrets() {
    Map<String, EnvSource> out = new LinkedHashMap<>();
    if (envSecrets != null) {
      envSecrets.forEach(
          (var, ref) -> {
            int colon = ref.indexOf(':');
            out.put(
                var,
                colon < 0
                    ? EnvSource.secretKey(ref, null)
                    : EnvSource.secretKey(ref.substring(0, colon), ref.substring(colon + 1)));
          });
    }
    return out;
  }

  /**
   * The control plane's checks of the template, run before anything is sent, one line per problem
   * naming the flag: {@code --port: must be <= 65535, got 70000}. Empty when all is well.
   */
  List<String> problems() {
    String digest = workload.wasm == null ? null : PLACEHOLDER_DIGEST;
    Problems p = new Problems();
    ResourceValidator.template(p, "spec.template", template(digest));
    return p.errors().stream().map(TemplateOptions::describe).toList();
  }

  private static String describe(FieldError e) {
    return flagFor(e.field())
        + ": "
        + e.message()
        + (e.hint() == null ? "" : " (" + e.hint() + ")");
  }

  /** The flag that set a template field, so errors talk about what the user typed. */
  static String flagFor(String field) {
    String f =
        field.startsWith("spec.template") ? field.substring("spec.template".length()) : field;
    if (f.startsWith(".env.")) {
      return "--env " + f.substring(".env.".length());
    } else if (f.startsWith(".envValueFrom.")) {
      String var = f.substring(".envValueFrom.".length());
      int dot = var.indexOf('.');
      return "--env-secret " + (dot < 0 ? var : var.substring(0, dot));
    } else if (f.startsWith(".allowedHosts")) {
      return "--allowed-host";
    } else if (f.startsWith(".annotations[")) {
      String key = f.substring(".annotations[".length(), f.length() - 1);
      return key.equals(ScalingSettings.MIN_SCALE)
          ? "--min-scale"
          : key.equals(ScalingSettings.MAX_SCALE) ? "--max-scale" : "--annotation " + key;
    }
    return switch (f) {
      case "" -> "--image/--wasm";
      case ".image" -> "--image";
      case ".name" -> "--revision-name";
      case ".port" -> "--port";
      case ".containerConcurrency" -> "--concurrency";
      case ".timeoutSeconds" -> "--timeout";
      case ".resources.memory" -> "--memory";
      case ".resources.cpu" -> "--cpu";
      default -> field;
    };
  }
}
