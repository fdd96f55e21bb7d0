"""Scenarios 1 (proxy hop) and 3 (warm Wasm requests through the gateway), on one skiffd.

The backend is the hello Wasm function's instance listener (there is no "external backend"
service type): measured direct, behind nginx proxy_pass with a keepalive upstream, and behind
Skiff's gateway. skiffd runs with the mesh off (`SKIFF_MESH=off`): the mesh serves a Wasm instance
in process behind its mTLS sidecar, with no plaintext listener nginx could share, so this scenario
measures the plain gateway hop against nginx on the same backend, and scenario 8 (mesh.py) what the
mesh adds on top. The revision is pinned to one instance (min-scale = max-scale = 1) so all three
paths end at the same listener, with target-burst-capacity 0 so the activator leaves the gateway's
path once it is ready. Scenario 3 adds nginx serving a static 13-byte body, the most an
HTTP server does on this machine with no work behind it, and, in the full run, a rate sweep.
"""

import wasm_exec
from common import (Nginx, Skiffd, WASM_DIR, free_port, h2load_rate, interleaved_latency, median,
                    summarize, wait_http, wrk)

HOST = "hello.default.localhost"


def run(ctx):
    skiffd = Skiffd(ctx, "proxy", env={"SKIFF_MESH": "off"})
    nginx = None
    try:
        digest = skiffd.upload(WASM_DIR / "hello.wasm")
        # target-burst-capacity 0 takes the activator out of the path once the instance is ready
        # (the default, 211, keeps it in the path of a one-instance revision, Knative's rule), so
        # the gateway's own hop is measured: gateway -> instance, as nginx -> instance.
        skiffd.deploy("hello", digest, {"autoscaling.knative.dev/min-scale": "1",
                                        "autoscaling.knative.dev/max-scale": "1",
                                        "autoscaling.knative.dev/target-burst-capacity": "0"})
        skiffd.wait_ready("hello-00001")
        ports = skiffd.instance_ports("hello-00001")
        if len(ports) != 1:
            raise RuntimeError(f"expected one instance of hello-00001, the log shows ports {ports}")
        instance = ports[0]
        proxy_port, static_port = free_port(), free_port()
        nginx = Nginx(ctx, "proxy", f"""
  upstream wasm_instance {{ server 127.0.0.1:{instance}; keepalive 64; }}
  server {{
    listen 127.0.0.1:{proxy_port};
    location / {{
      proxy_pass http://wasm_instance;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host $host;
    }}
  }}
  server {{
    listen 127.0.0.1:{static_port};
    location / {{ default_type text/plain; return 200 "Hello, world!"; }}
  }}""")
        targets = {
            "direct": (f"http://127.0.0.1:{instance}/", None,
                       "hello's instance listener, no proxy"),
            "nginx": (f"http://127.0.0.1:{proxy_port}/", HOST,
                      "nginx proxy_pass (keepalive upstream) -> instance"),
            "gateway": (f"{skiffd.gateway}/", HOST, "Skiff gateway -> instance"),
            "nginx_static": (f"http://127.0.0.1:{static_port}/", None,
                             "nginx, static 13-byte body (no backend)"),
        }
        for url, host, _ in targets.values():
            wait_http(url, host)

        # The JVM needs its JIT warm before any figure means anything: drive the gateway path
        # (gateway + instance) and each other path first, then measure in interleaved rounds so
        # a drift in the machine's background load does not favour one target.
        warm = ctx.pick(15, 30)
        dur = ctx.pick(4, 10)
        rounds = ctx.pick(1, 3)
        rate_dur = ctx.pick(4, 10)
        ctx.log(f"proxy: JIT warm-up, {warm}s through the gateway, 3s on each other path")
        wrk(targets["gateway"][0], HOST, 2, 64, warm)
        for key in ("direct", "nginx", "nginx_static"):
            wrk(targets[key][0], targets[key][1], 2, 64, 3)
        runs_sat = {key: [] for key in targets}
        for i in range(rounds):
            for key, (url, host, _) in targets.items():
                ctx.log(f"proxy: round {i + 1}/{rounds}: {key}: wrk -t2 -c64 {dur}s")
                runs_sat[key].append(wrk(url, host, 2, 64, dur))
        # Fixed rate: the same interleaved rounds (order rotating), figures the medians of the
        # per-round percentiles with their spread; skiffd's CPU time per request beside them.
        fixed_rounds = ctx.pick(3, 5)
        per = interleaved_latency(ctx, {k: (u, h) for k, (u, h, _) in targets.items()},
                                  fixed_rounds, rate_dur, name="h2load-proxy",
                                  cpu={"gateway": skiffd})
        results = {}
        for key, (url, host, label) in targets.items():
            runs = per[key]["runs"]
            fixed = dict(runs[0])
            fixed.update({
                "latency_ms": summarize(per[key]["latencies"]),
                "achieved_rate": sum(r["achieved_rate"] for r in runs) / len(runs),
                "requests": sum(r["requests"] for r in runs),
                "completed": sum(r["completed"] for r in runs),
                "non_2xx": sum(r["non_2xx"] for r in runs),
                "errors": sum(r["errors"] for r in runs),
                "rounds": fixed_rounds,
                "per_round": per[key]["rounds"],
                "p50_median_ms": per[key]["p50_median"],
                "p99_median_ms": per[key]["p99_median"],
                "p99_spread_ms": per[key]["p99_spread"],
                "skiffd_cpu_us_per_request": per[key]["cpu_us_per_request_median"],
                "raw": ctx.raw_file(f"latency-1000rps-{key}.txt", per[key]["latencies"]),
            })
            results[key] = {
                "label": label,
                "url": url if host is None else f"{url} (Host: {host})",
                "saturation": {"requests_per_s": median([r["requests_per_s"] for r in runs_sat[key]]),
                               "errors": sum(r["errors"] for r in runs_sat[key]),
                               "runs": runs_sat[key]},
                "fixed_rate": fixed,
            }

        sweep = []
        for rate in ctx.pick([], [500, 2000, 4000]):
            for key in ("gateway", "nginx_static"):
                url, host, _ = targets[key]
                ctx.log(f"warm: {key} at {rate} req/s for {rate_dur}s")
                fixed, lat, _ = h2load_rate(ctx, url, host, rate, max(10, rate // 100), rate_dur,
                                            f"h2load-{key}-{rate}")
                fixed["raw"] = ctx.raw_file(f"latency-{rate}rps-{key}.txt", lat)
                sweep.append({"target": key, **fixed})
        for key in ("gateway", "nginx_static"):
            sweep.append({"target": key, **results[key]["fixed_rate"]})
        sweep.sort(key=lambda s: (s["target"], s["target_rate"]))
        skiffd.stop()  # the JMH run below has the machine to itself
        nginx.stop()
        nginx = None
        gateway_jmh = _gateway_jmh(ctx)
        deadlines_jmh = _jmh(ctx, "deadlines", "DeadlinesBenchmark", "-f", ctx.pick("1", "2"),
                             "-wi", "3", "-w", "1s", "-i", ctx.pick("3", "5"), "-r", "1s")
        headers_jmh = _jmh(ctx, "in-process-headers", "InProcessHeadersBenchmark", "-f", "1",
                           "-wi", "3", "-w", "1s", "-i", ctx.pick("3", "5"), "-r", "1s",
                           "-prof", "gc")

        return {
            "measured": True,
            "skiffd": skiffd.command,
            "backend": "hello.wasm (functions-examples/hello, C/wasi-libc), GET / -> 14-byte body",
            "revision": "hello-00001, autoscaling min-scale=max-scale=1, target-burst-capacity=0",
            "warmup_s": warm,
            "rounds": rounds,
            "targets": results,
            "sweep": sweep,
            "jmh": gateway_jmh,
            "jmh_deadlines": deadlines_jmh,
            "jmh_in_process_headers": headers_jmh,
        }
    finally:
        if nginx:
            nginx.stop()
        skiffd.stop()


def _gateway_jmh(ctx):
    """GatewayRequestBenchmark (bench/jmh): one GET round trip in one JVM, direct and through a
    real gateway with 1 and 1,000 routes; a failure is recorded, not raised (the wrk and h2load
    figures above stand without it). With -prof gc: the bytes allocated per round trip, which a
    loaded machine moves far less than the times."""
    return _jmh(ctx, "gateway", "GatewayRequestBenchmark", "-f", "1", "-wi", ctx.pick("1", "3"),
                "-w", "2s", "-i", ctx.pick("2", "5"), "-r", "2s", "-prof", "gc")


def _jmh(ctx, name, selector, *args):
    """One JMH benchmark class; a failure is recorded, not raised."""
    try:
        return wasm_exec.jmh(ctx, name, selector, *args)
    except Exception as e:  # noqa: BLE001 - reported in the results instead
        return {"measured": False, "why": f"{type(e).__name__}: {e}"}
