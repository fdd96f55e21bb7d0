"""What a service at zero keeps from having run once (bench/notes/density.md, thirteenth round).

One skiffd as the bench starts it (--scale-to-zero-grace 0), hello uploaded, 100 services of each
kind below deployed as a warm-up, a settled snapshot
(density._settle) with a live heap dump and a class histogram; then N services deployed at zero
and never started (min-scale 0, initial-scale 0), the same again; then N services that each start
their initial instance, become Ready and scale to zero (the density bench's services), the same
again. Reports the live heap per service of each kind, and heap_owners.py's owners per service of
each kind and their difference (ran once minus never started): what an instance leaves behind.

    python3 bench/harness/atzero_owners.py OUT JAR [N]
    python3 bench/harness/atzero_owners.py --from OUT

Standard library only.
"""
import json
import os
import sys
import time
from pathlib import Path

import density
import heap_owners
import warm_owners
from common import Ctx, ROOT, Skiffd, wait_for

NEVER = {"autoscaling.knative.dev/min-scale": "0", "autoscaling.knative.dev/initial-scale": "0",
         "autoscaling.knative.dev/window": "6s"}
WARM = 100
ONCE = {"autoscaling.knative.dev/min-scale": "0", "autoscaling.knative.dev/window": "6s"}


def deploy_never_started(s, n, prefix="n-"):
    for i in range(n):
        s.deploy(f"{prefix}{i:04d}", s.digest, NEVER)
    # Never Ready ("waiting for the first instance"): settled once the autoscaler has decided.
    wait_for(lambda: sum(1 for r in s.revisions() if r["metadata"]["name"].startswith(prefix)
                         and any(c["type"] == "Autoscaled"
                                 for c in (r.get("status") or {}).get("conditions") or [])) >= n,
             300, 1, f"{n} never-started revisions autoscaled")


def owners(ctx, names):
    return [heap_owners.owners_and_detail(heap_owners.Dump(ctx.out / f"{n}.hprof"),
                                          libraries=True)[0] for n in names]


def diff(before, after, n):
    return {k: (after.get(k, 0) - before.get(k, 0)) / n for k in set(before) | set(after)}


def report(ctx, n):
    base, never, once = owners(ctx, ("base", "never", "once"))
    per_never, per_once = diff(base, never, n), diff(never, once, n)
    left = {k: per_once.get(k, 0) - per_never.get(k, 0) for k in set(per_never) | set(per_once)}
    top = lambda rows: [[k, round(v)] for k, v in sorted(rows.items(), key=lambda kv: -abs(kv[1]))[:30]]
    return {"owners_never_total": round(sum(per_never.values())),
            "owners_once_total": round(sum(per_once.values())),
            "owners_left_by_run": top(left), "owners_never": top(per_never),
            "owners_once": top(per_once)}


def main():
    if sys.argv[1] == "--from":
        out = Path(sys.argv[2])
        res = json.loads((out / "atzero.json").read_text())
        res.update(report(Ctx(out, False, None, None), res["n"]))
        (out / "atzero.json").write_text(json.dumps(res, indent=1) + "\n")
        print(json.dumps(res, indent=1))
        return
    out, jar = Path(sys.argv[1]), Path(sys.argv[2])
    n = int(sys.argv[3]) if len(sys.argv) > 3 else 200
    out.mkdir(parents=True, exist_ok=True)
    ctx = Ctx(out, False, jar, None)
    load0 = os.getloadavg()[0]
    s = Skiffd(ctx, "atzero", "--scale-to-zero-grace", "0")
    snaps = {}
    try:
        s.digest = s.upload(ROOT / "functions-examples" / "target" / "wasm" / "hello.wasm")
        # A warm-up of both kinds before the baseline, so that neither kind's figure carries the
        # JVM's first deploys (classes loaded, reflection, compiled code's data): with the
        # never-started first, they held 20.0 KiB each against 16.0 for the ones started once.
        deploy_never_started(s, WARM, "m-")
        density._deploy_to_zero(ctx, s, s.digest, ONCE, range(WARM))
        snaps["base"] = warm_owners.snapshot(ctx, s, "base")
        deploy_never_started(s, n)
        snaps["never"] = warm_owners.snapshot(ctx, s, "never")
        density._deploy_to_zero(ctx, s, s.digest, ONCE, range(WARM, WARM + n))
        snaps["once"] = warm_owners.snapshot(ctx, s, "once")
    finally:
        s.stop()
        ctx.cleanup()
    res = {"label": out.name, "jar": str(jar), "n": n,
           "load": [round(load0, 1), round(os.getloadavg()[0], 1)],
           "heap_per_never_kib": round((snaps["never"]["heap_used_kib"] - snaps["base"]["heap_used_kib"]) / n, 2),
           "heap_per_once_kib": round((snaps["once"]["heap_used_kib"] - snaps["never"]["heap_used_kib"]) / n, 2),
           "histogram_never": warm_owners.per_warm(snaps["base"]["histo"], snaps["never"]["histo"], n, 30),
           "histogram_once": warm_owners.per_warm(snaps["never"]["histo"], snaps["once"]["histo"], n, 40)}
    (out / "atzero.json").write_text(json.dumps(res, indent=1) + "\n")
    res.update(report(ctx, n))
    (out / "atzero.json").write_text(json.dumps(res, indent=1) + "\n")
    print(json.dumps({k: v for k, v in res.items() if not k.startswith("histogram")}, indent=1))


if __name__ == "__main__":
    main()
