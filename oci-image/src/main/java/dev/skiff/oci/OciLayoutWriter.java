package dev.skiff.oci;

import dev.skiff.oci.internal.Digests;
import dev.skiff.oci.internal.FileSync;
import dev.skiff.oci.internal.Manifests;
import dev.skiff.oci.internal.MediaTypes;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Writes an image into an OCI image layout directory ({@code oci-layout}, {@code index.json},
 * {@code blobs/sha256/}) without Docker: layers, config and manifest, then an {@code index.json}
 * entry named by the tag (replacing an earlier image of that tag). Output is reproducible.
 *
 * <p>{@link #write} blocks on file I/O: call it from a worker thread, a CLI or a test.
 */
public final class OciLayoutWriter {
  private static final String REF_NAME = "org.opencontainers.image.ref.name";

  private final ImageConfig config;
  private final List<ImageLayer> layers;
  private final Platform platform;
  private final Instant created;

  private OciLayoutWriter(Builder b) {
    this.config = b.config;
    this.layers = List.copyOf(b.layers);
    this.platform = b.platform;
    this.created = b.created;
  }

  public static Builder builder() {
    return new Builder();
  }

  /** Writes the image into {@code layoutDir} (created if missing) under {@code tag}. */
  public LayoutImage write(Path layoutDir, String tag) {
    try {
      Path blobs = Files.createDirectories(layoutDir.resolve("blobs").resolve("sha256"));
      FileSync.write(
          layoutDir.resolve("oci-layout"),
          "{\"imageLayoutVersion\":\"1.0.0\"}".getBytes(StandardCharsets.UTF_8));
      List<Descriptor> layerDescriptors = new ArrayList<>();
      List<String> diffIds = new ArrayList<>();
      for (ImageLayer layer : layers) {
        layerDescriptors.add(blob(blobs, layer.compression().mediaType(), layer.blob()));
        diffIds.add(layer.diffId());
      }
      Descriptor configBlob = blob(blobs, MediaTypes.OCI_CONFIG, configJson(diffIds));
      JsonArray layerJson = new JsonArray();
      layerDescriptors.forEach(d -> layerJson.add(Manifests.toJson(d)));
      byte[] manifest =
          new JsonObject()
              .put("schemaVersion", 2)
              .put("mediaType", MediaTypes.OCI_MANIFEST)
              .put("config", Manifests.toJson(configBlob))
              .put("layers", layerJson)
              .encode()
              .getBytes(StandardCharsets.UTF_8);
      Descriptor written = blob(blobs, MediaTypes.OCI_MANIFEST, manifest);
      Descriptor listed =
          new Descriptor(
              written.mediaType(),
              written.digest(),
              written.size(),
              platform,
              Map.of(REF_NAME, tag));
      index(layoutDir, listed, tag);
      return new LayoutImage(layoutDir, tag, listed, configBlob, layerDescriptors, diffIds);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write the OCI layout " + layoutDir, e);
    }
  }

  private byte[] configJson(List<String> diffIds) {
    JsonObject c = new JsonObject();
    if (!config.entrypoint().isEmpty()) {
      c.put("Entrypoint", new JsonArray(new ArrayList<Object>(config.entrypoint())));
    }
    if (!config.cmd().isEmpty()) {
      c.put("Cmd", new JsonArray(new ArrayList<Object>(config.cmd())));
    }
    if (!config.env().isEmpty()) {
      c.put("Env", new JsonArray(new ArrayList<Object>(config.env())));
    }
    if (!config.workingDir().isEmpty()) {
      c.put("WorkingDir", config.workingDir());
    }
    if (!config.user().isEmpty()) {
      c.put("User", config.user());
    }
    if (!config.exposedPorts().isEmpty()) {
      JsonObject ports = new JsonObject();
      config.exposedPorts().stream().sorted().forEach(p -> ports.put(p, new JsonObject()));
      c.put("ExposedPorts", ports);
    }
    JsonObject json =
        new JsonObject()
            .put("created", created.toString())
            .put("architecture", platform.architecture())
            .put("os", platform.os());
    if (platform.variant() != null) {
      json.put("variant", platform.variant());
    }
    return json.put("config", c)
        .put(
            "rootfs",
            new JsonObject()
                .put("type", "layers")
                .put("diff_ids", new JsonArray(new ArrayList<Object>(diffIds))))
        .encode()
        .getBytes(StandardCharsets.UTF_8);
  }

  private static Descriptor blob(Path blobs, String mediaType, byte[] bytes) throws IOException {
    String digest = Digests.of(bytes);
    Path target = blobs.resolve(Digests.hex(digest));
    if (!Files.exists(target)) {
      FileSync.write(target, bytes);
    }
    return new Descriptor(mediaType, digest, bytes.length);
  }

  private static void index(Path layoutDir, Descriptor image, String tag) throws IOException {
    Path file = layoutDir.resolve("index.json");
    JsonObject index =
        Files.exists(file)
            ? new JsonObject(Files.readString(file))
            : new JsonObject().put("schemaVersion", 2).put("mediaType", MediaTypes.OCI_INDEX);
    JsonArray kept = new JsonArray();
    JsonArray manifests = index.getJsonArray("manifests", new JsonArray());
    for (int i = 0; i < manifests.size(); i++) {
      JsonObject m = manifests.getJsonObject(i);
      JsonObject a = m.getJsonObject("annotations");
      if (a == null || !tag.equals(a.getString(REF_NAME))) {
        kept.add(m);
      }
    }
    kept.add(Manifests.toJson(image));
    FileSync.write(file, index.put("manifests", kept).encode().getBytes(StandardCharsets.UTF_8));
  }

  /** Builds an {@link OciLayoutWriter}. */
  public static final class Builder {
    private ImageConfig config = ImageConfig.empty();
    private final List<ImageLayer> layers = new ArrayList<>();
    private Platform platform = Platform.LINUX_AMD64;
    private Instant created = Instant.EPOCH;

    private Builder() {}

    /** Entrypoint, cmd, env, working directory, user and exposed ports of the image. */
    public Builder withConfig(ImageConfig config) {
      this.config = Objects.requireNonNull(config);
      return this;
    }

    /** Adds a layer on top of those added before. */
    public Builder addLayer(ImageLayer layer) {
      layers.add(Objects.requireNonNull(layer));
      return this;
    }

    public Builder withPlatform(Platform platform) {
      this.platform = Objects.requireNonNull(platform);
      return this;
    }

    /** The config's {@code created} time (default the epoch, for reproducible digests). */
    public Builder withCreated(Instant created) {
      this.created = Objects.requireNonNull(created);
      return this;
    }

    public OciLayoutWriter build() {
      return new OciLayoutWriter(this);
    }
  }
}
