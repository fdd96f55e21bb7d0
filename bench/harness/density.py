"""Scenario 6, density: what skiffd holds in memory per deployed service at zero, per warm Wasm
revision and per container instance.

skiffd with --scale-to-zero-grace 0; one upload of hello, then N services over the REST API
(PUT /v1/namespaces/default/services/NAME) with min-scale 0 and a 6 s window. Each starts its
initial instance, becomes Ready and scales to zero; once every revision reports readyInstances 0
and the agent has logged every instance stopped, a full GC (jcmd GC.run) and the process's RSS
(VmRSS), then another full GC and the live heap (GC.heap_info used). The N go in two halves with the
same figures between them: the second half's growth is the marginal cost per service, the JVM's
warm-up left out. Then W more services deployed at zero and never started (initial-scale 0), the
same figures, one request each (a cold start, the instance then held by a 10 min retention period),
WASM_IDLE_S seconds idle (past the Wasm runtime's drop of memories kept for reuse), and the same
figures again: per warm instance against the services alone, per warm revision (service and
instance) against the services at zero; then C
services of the container image (images.py) with min-scale 1: skiffd's growth per instance and the
container process's own RSS.
"""

import os
import subprocess
import time
import urllib.request
from pathlib import Path
from concurrent.futures import ThreadPoolExecutor

import cold_start
import heap_owners
from common import Skiffd, WASM_DIR, WASM_IDLE_S, launcher_jvm_options, wait_for


def _compiler_idle(skiffd):
    """True when the JIT compiles nothing and has nothing queued (jcmd Compiler.queue): a
    compilation in progress holds tens of MiB of compiler arenas that an idle skiffd does not."""
    out = subprocess.run(["jcmd", str(skiffd.proc.pid), "Compiler.queue"],
                         capture_output=True, text=True, timeout=60).stdout
    current = out.split("Current compiles:", 1)[-1].split("queue:", 1)[0]
    busy = [line for line in current.splitlines()[1:] if line.strip() and "compile" not in line]
    return not busy and out.count("Empty") >= 2


def _compilations(skiffd):
    """How many compilations the JIT has finished (jstat -compiler's first column), or None."""
    out = subprocess.run(["jstat", "-compiler", str(skiffd.proc.pid)],
                         capture_output=True, text=True, timeout=60).stdout.split()
    return out[out.index("FailedMethod") + 1] if "FailedMethod" in out else None


def _trim_interval_s():
    """The launcher's -XX:TrimNativeHeapInterval (ms) in seconds, 0 if it sets none."""
    for opt in launcher_jvm_options():
        if opt.startswith("-XX:TrimNativeHeapInterval="):
            return int(opt.split("=", 1)[1]) / 1000
    return 0


def _settle(skiffd):
    """Both snapshots are of a skiffd at rest in the same way: after a full GC, no compilation
    running or queued before and after one period of the launcher's native-heap trim passed (the JVM returns
    freed C heap on that period; without the wait the idle baseline, taken seconds after start,
    would still hold what start-up freed and the growth would look smaller than it is)."""
    skiffd.gc()
    # A compilation that starts during the trim period holds its arena (10-15 MiB) at the
    # snapshot, so the wait repeats (at most 5 times) until the JIT compiled nothing during it.
    for _ in range(5):
        try:
            wait_for(lambda: _compiler_idle(skiffd), 60, 0.2, "skiffd's JIT to go idle")
        except TimeoutError as e:
            skiffd.ctx.log(f"density: {e}; the snapshot is taken anyway")
            return
        before = _compilations(skiffd)
        time.sleep(_trim_interval_s() + 0.5)
        if _compiler_idle(skiffd) and _compilations(skiffd) == before:
            return
    skiffd.ctx.log("density: skiffd's JIT was busy after each of 5 trim periods; "
                   "the snapshot is taken anyway")


def _snapshot(skiffd, histogram=None):
    _settle(skiffd)
    snap = {"rss_kib": skiffd.rss_kib()}
    # The live heap right after a full GC: _settle's collection is seconds old by now, and what
    # was dropped or made since (an idle warm Wasm revision allocates a few KB a second) is no live
    # data (35 of 101 KiB per warm revision in the twelfth round of bench/notes/density.md).
    skiffd.gc()
    snap["heap_used_kib"] = skiffd.heap_used_kib()
    if histogram:
        # The live objects by class (after the full GC above), kept beside the results so the
        # per-service bytes can be attributed to their classes (diff two of these files).
        out = subprocess.run(["jcmd", str(skiffd.proc.pid), "GC.class_histogram"],
                             capture_output=True, text=True, timeout=120).stdout
        (skiffd.ctx.out / f"density-histogram-{histogram}.txt").write_text(out)
        # Where the RSS goes, when the run's JVM flags turn native memory tracking on
        # (SKIFF_BENCH_JAVA_OPTS=-XX:NativeMemoryTracking=summary); else jcmd says it is off.
        out = subprocess.run(["jcmd", str(skiffd.proc.pid), "VM.native_memory", "summary"],
                             capture_output=True, text=True, timeout=120).stdout
        (skiffd.ctx.out / f"density-nmt-{histogram}.txt").write_text(out)
        if os.environ.get("SKIFF_BENCH_DENSITY_HEAP_DUMP"):
            # A heap dump of the live objects for harness/heap_owners.py (tens of MB each).
            dump = skiffd.ctx.out / f"density-{histogram}.hprof"
            subprocess.run(["jcmd", str(skiffd.proc.pid), "GC.heap_dump", str(dump)],
                           capture_output=True, timeout=300)
    return snap


def _owners(ctx, n):
    """With SKIFF_BENCH_DENSITY_HEAP_DUMP: the live heap per service at zero by owning class
    (harness/heap_owners.py on the dumps with none and with n services at zero), biggest first,
    and what no one Skiff object owns by class; the dumps are deleted afterwards (kept with
    SKIFF_BENCH_DENSITY_HEAP_DUMP=keep). None otherwise."""
    dumps = [ctx.out / f"density-{name}.hprof" for name in ("base", "at-zero")]
    if not all(d.exists() for d in dumps):
        return None
    reports, details = [], []
    for d in dumps:
        by_owner, not_owned = heap_owners.owners_and_detail(heap_owners.Dump(d))
        reports.append(by_owner)
        details.append(not_owned)
        if os.environ.get("SKIFF_BENCH_DENSITY_HEAP_DUMP") != "keep":
            d.unlink()

    def per_service(before, after, top):
        rows = {k: (after.get(k, 0) - before.get(k, 0)) / n for k in set(before) | set(after)}
        return sum(rows.values()), [[k, v] for k, v in sorted(rows.items(), key=lambda kv: -kv[1])[:top]]

    total, top = per_service(*reports, 15)
    _, not_owned = per_service(*details, 12)
    # What the objects no one Skiff object holds are, by class: where to look next.
    return {"total": total, "top": top, "not_owned_by_class": not_owned}


def _all_at_zero(skiffd, prefix, n):
    items = [r for r in skiffd.revisions() if r["metadata"]["name"].startswith(prefix)]
    if len(items) < n:
        return False
    for r in items:
        s = r.get("status") or {}
        ready_once = any(c["type"] == "Ready" and c["status"] == "True" for c in s.get("conditions") or [])
        if not ready_once or (s.get("readyInstances") or 0) != 0:
            return False
    return True


def _all_stopped(skiffd, prefix):
    started, stopped = skiffd.instance_counts(prefix)
    return stopped >= started


def _process_rss_kib(comm):
    total, count = 0, 0
    for proc in Path("/proc").iterdir():
        try:
            if proc.name.isdigit() and (proc / "comm").read_text().strip() == comm:
                for line in (proc / "status").read_text().splitlines():
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1])
                        count += 1
        except OSError:
            pass
    return total, count


def _containers(ctx, skiffd, before):
    """W container services with min-scale 1: skiffd's RSS per instance, and the containers' own."""
    why = cold_start.container_support(ctx)
    if why:
        return why
    n = ctx.pick(5, 20)
    ctx.log(f"density: {n} warm container instances")
    _, already = _process_rss_kib("hello-server")
    for i in range(n):
        skiffd.deploy(f"c-{i:03d}", image=ctx.image.reference,
                      annotations={"autoscaling.knative.dev/min-scale": "1"})
    for i in range(n):
        skiffd.wait_ready(f"c-{i:03d}-00001", timeout=120)
        req = urllib.request.Request(f"{skiffd.gateway}/")
        req.add_header("Host", f"c-{i:03d}.default.localhost")
        with urllib.request.urlopen(req, timeout=30) as r:
            r.read()
    after = _snapshot(skiffd)
    rss, count = _process_rss_kib("hello-server")
    return {
        "measured": True,
        "instances": n,
        "skiffd_rss_per_instance_kib": (after["rss_kib"] - before["rss_kib"]) / n,
        "skiffd_heap_per_instance_kib": (after["heap_used_kib"] - before["heap_used_kib"]) / n,
        "container_process_rss_kib": rss / count if count else None,
        "container_processes": count,
        "other_hello_server_processes_before": already,
        "snapshot": after,
    }


def _deploy_to_zero(ctx, skiffd, digest, annotations, indices):
    """Deploys the services d-NNNN of these indices and waits until every revision of them is at
    zero and every instance stopped; returns the seconds the deploy calls took."""
    t0 = time.monotonic()
    with ThreadPoolExecutor(4) as pool:
        list(pool.map(lambda i: skiffd.deploy(f"d-{i:04d}", digest, annotations), indices))
    deploy_s = time.monotonic() - t0
    count = indices.stop
    ctx.log(f"density: {count} services deployed; waiting for all to reach zero")
    wait_for(lambda: _all_at_zero(skiffd, "d-", count), 900, 2, f"{count} revisions at zero")
    # readyInstances drops to 0 when an instance is withdrawn; it is gone (and its memory
    # collectable) only once stopped, after the endpoint grace and its drain.
    wait_for(lambda: _all_stopped(skiffd, "d-"), 300, 1,
             "every instance of the services at zero to stop")
    return deploy_s


# The warm part's services: never started until their one request (initial-scale 0), then held
# warm by the retention period (one timestamp in the autoscaler, where a long window would keep a
# bucket per second of it) well past the snapshot; a 6 s window as the services at zero.
WARM_ANNOTATIONS = {"autoscaling.knative.dev/min-scale": "0",
                    "autoscaling.knative.dev/initial-scale": "0",
                    "autoscaling.knative.dev/window": "6s",
                    "autoscaling.knative.dev/scale-to-zero-pod-retention-period": "10m"}


def _deploy_never_started(ctx, skiffd, digest, prefix, n):
    for i in range(n):
        skiffd.deploy(f"{prefix}-{i:03d}", digest, WARM_ANNOTATIONS)
    for i in range(n):
        name = f"{prefix}-{i:03d}"
        wait_for(lambda: (skiffd.call("GET", f"/v1/namespaces/default/services/{name}")
                          .get("status") or {}).get("traffic"), 60, 0.05, f"{name}'s route")
    time.sleep(1)  # as cold_start.cycle: the gateway follows the store's watch


def _request_each(skiffd, prefix, n):
    """One GET through the gateway to each service: a cold start each, answered 200."""
    for i in range(n):
        req = urllib.request.Request(f"{skiffd.gateway}/")
        req.add_header("Host", f"{prefix}-{i:03d}.default.localhost")
        with urllib.request.urlopen(req, timeout=60) as r:
            r.read()


def _ready_count(skiffd, prefix):
    return sum(1 for r in skiffd.revisions() if r["metadata"]["name"].startswith(prefix)
               and ((r.get("status") or {}).get("readyInstances") or 0) > 0)


def run(ctx):
    n = ctx.pick(300, 1000)
    warm = ctx.pick(20, 50)
    skiffd = Skiffd(ctx, "density", "--scale-to-zero-grace", "0")
    try:
        digest = skiffd.upload(WASM_DIR / "hello.wasm")
        base = _snapshot(skiffd, "base")
        annotations = {"autoscaling.knative.dev/min-scale": "0",
                       "autoscaling.knative.dev/window": "6s"}
        # In two halves, with a snapshot between them: the second half's growth is the marginal
        # cost of a service at zero, once the first half has warmed the JVM (compiled code,
        # metaspace, pooled buffers); the figure of record is still all n against the baseline.
        half = n // 2
        ctx.log(f"density: deploying {n} services ({half}, then {n - half})")
        t0 = time.monotonic()
        deploy_s = _deploy_to_zero(ctx, skiffd, digest, annotations, range(half))
        at_half = _snapshot(skiffd)
        deploy_s += _deploy_to_zero(ctx, skiffd, digest, annotations, range(half, n))
        zero_s = time.monotonic() - t0
        at_zero = _snapshot(skiffd, "at-zero")

        ctx.log(f"density: {warm} services deployed at zero, then one request each")
        # The warm services are deployed at zero first (never started: initial-scale 0) and
        # snapshot, so what their instances add is measured apart from what the services
        # themselves add (a service at zero is its own figure above). The first request starts
        # each instance; the retention period then holds it, idle, through the snapshot.
        _deploy_never_started(ctx, skiffd, digest, "w", warm)
        services_only = _snapshot(skiffd)
        # Idle, as the figure says: an instance keeps its guest memory for reuse until the runtime's
        # sweep finds it unused for 2 s (wasm-runtime's MemoryPool.IDLE), so up to 4 s after its
        # request. A snapshot's full GC right after the requests counted those memories (hello's is
        # 128 KiB) as held by an idle instance: 240 against 64 KiB of live heap per warm revision
        # (bench/notes/density.md, twelfth round).
        _request_each(skiffd, "w", warm)
        time.sleep(WASM_IDLE_S)
        warm_snap = _snapshot(skiffd)
        still_warm = _ready_count(skiffd, "w-")
        containers = _containers(ctx, skiffd, warm_snap)
        owners = _owners(ctx, n)

        def per(after, before, count, key):
            return (after[key] - before[key]) / count if after[key] and before[key] else None

        return {
            "measured": True,
            "skiffd": skiffd.command,
            "services_at_zero": n,
            "warm_revisions": warm,
            "warm_idle_s": WASM_IDLE_S,
            "annotations_at_zero": annotations,
            "deploy_seconds": deploy_s,
            "all_at_zero_seconds": zero_s,
            "baseline": base,
            "at_zero": at_zero,
            "warm": warm_snap,
            "per_service_at_zero_kib": {"rss": per(at_zero, base, n, "rss_kib"),
                                        "heap": per(at_zero, base, n, "heap_used_kib")},
            "at_half": at_half,
            "marginal_per_service_at_zero_kib": {
                "from": half, "to": n,
                "rss": per(at_zero, at_half, n - half, "rss_kib"),
                "heap": per(at_zero, at_half, n - half, "heap_used_kib")},
            "warm_annotations": WARM_ANNOTATIONS,
            "warm_services_at_zero": services_only,
            "warm_instances_ready_at_snapshot": still_warm,
            "per_warm_revision_kib": {"rss": per(warm_snap, at_zero, warm, "rss_kib"),
                                      "heap": per(warm_snap, at_zero, warm, "heap_used_kib")},
            "per_warm_instance_kib": {"rss": per(warm_snap, services_only, warm, "rss_kib"),
                                      "heap": per(warm_snap, services_only, warm,
                                                  "heap_used_kib")},
            "container": containers,
            "heap_owners_per_service_bytes": owners,
        }
    finally:
        skiffd.stop()
