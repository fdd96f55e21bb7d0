"""Scenario 8, the mesh: what mTLS between Skiff's hops costs, against nginx with TLS to its
upstream, the same backend, the same tools, the same run.

skiffd runs with its internal switch --mesh on|off (set by its env SKIFF_MESH, as the two mesh
branches wire it) for each mode asked for (main.py --mesh-modes, default off,on). `off` is always measured: its
hello instance is the plaintext backend that "direct" and both nginx set-ups call. A mode `on` is
checked, not trusted: its instances must be listed by GET /v1/instances with a SPIFFE identity
and must not answer plaintext HTTP, else that mode says "not measured" with the reason.

Mode `on` is measured on both of the gateway's paths to a sidecar: `gateway_on`, skiffd as it
ships (the gateway enters the sidecar of its own process in process: no socket), and
`gateway_on_socket`, a second skiffd with the diagnostic switch SKIFF_GATEWAY_IN_PROCESS=off (the
gateway calls the sidecar over mTLS, as a gateway on another machine does). Each is checked by
skiffd's own counter skiff_gateway_upstream_handoffs_total{path}: a path its counter does not
show is reported "not measured". With env SKIFF_BENCH_MESH_BASELINE_JAR=path/to/skiffd.jar, the
latency part also runs that jar with the mesh on, on both paths (`gateway_on_baseline`,
`gateway_on_socket_baseline`), so an old build and the new one are measured in the same rounds.
With env SKIFF_BENCH_MESH_JDK_TLS=1 it also runs the socket path with the mesh's TLS on the JDK's
engine (`gateway_on_socket_jdk`: skiffd's switch SKIFF_MESH_TLS_ENGINE=jdk), so the engines are
measured against each other with one build.

(a) Latency at a fixed 1,000 req/s (h2load --h1, 10 connections, per-request log), in interleaved
    rounds (the order rotating) after a JIT warm-up and one unmeasured round; figures are medians
    of per-round percentiles, added ones medians of same-round differences, with their spread,
    and skiffd's CPU time per request beside them (`--only mesh_latency` runs this part alone): hello (min-scale = max-scale = 1, target-burst-capacity 0 so the
    activator is out of the warm path) through each skiffd's gateway
    (the full path: gateway -> [mTLS -> sidecar ->] instance), direct to the off instance's
    listener, nginx proxy_pass -> that listener (plaintext, keepalive upstream), and nginx ->
    TLS 1.3 with a client certificate (proxy_ssl_*, keepalive upstream, session reuse) -> a
    second nginx with ssl_verify_client on -> the same listener. Added p50/p99 = the path's
    percentile minus direct's.
(b) Sidecar memory per idle instance: a fresh skiffd per mode, one module uploaded, RSS and live
    heap after a full GC; then N services of hello with min-scale 1, one request each through the
    gateway, WASM_IDLE_S seconds idle, and the same figures again; (after - before) / N. Mesh on minus mesh off per
    instance is what the sidecar adds.
(c) Wasm cold start, p50/p99 over 100 samples (30 with --quick) per mode: scenario 4's method
    (cold_start.wasm) on a fresh skiffd per mode with --scale-to-zero-grace 0.
"""

import os
import re
import subprocess
import urllib.error
import urllib.request
from pathlib import Path

import cold_start
from common import (Nginx, Skiffd, WASM_DIR, free_port, idle_warm_instances, h2load_rate,
                    interleaved_latency, median, not_measured, paired_added, summarize, wait_for,
                    wait_http, wrk)

HOST = "hello.default.localhost"
# One instance, and the activator out of the warm path once it is ready (target-burst-capacity 0;
# the default, 211, keeps the activator in the path of a one-instance revision, Knative's rule), so
# the path measured is gateway -> [mTLS -> sidecar ->] instance, as labelled.
PINNED = {"autoscaling.knative.dev/min-scale": "1", "autoscaling.knative.dev/max-scale": "1",
          "autoscaling.knative.dev/target-burst-capacity": "0"}


class _WithJar:
    """The run's context with another skiffd jar (the baseline's)."""

    def __init__(self, ctx, jar):
        self._ctx, self.jar = ctx, jar

    def __getattr__(self, name):
        return getattr(self._ctx, name)


def _skiffd(ctx, name, mode, *flags):
    # The switch by its environment variable, not its flag: a skiffd without the switch ignores
    # the variable (and _instance then finds out), where it would refuse an unknown flag.
    # on_socket: the mesh on, the gateway's in-process entry to its sidecars off (docs/mesh.md).
    # on_baseline, on_socket_baseline: the same, from the jar SKIFF_BENCH_MESH_BASELINE_JAR names.
    # on_socket_jdk: on_socket with the mesh's TLS on the JDK's engine (docs/mesh.md).
    # off_baseline: the mesh off, from the baseline jar (mesh_cpu.py --modes).
    env = {"SKIFF_MESH": "off" if mode.startswith("off") else "on"}
    if mode.startswith("on_socket"):
        env["SKIFF_GATEWAY_IN_PROCESS"] = "off"
    if mode == "on_socket_jdk":
        env["SKIFF_MESH_TLS_ENGINE"] = "jdk"
    if mode.endswith("_baseline"):
        ctx = _WithJar(ctx, Path(os.environ["SKIFF_BENCH_MESH_BASELINE_JAR"]).resolve())
    return Skiffd(ctx, f"mesh-{name}-{mode}", *flags, env=env)


def _handoffs(skiffd):
    """skiff_gateway_upstream_handoffs_total by path from skiffd's /metrics ({} when absent)."""
    req = urllib.request.Request(f"{skiffd.api}/metrics")
    req.add_header("Authorization", f"Bearer {skiffd.token}")
    with urllib.request.urlopen(req, timeout=30) as r:
        text = r.read().decode()
    out = {}
    for m in re.finditer(r'^skiff_gateway_upstream_handoffs_total\{[^}]*path="([a-z_]+)"[^}]*\} '
                         r'([0-9.eE+]+)$', text, re.M):
        out[m.group(1)] = float(m.group(2))
    return out


def _instances(skiffd, service):
    """GET /v1/instances for one service, or None when this skiffd has no such endpoint."""
    try:
        return skiffd.call("GET", f"/v1/instances?namespace=default&service={service}")["items"]
    except RuntimeError as e:
        if " answered 404" in str(e):
            return None
        raise


def _answers_plaintext(address):
    try:
        with urllib.request.urlopen(f"http://{address}/", timeout=5) as r:
            return r.status == 200
    except (OSError, urllib.error.HTTPError, ValueError):
        return False


def _instance(skiffd, mode, service, revision):
    """The instance's address for a mode, or a not_measured saying why the mode is not real."""
    items = _instances(skiffd, service)
    ready = [i for i in items or [] if i.get("state") == "Ready" and i.get("address")]
    if not mode.startswith("off"):
        if items is None:
            return None, not_measured("this skiffd does not run the mesh: it has no GET "
                                      "/v1/instances, so --mesh on is not built into it")
        if not ready or not ready[0].get("identity"):
            return None, not_measured(f"--mesh on, but {service}'s instance has no mesh identity "
                                      f"in GET /v1/instances: {items}")
        if _answers_plaintext(ready[0]["address"]):
            return None, not_measured(f"--mesh on, but {service}'s instance at "
                                      f"{ready[0]['address']} answers plaintext HTTP")
        return ready[0]["address"], None
    if ready:
        address = ready[0]["address"]
    else:
        ports = skiffd.instance_ports(revision)
        if len(ports) != 1:
            raise RuntimeError(f"expected one instance of {revision}, the log shows ports {ports}")
        address = f"127.0.0.1:{ports[0]}"
    if not _answers_plaintext(address):
        raise RuntimeError(f"--mesh off, but {service}'s instance at {address} does not answer "
                           "plaintext HTTP")
    return address, None


# -- TLS material for nginx ------------------------------------------------------------------------


def _openssl(*args, cwd):
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True, timeout=60)


def _certificates(ctx):
    """A CA, a server certificate for the upstream nginx and a client certificate for the front
    one: ECDSA P-256, as the mesh's."""
    d = ctx.tmp / "mesh-tls"
    d.mkdir(exist_ok=True)
    ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"]
    _openssl("req", "-x509", *ec, "-keyout", "ca.key", "-out", "ca.pem", "-days", "2",
             "-subj", "/CN=skiff-bench-ca", cwd=d)
    for name, ext in (("server", "subjectAltName=DNS:upstream.bench\nextendedKeyUsage=serverAuth\n"),
                      ("client", "subjectAltName=URI:spiffe://bench/nginx\n"
                                 "extendedKeyUsage=clientAuth\n")):
        (d / f"{name}.ext").write_text(ext)
        _openssl("req", *ec, "-keyout", f"{name}.key", "-out", f"{name}.csr",
                 "-subj", f"/CN={name}.bench", cwd=d)
        _openssl("x509", "-req", "-in", f"{name}.csr", "-CA", "ca.pem", "-CAkey", "ca.key",
                 "-CAcreateserial", "-out", f"{name}.pem", "-days", "2", "-extfile", f"{name}.ext",
                 cwd=d)
    return d


def _nginx(ctx, backend):
    """nginx plaintext -> backend, and nginx -> TLS + client cert -> nginx (verifies) -> backend."""
    tls = _certificates(ctx)
    plain_port, front_port, upstream_port = free_port(), free_port(), free_port()
    proxy = """
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host $host;"""
    upstream_nginx = Nginx(ctx, "mesh-tls-upstream", f"""
  upstream backend {{ server {backend}; keepalive 64; }}
  server {{
    listen 127.0.0.1:{upstream_port} ssl;
    ssl_protocols TLSv1.3;
    ssl_certificate {tls}/server.pem;
    ssl_certificate_key {tls}/server.key;
    ssl_client_certificate {tls}/ca.pem;
    ssl_verify_client on;
    ssl_session_cache shared:mesh:1m;
    keepalive_requests 1000000;
    location / {{ proxy_pass http://backend;{proxy} }}
  }}""")
    front_nginx = Nginx(ctx, "mesh-front", f"""
  upstream backend {{ server {backend}; keepalive 64; }}
  upstream tls_upstream {{ server 127.0.0.1:{upstream_port}; keepalive 64; }}
  server {{
    listen 127.0.0.1:{plain_port};
    location / {{ proxy_pass http://backend;{proxy} }}
  }}
  server {{
    listen 127.0.0.1:{front_port};
    location / {{
      proxy_pass https://tls_upstream;{proxy}
      proxy_ssl_protocols TLSv1.3;
      proxy_ssl_certificate {tls}/client.pem;
      proxy_ssl_certificate_key {tls}/client.key;
      proxy_ssl_trusted_certificate {tls}/ca.pem;
      proxy_ssl_verify on;
      proxy_ssl_name upstream.bench;
      proxy_ssl_server_name on;
      proxy_ssl_session_reuse on;
    }}
  }}""")
    return [upstream_nginx, front_nginx], plain_port, front_port


# -- (a) latency -----------------------------------------------------------------------------------


def _latency(ctx, modes, skiffds, addresses):
    nginxes = []
    try:
        backend = addresses["off"]
        nginxes, plain_port, front_port = _nginx(ctx, backend)
        targets = {"direct": (f"http://{backend}/", None, "direct to hello's instance listener "
                                                          "(mesh off), no proxy")}
        labels = {
            "off": "Skiff gateway -> instance (mesh off, plaintext)",
            "on": "Skiff gateway -> sidecar entered in process -> instance (mesh on, as shipped)",
            "on_socket": "Skiff gateway -> mTLS socket -> sidecar -> instance (mesh on, "
                         "SKIFF_GATEWAY_IN_PROCESS=off: the path a gateway on another machine "
                         "takes)",
            "on_baseline": "Skiff gateway -> sidecar, mesh on, the baseline jar "
                           "(SKIFF_BENCH_MESH_BASELINE_JAR)",
            "on_socket_baseline": "Skiff gateway -> mTLS socket -> sidecar, mesh on, the "
                                  "baseline jar (SKIFF_BENCH_MESH_BASELINE_JAR)",
            "on_socket_jdk": "Skiff gateway -> mTLS socket -> sidecar, mesh on, the mesh's TLS "
                             "on the JDK's engine (SKIFF_MESH_TLS_ENGINE=jdk)",
        }
        for mode in modes:
            if mode in addresses:
                targets[f"gateway_{mode}"] = (f"{skiffds[mode].gateway}/", HOST, labels[mode])
        targets["nginx"] = (f"http://127.0.0.1:{plain_port}/", HOST,
                            "nginx proxy_pass -> instance (plaintext, keepalive upstream)")
        targets["nginx_tls"] = (f"http://127.0.0.1:{front_port}/", HOST,
                                "nginx -> TLS 1.3 + client cert -> nginx (ssl_verify_client on) "
                                "-> instance (keepalive upstreams)")
        for url, host, _ in targets.values():
            wait_http(url, host)
        # The same warm-up, tool, rate and connection count for every path; rounds interleaved
        # (the order rotating), and the figures are medians of per-round percentiles, with their
        # spread, so one noisy slice of the shared machine moves one round, not the result.
        warm, rounds, dur = ctx.pick(8, 30), ctx.pick(3, 7), ctx.pick(5, 10)
        ctx.log(f"mesh: JIT warm-up, {warm}s through each gateway, 3s on each other path, then "
                f"{dur}s at 1,000 req/s on each path")
        for key, (url, host, _) in targets.items():
            wrk(url, host, 2, 64, warm if key.startswith("gateway") else 3)
        # Saturation of every path, as scenario 1 measures its plain hop (wrk -t2 -c64, rounds
        # interleaved, the median): here the gateway as it ships, mesh on, beside nginx.
        sat_rounds, sat_dur = ctx.pick(1, 3), ctx.pick(4, 10)
        saturation = {key: [] for key in targets}
        for i in range(sat_rounds):
            for key, (url, host, _) in targets.items():
                ctx.log(f"mesh: saturation round {i + 1}/{sat_rounds}: {key}: wrk -t2 -c64 "
                        f"{sat_dur}s")
                saturation[key].append(wrk(url, host, 2, 64, sat_dur))
        for key, (url, host, _) in targets.items():
            h2load_rate(ctx, url, host, 1000, 10, dur, f"h2load-mesh-warm-{key}")
        before = {m: _handoffs(skiffds[m]) for m in modes if m in addresses}
        per = interleaved_latency(ctx, {k: (u, h) for k, (u, h, _) in targets.items()}, rounds,
                                  dur, name="h2load-mesh",
                                  cpu={f"gateway_{m}": skiffds[m] for m in modes})
        # Which path each gateway took, by its own counter over the measured rounds.
        paths = {}
        for m in before:
            after = _handoffs(skiffds[m])
            paths[m] = {p: after.get(p, 0) - before[m].get(p, 0) for p in ("in_process", "socket")}
        wrong = {"on": "socket", "on_socket": "in_process", "on_baseline": "socket",
                 "on_socket_baseline": "in_process", "on_socket_jdk": "in_process"}
        results = {}
        for key, (url, host, label) in targets.items():
            runs = per[key]["runs"]
            results[key] = {
                "label": label,
                "url": url if host is None else f"{url} (Host: {host})",
                "latency_ms": summarize(per[key]["latencies"]),
                "per_round": per[key]["rounds"],
                "p50_median_ms": per[key]["p50_median"],
                "p99_median_ms": per[key]["p99_median"],
                "p99_spread_ms": per[key]["p99_spread"],
                "skiffd_cpu_us_per_request": per[key]["cpu_us_per_request_median"],
                "achieved_rate": sum(r["achieved_rate"] for r in runs) / len(runs),
                "errors": sum(r["errors"] + r["non_2xx"] for r in runs),
                "command": runs[0]["command"],
                "raw": ctx.raw_file(f"mesh-latency-1000rps-{key}.txt", per[key]["latencies"]),
                "saturation": {
                    "requests_per_s": median([r["requests_per_s"] for r in saturation[key]]),
                    "errors": sum(r["errors"] for r in saturation[key]),
                    "runs": saturation[key]},
            }
            mode = key[len("gateway_"):] if key.startswith("gateway_") else None
            if mode in paths:
                results[key]["upstream_handoffs"] = paths[mode]
                if mode in wrong and paths[mode][wrong[mode]] > 0:
                    results[key] = not_measured(
                        f"{key} is labelled '{label}', but its gateway counted "
                        f"{paths[mode]} requests by path (skiff_gateway_upstream_handoffs_total)",
                        **results[key])

        return {
            "measured": True,
            "warmup_s": warm,
            "rounds": rounds,
            "seconds_per_round": dur,
            "saturation_rounds": sat_rounds,
            "saturation_seconds_per_round": sat_dur,
            "method": "added = median over rounds of (path's p50/p99 - base's p50/p99 in the "
                      "same round); spread = min and max of those per-round differences",
            "targets": results,
            "added_over_direct_ms": {key: paired_added(per, key, "direct") for key in results
                                     if key != "direct"},
            "mesh_on_over_off_ms": paired_added(per, "gateway_on", "gateway_off"),
            "mesh_socket_over_off_ms": paired_added(per, "gateway_on_socket", "gateway_off"),
            "mesh_baseline_over_off_ms": paired_added(per, "gateway_on_baseline", "gateway_off"),
            "mesh_socket_baseline_over_off_ms": paired_added(per, "gateway_on_socket_baseline",
                                                             "gateway_off"),
            "mesh_socket_jdk_over_off_ms": paired_added(per, "gateway_on_socket_jdk",
                                                        "gateway_off"),
            "nginx_tls_over_plain_ms": paired_added(per, "nginx_tls", "nginx"),
        }
    finally:
        for n in reversed(nginxes):
            n.stop()


# -- (b) memory ------------------------------------------------------------------------------------


def _snapshot(skiffd):
    skiffd.gc()
    return {"rss_kib": skiffd.rss_kib(), "heap_used_kib": skiffd.heap_used_kib()}


def _memory(ctx, mode, n):
    skiffd = _skiffd(ctx, "memory", mode)
    try:
        digest = skiffd.upload(WASM_DIR / "hello.wasm")
        before = _snapshot(skiffd)
        ctx.log(f"mesh: memory, mesh {mode}: {n} idle instances (min-scale 1)")
        idle_warm_instances(skiffd, digest, "m", n, ready_timeout=120)
        after = _snapshot(skiffd)

        def per(key):
            return (after[key] - before[key]) / n if after[key] and before[key] else None

        return {"measured": True, "instances": n, "skiffd": skiffd.command, "before": before,
                "after": after, "rss_per_instance_kib": per("rss_kib"),
                "heap_per_instance_kib": per("heap_used_kib")}
    finally:
        skiffd.stop()


# -- (c) cold start --------------------------------------------------------------------------------


def _cold(ctx, mode, samples):
    skiffd = _skiffd(ctx, "cold", mode, "--scale-to-zero-grace", "0")
    try:
        result = cold_start.wasm(ctx, skiffd, samples, 20, prefix=f"cold-mesh-{mode}-")
        result["skiffd"] = skiffd.command
        return result
    finally:
        skiffd.stop()


# -- the scenario ----------------------------------------------------------------------------------


def run_latency(ctx):
    """Only part (a), the latency comparison (`--only mesh_latency`): a few minutes, for measuring
    a change of the data path old against new."""
    result, real = _run_latency(ctx)
    if real is not None:
        result["measured"] = True
    return result


def _run_latency(ctx):
    """Part (a); returns the result so far and the modes that are real (None: not measured)."""
    asked = [m for m in getattr(ctx, "mesh_modes", ["off", "on"]) if m]
    bad = [m for m in asked if m not in ("off", "on")]
    if bad:
        return not_measured(f"--mesh-modes takes off and on, got {bad}"), None
    modes = ["off"] + [m for m in asked if m == "on"]  # off is the backend of every other path
    if "on" in modes:
        modes.append("on_socket")
        if os.environ.get("SKIFF_BENCH_MESH_BASELINE_JAR"):
            modes += ["on_baseline", "on_socket_baseline"]
        if os.environ.get("SKIFF_BENCH_MESH_JDK_TLS") == "1":
            modes.append("on_socket_jdk")
    result = {"modes_asked": asked, "modes": {}}
    skiffds, addresses = {}, {}
    try:
        for mode in modes:
            skiffds[mode] = _skiffd(ctx, "latency", mode)
            digest = skiffds[mode].upload(WASM_DIR / "hello.wasm")
            skiffds[mode].deploy("hello", digest, PINNED)
        for mode in modes:
            skiffds[mode].wait_ready("hello-00001")
            address, why = _instance(skiffds[mode], mode, "hello", "hello-00001")
            result["modes"][mode] = why or {"measured": True, "skiffd": skiffds[mode].command,
                                            "instance_address": address}
            if address:
                addresses[mode] = address
        real = [m for m in modes if m in addresses]
        result["latency"] = _latency(ctx, real, skiffds, addresses)
    finally:
        for s in skiffds.values():
            s.stop()
    return result, real


def run(ctx):
    result, real = _run_latency(ctx)
    if real is None:
        return result
    n, samples = ctx.pick(20, 100), ctx.pick(30, 100)
    result["memory"], result["cold_start"] = {}, {}
    for mode in [m for m in real if m in ("off", "on")]:  # the other modes differ in latency only
        result["memory"][mode] = _memory(ctx, mode, n)
        result["cold_start"][mode] = _cold(ctx, mode, samples)
    mem, cold = result["memory"], result["cold_start"]
    if "on" in mem and mem["on"].get("measured") and mem["off"].get("measured"):
        result["sidecar_per_instance_kib"] = {
            "rss": mem["on"]["rss_per_instance_kib"] - mem["off"]["rss_per_instance_kib"],
            "heap": (mem["on"]["heap_per_instance_kib"] - mem["off"]["heap_per_instance_kib"]
                     if mem["on"]["heap_per_instance_kib"] is not None
                     and mem["off"]["heap_per_instance_kib"] is not None else None)}
    if "on" in cold and cold["on"].get("measured") and cold["off"].get("measured"):
        on, off = cold["on"]["first_byte_ms"], cold["off"]["first_byte_ms"]
        result["cold_start_on_over_off_ms"] = {"p50": on["p50"] - off["p50"],
                                               "p99": on["p99"] - off["p99"]}
    result["measured"] = True
    return result
