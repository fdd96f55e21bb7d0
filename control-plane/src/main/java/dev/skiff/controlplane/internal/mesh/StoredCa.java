package dev.skiff.controlplane.internal.mesh;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.skiff.api.manifest.Json;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * The CA as kept in the store, under {@value #KEY}: outside {@code /skiff/}, so the change feed
 * never streams it, and no route reads it. It holds the roots' and intermediates' private keys.
 */
public final class StoredCa {
  /** Where the CA's state lives. */
  public static final String KEY = "/skiff-mesh/ca";

  /** Where the last certificate of each identity under each root is recorded. */
  public static final String ISSUED = "/skiff-mesh/issued/";

  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record StoredGeneration(
      String root,
      String rootKey,
      String intermediate,
      String intermediateKey,
      Instant createdAt,
      Instant issuesFrom,
      Instant leavesUntil) {}

  public record Stored(String trustDomain, List<StoredGeneration> generations) {}

  /** A leaf as recorded for {@code skiff mesh status}: never the certificate or a key. */
  public record IssuedRecord(String spiffeId, String serial, Instant notAfter, String root) {}

  private StoredCa() {}

  public static byte[] write(CaState s) {
    List<StoredGeneration> gens = new ArrayList<>();
    for (Generation g : s.generations()) {
      gens.add(
          new StoredGeneration(
              Pem.certificates(List.of(g.root())),
              Pem.privateKey(g.rootKey()),
              Pem.certificates(List.of(g.intermediate())),
              Pem.privateKey(g.intermediateKey()),
              g.createdAt(),
              g.issuesFrom(),
              g.leavesUntil()));
    }
    return Json.write(new Stored(s.trustDomain(), gens)).getBytes(StandardCharsets.UTF_8);
  }

  public static CaState read(byte[] bytes) {
    Stored s;
    try {
      s = Json.mapper().readValue(bytes, Stored.class);
    } catch (IOException e) {
      throw new UncheckedIOException("the mesh CA's stored state is unreadable", e);
    }
    List<Generation> gens = new ArrayList<>();
    for (StoredGeneration g : s.generations()) {
      gens.add(
          new Generation(
              Pem.certificate(g.root()),
              Pem.privateKey(g.rootKey()),
              Pem.certificate(g.intermediate()),
              Pem.privateKey(g.intermediateKey()),
              g.createdAt(),
              g.issuesFrom(),
              g.leavesUntil()));
    }
    return new CaState(s.trustDomain(), gens);
  }

  /** The key recording identity {@code path} (e.g. {@code /ns/a/svc/b}) under a root. */
  public static String issuedKey(String rootFingerprint, String path) {
    return ISSUED + rootFingerprint + path.replace('/', ':');
  }

  public static byte[] write(IssuedRecord r) {
    return Json.write(r).getBytes(StandardCharsets.UTF_8);
  }

  public static IssuedRecord readIssued(byte[] bytes) {
    try {
      return Json.mapper().readValue(bytes, IssuedRecord.class);
    } catch (IOException e) {
      throw new UncheckedIOException("a mesh issuance record is unreadable", e);
    }
  }
}
