package dev.skiff.node.wasm;

import dev.skiff.api.model.WasmModule;
import dev.skiff.node.InstanceStartException;
import dev.skiff.node.spi.InstanceSpec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Where a Wasm revision's declared directory lives on this node: under the operator's volume root
 * when the revision names a {@code hostPath} (relative to it), otherwise in a volume of the
 * service's own, {@code {serviceVolumes}/{namespace}/{service}}, created on first use. Never
 * anywhere else: a path that leaves the root, or a mount directory that is a link out of it, fails
 * the start.
 *
 * @param root the operator's volume root ({@code skiffd --volume-root}); empty: no host paths
 * @param serviceVolumes the parent of the services' own volumes; empty: none
 */
public record WasmVolumes(Optional<Path> root, Optional<Path> serviceVolumes) {

  /** No directories at all: a revision that declares one fails to start. */
  public static WasmVolumes none() {
    return new WasmVolumes(Optional.empty(), Optional.empty());
  }

  /** The real path of the directory to preopen. Blocks (file system); call off the event loop. */
  Path directoryFor(InstanceSpec spec, WasmModule.Directory dir) {
    return dir.hostPath() == null ? ownVolume(spec) : underRoot(dir.hostPath());
  }

  private Path underRoot(String hostPath) {
    Path base =
        root.orElseThrow(
            () ->
                refuse(
                    "the revision names hostPath '"
                        + hostPath
                        + "' but this node has no volume root; start skiffd with --volume-root DIR,"
                        + " or omit hostPath for a volume of the service's own",
                    null));
    try {
      Path realRoot = base.toRealPath();
      Path candidate = realRoot.resolve(hostPath).normalize();
      if (Path.of(hostPath).isAbsolute() || !candidate.startsWith(realRoot)) {
        throw refuse("hostPath '" + hostPath + "' leaves the volume root", null);
      }
      Path real = candidate.toRealPath();
      if (!real.startsWith(realRoot)) {
        throw refuse("hostPath '" + hostPath + "' is a link out of the volume root", null);
      }
      if (!Files.isDirectory(real)) {
        throw refuse("hostPath '" + hostPath + "' is not a directory under the volume root", null);
      }
      return real;
    } catch (IOException e) {
      throw refuse(
          "hostPath '"
              + hostPath
              + "' does not exist under the volume root; the operator creates it first",
          e);
    }
  }

  private Path ownVolume(InstanceSpec spec) {
    Path parent =
        serviceVolumes.orElseThrow(
            () -> refuse("this node keeps no service volumes; declare no directory", null));
    try {
      Path dir = parent.resolve(spec.namespace()).resolve(spec.serviceName());
      Files.createDirectories(dir);
      Path real = dir.toRealPath();
      if (!real.startsWith(parent.toRealPath())) {
        throw refuse("the service's volume is a link out of the volumes directory", null);
      }
      return real;
    } catch (IOException e) {
      throw refuse("cannot create the service's volume: " + e.getMessage(), e);
    }
  }

  private static InstanceStartException refuse(String message, Throwable cause) {
    return new InstanceStartException("VolumeInvalid", message, cause);
  }
}
