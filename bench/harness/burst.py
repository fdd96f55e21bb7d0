"""Scenario 10, burst: 100 services at zero, 5,000 concurrent requests spread over them.

One skiffd (the mesh on, its default) with --scale-to-zero-grace 0 and a raised per-client
connection cap (the load generator is one client holding 5,000 connections). 100 services of
hello.wasm (min-scale 0, initial-scale 0, Knative's minimum 6 s window), all at zero. Then 5,000
HTTP/1.1 requests, 50 per service, each on its own connection, all sent at once by one asyncio
process (Python's standard library only): every request reaches the gateway while every service
is at zero, so each one waits in the activator for its service's first instances. Reported: the
errors (anything but 200, a refused or reset connection, a timeout), the time from the first
request sent until the last one answered, and the latency percentiles. Each round waits until all
services are back at zero first.
"""

import asyncio
import collections
import resource
import time

from common import Skiffd, WASM_DIR, not_measured, summarize, wait_for

SERVICES = 100
REQUESTS = 5000
ANNOTATIONS = {"autoscaling.knative.dev/min-scale": "0",
               "autoscaling.knative.dev/initial-scale": "0",
               "autoscaling.knative.dev/window": "6s"}


async def _one(port, host, timeout):
    """One request on its own connection: (status or -1, milliseconds, monotonic end, answer).

    The answer (status line, headers and body, or the exception's text) is kept for requests that
    did not get a 200, so the report can say what went wrong."""
    t = time.monotonic()
    writer = None
    data = b""
    try:
        reader, writer = await asyncio.wait_for(asyncio.open_connection("127.0.0.1", port), timeout)
        writer.write(f"GET / HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n".encode())
        await writer.drain()
        data = await asyncio.wait_for(reader.read(), timeout)
        status = int(data.split(b" ", 2)[1]) if data.startswith(b"HTTP/1.1 ") else -1
    except (OSError, asyncio.TimeoutError, ValueError, IndexError) as e:
        status = -1
        data = data or repr(e).encode()
    finally:
        if writer is not None:
            writer.close()
    end = time.monotonic()
    answer = "" if status == 200 else data[:600].decode("utf-8", "replace")
    return status, (end - t) * 1000, end, answer


async def _burst(port, hosts, timeout):
    t0 = time.monotonic()
    results = await asyncio.gather(*(_one(port, h, timeout) for h in hosts))
    return t0, results


def _round(ctx, skiffd, names, timeout):
    hosts = [f"{names[i % len(names)]}.default.localhost" for i in range(REQUESTS)]
    t0, results = asyncio.run(_burst(int(skiffd.gateway.rsplit(":", 1)[1]), hosts, timeout))
    codes = collections.Counter(str(s) for s, _, _, _ in results)
    ok = [ms for s, ms, _, _ in results if s == 200]
    last = max(end for _, _, end, _ in results) - t0
    failed = [f"{h}: {a}" for h, (s, _, _, a) in zip(hosts, results) if s != 200]
    errors = sum(n for c, n in codes.items() if c != "200")
    ctx.log(f"burst: {REQUESTS} requests over {len(names)} services, {errors} errors, last answered "
            f"after {last:.2f} s")
    for f in failed[:5]:
        ctx.log(f"burst: not 200: {f}")
    return {"errors": errors, "status_codes": dict(codes), "last_answered_s": last,
            "failed_answers": failed[:20],
            "latency_ms": summarize([ms for _, ms, _, _ in results]),
            "latency_ok_ms": summarize(ok)}


def run(ctx):
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    need = REQUESTS + 1000
    if soft < need:
        if hard < need:
            return not_measured(f"{REQUESTS} connections need {need} file descriptors; the hard "
                                f"limit is {hard} (raise it with ulimit -Hn)")
        resource.setrlimit(resource.RLIMIT_NOFILE, (need, hard))
    rounds = ctx.pick(1, 3)
    skiffd = Skiffd(ctx, "burst", "--scale-to-zero-grace", "0",
                    "--max-connections-per-client", str(REQUESTS + 100),
                    "--max-connections", str(2 * REQUESTS + 1000))
    try:
        digest = skiffd.upload(WASM_DIR / "hello.wasm")
        names = [f"burst-{i:03d}" for i in range(SERVICES)]
        for name in names:
            skiffd.deploy(name, digest, ANNOTATIONS)
        for name in names:
            wait_for(lambda: (skiffd.call("GET", f"/v1/namespaces/default/services/{name}")
                              .get("status") or {}).get("traffic"), 60, 0.05, f"{name}'s route")
        time.sleep(1)  # the gateway follows the store's watch; no API says it has the route yet
        results = []
        for r in range(rounds):
            for name in names:
                wait_for(lambda: (skiffd.revision_status(f"{name}-00001")
                                  .get("readyInstances") or 0) == 0,
                         180, 0.1, f"{name} to reach zero")
            ctx.log(f"burst: round {r + 1} of {rounds}, all {SERVICES} services at zero")
            results.append(_round(ctx, skiffd, names, 120))
        last = sorted(x["last_answered_s"] for x in results)
        return {
            "measured": True,
            "skiffd": skiffd.command,
            "method": (f"{SERVICES} services of hello.wasm, annotations {ANNOTATIONS}, all at zero; "
                       f"{REQUESTS} GETs through the gateway, {REQUESTS // SERVICES} per service, "
                       "each on its own HTTP/1.1 connection, all sent at once by one asyncio "
                       f"process; {rounds} round(s), each from all services at zero"),
            "services": SERVICES,
            "requests": REQUESTS,
            "rounds": results,
            "errors": sum(x["errors"] for x in results),
            "last_answered_s_median": last[len(last) // 2],
            "last_answered_s_max": last[-1],
        }
    finally:
        skiffd.stop()
