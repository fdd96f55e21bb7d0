"""The density bench's at-zero part with native memory tracking, for old/new comparisons
(bench/notes/density.md, sixth round).

Idle skiffd with hello uploaded, then N services at zero (density._deploy_to_zero), each snapshot
after density._settle; at both ends NMT's summary, the code list (jit_owners.snapshot), a class
histogram, /proc/PID/smaps_rollup and GC.heap_info, all kept in OUT. With AZ_JFR=1 it also
records 30 s of the skiffd at zero (JFR profile settings) and `jstat -gc` every second, and
reports the young collections in them and the heap committed at their start and end.

    python3 bench/harness/at_zero_nmt.py OUT JAR [N] [extra JVM flags ...]

AZ_ENV='NAME=value ...' adds environment for skiffd. With AZ_IDLE_S=S it first leaves the skiffd at
zero for S seconds without forcing a collection and reports its RSS above idle and G1's committed
heap then ("unforced"): what an operator's skiffd keeps when nothing runs a full GC for it, and
the young collections in those S seconds. AZ_STEPS=100,500 also snapshots (same files, named
at-100, at-500) after that many services, and the result's "steps" gives their growth. Each snapshot also keeps a thread dump (OUT/threads-*.txt)
and the result lists the thread pools that grew (names as the kernel keeps them, 15 characters). With
AZ_QUIET_S=S (after the end snapshot) it measures S seconds at zero: skiffd's CPU (all threads and
the busiest, /proc/PID/task), the bytes its threads allocated (JFR's per-thread allocation
statistics at the start and end of a recording of S seconds) and the young collections (jstat).
With AZ_HEAP_DUMP=1 it keeps live heap dumps of both ends (OUT/base.hprof, OUT/end.hprof; the
end's after everything else) for harness/heap_owners.py. Prints one JSON object (also OUT/az.json).
Standard library only.
"""
import json, os, re, subprocess, sys, time
from pathlib import Path
import density, jit_owners, rss_owners
from common import Ctx, ROOT, Skiffd, thread_group, threads_cpu_seconds

def snap(ctx, s, name):
    r = jit_owners.snapshot(ctx, s, name)
    pid = s.proc.pid
    (ctx.out / f"histo-{name}.txt").write_text(jit_owners.jcmd(pid, "GC.class_histogram"))
    (ctx.out / f"smaps-{name}.txt").write_text(Path(f"/proc/{pid}/smaps_rollup").read_text())
    (ctx.out / f"heapinfo-{name}.txt").write_text(jit_owners.jcmd(pid, "GC.heap_info"))
    (ctx.out / f"threads-{name}.txt").write_text(jit_owners.jcmd(pid, "Thread.print"))
    r["threads"] = thread_pools(pid)
    r["heap_rss_kib"] = heap_rss_kib(pid, (ctx.out / f"heapinfo-{name}.txt").read_text())
    if os.environ.get("AZ_SMAPS"):
        # Every mapping's resident size, and where metaspace's spaces are, to charge RSS (not
        # NMT's committed sizes) to the heap, the code cache, metaspace and the rest.
        (ctx.out / f"smapsfull-{name}.txt").write_text(Path(f"/proc/{pid}/smaps").read_text())
        (ctx.out / f"vslist-{name}.txt").write_text(jit_owners.jcmd(pid, "VM.metaspace", "vslist"))
    return r

def heap_rss_kib(pid, heap_info):
    """The resident part of the Java heap's reserved range: what of the committed heap the process
    has touched."""
    heap = rss_owners.heap_range(heap_info)
    if heap is None:
        return None
    smaps = Path(f"/proc/{pid}/smaps").read_text()
    return rss_owners.rss_by_owner(smaps, {"Java heap": [heap]}).get("Java heap", 0)

def thread_pools(pid):
    """skiffd's live threads by pool (`thread_group`)."""
    pools = {}
    for t in Path(f"/proc/{pid}/task").iterdir():
        try:
            name = (t / "comm").read_text().strip()
        except OSError:
            continue
        key = thread_group(name)
        pools[key] = pools.get(key, 0) + 1
    return dict(sorted(pools.items()))

def quiet(out, pid, secs):
    """skiffd's work over secs seconds at zero: CPU per thread, bytes allocated per thread (JFR's
    jdk.ThreadAllocationStatistics, emitted at the recording's start and end), young GCs; the
    recording (allocation and execution samples) stays in OUT/quiet.jfr."""
    jfc = out / "alloc.jfc"
    jfc.write_text('<?xml version="1.0" encoding="UTF-8"?><configuration version="2.0">'
                   '<event name="jdk.ThreadAllocationStatistics"><setting name="enabled">true</setting>'
                   '<setting name="period">everyChunk</setting></event>'
                   '<event name="jdk.ObjectAllocationSample"><setting name="enabled">true</setting>'
                   '<setting name="throttle">150/s</setting><setting name="stackTrace">true</setting></event>'
                   '<event name="jdk.ExecutionSample"><setting name="enabled">true</setting>'
                   '<setting name="period">10 ms</setting><setting name="stackTrace">true</setting></event>'
                   '</configuration>')
    gc0 = subprocess.run(["jstat", "-gc", str(pid)], capture_output=True, text=True).stdout.split("\n")[1].split()
    c0, t0 = threads_cpu_seconds(pid), time.monotonic()
    jit_owners.jcmd(pid, "JFR.start", "name=quiet", f"settings={jfc}", f"duration={int(secs)}s",
                    f"filename={out}/quiet.jfr")
    time.sleep(secs + 3)
    c1, dt = threads_cpu_seconds(pid), time.monotonic() - t0
    gc1 = subprocess.run(["jstat", "-gc", str(pid)], capture_output=True, text=True).stdout.split("\n")[1].split()
    per = sorted(((n, (c1.get(n, 0) - c0.get(n, 0)) * 1000) for n in c1), key=lambda x: -x[1])
    txt = subprocess.run(["jfr", "print", "--json", "--events", "jdk.ThreadAllocationStatistics",
                          str(out / "quiet.jfr")], capture_output=True, text=True).stdout
    first, last = {}, {}
    for e in json.loads(txt)["recording"]["events"]:
        v = e["values"]
        name = (v.get("thread") or {}).get("javaName") or (v.get("thread") or {}).get("osName") or "?"
        first.setdefault(name, v["allocated"])
        last[name] = v["allocated"]
    alloc = sorted(((n, last[n] - first[n]) for n in last), key=lambda x: -x[1])
    return {"seconds": round(dt, 1), "cpu_ms": round(sum(v for _, v in per)),
            "cpu_ms_by_thread": [[n, round(v)] for n, v in per[:8] if v > 0],
            "alloc_bytes_per_s": round(sum(v for _, v in alloc) / secs),
            "alloc_bytes_by_thread": [[n, round(v)] for n, v in alloc[:8] if v > 0],
            "young_gcs": int(gc1[12]) - int(gc0[12])}

out, jar = Path(sys.argv[1]), Path(sys.argv[2])
n = int(sys.argv[3]) if len(sys.argv) > 3 else 1000
extra = sys.argv[4:]
out.mkdir(parents=True, exist_ok=True)
ctx = Ctx(out, False, jar, None)
os.environ["SKIFF_BENCH_JAVA_OPTS"] = " ".join(["-XX:NativeMemoryTracking=summary", *extra])
env = dict(kv.split("=", 1) for kv in os.environ.get("AZ_ENV", "").split()) if os.environ.get("AZ_ENV") else None
load0 = os.getloadavg()[0]
s = Skiffd(ctx, "az", "--scale-to-zero-grace", "0", env=env)
try:
    wasm = ROOT / "functions-examples" / "target" / "wasm" / "hello.wasm"
    digest = s.upload(wasm)
    base = snap(ctx, s, "base")
    if os.environ.get("AZ_HEAP_DUMP"):
        # Live objects only; the end's dump comes last, after every measurement.
        jit_owners.jcmd(s.proc.pid, "GC.heap_dump", str(out / "base.hprof"))
    t0 = time.monotonic()
    # AZ_STEPS (e.g. "100,500") also snapshots the way there: what the first services cost
    # (the JVM warming) apart from what each further one adds.
    counts = sorted({int(c) for c in os.environ.get("AZ_STEPS", "").split(",") if c and 0 < int(c) < n})
    steps, deployed = [], 0
    for count in [*counts, n]:
        density._deploy_to_zero(ctx, s, digest, {"autoscaling.knative.dev/min-scale": "0",
                                                 "autoscaling.knative.dev/window": "6s"},
                                range(deployed, count))
        deployed = count
        if count < n:
            steps.append((count, snap(ctx, s, f"at-{count}")))
    dt = time.monotonic() - t0
    unforced = None
    if os.environ.get("AZ_IDLE_S"):
        ygc = lambda: int(subprocess.run(["jstat", "-gc", str(s.proc.pid)], capture_output=True,
                                         text=True).stdout.split("\n")[1].split()[12])
        ygc0 = ygc()
        time.sleep(float(os.environ["AZ_IDLE_S"]))
        ygc1 = ygc()
        total = re.search(r"garbage-first heap\s+total (\d+)K, used (\d+)K",
                          jit_owners.jcmd(s.proc.pid, "GC.heap_info"))
        unforced = {"idle_s": float(os.environ["AZ_IDLE_S"]),
                    "rss_above_idle_mib": round((s.rss_kib() - base["rss_kib"]) / 1024, 1),
                    "heap_committed_mib": round(int(total.group(1)) / 1024, 1) if total else None,
                    "heap_used_mib": round(int(total.group(2)) / 1024, 1) if total else None,
                    "young_gcs": ygc1 - ygc0}
    end = snap(ctx, s, "end")
    growth = lambda r: {k: round((r["nmt"].get(k, 0) - v) / 1024, 1) for k, v in base["nmt"].items()}
    nmt = growth(end)
    res = {"label": out.name, "jar": str(jar), "flags": extra, "env": env, "n": n,
           "load": [round(load0, 1), round(os.getloadavg()[0], 1)], "deploy_to_zero_s": round(dt, 1),
           "rss_above_idle_mib": round((end["rss_kib"] - base["rss_kib"]) / 1024, 1),
           "idle_rss_mib": round(base["rss_kib"] / 1024, 1), "end_rss_mib": round(end["rss_kib"] / 1024, 1),
           "live_heap_growth_mib": round((end["heap_used_kib"] - base["heap_used_kib"]) / 1024, 1),
           "nmt_growth_mib": {k: v for k, v in nmt.items() if abs(v) >= 0.3},
           "nmethods": [len(base["blobs"]), len(end["blobs"])], "unforced": unforced,
           "heap_rss_mib": [round((r["heap_rss_kib"] or 0) / 1024, 1) for r in (base, end)],
           "threads": [sum(base["threads"].values()), sum(end["threads"].values())],
           "thread_pools_growth": {k: [base["threads"].get(k, 0), v] for k, v in end["threads"].items()
                                   if v != base["threads"].get(k, 0)},
           "steps": [{"n": c, "rss_above_idle_mib": round((r["rss_kib"] - base["rss_kib"]) / 1024, 1),
                      "heap_rss_mib": round((r["heap_rss_kib"] or 0) / 1024, 1),
                      "threads": sum(r["threads"].values()),
                      "nmt_growth_mib": {k: v for k, v in growth(r).items() if abs(v) >= 0.3}}
                     for c, r in steps]}
    (out / "az.json").write_text(json.dumps(res, indent=1) + "\n")
    if os.environ.get("AZ_JFR"):
        pid = s.proc.pid
        js = subprocess.Popen(["jstat", "-gc", str(pid), "1000", "30"], stdout=open(out / "jstat.txt", "w"))
        jit_owners.jcmd(pid, "JFR.start", "name=az", "settings=profile", "duration=30s", f"filename={out}/idle.jfr")
        js.wait(); time.sleep(3)
        # Young collections in the 30 s at zero, and the heap G1 has committed (eden, survivors,
        # old; KiB in jstat) at their start and end: what skiffd allocating at zero costs.
        rows = [l.split() for l in (out / "jstat.txt").read_text().splitlines()[1:] if l.strip()]
        if len(rows) >= 2:
            committed = lambda r: round((float(r[0]) + float(r[1]) + float(r[4]) + float(r[6])) / 1024, 1)
            rss = next(int(l.split()[1]) for l in Path(f"/proc/{pid}/status").read_text().splitlines()
                       if l.startswith("VmRSS:"))
            res["at_zero_30s"] = {"young_gcs": int(rows[-1][12]) - int(rows[0][12]),
                                  "heap_committed_mib": [committed(rows[0]), committed(rows[-1])],
                                  "rss_above_idle_mib": round((rss - base["rss_kib"]) / 1024, 1)}
            (out / "az.json").write_text(json.dumps(res, indent=1) + "\n")
    if os.environ.get("AZ_QUIET_S"):
        res["quiet"] = quiet(out, s.proc.pid, float(os.environ["AZ_QUIET_S"]))
        (out / "az.json").write_text(json.dumps(res, indent=1) + "\n")
    if os.environ.get("AZ_HEAP_DUMP"):
        jit_owners.jcmd(s.proc.pid, "GC.heap_dump", str(out / "end.hprof"))
    print(json.dumps(res))
finally:
    s.stop()
    ctx.cleanup()
