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
heap then ("unforced"): what an operator's skiffd keeps when nothing runs a full GC for it. Prints one JSON object (also OUT/az.json).
Standard library only.
"""
import json, os, re, subprocess, sys, time
from pathlib import Path
import density, jit_owners
from common import Ctx, ROOT, Skiffd

def snap(ctx, s, name):
    r = jit_owners.snapshot(ctx, s, name)
    pid = s.proc.pid
    (ctx.out / f"histo-{name}.txt").write_text(jit_owners.jcmd(pid, "GC.class_histogram"))
    (ctx.out / f"smaps-{name}.txt").write_text(Path(f"/proc/{pid}/smaps_rollup").read_text())
    (ctx.out / f"heapinfo-{name}.txt").write_text(jit_owners.jcmd(pid, "GC.heap_info"))
    return r

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
    t0 = time.monotonic()
    density._deploy_to_zero(ctx, s, digest, {"autoscaling.knative.dev/min-scale": "0",
                                             "autoscaling.knative.dev/window": "6s"}, range(n))
    dt = time.monotonic() - t0
    unforced = None
    if os.environ.get("AZ_IDLE_S"):
        time.sleep(float(os.environ["AZ_IDLE_S"]))
        total = re.search(r"garbage-first heap\s+total (\d+)K, used (\d+)K",
                          jit_owners.jcmd(s.proc.pid, "GC.heap_info"))
        unforced = {"idle_s": float(os.environ["AZ_IDLE_S"]),
                    "rss_above_idle_mib": round((s.rss_kib() - base["rss_kib"]) / 1024, 1),
                    "heap_committed_mib": round(int(total.group(1)) / 1024, 1) if total else None,
                    "heap_used_mib": round(int(total.group(2)) / 1024, 1) if total else None}
    end = snap(ctx, s, "end")
    nmt = {k: round((end["nmt"].get(k, 0) - v) / 1024, 1) for k, v in base["nmt"].items()}
    res = {"label": out.name, "jar": str(jar), "flags": extra, "env": env, "n": n,
           "load": [round(load0, 1), round(os.getloadavg()[0], 1)], "deploy_to_zero_s": round(dt, 1),
           "rss_above_idle_mib": round((end["rss_kib"] - base["rss_kib"]) / 1024, 1),
           "idle_rss_mib": round(base["rss_kib"] / 1024, 1), "end_rss_mib": round(end["rss_kib"] / 1024, 1),
           "live_heap_growth_mib": round((end["heap_used_kib"] - base["heap_used_kib"]) / 1024, 1),
           "nmt_growth_mib": {k: v for k, v in nmt.items() if abs(v) >= 0.3},
           "nmethods": [len(base["blobs"]), len(end["blobs"])], "unforced": unforced}
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
    print(json.dumps(res))
finally:
    s.stop()
    ctx.cleanup()
