package dev.skiff.api.model;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;

/**
 * A container's health check, as Kubernetes and Knative define it: exactly one of {@code httpGet},
 * {@code tcpSocket}, {@code grpc} or {@code exec}, and its timing. Defaults are Kubernetes' except
 * that a readiness probe without {@code periodSeconds} is run aggressively while the instance
 * starts, as Knative does.
 *
 * @param httpGet a GET whose status 200-399 is success
 * @param tcpSocket a TCP connect that succeeds
 * @param grpc a gRPC health check ({@code grpc.health.v1.Health/Check}) answered SERVING
 * @param exec a command run in the container that exits 0
 * @param initialDelaySeconds wait after the start before the first probe; default 0
 * @param periodSeconds between probes; default 10 (readiness: aggressive while starting when unset)
 * @param timeoutSeconds one probe's limit; default 1
 * @param successThreshold consecutive successes to count as healthy; default 1 (liveness: 1 only)
 * @param failureThreshold consecutive failures to count as unhealthy; default 3
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Probe(
    HttpGet httpGet,
    TcpSocket tcpSocket,
    Grpc grpc,
    Exec exec,
    Integer initialDelaySeconds,
    Integer periodSeconds,
    Integer timeoutSeconds,
    Integer successThreshold,
    Integer failureThreshold) {

  /**
   * @param path the request path; default {@code /}
   * @param port the container port; default the serving port
   * @param httpHeaders extra request headers
   */
  @JsonInclude(JsonInclude.Include.NON_EMPTY)
  public record HttpGet(String path, Integer port, List<Header> httpHeaders) {
    public HttpGet {
      httpHeaders = httpHeaders == null ? List.of() : List.copyOf(httpHeaders);
    }
  }

  public record Header(String name, String value) {}

  /**
   * @param port the container port; default the serving port
   */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record TcpSocket(Integer port) {}

  /**
   * @param port the container port, over HTTP/2 cleartext; default the serving port
   * @param service the service name asked about; default empty, the server's overall health
   */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record Grpc(Integer port, String service) {
    @JsonIgnore
    public String serviceOrDefault() {
      return service == null ? "" : service;
    }
  }

  /**
   * @param command the argv run in the container, without a shell
   */
  public record Exec(List<String> command) {
    public Exec {
      command = command == null ? List.of() : List.copyOf(command);
    }
  }

  @JsonIgnore
  public int initialDelayOrDefault() {
    return initialDelaySeconds == null ? 0 : initialDelaySeconds;
  }

  @JsonIgnore
  public int periodOrDefault() {
    return periodSeconds == null ? 10 : periodSeconds;
  }

  @JsonIgnore
  public int timeoutOrDefault() {
    return timeoutSeconds == null ? 1 : timeoutSeconds;
  }

  @JsonIgnore
  public int successThresholdOrDefault() {
    return successThreshold == null ? 1 : successThreshold;
  }

  @JsonIgnore
  public int failureThresholdOrDefault() {
    return failureThreshold == null ? 3 : failureThreshold;
  }
}
