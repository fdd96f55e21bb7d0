package dev.skiff.node.container.internal;

import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchEvent;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Tells, without polling, when runc has let a container's workload start. {@code runc run} creates
 * the container in its state directory ({@code ROOT/ID}): it makes {@code exec.fifo} there, starts
 * {@code runc init} (which sets the container up and then blocks opening the fifo), writes {@code
 * state.json}, and then opens the fifo, which lets {@code runc init} exec the workload, and removes
 * it. So once {@code state.json} is there and {@code exec.fifo} is not, the workload has been
 * exec'd (or the container failed, which its runtime process's exit tells). An inotify watch (the
 * JDK's {@link WatchService}) on the runtime's root and on each starting container's directory sees
 * each of those changes as it happens; every change re-reads the two names, so the order in which
 * the watch and runc's steps come does not matter. Until then, probing the workload's port would
 * only find it closed while competing with runc for the CPU.
 *
 * <p>runc only: crun has no exec fifo in its state directory. Thread-safe; one daemon thread hands
 * out the events.
 */
public final class ExecWatch implements AutoCloseable {
  private static final System.Logger LOG = System.getLogger(ExecWatch.class.getName());
  static final String FIFO = "exec.fifo";
  static final String STATE = "state.json";

  private final Path root;
  private final WatchService service;
  private final Map<String, Pending> pending = new ConcurrentHashMap<>();

  private static final class Pending {
    final CompletableFuture<Void> seen = new CompletableFuture<>();
    WatchKey key;
  }

  private ExecWatch(Path root, WatchService service) {
    this.root = root;
    this.service = service;
  }

  /**
   * Watches {@code root}, the runtime's state directory (made when missing), for containers that
   * start in it.
   */
  public static ExecWatch open(Path root) throws IOException {
    Files.createDirectories(root);
    WatchService service = FileSystems.getDefault().newWatchService();
    try {
      root.register(service, StandardWatchEventKinds.ENTRY_CREATE);
    } catch (IOException | RuntimeException e) {
      service.close();
      throw e;
    }
    ExecWatch watch = new ExecWatch(root, service);
    Threads.daemon("skiff-container-exec-watch").newThread(watch::dispatch).start();
    return watch;
  }

  /**
   * Completes once container {@code id}'s workload has been exec'd (or its runtime removed the fifo
   * giving up); call before or after the runtime started it. {@link #forget} ends the watch.
   */
  public CompletableFuture<Void> started(String id) {
    Pending p = new Pending();
    Pending before = pending.putIfAbsent(id, p);
    if (before != null) {
      return before.seen;
    }
    // The runtime may have made its directory before this: watch it now (else its creation, seen
    // on the root, does).
    if (Files.isDirectory(root.resolve(id))) {
      watchDirectory(id, p);
    }
    return p.seen;
  }

  /** Stops watching {@code id}, completing what {@link #started} returned if it had not. */
  public void forget(String id) {
    Pending p = pending.remove(id);
    if (p != null) {
      cancel(p);
      p.seen.complete(null);
    }
  }

  @Override
  public void close() {
    try {
      service.close();
    } catch (IOException e) {
      LOG.log(Level.DEBUG, "closing the exec watch: {0}", e.toString());
    }
    pending.keySet().forEach(this::forget);
  }

  /** Whether {@code id}'s workload was exec'd: its state is written and its fifo is gone. */
  static boolean execd(Path containerDir) {
    return Files.exists(containerDir.resolve(STATE)) && !Files.exists(containerDir.resolve(FIFO));
  }

  private void watchDirectory(String id, Pending p) {
    Path dir = root.resolve(id);
    synchronized (p) {
      if (p.seen.isDone()) {
        return;
      }
      if (p.key == null) {
        try {
          p.key =
              dir.register(
                  service,
                  StandardWatchEventKinds.ENTRY_CREATE,
                  StandardWatchEventKinds.ENTRY_DELETE);
        } catch (NoSuchFileException gone) {
          return; // removed again: the container failed, which its process's exit tells
        } catch (IOException | ClosedWatchServiceException e) {
          LOG.log(Level.DEBUG, "cannot watch {0}: {1}", dir, e.toString());
          return; // the backend's probe schedule goes on without it
        }
      }
    }
    check(id, p);
  }

  private void check(String id, Pending p) {
    if (execd(root.resolve(id)) && pending.remove(id, p)) {
      cancel(p);
      p.seen.complete(null);
    }
  }

  private static void cancel(Pending p) {
    synchronized (p) {
      if (p.key != null) {
        p.key.cancel();
      }
    }
  }

  private void dispatch() {
    while (true) {
      WatchKey key;
      try {
        key = service.take();
      } catch (ClosedWatchServiceException | InterruptedException e) {
        return;
      }
      Path dir = (Path) key.watchable();
      boolean isRoot = dir.equals(root);
      for (WatchEvent<?> event : key.pollEvents()) {
        if (event.kind() == StandardWatchEventKinds.OVERFLOW) {
          // Events were lost: look at every container still waited for.
          pending.forEach(this::watchDirectory);
        } else if (isRoot) {
          String name = event.context().toString();
          Pending p = pending.get(name);
          if (p != null) {
            watchDirectory(name, p);
          }
        } else {
          String id = dir.getFileName().toString();
          Pending p = pending.get(id);
          if (p != null) {
            check(id, p);
          }
        }
      }
      key.reset();
    }
  }
}
