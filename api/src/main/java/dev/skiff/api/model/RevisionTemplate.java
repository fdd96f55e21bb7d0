package dev.skiff.api.model;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What every revision of a service is made from. Exactly one of {@code image} or {@code wasm}.
 * Changing any field creates a new immutable revision.
 *
 * @param image an OCI image reference ({@code registry/repo:tag} or {@code @sha256:...})
 * @param wasm a WebAssembly module
 * @param env environment variables given to the workload (ordered)
 * @param port the port a container listens on ({@code $PORT}); default 8080
 * @param containerConcurrency max in-flight requests per instance; 0 = unlimited (default)
 * @param timeoutSeconds per-request timeout; default 300
 * @param resources memory and cpu limits of one instance
 * @param annotations {@code autoscaling.knative.dev/*} settings, with Knative's names and defaults
 * @param name the revision's name chosen by the user ({@code {service}-{suffix}}, Knative's {@code
 *     spec.template.metadata.name}); null to let Skiff name it {@code {service}-00001, ...}. A new
 *     template needs a new name.
 * @param envValueFrom variables whose values are read from a secret or config map key when an
 *     instance starts (Kubernetes' {@code env[].valueFrom}); a name here must not be in {@code env}
 * @param envFrom secrets and config maps whose every key becomes a variable when an instance starts
 *     (Kubernetes' {@code envFrom}); {@code env} and {@code envValueFrom} win over them
 * @param readinessProbe when a container instance may take requests (containers only); without one,
 *     a TCP connect to the port while it starts
 * @param livenessProbe when a container instance must be restarted (containers only)
 * @param allowedHosts hosts outside the mesh a Wasm function may call over outbound HTTP (Spin's
 *     and WAGI's {@code allowed_hosts}): {@code host}, {@code host:port} or {@code
 *     http(s)://host[:port]}; default none. Services in the mesh ({@code
 *     http://{service}.{namespace}/}) need no entry.
 */
@JsonInclude(JsonInclude.Include.NON_EMPTY)
public record RevisionTemplate(
    String image,
    WasmModule wasm,
    Map<String, String> env,
    Integer port,
    Integer containerConcurrency,
    Integer timeoutSeconds,
    Resources resources,
    Map<String, String> annotations,
    String name,
    Map<String, EnvSource> envValueFrom,
    List<EnvSource> envFrom,
    Probe readinessProbe,
    Probe livenessProbe,
    List<String> allowedHosts) {

  public static final int DEFAULT_PORT = 8080;

  /**
   * The container port's name, Knative's protocol selector: {@code h2c} means the workload speaks
   * HTTP/2 cleartext (prior knowledge) and is called so; {@code http1} or none, HTTP/1.1. Set from
   * a Knative manifest's {@code ports[0].name}.
   */
  public static final String PORT_NAME_ANNOTATION = "serving.skiff.dev/port-name";

  public static final int DEFAULT_TIMEOUT_SECONDS = 300;

  public RevisionTemplate {
    env = env == null ? Map.of() : java.util.Collections.unmodifiableMap(new LinkedHashMap<>(env));
    annotations = Interned.of(annotations);
    envValueFrom =
        envValueFrom == null
            ? Map.of()
            : java.util.Collections.unmodifiableMap(new LinkedHashMap<>(envValueFrom));
    envFrom = envFrom == null ? List.of() : List.copyOf(envFrom);
    allowedHosts =
        allowedHosts == null
            ? List.of()
            : java.util.Collections.unmodifiableList(new java.util.ArrayList<>(allowedHosts));
  }

  /** A template without allowed hosts. */
  public RevisionTemplate(
      String image,
      WasmModule wasm,
      Map<String, String> env,
      Integer port,
      Integer containerConcurrency,
      Integer timeoutSeconds,
      Resources resources,
      Map<String, String> annotations,
      String name,
      Map<String, EnvSource> envValueFrom,
      List<EnvSource> envFrom,
      Probe readinessProbe,
      Probe livenessProbe) {
    this(
        image,
        wasm,
        env,
        port,
        containerConcurrency,
        timeoutSeconds,
        resources,
        annotations,
        name,
        envValueFrom,
        envFrom,
        readinessProbe,
        livenessProbe,
        null);
  }

  /** A template with a revision name and literal env only. */
  public RevisionTemplate(
      String image,
      WasmModule wasm,
      Map<String, String> env,
      Integer port,
      Integer containerConcurrency,
      Integer timeoutSeconds,
      Resources resources,
      Map<String, String> annotations,
      String name) {
    this(
        image,
        wasm,
        env,
        port,
        containerConcurrency,
        timeoutSeconds,
        resources,
        annotations,
        name,
        null,
        null,
        null,
        null);
  }

  /** A template Skiff names revisions of itself. */
  public RevisionTemplate(
      String image,
      WasmModule wasm,
      Map<String, String> env,
      Integer port,
      Integer containerConcurrency,
      Integer timeoutSeconds,
      Resources resources,
      Map<String, String> annotations) {
    this(
        image, wasm, env, port, containerConcurrency, timeoutSeconds, resources, annotations, null);
  }

  /** The workload kind: {@code wasm} or {@code container}. */
  @JsonIgnore
  public String workloadKind() {
    return wasm != null ? "wasm" : "container";
  }

  @JsonIgnore
  public int portOrDefault() {
    return port == null ? DEFAULT_PORT : port;
  }

  /** Whether the workload is called over HTTP/2 cleartext (its port is named {@code h2c}). */
  @JsonIgnore
  public boolean h2c() {
    return "h2c".equals(annotations.get(PORT_NAME_ANNOTATION));
  }

  @JsonIgnore
  public int containerConcurrencyOrDefault() {
    return containerConcurrency == null ? 0 : containerConcurrency;
  }

  @JsonIgnore
  public int timeoutSecondsOrDefault() {
    return timeoutSeconds == null ? DEFAULT_TIMEOUT_SECONDS : timeoutSeconds;
  }

  /** A template with a revision name and env references, without probes. */
  public RevisionTemplate(
      String image,
      WasmModule wasm,
      Map<String, String> env,
      Integer port,
      Integer containerConcurrency,
      Integer timeoutSeconds,
      Resources resources,
      Map<String, String> annotations,
      String name,
      Map<String, EnvSource> envValueFrom,
      List<EnvSource> envFrom) {
    this(
        image,
        wasm,
        env,
        port,
        containerConcurrency,
        timeoutSeconds,
        resources,
        annotations,
        name,
        envValueFrom,
        envFrom,
        null,
        null);
  }

  /** This template with {@code module} as its Wasm module. */
  public RevisionTemplate withWasm(WasmModule module) {
    return toBuilder().wasm(module).build();
  }

  /** This template with {@code newAnnotations} in place of its annotations. */
  public RevisionTemplate withAnnotations(Map<String, String> newAnnotations) {
    return toBuilder().annotations(newAnnotations).build();
  }

  /** This template with the revision name {@code newName}, or none (null). */
  public RevisionTemplate withName(String newName) {
    return toBuilder().name(newName).build();
  }

  /** This template with literal env {@code newEnv} (references left as they are). */
  public RevisionTemplate withEnv(Map<String, String> newEnv) {
    return toBuilder().env(newEnv).build();
  }

  /** This template with {@code hosts} as its allowed outbound hosts. */
  public RevisionTemplate withAllowedHosts(List<String> hosts) {
    return toBuilder().allowedHosts(hosts).build();
  }

  /** A builder holding this template's fields, to change some of them. */
  public Builder toBuilder() {
    return new Builder()
        .image(image)
        .wasm(wasm)
        .env(env)
        .port(port)
        .containerConcurrency(containerConcurrency)
        .timeoutSeconds(timeoutSeconds)
        .resources(resources)
        .annotations(annotations)
        .name(name)
        .envValueFrom(envValueFrom)
        .envFrom(envFrom)
        .readinessProbe(readinessProbe)
        .livenessProbe(livenessProbe)
        .allowedHosts(allowedHosts);
  }

  /** A builder with every field unset (null), as a manifest that names none of them. */
  public static Builder builder() {
    return new Builder();
  }

  /** Builds a {@link RevisionTemplate} field by field; unset fields are null (their defaults). */
  public static final class Builder {
    private String image;
    private WasmModule wasm;
    private Map<String, String> env;
    private Integer port;
    private Integer containerConcurrency;
    private Integer timeoutSeconds;
    private Resources resources;
    private Map<String, String> annotations;
    private String name;
    private Map<String, EnvSource> envValueFrom;
    private List<EnvSource> envFrom;
    private Probe readinessProbe;
    private Probe livenessProbe;
    private List<String> allowedHosts;

    private Builder() {}

    public Builder image(String value) {
      image = value;
      return this;
    }

    public Builder wasm(WasmModule value) {
      wasm = value;
      return this;
    }

    public Builder env(Map<String, String> value) {
      env = value;
      return this;
    }

    public Builder port(Integer value) {
      port = value;
      return this;
    }

    public Builder containerConcurrency(Integer value) {
      containerConcurrency = value;
      return this;
    }

    public Builder timeoutSeconds(Integer value) {
      timeoutSeconds = value;
      return this;
    }

    public Builder resources(Resources value) {
      resources = value;
      return this;
    }

    public Builder annotations(Map<String, String> value) {
      annotations = value;
      return this;
    }

    public Builder name(String value) {
      name = value;
      return this;
    }

    public Builder envValueFrom(Map<String, EnvSource> value) {
      envValueFrom = value;
      return this;
    }

    public Builder envFrom(List<EnvSource> value) {
      envFrom = value;
      return this;
    }

    public Builder readinessProbe(Probe value) {
      readinessProbe = value;
      return this;
    }

    public Builder livenessProbe(Probe value) {
      livenessProbe = value;
      return this;
    }

    public Builder allowedHosts(List<String> value) {
      allowedHosts = value;
      return this;
    }

    public RevisionTemplate build() {
      return new RevisionTemplate(
          image,
          wasm,
          env,
          port,
          containerConcurrency,
          timeoutSeconds,
          resources,
          annotations,
          name,
          envValueFrom,
          envFrom,
          readinessProbe,
          livenessProbe,
          allowedHosts);
    }
  }

  /** Whether any variable is read from a secret or config map when an instance starts. */
  @JsonIgnore
  public boolean hasEnvReferences() {
    return !envValueFrom.isEmpty() || !envFrom.isEmpty();
  }
}
