"""Scenario 7 (noisy neighbour): a healthy Wasm function's latency while another function's
requests loop forever, on one skiffd.

hello is measured alone first (baseline), then again while 50 requests to a function whose
`_start` is an endless loop are in flight through the gateway, each held open by a raw socket.
The healthy requests go one at a time over one keep-alive connection, paced at a fixed rate, with
Python's http.client (no load tool needed). Afterwards the 50 sockets are closed and the scenario
times how long the node takes to stop the 50 guests (skiffd's `skiff_wasm_executions_in_flight` gauge back
to 0): client disconnects cancel Wasm executions.

The looping module is written out byte by byte here, so the scenario needs no Wasm toolchain.
"""

import http.client
import re
import socket
import time
import urllib.request

from common import WASM_DIR, Skiffd, summarize, wait_for, wait_http

HELLO = "hello.default.localhost"
LOOPER = "looper.default.localhost"
LOOPING_REQUESTS = 50

# (module (memory (export "memory") 1) (func (export "_start") (loop $l (br $l))))
LOOP_WASM = bytes.fromhex(
    "0061736d01000000"  # magic, version 1
    "010401600000"  # type section: one type, func [] -> []
    "03020100"  # function section: one function of type 0
    "0503010001"  # memory section: one memory, min 1 page
    "071302065f73746172740000066d656d6f72790200"  # exports _start (func 0), memory (mem 0)
    "0a0901070003400c000b0b"  # code: loop, br 0, end, end
)


def executions(skiffd):
    """skiffd's count of Wasm requests admitted and not finished."""
    with urllib.request.urlopen(skiffd.api + "/metrics", timeout=10) as r:
        text = r.read().decode()
    m = re.search(r"^skiff_wasm_executions_in_flight(?:\{[^}]*\})? ([\d.eE+-]+)$", text, re.M)
    if not m:
        raise RuntimeError("skiffd's /metrics has no skiff_wasm_executions_in_flight gauge")
    return float(m.group(1))


def paced_latencies(skiffd, rate, seconds):
    """GET / on hello at a fixed rate over one keep-alive connection; ms per request, errors."""
    conn = http.client.HTTPConnection("127.0.0.1", skiffd.gateway_port, timeout=30)
    latencies, errors = [], 0
    interval = 1.0 / rate
    start = time.monotonic()
    n = 0
    while time.monotonic() - start < seconds:
        due = start + n * interval
        pause = due - time.monotonic()
        if pause > 0:
            time.sleep(pause)
        n += 1
        t = time.perf_counter()
        try:
            conn.request("GET", "/?name=bench", headers={"Host": HELLO})
            resp = conn.getresponse()
            resp.read()
            if resp.status == 200:
                latencies.append((time.perf_counter() - t) * 1000)
            else:
                errors += 1
        except OSError:
            errors += 1
            conn.close()
            conn = http.client.HTTPConnection("127.0.0.1", skiffd.gateway_port, timeout=30)
    conn.close()
    return latencies, errors


def open_looping(skiffd, count):
    socks = []
    for _ in range(count):
        s = socket.create_connection(("127.0.0.1", skiffd.gateway_port), timeout=10)
        s.sendall(f"GET / HTTP/1.1\r\nHost: {LOOPER}\r\n\r\n".encode())
        socks.append(s)
    return socks


def run(ctx):
    skiffd = Skiffd(ctx, "noisy")
    socks = []
    try:
        loop_path = ctx.tmp / "loop.wasm"
        loop_path.write_bytes(LOOP_WASM)
        pinned = {"autoscaling.knative.dev/min-scale": "1", "autoscaling.knative.dev/max-scale": "1"}
        skiffd.deploy("hello", skiffd.upload(WASM_DIR / "hello.wasm"), pinned)
        looper = {"metadata": {"name": "looper", "annotations": pinned},
                  "spec": {"template": {"wasm": {"digest": skiffd.upload(loop_path)},
                                        "timeoutSeconds": 3600}}}
        skiffd.call("PUT", "/v1/namespaces/default/services/looper", looper)
        skiffd.wait_ready("hello-00001")
        skiffd.wait_ready("looper-00001")
        wait_http(skiffd.gateway + "/", HELLO)

        rate = 100
        seconds = ctx.pick(5, 20)
        paced_latencies(skiffd, rate, ctx.pick(3, 10))  # warm the JIT on this path
        base, base_errors = paced_latencies(skiffd, rate, seconds)

        socks = open_looping(skiffd, LOOPING_REQUESTS)
        wait_for(lambda: executions(skiffd) >= LOOPING_REQUESTS, 30, 0.1,
                 f"{LOOPING_REQUESTS} looping executions")
        busy, busy_errors = paced_latencies(skiffd, rate, seconds)
        still_looping = executions(skiffd)

        closed = time.monotonic()
        for s in socks:
            s.close()
        socks = []
        wait_for(lambda: executions(skiffd) == 0, 60, 0.02, "the looping executions to stop")
        stopped_ms = (time.monotonic() - closed) * 1000

        base_s, busy_s = summarize(base), summarize(busy)
        return {
            "measured": True,
            "command": skiffd.command,
            "looping_requests": LOOPING_REQUESTS,
            "looping_executions_during": still_looping,
            "rate": rate,
            "measure_seconds": seconds,
            "baseline": {"latency_ms": base_s, "errors": base_errors,
                         "raw": ctx.raw_file("noisy-baseline.txt", base)},
            "with_looping": {"latency_ms": busy_s, "errors": busy_errors,
                             "raw": ctx.raw_file("noisy-busy.txt", busy)},
            "cancel_after_disconnect_ms": round(stopped_ms, 1),
        }
    finally:
        for s in socks:
            s.close()
        skiffd.stop()
