"""Scenario 6's warm part on a small scale, by owner: what an idle warm Wasm instance holds
(bench/notes/density.md, twelfth round).

skiffd as the bench starts it (--scale-to-zero-grace 0), hello uploaded, N services at zero
(density._deploy_to_zero), a settled snapshot (density._settle) with a live heap dump and a class
histogram; then W services with min-scale 1, one request each, IDLE_S seconds idle, and the same
again. Reports the live heap and RSS per warm revision, heap_owners.py's owners per warm revision
(the two dumps charged to owners, then differenced) and the class histogram's difference per warm
revision. Dumps, histograms and the result (warm.json) stay in OUT.

    python3 bench/harness/warm_owners.py OUT JAR [N] [W] [IDLE_S]
    python3 bench/harness/warm_owners.py --from OUT

Standard library only.
"""
import json
import os
import sys
from pathlib import Path

import density
import heap_owners
import jit_owners
from common import Ctx, ROOT, Skiffd, idle_warm_instances


def snapshot(ctx, s, name):
    density._settle(s)
    # The density bench's figure: GC.heap_info's used some seconds after its full GC (objects
    # dropped since, and garbage made since, included); the heap dump's full GC comes after it.
    bench_heap = s.heap_used_kib()
    pid = s.proc.pid
    jit_owners.jcmd(pid, "GC.heap_dump", str(ctx.out / f"{name}.hprof"))
    histo = jit_owners.jcmd(pid, "GC.class_histogram")
    (ctx.out / f"histo-{name}.txt").write_text(histo)
    return {"rss_kib": s.rss_kib(), "heap_used_kib": s.heap_used_kib(), "bench_heap_kib": bench_heap,
            "histo": histogram(histo)}


def histogram(text):
    """class name -> (instances, bytes) from jcmd GC.class_histogram."""
    rows = {}
    for line in text.splitlines():
        parts = line.split()
        if len(parts) >= 4 and parts[0].endswith(":"):
            rows[parts[3]] = (int(parts[1]), int(parts[2]))
    return rows


def per_warm(before, after, w, top):
    keys = set(before) | set(after)
    rows = {k: [(after.get(k, (0, 0))[i] - before.get(k, (0, 0))[i]) / w for i in (0, 1)]
            for k in keys}
    return [[k, round(v[0], 2), round(v[1])]
            for k, v in sorted(rows.items(), key=lambda kv: -kv[1][1])[:top]]


def owners_per_warm(ctx, w):
    # What no Skiff object owns goes to the library whose object dominates it (meters, servers).
    reports = [heap_owners.owners_and_detail(heap_owners.Dump(ctx.out / f"{n}.hprof"),
                                             libraries=True)[0] for n in ("zero", "warm")]
    rows = {k: (reports[1].get(k, 0) - reports[0].get(k, 0)) / w
            for k in set(reports[0]) | set(reports[1])}
    return round(sum(rows.values())), [[k, round(v)] for k, v in
                                       sorted(rows.items(), key=lambda kv: -abs(kv[1]))[:30]]


def main():
    if sys.argv[1] == "--from":
        res = json.loads((Path(sys.argv[2]) / "warm.json").read_text())
        ctx = Ctx(Path(sys.argv[2]), False, None, None)
        res["owners_total_per_warm_bytes"], res["owners_per_warm_bytes"] = owners_per_warm(
            ctx, res["w"])
        ctx.cleanup()
        (ctx.out / "warm.json").write_text(json.dumps(res, indent=1) + "\n")
        print(json.dumps(res["owners_per_warm_bytes"], indent=1))
        return
    out, jar = Path(sys.argv[1]), Path(sys.argv[2])
    n = int(sys.argv[3]) if len(sys.argv) > 3 else 50
    w = int(sys.argv[4]) if len(sys.argv) > 4 else 50
    idle_s = float(sys.argv[5]) if len(sys.argv) > 5 else 10
    out.mkdir(parents=True, exist_ok=True)
    ctx = Ctx(out, False, jar, None)
    load0 = os.getloadavg()[0]
    s = Skiffd(ctx, "warm", "--scale-to-zero-grace", "0")
    try:
        digest = s.upload(ROOT / "functions-examples" / "target" / "wasm" / "hello.wasm")
        density._deploy_to_zero(ctx, s, digest, {"autoscaling.knative.dev/min-scale": "0",
                                                 "autoscaling.knative.dev/window": "6s"}, range(n))
        zero = snapshot(ctx, s, "zero")
        idle_warm_instances(s, digest, "w", w, idle_s=idle_s)
        warm = snapshot(ctx, s, "warm")
    finally:
        s.stop()
        ctx.cleanup()
    total, owners = owners_per_warm(ctx, w)
    res = {"label": out.name, "jar": str(jar), "n": n, "w": w, "idle_s": idle_s,
           "load": [round(load0, 1), round(os.getloadavg()[0], 1)],
           "rss_per_warm_kib": round((warm["rss_kib"] - zero["rss_kib"]) / w, 1),
           "heap_per_warm_kib": round((warm["heap_used_kib"] - zero["heap_used_kib"]) / w, 1),
           "bench_heap_per_warm_kib": round((warm["bench_heap_kib"] - zero["bench_heap_kib"]) / w, 1),
           "owners_total_per_warm_bytes": total, "owners_per_warm_bytes": owners,
           "histogram_per_warm": per_warm(zero["histo"], warm["histo"], w, 40)}
    (out / "warm.json").write_text(json.dumps(res, indent=1) + "\n")
    print(json.dumps(res, indent=1))


if __name__ == "__main__":
    main()
