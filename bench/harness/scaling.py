"""Scenario 5, scaling: a step from 0 to 2,000 req/s on hello, starting at zero instances.

The revision scales on requests per second (autoscaling.knative.dev/metric: rps) with a target
of 200 per instance at Knative's default 70 % utilization, so the demand is known in advance:
ceil(2000 / 140) = 15 instances. (On concurrency, 2,000 req/s of a sub-millisecond function is
about two requests in flight: a single instance would meet any sensible target.) h2load holds
the rate over HTTP/1.1 connections; a thread polls the revision's readyInstances and
desiredInstances from the REST API every 100 ms.
"""

import collections
import math
import threading
import time

from common import Skiffd, WASM_DIR, h2load_rate, percentile

RATE = 2000
TARGET = 200
UTILIZATION = 70


def run(ctx):
    duration = ctx.pick(20, 40)
    clients = 500
    skiffd = Skiffd(ctx, "scaling")
    try:
        digest = skiffd.upload(WASM_DIR / "hello.wasm")
        annotations = {"autoscaling.knative.dev/min-scale": "0",
                       "autoscaling.knative.dev/initial-scale": "0",
                       "autoscaling.knative.dev/metric": "rps",
                       "autoscaling.knative.dev/target": str(TARGET)}
        skiffd.deploy("step", digest, annotations)
        time.sleep(1)
        demand = math.ceil(RATE / (TARGET * UTILIZATION / 100))

        polls = []
        stop = threading.Event()

        def poll():
            while not stop.is_set():
                try:
                    s = skiffd.revision_status("step-00001")
                    polls.append((time.time(), s.get("desiredInstances") or 0,
                                  s.get("readyInstances") or 0))
                except (OSError, RuntimeError):
                    pass
                time.sleep(0.1)

        poller = threading.Thread(target=poll, daemon=True)
        poller.start()
        time.sleep(1)
        ctx.log(f"scaling: step to {RATE} req/s for {duration}s, demand {demand} instances")
        t0 = time.time()
        fixed, lat, rows = h2load_rate(ctx, f"{skiffd.gateway}/", "step.default.localhost", RATE,
                                       clients, duration, "h2load-step")
        time.sleep(3)
        stop.set()
        poller.join()
        if rows:
            t0 = min(t0, min(r[0] for r in rows))

        timeline = [{"t": round(t - t0, 2), "desired": d, "ready": r} for t, d, r in polls]
        met = next((p["t"] for p in timeline if p["t"] >= 0 and p["ready"] >= demand), None)
        first_ready = next((p["t"] for p in timeline if p["t"] >= 0 and p["ready"] >= 1), None)
        during = [p for p in timeline if 0 <= p["t"] <= duration]
        peak_ready = max((p["ready"] for p in during), default=0)
        end = [p["ready"] for p in during if p["t"] >= duration - 5]

        per_second = collections.defaultdict(list)
        statuses = collections.Counter()
        for start, status, ms in rows:
            per_second[int(start - t0)].append(ms)
            statuses[status // 100 * 100 if status > 0 else status] += 1
        seconds = []
        for s in sorted(per_second):
            v = sorted(per_second[s])
            seconds.append({"t": s, "requests": len(v), "p50_ms": percentile(v, 50),
                            "p99_ms": percentile(v, 99)})
        full_seconds = [x["requests"] for x in seconds if 0 <= x["t"] < duration]
        peak_second = max(full_seconds, default=0)
        fixed["raw"] = ctx.raw_file("scaling-latency-ms.txt", lat)
        return {
            "measured": True,
            "skiffd": skiffd.command,
            "annotations": annotations,
            "rate": RATE,
            "duration_s": duration,
            "clients": clients,
            "demand_instances": demand,
            "load": fixed,
            "time_to_first_ready_s": first_ready,
            "time_to_meet_demand_s": met,
            "peak_ready": peak_ready,
            "ready_last_5s": sorted(end)[len(end) // 2] if end else None,
            "overprovisioning_peak": peak_ready / demand,
            "peak_second_rate": peak_second,
            "demand_at_peak_second": math.ceil(peak_second / (TARGET * UTILIZATION / 100)),
            "errors_non_2xx": fixed["non_2xx"] + fixed["errors"],
            "status_classes": {str(k): v for k, v in statuses.items()},
            "timeline": timeline,
            "per_second": seconds,
        }
    finally:
        skiffd.stop()
