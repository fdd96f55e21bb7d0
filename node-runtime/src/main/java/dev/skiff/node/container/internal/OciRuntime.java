package dev.skiff.node.container.internal;

import dev.skiff.node.container.ContainerRuntimeException;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The OCI runtime's command line: runc, or crun, which takes the same commands. Containers run in
 * the foreground ({@code run} without {@code --detach}): the runtime process stays the container's
 * parent, relays its stdio, forwards signals and exits with its status, the way a containerd shim
 * would. Every call names this backend's own state directory ({@code --root}). Blocking.
 */
public final class OciRuntime {
  /** A container as the runtime lists it. */
  public record Container(String id, long pid, String status, String bundle) {}

  private final Path binary;
  private final Path root;
  private final boolean runc;

  public OciRuntime(Path binary, Path root) {
    this.binary = binary;
    this.root = root;
    this.runc = !binary.getFileName().toString().contains("crun");
  }

  /**
   * The runtime binary: {@code configured} when given, else {@code runc}, else {@code crun} from
   * the PATH; null when there is none.
   */
  public static Path detect(Path configured) {
    if (configured != null) {
      return Files.isExecutable(configured) ? configured : null;
    }
    String path =
        System.getenv()
            .getOrDefault("PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
    for (String name : List.of("runc", "crun")) {
      for (String dir : path.split(File.pathSeparator)) {
        Path p = Path.of(dir, name);
        if (Files.isExecutable(p)) {
          return p;
        }
      }
    }
    return null;
  }

  public Path binary() {
    return binary;
  }

  public Path root() {
    return root;
  }

  /**
   * The command that creates and runs the container in the foreground. runc keeps the stopped
   * container (and its cgroup) so the exit can be examined for an OOM kill before it is deleted;
   * crun has no such option and deletes it as it exits.
   */
  public List<String> runCommand(Path bundle, String id) {
    List<String> argv =
        new ArrayList<>(List.of(binary.toString(), "--root", root.toString(), "run"));
    if (runc) {
      argv.add("--keep");
    }
    argv.addAll(List.of("--bundle", bundle.toString(), id));
    return argv;
  }

  /** The command that runs {@code command} in the running container (an exec probe). */
  public List<String> execCommand(String id, List<String> command) {
    List<String> argv =
        new ArrayList<>(List.of(binary.toString(), "--root", root.toString(), "exec", id));
    argv.addAll(command);
    return argv;
  }

  /**
   * Whether the runtime process of {@link #runCommand} forwards the signals it receives (but
   * SIGKILL and SIGSTOP, which it cannot catch) to the container's init once the container runs:
   * runc does (its foreground signal handler); crun is not relied on for it.
   */
  public boolean forwardsSignals() {
    return runc;
  }

  /** Whether an OOM verdict can be read after the container exited. */
  public boolean keepsStoppedContainers() {
    return runc;
  }

  /**
   * Sends {@code signal} (e.g. {@code TERM}) to the container's init process; false if it is not
   * running.
   */
  public boolean kill(String id, String signal) {
    return Commands.run(List.of(binary.toString(), "--root", root.toString(), "kill", id, signal))
        .ok();
  }

  /**
   * Kills what is left of the container and deletes it; a container that does not exist is fine.
   */
  public void delete(String id) {
    Commands.Result r =
        Commands.run(
            List.of(binary.toString(), "--root", root.toString(), "delete", "--force", id));
    if (!r.ok() && exists(id)) {
      r.orThrow();
    }
  }

  public boolean exists(String id) {
    return Commands.run(List.of(binary.toString(), "--root", root.toString(), "state", id)).ok();
  }

  /** Every container under this backend's state directory. */
  public List<Container> list() {
    if (!Files.isDirectory(root)) {
      return List.of();
    }
    Commands.Result r =
        Commands.run(
                List.of(binary.toString(), "--root", root.toString(), "list", "--format", "json"))
            .orThrow();
    String out = r.stdout().strip();
    List<Container> cs = new ArrayList<>();
    if (out.isEmpty() || out.equals("null")) {
      return cs;
    }
    try {
      for (Object o : new JsonArray(out)) {
        JsonObject c = (JsonObject) o;
        cs.add(
            new Container(
                c.getString("id"),
                c.getLong("pid", 0L),
                c.getString("status", ""),
                c.getString("bundle", "")));
      }
    } catch (DecodeException | ClassCastException e) {
      throw new ContainerRuntimeException("cannot read '" + binary + " list' output: " + out, e);
    }
    return cs;
  }
}
