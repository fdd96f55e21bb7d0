"""The speed issue's targets (issue 16) judged against one run's results: for each target the
figure of this run, the peer measured in the same run, met or not, and by how much it is missed.
Every figure comes from the results; what is typed here is the targets themselves and, for a
missed one, where the document explains what its profile shows is left.
"""

from common import ms, sms

MB_IN_MIB = 1_000_000 / 1_048_576  # the issue says 50 MB: 47.7 MiB


def rows(sc):
    """(target, goal, this run, peer in the same run, verdict, left) per target the run measured,
    or a row saying why it was not measured."""
    out = []
    out += _proxy(sc.get("proxy") or {})
    out += _mesh_added(sc.get("mesh") or {})
    out += _wasm_cold(sc.get("cold_start") or {}, sc.get("cold_wasm_warm") or {})
    out += _container_cold(sc.get("cold_start") or {})
    out += _density(sc.get("density") or {}, sc.get("mesh") or {})
    out += _burst(sc.get("burst") or {})
    return out


def _verdict(met, short):
    return "met" if met else f"**NOT met**: {short}"


def _not_measured(target, goal, part):
    return [(target, goal, f"not measured: {part.get('why')}", "–", "–", "")]


def _proxy(p):
    goal_sat, goal_p99 = "≥ 1.0× nginx proxy_pass", "≤ 1.5× nginx's"
    if not p.get("measured"):
        return (_not_measured("16.1 gateway hop, saturation", goal_sat, p)
                + _not_measured("16.1 gateway hop, p99 at 1,000 req/s", goal_p99, p))
    g, n = p["targets"]["gateway"], p["targets"]["nginx"]
    gs, ns = g["saturation"]["requests_per_s"], n["saturation"]["requests_per_s"]
    r = gs / ns
    out = [("16.1 gateway hop, saturation (scenario 1, wrk)", goal_sat, f"{gs:,.0f} req/s",
            f"nginx {ns:,.0f} req/s", _verdict(
                r >= 1.0, f"{r:.2f}×, {(1 - r) * 100:.0f} % ({ns - gs:,.0f} req/s) short"),
            "[section 1](#1-proxy-hop): the two HTTP/1.1 codecs and Vert.x's request and "
            "response objects on each side of the hop; the gateway's own stages are a few "
            "per cent each" if r < 1.0 else "")]
    gq, nq = g["fixed_rate"].get("p99_median_ms"), n["fixed_rate"].get("p99_median_ms")
    if gq is not None and nq is not None:
        r = gq / nq
        out.append(("16.1 gateway hop, p99 at 1,000 req/s (median of rounds)", goal_p99,
                    ms(gq), f"nginx {ms(nq)}",
                    _verdict(r <= 1.5, f"{r:.2f}×, {r - 1.5:.2f}× over"), ""))
    return out


def _mesh_added(m):
    goal = "≤ 0.3 ms"
    lat = m.get("latency") or {}
    if not m.get("measured") or not lat.get("measured"):
        return _not_measured("16.1 full mesh path, p99 added at 1,000 req/s", goal, lat or m)
    out = []
    for key, what, left in (
            ("mesh_on_over_off_ms", "in process, as skiffd ships (mesh on − off)", ""),
            ("mesh_socket_over_off_ms", "over the mTLS socket (mesh on − off)",
             "[section 8](#8-the-mesh): the rounds' own differences spread over several ms at "
             "this machine's load; the TLS records and a second HTTP/1.1 codec")):
        a = lat.get(key)
        if not a:
            continue
        spread = a.get("p99_spread")
        out.append((f"16.1 full mesh path, p99 added at 1,000 req/s, {what}", goal,
                    sms(a["p99"])
                    + (f" (rounds {sms(spread[0])} to {sms(spread[1])})" if spread else ""),
                    "the same gateway with the mesh off",
                    _verdict(a["p99"] <= 0.3, f"by {a['p99'] - 0.3:.3f} ms"),
                    left if a["p99"] > 0.3 else ""))
    return out


def _wasm_cold(c, warm):
    goal = "p50 ≤ 3 ms, p99 ≤ 10 ms (100 runs)"
    wz = c.get("wasm") or {}
    if not c.get("measured") or not wz.get("measured"):
        return _not_measured("16.2 Wasm cold start", goal, wz or c)
    out = []
    for part, what, left in (
            (wz, "a fresh skiffd",
             "[section 4](#4-cold-starts) and docs/autoscaling.md (*The cold path, step by "
             "step*): a fresh JVM runs the path in the interpreter and C1 (the warmed row is "
             "the same path compiled); the gateway's new connection and the instance's first "
             "run"),
            (warm, "skiffd warmed up first",
             "[section 4](#4-cold-starts) and docs/autoscaling.md (*A warm skiffd: what the p50 "
             "is made of*): most of it is what a warm request on a new connection pays too; "
             "then the Wasm step and the agent's turn")):
        if not part.get("measured"):
            continue
        fb = part["first_byte_ms"]
        short = []
        if fb["p50"] > 3:
            short.append(f"p50 by {fb['p50'] - 3:.2f} ms")
        if fb["p99"] > 10:
            short.append(f"p99 by {fb['p99'] - 10:.2f} ms")
        out.append((f"16.2 Wasm cold start through gateway and activator, {what}", goal,
                    f"p50 {ms(fb['p50'])}, p99 {ms(fb['p99'])} ({fb['n']} runs)",
                    "no Wasm peer on this machine", _verdict(not short, ", ".join(short)),
                    left if short else ""))
    return out


def _container_cold(c):
    goal = "p50 ≤ 1.5× bare `runc run`"
    ct, rc = c.get("container") or {}, c.get("runc") or {}
    if not ct.get("measured") or not rc.get("measured"):
        return _not_measured("16.3 container cold start", goal,
                             ct if not ct.get("measured") else rc)
    s, p = ct["first_byte_ms"]["p50"], rc["first_byte_ms"]["p50"]
    r = s / p
    return [("16.3 container cold start, p50 first byte", goal, ms(s), f"bare runc {ms(p)}",
             _verdict(r <= 1.5, f"{r:.2f}×"), "")]


def _density(d, m):
    goal_zero = "≤ 50 MB (47.7 MiB) RSS above an idle skiffd"
    if not d.get("measured"):
        return _not_measured("16.4 1,000 services at zero", goal_zero, d)
    out = []
    n = d["services_at_zero"]
    above = (d["at_zero"]["rss_kib"] - d["baseline"]["rss_kib"]) / 1024
    goal_mib = 50 * MB_IN_MIB
    scaled = f" (the target's 1,000; this run deployed {n:,})" if n != 1000 else ""
    out.append((f"16.4 {n:,} services at zero{scaled}", goal_zero,
                f"{above:.1f} MiB above idle ({d['at_zero']['rss_kib'] / 1024:.1f} against "
                f"{d['baseline']['rss_kib'] / 1024:.1f} MiB)", "no peer run",
                _verdict(n >= 1000 and above <= goal_mib,
                         f"by {above - goal_mib:.1f} MiB" if above > goal_mib
                         else "fewer services than the target's"),
                "[section 6](#6-density): the JIT's code cache (the deploy path's code, +22 MiB, "
                "no single owner), the Java heap G1 keeps resident after the full GC, "
                "metaspace" if above > goal_mib else ""))
    pi = d.get("per_warm_instance_kib")
    if pi:
        out.append(("16.4 an idle warm Wasm instance", "≤ 100 KiB",
                    f"{pi['rss']:,.0f} KiB RSS ({pi['heap']:,.0f} KiB live heap)", "no peer run",
                    _verdict(pi["rss"] <= 100, f"by {pi['rss'] - 100:,.0f} KiB of RSS"
                             + (" (met by live heap)" if pi["heap"] <= 100 else "")),
                    "[section 6](#6-density): RSS per instance is coarse (heap already "
                    "committed is reused, the first cold starts compile code once)"
                    if pi["rss"] > 100 else ""))
    sc = m.get("sidecar_per_instance_kib")
    if sc:
        out.append(("16.4 an idle sidecar (mesh on − off, per idle instance)", "≤ 1 MiB",
                    f"{sc['rss']:,.0f} KiB RSS".replace("-", "−"), "Linkerd's proxy 17-26 MB (published)",
                    _verdict(sc["rss"] <= 1024, f"by {sc['rss'] - 1024:,.0f} KiB"), ""))
    return out


def _burst(b):
    goal = "100 services at zero, 5,000 concurrent requests: zero errors, time reported"
    if not b.get("measured"):
        return _not_measured("16.5 burst", goal, b)
    ok = b["errors"] == 0 and b["services"] >= 100 and b["requests"] >= 5000
    return [("16.5 burst", goal,
             f"{b['errors']:,} errors; last answered after {b['last_answered_s_median']:.2f} s "
             f"(median of {len(b['rounds'])} rounds, at most {b['last_answered_s_max']:.2f} s)",
             "no peer run", _verdict(ok, f"{b['errors']:,} errors"), "")]


def section(w, sc):
    w("## Targets of the speed issue\n")
    w("Issue 16's targets, each judged on this run's figures against the peer measured in the "
      "same run; where one is missed, by how much, and where this document shows what its "
      "profile says is left.\n")
    w("| target | goal | this run | peer, same run | verdict | what is left |")
    w("| --- | --- | --- | --- | --- | --- |")
    for r in rows(sc):
        w("| " + " | ".join(x or "–" for x in r) + " |")
    w("")
