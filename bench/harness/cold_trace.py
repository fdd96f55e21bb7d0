"""The Wasm cold path step by step (not in the doc): scenario 4's Wasm samples with skiffd's
cold-start trace on (--log-level info,skiff.coldstart=debug), each sample's trace lines from the
activator, the node agent and the instance's first request stitched by their nanoTime stamps
(one JVM, one clock), and the median of each step.

    bench/run --only cold_trace            # or cold_wasm: the same samples without the trace
    bench/run --only cold_wasm_warm        # cold_wasm's samples once skiffd's JVM has warmed up
    bench/run --only cold_trace_warm       # and cold_trace's

Steps, in the order a cold request meets them (ms, median over the samples):
  gateway_and_client   curl's time to first byte minus the activator's part: connection, the
                       gateway's routing and hand-off, writing the answer back
  admit                the activator's pipeline until the request waits in the queue
  decide               the poke: the autoscaler's decision until it calls the agent
  to_agent             the hop to the node agent's context
  backend              the Wasm backend's start (env, the module reused or loaded)
  front                the sidecar built and started (in process at once; its listener binds later)
  back_to_agent        the hop back to the agent's context
  publish              the agent until its endpoint is published (which grants the queued request)
  to_request_loop      the hop from the grant to the request's event loop
  to_instance          the activator until the sidecar's in-process entry
  sidecar              the sidecar's pipeline until the Wasm handler has the body
  wasm                 the function: the worker's hop, instantiate, _start, the hop back
  answer               writing the answer until the activator's exchange ends
and, from the order of the log lines, how many cold requests had their instance's listener bound or
its start told (log line, event, status report) before they were answered (before_answer); the
median of the runtime's own line for each instance's first run, with the worker's CPU time and
minor page faults (wasm_first_run); and the five slowest requests with their steps (slowest), to see where a tail
sample's time went. After a warm-up (cold_trace_warm, cold_wasm_warm) also the first byte of as
many warm requests (warm_request_first_byte_ms: the warm service, a new curl and connection each,
as the samples): what a request pays on the samples' client path without any cold start, against
which gateway_and_client and the samples' first byte are to be read.
"""

import http.client
import re
import statistics
import time

from cold_start import ANNOTATIONS, curl_first_byte, cycle
from common import Skiffd, WASM_DIR, summarize, wait_for

ACTIVATOR = re.compile(
    r"activator (\S+) request \S+ served: queued ([\d.]+), poke ([\d.]+)-([\d.]+), granted "
    r"([\d.]+), on its loop ([\d.]+), handed to the instance ([\d.]+), ended ([\d.]+) ms "
    r"\(t0 (\d+)[;)]")
AGENT = re.compile(
    r"agent (\S+) \(cold\): on the agent ([\d.]+), backend started ([\d.]+), front open ([\d.]+),"
    r" back on the agent ([\d.]+), published ([\d.]+) ms \(t0 (\d+)")
FIRST_RUN = re.compile(
    r"wasm function \S+ first run: on a thread after ([\d.]+), instantiated and ran in ([\d.]+) ms"
    r" \(cpu ([\d.]+) ms(?:, (-?\d+) page faults)?\)")
WASM = re.compile(
    r"wasm (\S+) first request: body read ([\d.]+), function answered in ([\d.]+) ms "
    r"\(t0 (\d+)\)")

STEPS = ["gateway_and_client", "admit", "decide", "to_agent", "backend", "front",
         "back_to_agent", "publish", "to_request_loop", "to_instance", "sidecar", "wasm",
         "answer"]


def stitch(log_text, first_bytes):
    """One dict of step -> ms per cold request whose three traces were all found."""
    agents = [(int(m.group(7)), m) for m in AGENT.finditer(log_text)]
    wasms = [(int(m.group(4)), m) for m in WASM.finditer(log_text)]
    samples = []
    for a in ACTIVATOR.finditer(log_text):
        t0 = int(a.group(9))
        at = lambda g: t0 + float(a.group(g)) * 1e6  # noqa: E731  the activator's stamps, in ns
        poke_start, poke_end, granted, ended = at(3), at(4), at(5), at(8)
        agent = next((m for t, m in agents if poke_start <= t <= poke_end), None)
        if agent is None:
            continue
        instance = agent.group(1)
        wasm = next((m for t, m in wasms if m.group(1) == instance and t0 <= t <= ended), None)
        if wasm is None:
            continue
        g0 = int(agent.group(7))
        ag = lambda g: g0 + float(agent.group(g)) * 1e6  # noqa: E731
        w0 = int(wasm.group(4))
        body_read = w0 + float(wasm.group(2)) * 1e6
        answered = body_read + float(wasm.group(3)) * 1e6
        ms = lambda a_, b_: (b_ - a_) / 1e6  # noqa: E731
        samples.append({
            "admit": ms(t0, at(2)),
            "decide": ms(poke_start, g0),
            "to_agent": ms(g0, ag(2)),
            "backend": ms(ag(2), ag(3)),
            "front": ms(ag(3), ag(4)),
            "back_to_agent": ms(ag(4), ag(5)),
            "publish": ms(ag(5), granted),
            "to_request_loop": ms(granted, at(6)),
            "to_instance": ms(at(6), at(7)),
            "sidecar": ms(at(7), body_read),
            "wasm": ms(body_read, answered),
            "answer": ms(answered, ended),
            "activator_total": ms(t0, ended),
            "poke_total": ms(poke_start, poke_end),
            "agent_publish_after_grant": ms(granted, ag(6)),
        })
    for s, fb in zip(samples, first_bytes[-len(samples):] if samples else []):
        s["gateway_and_client"] = fb - s["activator_total"]
    return samples


def before_answer(log_text):
    """How many cold requests had the agent's work for their instance's start run before they
    were answered, by the order of skiffd's log lines (which load moves less than wall-clock
    steps): its listener bound ('listening at') and its start told ('ready at', which comes with
    its event and status report). Ideally none: they are no part of the request's path."""
    lines = log_text.splitlines()
    counts = {"cold_requests": 0, "listener_bound_before_answer": 0,
              "start_told_before_answer": 0}
    for i, line in enumerate(lines):
        m = AGENT.search(line)
        if m is None:
            continue
        instance = m.group(1)
        revision = instance.split(".")[1]
        served = next((j for j in range(i, len(lines))
                       if f"activator default/{revision} request" in lines[j]), None)
        if served is None:
            continue
        counts["cold_requests"] += 1
        for key, text in (("listener_bound_before_answer", f"instance {instance} listening at"),
                          ("start_told_before_answer", f"instance {instance} ready at")):
            if any(text in lines[j] for j in range(i, served)):
                counts[key] += 1
    return counts


def first_runs(log_text):
    """The runtime's own lines for each instance's first run: the wait for a worker thread, and
    instantiate plus _start in wall time and in the worker's CPU time (which load moves least)."""
    runs = [tuple(float(g) if g is not None else -1.0 for g in m.groups())
            for m in FIRST_RUN.finditer(log_text)]
    if not runs:
        return None
    med = lambda i: round(statistics.median(r[i] for r in runs), 3)  # noqa: E731
    result = {"n": len(runs), "thread_wait_ms": med(0), "instantiate_and_run_ms": med(1),
              "cpu_ms": med(2)}
    # The worker's minor page faults over the run (-1: not read, or an older skiffd's line): on the
    # bench VM each costs about 13 us of the CPU figure (docs/autoscaling.md, "A new instance's
    # first run: page faults").
    if all(r[3] >= 0 for r in runs):
        result["page_faults"] = med(3)
    return result


def slowest(samples, n=5):
    """The slowest cold requests by the activator's own total, each with its steps (ms): where a
    tail sample's time went."""
    ranked = sorted(samples, key=lambda s: -s["activator_total"])[:n]
    return [{k: round(v, 3) for k, v in s.items()} for s in ranked]


def breakdown(samples):
    keys = STEPS + ["activator_total", "poke_total", "agent_publish_after_grant"]
    return {k: round(statistics.median(s[k] for s in samples if k in s), 3)
            for k in keys if any(k in s for s in samples)}


def warm_up(ctx, skiffd, names, digest, requests, cold_rounds):
    """Warms skiffd's JVM up on the path the samples take, without recording any of it:
    `requests` GETs on one keep-alive connection through the gateway to a service of the same
    module kept at one instance (the gateway, a sidecar, the Wasm run and the module's compiled
    code), `requests` more each on a new connection (what a new connection runs once: the accept,
    the channel's and Vert.x's per-connection set-up, the close; each sample opens one), then
    `cold_rounds` rounds of cold starts over the sampled services (the activator, the agent's start
    and the in-process path, which a sample runs once per cold start). A skiffd that has been
    running has run all three many times; warming it on one connection alone left the
    per-connection and cold-start code interpreted at the samples (docs/autoscaling.md, "A warm
    request on a new connection")."""
    skiffd.deploy("trace-wasm-warm", digest, {"autoscaling.knative.dev/min-scale": "1"})
    wait_for(lambda: (skiffd.call("GET", "/v1/namespaces/default/services/trace-wasm-warm")
                      .get("status") or {}).get("traffic"), 30, 0.05, "trace-wasm-warm's route")
    time.sleep(1)  # as cycle: the gateway follows the store's watch; no API says it has the route
    host, port = skiffd.gateway.removeprefix("http://").split(":")
    headers = {"Host": "trace-wasm-warm.default.localhost"}
    conn = http.client.HTTPConnection(host, int(port), timeout=30)
    try:
        for _ in range(requests):
            conn.request("GET", "/", headers=headers)
            conn.getresponse().read()
    finally:
        conn.close()
    for _ in range(requests):
        conn = http.client.HTTPConnection(host, int(port), timeout=30)
        try:
            conn.request("GET", "/", headers=headers)
            conn.getresponse().read()
        finally:
            conn.close()
    cycle(ctx, skiffd, names, cold_rounds * len(names))


def warm_floor(skiffd, requests):
    """What a request that needs no cold start pays on the samples' client path: `requests` GETs
    to the warm service (min-scale 1, the same module), each by a new curl on a new connection as
    the samples are, timed to the first byte. A cold sample's gateway_and_client is to be read
    against it: the part any request on a new connection pays, cold or not."""
    ttfb = []
    for _ in range(requests):
        code, _, first = curl_first_byte(f"{skiffd.gateway}/", "trace-wasm-warm.default.localhost")
        if code == 200:
            ttfb.append(first)
    return summarize(ttfb)


def run(ctx, traced=True, samples=None, warm_requests=0, warm_cold_rounds=0):
    samples = samples or ctx.pick(30, 100)
    flags = ["--scale-to-zero-grace", "0"]
    if traced:
        flags += ["--log-level", "info,skiff.coldstart=debug"]
    skiffd = Skiffd(ctx, "cold-trace" if traced else "cold-wasm", *flags)
    # skiffd's CPU time (all threads) until ready and over the samples: what load moves least.
    cpu_ready = skiffd.cpu_seconds()
    try:
        digest = skiffd.upload(WASM_DIR / "hello.wasm")
        names = [f"trace-wasm-{i:02d}" for i in range(20)]
        for name in names:
            skiffd.deploy(name, digest, ANNOTATIONS)
        if warm_requests:
            ctx.log(f"cold wasm: warming skiffd up: {warm_requests} warm requests on one connection,"
                    f" {warm_requests} each on a new one, then {warm_cold_rounds} cold start(s) per"
                    " service, not recorded")
            warm_up(ctx, skiffd, names, digest, warm_requests, warm_cold_rounds)
        mark = len(skiffd.log_text())  # the samples' trace lines follow; the warm-up's do not count
        ctx.log(f"cold {'trace' if traced else 'wasm'}: {samples} samples over 20 services")
        cpu_before = skiffd.cpu_seconds()
        threads_before = skiffd.thread_cpu_seconds()
        ttfb, codes = cycle(ctx, skiffd, names, samples)
        cpu_samples = skiffd.cpu_seconds() - cpu_before
        threads_after = skiffd.thread_cpu_seconds()
        by_thread = {k: round(v - threads_before.get(k, 0), 2) for k, v in threads_after.items()
                     if v - threads_before.get(k, 0) >= 0.01}
        floor = warm_floor(skiffd, samples) if warm_requests else None
        result = {"measured": True, "skiffd": skiffd.command, "warm_requests_before": warm_requests,
                  "warm_new_connection_requests_before": warm_requests,
                  "warm_cold_starts_before": warm_cold_rounds * len(names) if warm_requests else 0,
                  "cds": " ".join(ctx.cds_options) or "off",
                  "cpu_s": {"until_ready": round(cpu_ready, 2), "samples": round(cpu_samples, 2),
                            "samples_by_thread": dict(sorted(by_thread.items(),
                                                             key=lambda kv: -kv[1]))},
                  "first_byte_ms": summarize(ttfb),
                  "status_codes": codes,
                  "instance_start_ms": summarize(skiffd.instance_start_ms("trace-wasm-", mark)),
                  "warm_request_first_byte_ms": floor,
                  "raw": ctx.raw_file(f"cold-{'trace' if traced else 'wasm'}"
                                      f"{'-warm' if warm_requests else ''}-ms.txt", ttfb)}
        if traced:
            # Stitch per request: the i-th traced request is the i-th sample only if none is
            # missing, so gateway_and_client pairs samples by order and is dropped otherwise.
            log = skiffd.log_text()[mark:]
            steps = stitch(log, ttfb)
            if len(steps) != len(ttfb):
                for s in steps:
                    s.pop("gateway_and_client", None)
            result["traced_samples"] = len(steps)
            result["median_ms"] = breakdown(steps) if steps else None
            result["before_answer"] = before_answer(log)
            result["wasm_first_run"] = first_runs(log)
            result["slowest"] = slowest(steps) if steps else None
            ctx.log(f"cold trace: the agent's work before the answer {result['before_answer']}")
            ctx.log(f"cold trace: median ms per step {result['median_ms']}")
            ctx.log(f"cold trace: an instance's first Wasm run {result['wasm_first_run']}")
        if floor:
            ctx.log(f"cold wasm: a warm request on a new connection, first byte {floor}")
        return result
    finally:
        skiffd.stop()


def run_untraced(ctx):
    return run(ctx, traced=False, samples=100)


def run_untraced_warm(ctx):
    """cold_wasm on a skiffd warmed up on the samples' own path (warm_up: warm requests on one
    connection and each on a new one, and rounds of cold starts, none recorded): the same cold
    starts (each instance new, from zero) on a JVM past its warm-up, to tell the two apart. Beside
    cold_wasm's figure, not instead of it."""
    return run(ctx, traced=False, samples=100, warm_requests=ctx.pick(500, 2000),
               warm_cold_rounds=ctx.pick(1, 5))


def run_warm(ctx):
    """cold_trace once skiffd's JVM has warmed up (as cold_wasm_warm); run only when asked for."""
    return run(ctx, traced=True, warm_requests=ctx.pick(500, 2000),
               warm_cold_rounds=ctx.pick(1, 5))
