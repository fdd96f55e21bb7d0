package dev.skiff.controlplane.internal.nodes;

import com.google.protobuf.ByteString;
import dev.skiff.api.manifest.Json;
import dev.skiff.api.mesh.SpiffeId;
import dev.skiff.api.model.EnvSource;
import dev.skiff.api.model.Revision;
import dev.skiff.api.model.RevisionTemplate;
import dev.skiff.api.model.Service;
import dev.skiff.api.node.v1.CertificateResponse;
import dev.skiff.api.node.v1.EnvSourceKind;
import dev.skiff.api.node.v1.EnvSourceResponse;
import dev.skiff.api.node.v1.GetEnvSourceRequest;
import dev.skiff.api.node.v1.GetModuleRequest;
import dev.skiff.api.node.v1.GetRevisionRequest;
import dev.skiff.api.node.v1.ModuleChunk;
import dev.skiff.api.node.v1.RevisionResponse;
import dev.skiff.api.node.v1.SignWorkloadRequest;
import dev.skiff.controlplane.internal.resources.Keys;
import dev.skiff.controlplane.internal.resources.Repository;
import dev.skiff.controlplane.mesh.MeshCa;
import dev.skiff.controlplane.nodes.EnvValues;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.grpc.common.GrpcStatus;
import io.vertx.grpc.server.GrpcServerRequest;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;

/**
 * What a node needs to run its assignments: a revision with its service (GetRevision), a Wasm
 * module (GetModule, streamed in chunks), and its sidecars' certificates (SignWorkload). Each is
 * allowed only for what the node is assigned: a revision it holds an instance of, the module such a
 * revision names, the identity of such a revision's service.
 */
final class NodeWorkCalls {
  /** Module chunks on the wire: well under gRPC's default 4 MiB message limit. */
  static final int CHUNK_BYTES = 256 * 1024;

  private final NodeRecords records;
  private final Repository repo;
  private final MeshCa ca;
  private final Function<String, Future<Buffer>> modules;
  private final EnvValues env;

  NodeWorkCalls(
      NodeRecords records, MeshCa ca, Function<String, Future<Buffer>> modules, EnvValues env) {
    this.records = records;
    this.repo = new Repository(records.store());
    this.ca = ca;
    this.modules = modules;
    this.env = env;
  }

  /**
   * The values of a secret or config map, if a revision assigned to {@code node} takes env from it
   * (envValueFrom or envFrom, in its namespace); PERMISSION_DENIED otherwise, whether or not it
   * exists, so a node learns nothing of sources it has no business with.
   */
  Future<EnvSourceResponse> envSource(String node, GetEnvSourceRequest m) {
    boolean secret = m.getKind() == EnvSourceKind.ENV_SOURCE_KIND_SECRET;
    if (!secret && m.getKind() != EnvSourceKind.ENV_SOURCE_KIND_CONFIG_MAP) {
      return Future.failedFuture(
          new CallRefusedException(
              GrpcStatus.INVALID_ARGUMENT,
              "kind is " + m.getKind() + ", not a kind of env source",
              "send ENV_SOURCE_KIND_SECRET or ENV_SOURCE_KIND_CONFIG_MAP"));
    }
    String ns = m.getNamespace();
    String name = m.getName();
    String what = (secret ? "secret " : "config map ") + ns + "/" + name;
    return assignedRevisions(node)
        .compose(
            revs -> {
              boolean named =
                  revs.stream()
                      .filter(r -> r.metadata().namespaceOrDefault().equals(ns))
                      .anyMatch(r -> takesEnvFrom(r.spec().template(), secret, name));
              if (!named) {
                return Future.failedFuture(
                    new CallRefusedException(
                        GrpcStatus.PERMISSION_DENIED,
                        "no revision assigned to node " + node + " takes env from " + what,
                        "a node may read only the secrets and config maps its assignments"
                            + " name in envValueFrom or envFrom"));
              }
              return (secret ? env.secret(ns, name) : env.configMap(ns, name))
                  .map(
                      values ->
                          EnvSourceResponse.newBuilder()
                              .setFound(values.isPresent())
                              .putAllValues(values.orElse(java.util.Map.of()))
                              .build());
            });
  }

  private static boolean takesEnvFrom(RevisionTemplate t, boolean secret, String name) {
    java.util.stream.Stream<EnvSource> all =
        java.util.stream.Stream.concat(t.envValueFrom().values().stream(), t.envFrom().stream());
    return all.anyMatch(s -> s.isSecret() == secret && name.equals(s.sourceName()));
  }

  Future<RevisionResponse> revision(String node, GetRevisionRequest m) {
    return assigned(node, m.getNamespace(), m.getRevision())
        .compose(
            r ->
                repo.get(Keys.service(m.getNamespace(), r.spec().service()), Service.class)
                    .map(
                        s ->
                            RevisionResponse.newBuilder()
                                .setRevisionJson(json(r))
                                .setServiceJson(s.map(NodeWorkCalls::json).orElse(ByteString.EMPTY))
                                .build()));
  }

  /** The module's bytes, if a revision assigned to {@code node} names {@code digest}. */
  Future<Buffer> module(String node, GetModuleRequest m) {
    String digest = m.getDigest();
    return assignedRevisions(node)
        .compose(
            revs -> {
              boolean named =
                  revs.stream()
                      .anyMatch(
                          r ->
                              r.spec().template().wasm() != null
                                  && digest.equals(r.spec().template().wasm().digest()));
              if (!named) {
                return Future.failedFuture(
                    new CallRefusedException(
                        GrpcStatus.PERMISSION_DENIED,
                        "no revision assigned to node " + node + " names module " + digest,
                        "a node may read only the modules of its assignments"));
              }
              return modules.apply(digest);
            });
  }

  /** Streams {@code bytes} in chunks, the first saying the whole size. */
  static void stream(GrpcServerRequest<GetModuleRequest, ModuleChunk> req, Buffer bytes) {
    int size = bytes.length();
    var response = req.response();
    Future<Void> last = Future.succeededFuture();
    for (int off = 0; off == 0 || off < size; off += CHUNK_BYTES) {
      int end = Math.min(size, off + CHUNK_BYTES);
      ModuleChunk.Builder c =
          ModuleChunk.newBuilder().setData(ByteString.copyFrom(bytes.getBytes(off, end)));
      if (off == 0) {
        c.setSize(size);
      }
      last = response.write(c.build());
      if (size == 0) {
        break;
      }
    }
    last.onComplete(ar -> response.end());
  }

  Future<CertificateResponse> sign(String node, SignWorkloadRequest m) {
    String ns = m.getNamespace();
    String service = m.getService();
    return assignedRevisions(node)
        .compose(
            revs -> {
              boolean held =
                  revs.stream()
                      .anyMatch(
                          r ->
                              r.metadata().namespaceOrDefault().equals(ns)
                                  && service.equals(r.spec().service()));
              if (!held) {
                return Future.failedFuture(
                    new CallRefusedException(
                        GrpcStatus.PERMISSION_DENIED,
                        "node "
                            + node
                            + " has no instance of service "
                            + ns
                            + "/"
                            + service
                            + " assigned, so it may not hold its identity",
                        "a node gets workload certificates only for the services it runs"));
              }
              Duration ttl = m.getTtlSeconds() > 0 ? Duration.ofSeconds(m.getTtlSeconds()) : null;
              return ca.issue(m.getCsrPem(), SpiffeId.workload(ca.trustDomain(), ns, service), ttl)
                  .map(NodeCalls::response);
            });
  }

  /** The revision, if {@code node} is assigned an instance of it; PERMISSION_DENIED otherwise. */
  private Future<Revision> assigned(String node, String ns, String revision) {
    return records
        .assignments(node)
        .compose(
            list -> {
              boolean held =
                  list.stream()
                      .anyMatch(a -> a.namespace().equals(ns) && a.revision().equals(revision));
              if (!held) {
                return Future.failedFuture(
                    new CallRefusedException(
                        GrpcStatus.PERMISSION_DENIED,
                        "revision " + ns + "/" + revision + " is not assigned to node " + node,
                        "a node may read only the revisions of its assignments"));
              }
              return repo.get(Keys.revision(ns, revision), Revision.class)
                  .map(
                      o ->
                          o.orElseThrow(
                              () ->
                                  new CallRefusedException(
                                      GrpcStatus.NOT_FOUND,
                                      "revision " + ns + "/" + revision + " does not exist",
                                      "it was deleted; the next assignments leave it out")));
            });
  }

  private Future<List<Revision>> assignedRevisions(String node) {
    return records
        .assignments(node)
        .compose(
            list -> {
              List<Future<Optional<Revision>>> reads = new ArrayList<>();
              list.stream()
                  .map(a -> Keys.revision(a.namespace(), a.revision()))
                  .distinct()
                  .forEach(k -> reads.add(repo.get(k, Revision.class)));
              return Future.all(reads)
                  .map(
                      all ->
                          reads.stream()
                              .map(Future::result)
                              .flatMap(Optional::stream)
                              .filter(r -> r.spec() != null && r.spec().template() != null)
                              .toList());
            });
  }

  private static ByteString json(Object resource) {
    return ByteString.copyFrom(Json.write(resource), StandardCharsets.UTF_8);
  }
}
