"""A warm request after a pause, by new connection and kept alive, skiffd against nginx
(issue 16.2; bench/notes/newconn.md).

skiffd as the bench starts it, hello.wasm deployed at min-scale 1 and warmed (W requests on one
kept-alive connection, W more each on a new connection, as cold_wasm_warm warms it), and nginx
answering `return 200` on loopback. Then R rounds, each timing N requests per cell, from this one
Python process (no process start between requests, unlike the bench's curl):

- target: skiffd's gateway (the warm service) or nginx;
- connection: a new TCP connection per request (connect() to the first response byte) or one
  kept-alive connection (request sent to response read);
- pause: none, or each of GAP_MS (milliseconds, comma-separated) of sleep before each request.

For skiffd's cells also the JVM's CPU per request by thread group (/proc/PID/task), which shows
what the pause changes: the same work on the same threads takes more CPU after it. Compare the
cells within a kind only: the kept-alive figure includes http.client's parsing of the response,
the new-connection one stops at its first byte.

    python3 bench/harness/pause_probe.py OUT JAR [W] [R] [N] [GAP_MS[,GAP_MS...]]

Writes OUT/pause.json. Standard library only.
"""
import http.client
import json
import socket
import sys
import time
from pathlib import Path

from common import (Ctx, Nginx, Skiffd, WASM_DIR, free_port, loadavg, summarize,
                    threads_cpu_seconds, wait_for)

HOST = "warm.default.localhost"


def first_byte_new_connection(port, host):
    """Microseconds from connect() to the first response byte on a new connection."""
    request = f"GET / HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n".encode()
    with socket.socket() as s:
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        t0 = time.perf_counter_ns()
        s.connect(("127.0.0.1", port))
        s.sendall(request)
        s.recv(1)
        t1 = time.perf_counter_ns()
        while s.recv(65536):
            pass
    return (t1 - t0) / 1000


def timed(port, host, kept, n, gap_s):
    out = []
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30) if kept else None
    try:
        for _ in range(n):
            time.sleep(gap_s)
            if not kept:
                out.append(first_byte_new_connection(port, host))
                continue
            t0 = time.perf_counter_ns()
            conn.request("GET", "/", headers={"Host": host})
            conn.getresponse().read()
            out.append((time.perf_counter_ns() - t0) / 1000)
    finally:
        if conn:
            conn.close()
    return out


def warm_service(skiffd, requests):
    digest = skiffd.upload(WASM_DIR / "hello.wasm")
    skiffd.deploy("warm", digest, {"autoscaling.knative.dev/min-scale": "1"})
    skiffd.wait_ready("warm-00001")
    wait_for(lambda: (skiffd.call("GET", "/v1/namespaces/default/services/warm")
                      .get("status") or {}).get("traffic"), 30, 0.05, "warm's route")
    time.sleep(1)  # the gateway follows the store's watch; no API says it has the route yet
    timed(skiffd.gateway_port, HOST, True, requests, 0)
    timed(skiffd.gateway_port, HOST, False, requests, 0)


def main():
    out, jar = Path(sys.argv[1]), Path(sys.argv[2])
    args = sys.argv[3:] + ["3000", "3", "400", "3"][len(sys.argv) - 3:]
    warm, rounds, n = (int(a) for a in args[:3])
    pauses = [0.0] + [float(g) for g in args[3].split(",")]
    ctx = Ctx(out, True, jar, None)
    nginx_port = free_port()
    nginx = Nginx(ctx, "pause", f"server {{ listen 127.0.0.1:{nginx_port}; "
                                "location / { return 200 'hello'; } }")
    skiffd = Skiffd(ctx, "pause")
    cells = []
    try:
        warm_service(skiffd, warm)
        pid = skiffd.proc.pid
        for r in range(rounds):
            for target, port, host in (("skiffd", skiffd.gateway_port, HOST), ("nginx", nginx_port, "x")):
                for kept in (False, True):
                    for gap in pauses:
                        before = threads_cpu_seconds(pid, group=True)
                        us = timed(port, host, kept, n, gap / 1000)
                        after = threads_cpu_seconds(pid, group=True)
                        cpu = {k: round((v - before.get(k, 0)) / n * 1e6) for k, v in after.items()
                               if v - before.get(k, 0) > 0} if target == "skiffd" else None
                        cell = {"round": r, "target": target,
                                "connection": "kept alive" if kept else "new", "pause_ms": gap,
                                "us": summarize(us), "skiffd_cpu_us_per_request": cpu,
                                "load": loadavg()[0]}
                        cells.append(cell)
                        ctx.log(f"round {r} {target} {cell['connection']} pause {gap} ms: p50 "
                                f"{cell['us']['p50']:.0f} us p90 {cell['us']['p90']:.0f} us"
                                + (f", skiffd CPU/request {cpu}" if cpu else ""))
    finally:
        skiffd.stop()
        nginx.stop()
        ctx.cleanup()
    ctx.write("pause", {"jar": str(jar), "warm_requests": warm, "requests_per_cell": n,
                        "cells": cells})


if __name__ == "__main__":
    main()
