"""Scenario 10 (HTTPS): the gateway's TLS listener beside nginx terminating TLS, same backend.

One skiffd (mesh off, so that nginx can reach the same instance listener) serves the hello Wasm
function pinned to one instance (target-burst-capacity 0, so the activator leaves the gateway's path
once the instance is ready, as in scenario 1); a domain mapping `bench.example.test` carries a self-signed P-256
certificate made here with openssl and uploaded through the API (tls: files). nginx listens with
TLS (`ssl http2`) on the same certificate and proxies to the same instance with a keepalive
upstream. Both are driven by h2load with `--connect-to`, so that the TLS handshake names
`bench.example.test` by SNI without DNS: throughput with 64 requests in flight (64 HTTP/1.1
connections; 16 HTTP/2 connections of 4 streams), then p99 at 1,000 req/s over HTTP/1.1 (10 connections, kept alive). wrk is not
used here: it names the URL's host by SNI and cannot be pointed at 127.0.0.1 under another name.
"""

import re
import shlex
import subprocess

from common import Nginx, Skiffd, WASM_DIR, free_port, loadavg, summarize, wait_for

DOMAIN = "bench.example.test"


def _cert(ctx):
    d = ctx.tmp / "https-cert"
    d.mkdir(parents=True, exist_ok=True)
    cert, key = d / "cert.pem", d / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
                    "-nodes", "-keyout", str(key), "-out", str(cert), "-days", "2",
                    "-subj", f"/CN={DOMAIN}", "-addext", f"subjectAltName=DNS:{DOMAIN}"],
                   check=True, capture_output=True)
    return cert, key


def _curl_ok(port, cert):
    r = subprocess.run(["curl", "-sS", "-o", "/dev/null", "-w", "%{http_code}", "--max-time", "5",
                        "--resolve", f"{DOMAIN}:{port}:127.0.0.1", "--cacert", str(cert),
                        f"https://{DOMAIN}:{port}/"], capture_output=True, text=True)
    return r.stdout.strip() == "200"


def h2load(ctx, port, name, clients=64, threads=2, duration=10, rate=None, h1=True, streams=1):
    """h2load against https://bench.example.test:port/ connected to 127.0.0.1; with rate, a fixed
    rate per client (requests per second in all = rate), else as fast as it answers."""
    log = ctx.tmp / f"{name}.log"
    log.unlink(missing_ok=True)
    cmd = ["h2load", "-c", str(clients), "-t", str(threads), "-D", str(duration),
           "-m", str(streams), "--connect-to", f"127.0.0.1:{port}", "--log-file", str(log)]
    if h1:
        cmd.append("--h1")
    if rate:
        cmd += ["--rps", f"{rate / clients:g}"]
    cmd.append(f"https://{DOMAIN}:{port}/")
    before = loadavg()
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=duration + 120).stdout
    m = re.search(r"finished in ([\d.]+)s, ([\d.]+) req/s", out)
    counts = re.search(r"requests: (\d+) total, (\d+) started, (\d+) done, (\d+) succeeded, "
                       r"(\d+) failed, (\d+) errored, (\d+) timeout", out)
    proto = re.search(r"Application protocol: (\S+)", out)
    if not (m and counts):
        raise RuntimeError(f"h2load printed no result: {out[-1500:]}")
    total, started, done, ok, failed, errored, timeouts = (int(x) for x in counts.groups())
    latencies = []
    for line in log.read_text().splitlines():
        parts = line.split()
        if len(parts) >= 3 and 200 <= int(parts[1]) < 300:
            latencies.append(int(parts[2]) / 1000)
    return {
        "tool": "h2load",
        "command": shlex.join(cmd).replace(str(log), "LOG"),
        "protocol": proto.group(1) if proto else None,
        "requests_per_s": float(m.group(2)),
        "target_rate": rate,
        "requests": total,
        "succeeded": ok,
        "errors": failed + errored + timeouts,
        # In flight when the duration ended (at most the concurrency); all of them when nothing
        # completed (h2load then reports "0 total").
        "unfinished": max(total, started) - done,
        "latency_ms": summarize(latencies),
        "loadavg_before": before,
    }, latencies


def run(ctx):
    tls_port = free_port()
    skiffd = Skiffd(ctx, "https", "--gateway-tls-port", str(tls_port), env={"SKIFF_MESH": "off"})
    nginx = None
    try:
        cert, key = _cert(ctx)
        digest = skiffd.upload(WASM_DIR / "hello.wasm")
        # target-burst-capacity 0, as in scenario 1: with the default (211) a one-instance revision
        # keeps the activator in the gateway's path (Knative's rule), and the gateway's HTTPS hop
        # would be measured as gateway -> activator -> instance against nginx's one hop.
        skiffd.deploy("hello", digest, {"autoscaling.knative.dev/min-scale": "1",
                                        "autoscaling.knative.dev/max-scale": "1",
                                        "autoscaling.knative.dev/target-burst-capacity": "0"})
        skiffd.wait_ready("hello-00001")
        ports = skiffd.instance_ports("hello-00001")
        if len(ports) != 1:
            raise RuntimeError(f"expected one instance of hello-00001, the log shows ports {ports}")
        mapping = f"/v1/namespaces/default/domainmappings/{DOMAIN}"
        skiffd.call("PUT", mapping, {
            "apiVersion": "skiff.dev/v1", "kind": "DomainMapping", "metadata": {"name": DOMAIN},
            "spec": {"service": "hello", "tls": "files"}})
        skiffd.call("PUT", mapping + "/certificate", {
            "certificate": cert.read_text(), "key": key.read_text()})
        nginx_port = free_port()
        nginx = Nginx(ctx, "https", f"""
  upstream wasm_instance {{ server 127.0.0.1:{ports[0]}; keepalive 64; }}
  server {{
    listen 127.0.0.1:{nginx_port} ssl http2;
    ssl_certificate {cert};
    ssl_certificate_key {key};
    ssl_protocols TLSv1.2 TLSv1.3;
    location / {{
      proxy_pass http://wasm_instance;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host $host;
    }}
  }}""")
        targets = {"gateway": (tls_port, "Skiff gateway, TLS listener -> instance"),
                   "nginx": (nginx_port, "nginx ssl http2, proxy_pass (keepalive) -> instance")}
        for port, _ in targets.values():
            wait_for(lambda p=port: _curl_ok(p, cert), 30, 0.2, f"HTTPS on port {port}")

        warm = ctx.pick(10, 30)
        dur = ctx.pick(4, 10)
        ctx.log(f"https: JIT warm-up, {warm}s through the gateway's TLS listener")
        h2load(ctx, tls_port, "https-warm", duration=warm)
        h2load(ctx, nginx_port, "https-warm-nginx", duration=3)
        results = {}
        for key, (port, label) in targets.items():
            ctx.log(f"https: {key}: h2load -c64 --h1 {dur}s; h2 -c16 -m4 {dur}s; 1000 req/s {dur}s")
            h1, _ = h2load(ctx, port, f"https-{key}-h1", duration=dur)
            # HTTP/2 at the same 64 requests in flight: 16 connections of 4 streams each.
            h2, _ = h2load(ctx, port, f"https-{key}-h2", clients=16, duration=dur, h1=False,
                           streams=4)
            fixed, lat = h2load(ctx, port, f"https-{key}-1000", clients=10, duration=dur, rate=1000)
            fixed["raw"] = ctx.raw_file(f"latency-https-1000rps-{key}.txt", lat)
            results[key] = {"label": label, "saturation_h1": h1, "saturation_h2": h2,
                            "fixed_rate": fixed}
        engine = re.search(r"gateway TLS listener on port \d+: (.*)", skiffd.log_text())
        return {
            "measured": True,
            "skiffd": skiffd.command,
            # What terminates TLS at the gateway, as skiffd logged it (OpenSSL or the JDK's engine).
            "gateway_tls_engine": engine.group(1).strip() if engine else "not logged",
            "backend": "hello.wasm, GET / -> 14-byte body, one instance (min-scale=max-scale=1,"
                       " target-burst-capacity=0)",
            "certificate": "self-signed P-256 for bench.example.test (openssl), the same file for both",
            "warmup_s": warm,
            "targets": results,
        }
    finally:
        if nginx:
            nginx.stop()
        skiffd.stop()
