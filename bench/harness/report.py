"""Turns a run's results into bench/results-latest.json, the plots under docs/benchmarks/ and
docs/benchmarks.md. Every figure in the document comes from the JSON; nothing is typed by hand.

    python3 bench/harness/report.py --results bench/results/<timestamp>   # summary, plots, doc
    python3 bench/harness/report.py --summary bench/results-latest.json   # the doc only
"""

import argparse
import json
import math
import shutil
import subprocess
import tempfile
from pathlib import Path

import targets
from common import BENCH, ROOT, ms, sms

DOC = ROOT / "docs" / "benchmarks.md"
PLOTS = ROOT / "docs" / "benchmarks"
SUMMARY = BENCH / "results-latest.json"
SCENARIOS = ["proxy", "wasm_exec", "cold_start", "scaling", "density", "noisy_neighbour", "mesh",
             "events", "mesh_call", "https", "burst", "cold_wasm_warm"]


# -- summary --------------------------------------------------------------------------------------


def collect(results: Path):
    run = json.loads((results / "run.json").read_text())
    summary = {"run": run, "results_dir": str(results.relative_to(ROOT)) if results.is_relative_to(ROOT)
               else str(results), "scenarios": {}}
    for name in SCENARIOS:
        f = results / f"{name}.json"
        summary["scenarios"][name] = (json.loads(f.read_text()) if f.exists()
                                      else {"measured": False, "why": "not run (bench/run --only)"})
    return summary


# -- plots (gnuplot) --------------------------------------------------------------------------------


def plots(summary, results: Path):
    if not shutil.which("gnuplot"):
        return {}
    PLOTS.mkdir(parents=True, exist_ok=True)
    for old in PLOTS.glob("*.png"):  # a plot this run cannot draw must not survive from an older one
        old.unlink()
    made = {}
    tmp = Path(tempfile.mkdtemp(prefix="skiff-plots-"))
    try:
        for name, fn in (("proxy-latency", _plot_proxy), ("warm-latency-vs-rate", _plot_sweep),
                         ("cold-starts", _plot_cold), ("scaling", _plot_scaling),
                         ("mesh-latency", _plot_mesh)):
            script = fn(summary["scenarios"], results, tmp, PLOTS / f"{name}.png")
            if script:
                (tmp / f"{name}.gp").write_text(script)
                subprocess.run(["gnuplot", str(tmp / f"{name}.gp")], check=True, capture_output=True)
                made[name] = f"benchmarks/{name}.png"
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return made


def _nines_file(values, path):
    """Percentile plot data: x = -log10(1 - q), y = value (HdrHistogram style); returns n."""
    v = sorted(values)
    n = len(v)
    with open(path, "w") as f:
        for i, x in enumerate(v):
            q = (i + 0.5) / n
            f.write(f"{-math.log10(1 - q):.5f} {x}\n")
    return n


def _read(results, rel):
    p = results / rel
    return [float(x) for x in p.read_text().split()] if p.exists() else None


HEAD = """set terminal pngcairo noenhanced size 900,520 font ",10"
set output "{out}"
set grid
set key top left
"""
NINES = (("p0", 0), ("p50", 0.301), ("p90", 1), ("p99", 2), ("p99.9", 3), ("p99.99", 4))


def _nines_axis(samples):
    """x axis for percentile plots: the tics the largest sample count reaches, range fixed to data."""
    top = -math.log10(1 / (2 * max(samples)))
    tics = ", ".join(f'"{label}" {x}' for label, x in NINES if x <= top)
    return (f"set xtics ({tics})\nset xrange [0:{top:.4f}]\n"
            'set xlabel "percentile"\nset key bottom right\n')


def _plot_proxy(sc, results, tmp, out):
    s = sc.get("proxy", {})
    if not s.get("measured"):
        return None
    lines, counts = [], []
    for key, t in s["targets"].items():
        vals = _read(results, t["fixed_rate"]["raw"])
        if vals:
            counts.append(_nines_file(vals, tmp / f"proxy-{key}.dat"))
            lines.append(f'"{tmp}/proxy-{key}.dat" using 1:2 with lines lw 2 title "{t["label"]}"')
    if not lines:
        return None
    return (HEAD.format(out=out) + _nines_axis(counts) +
            'set title "Latency at a fixed 1,000 req/s (h2load, HTTP/1.1, 10 connections)"\n'
            'set ylabel "ms"\nset logscale y\n' + "plot " + ", \\\n  ".join(lines) + "\n")


def _plot_mesh(sc, results, tmp, out):
    lat = (sc.get("mesh") or {}).get("latency") or {}
    if not lat.get("measured"):
        return None
    lines, counts = [], []
    for key, t in lat["targets"].items():
        vals = _read(results, t["raw"])
        if vals:
            counts.append(_nines_file(vals, tmp / f"mesh-{key}.dat"))
            lines.append(f'"{tmp}/mesh-{key}.dat" using 1:2 with lines lw 2 title "{t["label"]}"')
    if not lines:
        return None
    return (HEAD.format(out=out) + _nines_axis(counts) +
            'set title "The mesh against nginx with TLS upstream, fixed 1,000 req/s (h2load)"\n'
            'set ylabel "ms"\nset logscale y\n' + "plot " + ", \\\n  ".join(lines) + "\n")


def _plot_sweep(sc, results, tmp, out):
    s = sc.get("proxy", {})
    if not s.get("measured"):
        return None
    rates = sorted({x["target_rate"] for x in s["sweep"]})
    if len(rates) < 2:
        return None
    lines = []
    for target in ("gateway", "nginx_static"):
        rows = sorted((x for x in s["sweep"] if x["target"] == target), key=lambda x: x["target_rate"])
        with open(tmp / f"sweep-{target}.dat", "w") as f:
            for x in rows:
                f.write(f"{x['target_rate']} {x['latency_ms']['p50']} {x['latency_ms']['p99']}\n")
        label = s["targets"][target]["label"]
        lines.append(f'"{tmp}/sweep-{target}.dat" using 1:2 with linespoints lw 2 title "{label}: p50"')
        lines.append(f'"{tmp}/sweep-{target}.dat" using 1:3 with linespoints lw 2 dt 2 title "{label}: p99"')
    return (HEAD.format(out=out) +
            'set title "Latency against request rate (h2load, fixed rate)"\n'
            'set xlabel "req/s"\nset ylabel "ms"\nset logscale y\n'
            + "plot " + ", \\\n  ".join(lines) + "\n")


def _plot_cold(sc, results, tmp, out):
    s = sc.get("cold_start", {})
    lines, counts = [], []
    for key, label in (("wasm", "Skiff, Wasm (hello)"), ("container", "Skiff, container"),
                       ("runc", "bare runc"), ("podman", "podman")):
        part = s.get(key) or {}
        vals = _read(results, part["raw"]) if part.get("measured") else None
        if vals:
            counts.append(_nines_file(vals, tmp / f"cold-{key}.dat"))
            lines.append(f'"{tmp}/cold-{key}.dat" using 1:2 with lines lw 2 title "{label}"')
    if not lines:
        return None
    return (HEAD.format(out=out) + _nines_axis(counts) +
            'set title "Cold start: from zero to the first byte of the first response"\n'
            'set ylabel "ms"\nset logscale y\n' + "plot " + ", \\\n  ".join(lines) + "\n")


def _plot_scaling(sc, results, tmp, out):
    s = sc.get("scaling", {})
    if not s.get("measured"):
        return None
    with open(tmp / "instances.dat", "w") as f:
        for p in s["timeline"]:
            f.write(f"{p['t']} {p['ready']} {p['desired']}\n")
    with open(tmp / "rate.dat", "w") as f:
        for p in s["per_second"]:
            f.write(f"{p['t'] + 0.5} {p['requests']}\n")
    return (HEAD.format(out=out) +
            f'set title "Step from 0 to {s["rate"]} req/s on hello (metric rps, target '
            f'{s["annotations"]["autoscaling.knative.dev/target"]})"\n'
            'set xlabel "seconds since the step"\nset ylabel "instances"\n'
            'set y2label "requests started per second"\nset y2tics\nset ytics nomirror\n'
            'set y2range [0:*]\nset yrange [0:*]\nset boxwidth 1 absolute\n'
            'set key outside bottom center horizontal\n'
            f'set xrange [-1:{s["duration_s"] + 3}]\n'
            f'plot "{tmp}/instances.dat" using 1:2 with steps lw 2 title "ready instances", \\\n'
            f'  "{tmp}/instances.dat" using 1:3 with steps lw 1 dt 2 title "desired instances", \\\n'
            f'  {s["demand_instances"]} with lines lw 1 lc rgb "black" title "demand", \\\n'
            f'  "{tmp}/rate.dat" using 1:2 axes x1y2 with boxes fs transparent solid 0.2 '
            'title "requests started per second (right axis)"\n')


# -- the document -----------------------------------------------------------------------------------


def f0(x):
    return "–" if x is None else f"{x:,.0f}"


def f1(x):
    return "–" if x is None else f"{x:,.1f}"


def f2(x):
    return "–" if x is None else f"{x:,.2f}"


def ratio(a, b):
    return "–" if not a or not b else f"{a / b:.2f}×"


def nm(part):
    return f"not measured: {part.get('why')}"


def render(summary, plot_files):
    run = summary["run"]
    m = run["machine"]
    sc = summary["scenarios"]
    out = []
    w = out.append
    w("# Benchmarks\n")
    w(f"Generated by `bench/run{' --quick' if run['mode'] == 'quick' else ''}` "
      f"({run['mode']} run) from `bench/results-latest.json`, started {run['started']}, "
      f"{f0(run.get('seconds'))} s. Do not edit: run `bench/run` again (`bench/run --quick` for a "
      "smoke run). Raw results, logs and per-request latencies of the run are in "
      f"`{summary['results_dir']}/` (not committed). How it works: [bench/README.md](../bench/README.md).\n")
    if run["mode"] == "quick":
        w("**This is a quick run**: shorter measurements and fewer samples than the full run; "
          "treat the figures as a smoke test.\n")

    w("## Machine\n")
    w("| | |\n| --- | --- |")
    w(f"| CPU | {m['cpu_model']}, {m['cores']} cores |")
    w(f"| memory | {m['memory_gib']} GiB |")
    w(f"| OS, kernel | {m['os']}, Linux {m['kernel']} |")
    w(f"| JDK | {m['jdk']} |")
    w(f"| load average (1, 5, 15 min) at start | {', '.join(f2(x) for x in m['loadavg_start'])} |")
    w(f"| load average at end | {', '.join(f2(x) for x in m.get('loadavg_end') or [])} |")
    w(f"| CPU busy with other work just before the run | {f1(m['cpu_busy_before_start_percent'])} % |")
    dirty = " with uncommitted changes in the tree" if m["git_dirty"] else ""
    w(f"| Skiff commit | {m['git_commit']}{dirty} |")
    if m.get("build_warning"):
        w(f"| build | {m['build_warning']} |")
    if m.get("skiffd_launcher"):
        w(f"| skiffd's launcher settings (bin/skiffd.env, bin/skiffd.jvm-options) | `{m['skiffd_launcher']}` |")
    if m.get("cds"):
        cds = "off" if m["cds"] == "off" else (
            "an archive made at the start of the run by a short training skiffd "
            "(bench/harness/cds.py), mapped by every skiffd of the run, as bin/skiffd does")
        w(f"| class data sharing | {cds} |")
    tools = ", ".join(v if v.lower().startswith(k) else f"{k} {v}" for k, v in m["tools"].items() if v)
    w(f"| tools | {tools} |\n")
    w("Everything runs on this one machine and talks over loopback: the load generator, skiffd and "
      "the peers share its cores, so saturation figures measure the pair (client + server) and "
      "other work on the machine (see the load average) moves them. Ratios between Skiff and a "
      "peer measured minutes apart in the same run are more telling than absolute figures. Each "
      "scenario section gives the load average when it ended.\n")

    w("## Summary\n")
    w("| scenario | Skiff | peer | ratio (Skiff / peer) |\n| --- | --- | --- | --- |")
    for row in summary_rows(sc):
        w("| " + " | ".join(row) + " |")
    w("")
    targets.section(w, sc)

    proxy_section(w, sc.get("proxy"), plot_files)
    wasm_section(w, sc.get("wasm_exec"))
    warm_section(w, sc.get("proxy"), plot_files)
    cold_section(w, sc.get("cold_start"), plot_files, sc.get("cold_wasm_warm"))
    scaling_section(w, sc.get("scaling"), plot_files)
    density_section(w, sc.get("density"))
    noisy_section(w, sc.get("noisy_neighbour"))
    mesh_section(w, sc.get("mesh"), plot_files)
    events_section(w, sc.get("events"))
    mesh_call_section(w, sc.get("mesh_call"))
    https_section(w, sc.get("https"))
    burst_section(w, sc.get("burst"))

    w("## Not measured\n")
    missing = not_measured_list(sc)
    if missing:
        for what, why in missing:
            w(f"- {what}: not measured: {why}")
    else:
        w("Everything listed above was measured in this run.")
    w("")
    return "\n".join(out)


def summary_rows(sc):
    rows = []
    p = sc.get("proxy") or {}
    if p.get("measured"):
        t = p["targets"]
        g, n, d = t["gateway"], t["nginx"], t["direct"]
        gs, ns = g["saturation"]["requests_per_s"], n["saturation"]["requests_per_s"]
        rows.append(["1. proxy hop, saturation (wrk)", f"gateway {f0(gs)} req/s",
                     f"nginx {f0(ns)} req/s", ratio(gs, ns)])
        gp, np_, dp = (x["fixed_rate"]["latency_ms"]["p50"] for x in (g, n, d))
        rows.append(["1. proxy hop, p50 at 1,000 req/s (h2load)",
                     f"gateway {ms(gp)} (+{ms(gp - dp)} over direct)",
                     f"nginx {ms(np_)} (+{ms(np_ - dp)} over direct)", ratio(gp, np_)])
        gq, nq = g["fixed_rate"].get("p99_median_ms"), n["fixed_rate"].get("p99_median_ms")
        if gq is not None and nq is not None:
            rows.append(["1. proxy hop, p99 at 1,000 req/s (median of interleaved rounds)",
                         f"gateway {ms(gq)}", f"nginx {ms(nq)}", ratio(gq, nq)])
    else:
        rows.append(["1. proxy hop", nm(p), "", ""])
    wx = sc.get("wasm_exec") or {}
    if wx.get("measured"):
        c = wx["cpu"]
        comp = c["chicory_compiled"]["results"][0]["score"]
        interp = c["chicory_interpreted"]["results"][0]["score"]
        v8 = c["v8"]["runs"]["mean"]
        rows.append([f"2. Wasm execution, cpu.wasm ({c['input'].split(':')[0]}), time per run",
                     f"Chicory compiled {ms(comp)}, interpreted {ms(interp)}", f"V8 {ms(v8)}",
                     f"compiled {ratio(comp, v8)}, interpreted {ratio(interp, v8)}"])
        hc = _hello(wx, "COMPILED")
        hv = wx["hello"]["v8"]["runs"]["p50"]
        rows.append(["2. hello per request, instantiate + run, median (JMH)",
                     f"Chicory compiled {f1(hc)} µs", f"V8 {f1(hv * 1000)} µs", ratio(hc, hv * 1000)])
    else:
        rows.append(["2. Wasm execution", nm(wx), "", ""])
    if p.get("measured"):
        g = p["targets"]["gateway"]
        s = p["targets"]["nginx_static"]
        rows.append(["3. warm hello through the gateway, saturation",
                     f"{f0(g['saturation']['requests_per_s'])} req/s",
                     f"nginx static body {f0(s['saturation']['requests_per_s'])} req/s",
                     ratio(g["saturation"]["requests_per_s"], s["saturation"]["requests_per_s"])])
    c = sc.get("cold_start") or {}
    if c.get("measured"):
        wz = c.get("wasm") or {}
        rows.append(["4. cold start, Wasm, p50 / p99 first byte",
                     f"{ms(wz['first_byte_ms']['p50'])} / {ms(wz['first_byte_ms']['p99'])}"
                     if wz.get("measured") else nm(wz), "no Wasm peer", "–"])
        ww = sc.get("cold_wasm_warm") or {}
        if ww.get("measured"):
            rows.append(["4. cold start, Wasm, skiffd warmed up first, p50 / p99 first byte",
                         f"{ms(ww['first_byte_ms']['p50'])} / {ms(ww['first_byte_ms']['p99'])}",
                         "no Wasm peer", "–"])
        ct, rc, pd = c.get("container") or {}, c.get("runc") or {}, c.get("podman") or {}
        skiff = f"{ms(ct['first_byte_ms']['p50'])}" if ct.get("measured") else nm(ct)
        peers = []
        if rc.get("measured"):
            peers.append(f"bare runc {ms(rc['first_byte_ms']['p50'])}")
        if pd.get("measured"):
            peers.append(f"podman {ms(pd['first_byte_ms']['p50'])}")
        rat = []
        if ct.get("measured") and rc.get("measured"):
            rat.append(f"vs runc {ratio(ct['first_byte_ms']['p50'], rc['first_byte_ms']['p50'])}")
        if ct.get("measured") and pd.get("measured"):
            rat.append(f"vs podman {ratio(ct['first_byte_ms']['p50'], pd['first_byte_ms']['p50'])}")
        rows.append(["4. cold start, container, p50 first byte", skiff, ", ".join(peers) or "–",
                     ", ".join(rat) or "–"])
    else:
        rows.append(["4. cold starts", nm(c), "", ""])
    s = sc.get("scaling") or {}
    if s.get("measured"):
        met = s["time_to_meet_demand_s"]
        rows.append([f"5. step 0 → {f0(s['rate'])} req/s: time until ready instances meet demand",
                     (f"{f1(met)} s" if met is not None else "demand not met") +
                     f", {f0(s['errors_non_2xx'])} errors", "no peer run", "–"])
    else:
        rows.append(["5. scaling", nm(s), "", ""])
    d = sc.get("density") or {}
    if d.get("measured"):
        rows.append([f"6. memory per service at zero ({f0(d['services_at_zero'])} services)",
                     f"{f0(d['per_service_at_zero_kib']['rss'])} KiB RSS, "
                     f"{f0(d['per_service_at_zero_kib']['heap'])} KiB live heap", "no peer run", "–"])
    else:
        rows.append(["6. density", nm(d), "", ""])
    rows += _mesh_rows(sc.get("mesh") or {})
    e = sc.get("events") or {}
    if e.get("skiff"):
        rows.append([f"9. Kafka events delivered to a Wasm function ({f0(e['records'])} records of "
                     f"{f0(e['record_bytes'])} B, unordered)",
                     f"{f0(_by_status(e['skiff']))} events/s"
                     + (f" ({f0(e['skiff']['events_per_sec_by_answers'])} by the function's "
                        "answers)" if e["skiff"].get("events_per_sec_by_answers") else ""),
                     f"Kafka's consumer perf tool {f0(e['perf_tool']['nMsg_sec'])} msg/s",
                     f"{_ratio(_by_status(e['skiff']), e):.3f}×"])
        ew = e.get("skiff_warmed")
        if ew:
            med = ew.get("median")
            rounds = len(ew.get("rounds") or [])
            rows.append(["9. the same, skiffd warmed up first (another trigger delivered "
                         f"{f0(ew['warmup_records'])} records before)"
                         + (f", median of {rounds} rounds" if med else ""),
                         (f"{f0(med['events_per_sec_by_status'] or med['events_per_sec'])} events/s"
                          f" ({f0(med['events_per_sec_by_answers'])} by the function's answers)"
                          if med else
                          f"{f0(ew['events_per_sec'])} events/s "
                          f"({f0(ew['events_per_sec_by_answers'])} by the function's answers)"),
                         f"Kafka's consumer perf tool {f0(e['perf_tool']['nMsg_sec'])} msg/s",
                         f"{_ratio(med['events_per_sec_by_status'] or med['events_per_sec'], e):.3f}×"
                         if med else f"{ew['ratio_to_perf_tool']:.3f}×"])
    elif e:
        rows.append(["9. events", nm(e), "", ""])
    mc = sc.get("mesh_call") or {}
    if mc.get("measured"):
        added = mc["outbound_mesh_added_ms"]
        rows.append(["10. Wasm -> Wasm call, mesh added at 1,000 req/s (p50 / p99)",
                     f"{sms(added['p50'])} / {sms(added['p99'])}", "target ≤ 0.3 ms at p99", "–"])
    elif mc:
        rows.append(["10. function-to-function calls", nm(mc), "", ""])
    h = sc.get("https") or {}
    if h.get("measured"):
        g, n = h["targets"]["gateway"], h["targets"]["nginx"]
        rows.append(["11. HTTPS throughput, 64 connections, HTTP/1.1 (gateway TLS vs nginx TLS, "
                     "same backend)", f"{f0(g['saturation_h1']['requests_per_s'])} req/s",
                     f"nginx {f0(n['saturation_h1']['requests_per_s'])} req/s",
                     ratio(g["saturation_h1"]["requests_per_s"],
                           n["saturation_h1"]["requests_per_s"])])
        rows.append(["11. HTTPS p99 at 1,000 req/s (HTTP/1.1)",
                     ms(g["fixed_rate"]["latency_ms"]["p99"]),
                     f"nginx {ms(n['fixed_rate']['latency_ms']['p99'])}",
                     ratio(g["fixed_rate"]["latency_ms"]["p99"], n["fixed_rate"]["latency_ms"]["p99"])])
    elif h:
        rows.append(["11. https", nm(h), "", ""])
    b = sc.get("burst") or {}
    if b.get("measured"):
        rows.append([f"12. burst: {f0(b['requests'])} concurrent requests over {f0(b['services'])} "
                     "services at zero: time until the last is answered",
                     f"{f2(b['last_answered_s_median'])} s (median of {len(b['rounds'])} rounds), "
                     f"{f0(b['errors'])} errors", "no peer run", "–"])
    elif b:
        rows.append(["12. burst", nm(b), "", ""])
    return rows


def _mesh_rows(m):
    if not m.get("measured"):
        return [["8. mesh", nm(m), "", ""]]
    rows = []
    lat = m.get("latency") or {}
    if lat.get("measured"):
        added = lat["added_over_direct_ms"]
        names = {"on": "mesh on", "on_socket": "mesh on over the socket", "off": "mesh off"}
        skiff = [f"{names[mode]}: {sms(added[f'gateway_{mode}']['p99'])}"
                 for mode in ("on", "on_socket", "off") if added.get(f"gateway_{mode}")]
        tls = added.get("nginx_tls")
        rows.append(["8. mesh, p99 added over direct at 1,000 req/s (gateway [+ sidecar])",
                     ", ".join(skiff), f"nginx → TLS → nginx {sms(tls['p99'])}" if tls else "–",
                     ratio(added.get("gateway_on", {}).get("p99"), tls["p99"] if tls else None)])
        sat = _mesh_saturation(lat)
        if sat:
            rows.append(["8. mesh, saturation (wrk -t2 -c64): the gateway as it ships (mesh on, "
                         "sidecar entered in process) against nginx proxy_pass",
                         f"gateway, mesh on {f0(sat['gateway_on'])} req/s (mesh off "
                         f"{f0(sat.get('gateway_off'))}, mesh on over the socket "
                         f"{f0(sat.get('gateway_on_socket'))})",
                         f"nginx {f0(sat['nginx'])} req/s (nginx → TLS → nginx "
                         f"{f0(sat.get('nginx_tls'))})",
                         ratio(sat["gateway_on"], sat["nginx"])])
    sc = m.get("sidecar_per_instance_kib")
    rows.append(["8. mesh, sidecar memory per idle instance (RSS, on − off)",
                 f"{f0(sc['rss'])} KiB" if sc else "not measured: needs both modes",
                 "Linkerd proxy 17-26 MB (published)", "–"])
    c = m.get("cold_start_on_over_off_ms")
    rows.append(["8. mesh, Wasm cold start p50 (on − off)",
                 sms(c["p50"]) if c else "not measured: needs both modes", "–", "–"])
    return rows


def _mesh_saturation(lat):
    """Each path's median saturation (req/s), when the run measured the gateway as it ships and
    nginx's plain hop; None for a run from before the scenario measured saturation."""
    sat = {k: (t.get("saturation") or {}).get("requests_per_s")
           for k, t in (lat.get("targets") or {}).items() if t.get("measured", True)}
    sat = {k: v for k, v in sat.items() if v}
    return sat if sat.get("gateway_on") and sat.get("nginx") else None


def _hello(wx, mode):
    for r in wx["hello"]["jmh"]["results"]:
        if r["params"].get("mode") == mode:
            return r["percentiles"].get("50.0")
    return None


def _by_status(r):
    """Events/s by the status: from its lastDeliveredAt when the run has it, else as read."""
    return r.get("events_per_sec_by_status") or r["events_per_sec"]


def _ratio(rate, e):
    perf = float(e["perf_tool"]["nMsg_sec"] or 0)
    return rate / perf if perf > 0 else 0


def events_section(w, e):
    w("## 9. Events from Kafka\n")
    if not e or not e.get("skiff"):
        w(nm(e or {}) + "\n")
        return
    sk, pt = e["skiff"], e["perf_tool"]
    w(f"`{e['command']}`: a KRaft broker on loopback (Kafka's test kit), one topic of "
      f"{e['partitions']} partitions holding {f0(e['records'])} records of {f0(e['record_bytes'])} "
      f"bytes, a skiffd with the `event` Wasm function and an unordered trigger (max in flight "
      f"{e['max_in_flight']}) on it; beside it Kafka's own consumer perf tool reads the same topic. "
      f"{e.get('note', '')}.\n")
    w("| | records | time | rate |\n| --- | --- | --- | --- |")
    if sk.get("events_per_sec_by_status"):
        w(f"| Skiff: delivered to the function as CloudEvents, by the status's `lastDeliveredAt` "
          f"| {f0(sk['delivered'])} | {f2(sk['last_delivered_after_s'])} s | "
          f"**{f0(sk['events_per_sec_by_status'])} events/s** |")
    w(f"| Skiff: the same, until the driver read that status (written every 2 s) "
      f"| {f0(sk['delivered'])} | {f2(sk['seconds'])} s | {f0(sk['events_per_sec'])} events/s |")
    by_answers = sk.get("events_per_sec_by_answers")
    if by_answers:
        w(f"| the same, ends read from the function sidecar's count of 2xx answers (every 100 ms) "
          f"| {f0(sk['delivered'])} | {f2(sk['all_answered_after_s'])} s | "
          f"**{f0(by_answers)} events/s** |")
    w(f"| Kafka's consumer perf tool (fetch only: {f0(pt['fetch_nMsg_sec'])} msg/s) | "
      f"{f0(e['records'])} | – | {f0(pt['nMsg_sec'])} msg/s |")
    w("")
    w(f"- First delivery {f2(sk['first_delivery_after_s'])} s after the trigger's creation by the "
      "status" + (f", first 2xx answer {f2(sk['first_answer_after_s'])} s" if by_answers else "")
      + f"; steady rate (first offset commit to the last) {f0(sk['steady_events_per_sec'])} "
      f"events/s; skiffd's CPU {f1(sk['skiffd_cpu_us_per_event'])} µs per event over the run, "
      f"{f1(sk['skiffd_cpu_us_per_event_second_half'])} µs in its second half.")
    w(f"- Ratio {_ratio(_by_status(sk), e):.3f}× the perf tool (by the status). The issue's target is "
      f"≥ 20,000 events/s: **{'met' if _by_status(sk) >= 20000 else 'NOT met'}** by the "
      "status" + (f", **{'met' if by_answers >= 20000 else 'NOT met'}** by the answers"
      if by_answers else "") + ".\n")
    ew = e.get("skiff_warmed")
    if ew and ew.get("rounds"):
        med = ew["median"]
        w(f"skiffd warmed up first: a second skiffd whose dispatcher first delivered "
          f"{f0(ew['warmup_records'])} records of another topic through another trigger (deleted), "
          f"then {len(ew['rounds'])} measured rounds in that skiffd, each a new trigger on a new "
          "topic of as many records (the previous trigger deleted):\n")
        w("| round | events/s by the status (`lastDeliveredAt`) | by the answers | steady | "
          "first 2xx answer | skiffd CPU µs per event (run; second half) | load (1 min) before; after |")
        w("| --- | ---: | ---: | ---: | ---: | ---: | --- |")
        for i, r in enumerate(ew["rounds"], 1):
            w(f"| {i} | {f0(_by_status(r))} | {f0(r['events_per_sec_by_answers'])} | "
              f"{f0(r['steady_events_per_sec'])} | {f2(r['first_answer_after_s'])} s | "
              f"{f1(r['skiffd_cpu_us_per_event'])}; {f1(r['skiffd_cpu_us_per_event_second_half'])} | "
              f"{r['load_average_before'].split()[0]}; {r['load_average_after'].split()[0]} |")
        w(f"| **median** | **{f0(med['events_per_sec_by_status'] or med['events_per_sec'])}** | "
          f"**{f0(med['events_per_sec_by_answers'])}** | {f0(med['steady_events_per_sec'])} | | "
          f"–; {f1(med['skiffd_cpu_us_per_event_second_half'])} | |")
        w("")
        w(f"- Warmed, median: ratio {med['ratio_to_perf_tool']:.3f}× the perf tool (by the "
          f"answers). Target ≥ 20,000 events/s: "
          f"**{'met' if med['events_per_sec_by_answers'] >= 20000 else 'NOT met'}** by the "
          f"answers, **{'met' if (med['events_per_sec_by_status'] or 0) >= 20000 else 'NOT met'}**"
          " by the status.")
    elif ew:
        w(f"- skiffd warmed up first (a second skiffd whose dispatcher first delivered "
          f"{f0(ew['warmup_records'])} records of another topic through another trigger, deleted "
          "before the measured one was created; the same topic, a new consumer group): "
          f"**{f0(ew['events_per_sec'])} events/s** by the status, "
          f"**{f0(ew['events_per_sec_by_answers'])}** by the answers, first 2xx answer "
          f"{f2(ew['first_answer_after_s'])} s, steady {f0(ew['steady_events_per_sec'])} events/s, "
          f"skiffd's CPU {f1(ew['skiffd_cpu_us_per_event'])} µs per event over the run, "
          f"{f1(ew['skiffd_cpu_us_per_event_second_half'])} µs in its second half; ratio "
          f"{ew['ratio_to_perf_tool']:.3f}× the perf tool (by the status). Target ≥ 20,000 "
          f"events/s: **{'met' if ew['events_per_sec_by_answers'] >= 20000 else 'NOT met'}** "
          "by the answers.")
    for label, r in (("fresh", sk), ("warmed", ew or {})):
        th = r.get("threads_second_half") if r else None
        if th:
            parts = ", ".join(f"{k.replace('_', ' ')} {f1(v)}"
                              for k, v in sorted(th["us_per_event"].items(), key=lambda x: -x[1]))
            w(f"- skiffd's CPU by thread group in the second half ({label}, µs per event): "
              f"{parts}; busiest thread {th['busiest_thread']} at "
              f"{th['busiest_thread_cores']:.2f} of a core.")
    w("")
    _end(w, e)


def mesh_call_section(w, mc):
    w("## 10. Function-to-function calls\n")
    if not mc or not mc.get("measured"):
        w(nm(mc or {}) + "\n")
        return
    w("The `caller` example (Wasm, `wasi_experimental_http`) calls `hello` through the mesh by name "
      "(`mesh_call`, skiffd --mesh on) and, beside it, calls hello's plaintext listener listed in "
      "its `allowedHosts` (`direct_call`, skiffd --mesh off); both through their gateway at a "
      f"fixed 1,000 req/s ({mc.get('connections', 10)} HTTP/1.1 connections), {mc['rounds']} "
      f"interleaved round(s) of {mc['seconds_per_round']} s after a {mc['warmup_s']} s warm-up. "
      "hello alone through each gateway gives the ingress side's own mesh cost, which both caller "
      "paths pay.\n")
    short = [k for k, t in mc["targets"].items() if t.get("rate_held") is False]
    if short:
        w(f"**Rate not held** by {', '.join(short)} (under 95 % of 1,000 req/s): those latencies "
          "are at a lower rate than the others', so the differences below compare unequal loads.\n")
    w("| path | p50 | p99 | p99.9 | achieved rate | errors |\n| --- | --- | --- | --- | --- | --- |")
    for key, t in mc["targets"].items():
        lat = t["latency_ms"]
        w(f"| {key}: {t['label']} | {ms(lat['p50'])} | {ms(lat['p99'])} | {ms(lat.get('p999'))} "
          f"| {f0(t['achieved_rate'])}/s | {f0(t['errors'])} |")
    w("")
    a = mc["outbound_mesh_added_ms"]
    verdict = ("not judged (a path did not hold the rate)" if short
               else "met" if a["p99"] <= 0.3 else "NOT met")
    per = mc.get("outbound_mesh_added_per_round_ms")
    pooled = mc.get("outbound_mesh_added_pooled_ms")
    how = ("median of the rounds' own differences" if per else "all rounds' samples pooled")
    w(f"The mesh's share of a call (mesh_call − direct_call − (hello on − off), {how}): p50 "
      f"{sms(a['p50'])}, p99 {sms(a['p99'])}; target ≤ 0.3 ms at p99: "
      f"**{verdict}**.\n")
    if per:
        w(f"- Each round's share at p99: {', '.join(sms(v) for v in per['p99'])}; at p50: "
          f"{', '.join(sms(v) for v in per['p50'])}. From all rounds' samples pooled: p50 "
          f"{sms(pooled['p50'])}, p99 {sms(pooled['p99'])}.\n")
    _end(w, mc)


def https_section(w, h):
    w("## 11. HTTPS at the gateway\n")
    if not h or not h.get("measured"):
        w(nm(h or {}) + "\n")
        return
    w(f"`{h['skiffd']}` with the domain `bench.example.test` mapped to hello (certificate uploaded, "
      f"{h['certificate']}); nginx terminating TLS in front of the same instance. h2load with "
      "`--connect-to` (SNI without DNS); every figure is the client and the server sharing this "
      "machine.\n")
    if h.get("gateway_tls_engine"):
        w(f"The gateway's TLS engine, as skiffd logged it: {h['gateway_tls_engine']}.\n")
    w("| target | HTTP/1.1, 64 conn. | HTTP/2, 16 conn. × 4 streams | 1,000 req/s p50 | p99 | "
      "errors |\n| --- | --- | --- | --- | --- | --- |")
    for key in ("gateway", "nginx"):
        t = h["targets"][key]
        f = t["fixed_rate"]
        errors = t["saturation_h1"]["errors"] + t["saturation_h2"]["errors"] + f["errors"]
        w(f"| {t['label']} | {f0(t['saturation_h1']['requests_per_s'])} req/s | "
          f"{f0(t['saturation_h2']['requests_per_s'])} req/s | {ms(f['latency_ms']['p50'])} | "
          f"{ms(f['latency_ms']['p99'])} | {f0(errors)} |")
    w("")
    _end(w, h)


def _end(w, part):
    w(f"*Scenario time {f0(part.get('seconds'))} s; load average when it ended: "
      f"{', '.join(f2(x) for x in part.get('loadavg_after') or [])}.*\n")


def _img(w, plot_files, name, alt):
    if name in plot_files:
        w(f"![{alt}]({plot_files[name]})\n")


def proxy_section(w, p, plot_files):
    w("## 1. Proxy hop\n")
    if not p or not p.get("measured"):
        w(nm(p or {}) + "\n")
        return
    w(f"The backend is the `hello` Wasm function's instance listener ({p['backend']}; revision "
      f"{p['revision']}), measured direct, behind nginx `proxy_pass` with a keepalive upstream, "
      "and behind Skiff's gateway. Saturation: `wrk -t2 -c64`, "
      f"{p['rounds']} interleaved round(s) after {p['warmup_s']} s of JIT warm-up through the "
      "gateway (median of the rounds). Latency: `h2load --h1` at a fixed 1,000 req/s (10 "
      "connections × 100 req/s), percentiles over every request from h2load's per-request log. "
      f"skiffd: `{p['skiffd']}`.\n")
    w("| path | saturation req/s | errors | p50 @1k/s | p99 @1k/s | p99.9 @1k/s | achieved rate |")
    w("| --- | --- | --- | --- | --- | --- | --- |")
    for key in ("direct", "nginx", "gateway"):
        t = p["targets"][key]
        lat = t["fixed_rate"]["latency_ms"]
        w(f"| {t['label']} | {f0(t['saturation']['requests_per_s'])} | "
          f"{t['saturation']['errors'] + t['fixed_rate']['non_2xx'] + t['fixed_rate']['errors']} | "
          f"{ms(lat['p50'])} | {ms(lat['p99'])} | {ms(lat['p999'])} | {f0(t['fixed_rate']['achieved_rate'])}/s |")
    g, n, d = (p["targets"][k] for k in ("gateway", "nginx", "direct"))
    gl, nl, dl = (x["fixed_rate"]["latency_ms"] for x in (g, n, d))
    w("")
    gs, ns, ds = (x["saturation"]["requests_per_s"] for x in (g, n, d))
    w(f"- Throughput, gateway / nginx: **{ratio(gs, ns)}**; gateway / direct: {ratio(gs, ds)}; "
      f"nginx / direct: {ratio(ns, ds)}.")
    w(f"- Added latency at p50 over direct: gateway {ms(gl['p50'] - dl['p50'])}, nginx "
      f"{ms(nl['p50'] - dl['p50'])} (gateway / nginx p50 **{ratio(gl['p50'], nl['p50'])}**, "
      f"p99 {ratio(gl['p99'], nl['p99'])}).")
    gf, nf = g["fixed_rate"], n["fixed_rate"]
    if gf.get("p99_median_ms") is not None:
        w(f"- p99 at 1,000 req/s, median of {gf['rounds']} interleaved rounds (spread = the rounds' "
          f"lowest and highest): gateway {ms(gf['p99_median_ms'])} ({ms(gf['p99_spread_ms'][0])}–"
          f"{ms(gf['p99_spread_ms'][1])}), nginx {ms(nf['p99_median_ms'])} "
          f"({ms(nf['p99_spread_ms'][0])}–{ms(nf['p99_spread_ms'][1])}): gateway / nginx "
          f"**{ratio(gf['p99_median_ms'], nf['p99_median_ms'])}** (target ≤ 1.5×).")
    if gf.get("skiffd_cpu_us_per_request") is not None:
        w(f"- skiffd's CPU time per request at 1,000 req/s through the gateway (gateway and "
          f"instance, all threads): {f0(gf['skiffd_cpu_us_per_request'])} µs.")
    w(f"- Commands (gateway): `{g['saturation']['runs'][0]['command']}`; "
      f"`{g['fixed_rate']['command']}`.\n")
    _jmh_table(
        w, "GatewayRequestBenchmark", p.get("jmh"),
        "(one GET round trip over loopback in one JVM, one request at a time; `services` = routes "
        "in the table, requests spread over them; allocated = bytes the whole JVM allocated per "
        "round trip, client and backend included, from `-prof gc`)",
        [("services", lambda r: str(r["params"].get("services", ""))),
         ("median", lambda r: f"{f1(r['percentiles'].get('50.0'))} µs"),
         ("p99", lambda r: f"{f1(r['percentiles'].get('99.0'))} µs"),
         ("mean", lambda r: f"{f1(r['score'])} µs"),
         ("allocated", _alloc)])
    _jmh_table(
        w, "DeadlinesBenchmark", p.get("jmh_deadlines"),
        "(a request's deadline started and cancelled on its event loop, 10 others pending: a "
        "Vert.x timer set and cancelled, as the gateway's route timeout and the sidecar's request "
        "timeout did, against `Deadlines`, as they do now)",
        [("mean", lambda r: f"{f1(r['score'])} ns"), ("error", _error_ns)])
    _jmh_table(
        w, "InProcessHeadersBenchmark", p.get("jmh_in_process_headers"),
        "(a request handed in process, to the activator or a sidecar, given its hop's headers: "
        "`byNames`, as the gateway and the activator did it, against `inOnePass`, "
        "`InProcessHeaders.replace`; `mapOnly` is the request map alone; allocated from "
        "`-prof gc`)",
        [("mean", lambda r: f"{f1(r['score'])} ns"), ("error", _error_ns),
         ("allocated", _alloc)])
    _img(w, plot_files, "proxy-latency", "latency percentiles at 1,000 req/s")
    notes = BENCH / "notes" / "proxy.md"
    if notes.exists():
        w(notes.read_text().strip() + "\n")
    _end(w, p)


def _alloc(r):
    a = r.get("alloc_bytes_per_op")
    return f"{f0(a)} B" if a is not None else "–"


def _error_ns(r):
    return f"±{f1(r['error'])} ns" if r.get("error") is not None else "–"


def _jmh_table(w, name, result, what, columns):
    """A JMH result as a table: one row a benchmark, `columns` (header, cell of a result) after its name."""
    if not result:
        return
    if not result.get("results"):
        w(f"JMH `{name}`: not measured: {result.get('why')}\n")
        return
    w(f"JMH `{name}` {what}:\n")
    w("| benchmark | " + " | ".join(h for h, _ in columns) + " |\n"
      "| --- | " + " | ".join("---" for _ in columns) + " |")
    for r in result["results"]:
        w(f"| {r['benchmark']} | " + " | ".join(cell(r) for _, cell in columns) + " |")
    w(f"\nCommand: `{result['command']}`.\n")


def wasm_section(w, wx):
    w("## 2. Wasm execution\n")
    if not wx or not wx.get("measured"):
        w(nm(wx or {}) + "\n")
        return
    c = wx["cpu"]
    v8 = c["v8"]
    w(f"`{c['module']}` ({c['input']}); every engine printed digest `{c['digest'][:16]}…`. "
      "Chicory runs it through Skiff's `WasmRuntime`/`WasmFunction` (a fresh instance per run, "
      "as per request) under JMH (`bench/jmh`, `CpuBenchmark`, average time per run); V8 runs "
      "it through `node:wasi` with the module compiled once and a fresh instance and WASI "
      f"context per run (`bench/node/wasi-run.mjs`, {v8['runs']['n']} timed runs after warm-up).\n")
    w("| engine | time per run | ± (99.9 % CI) | vs V8 |\n| --- | --- | --- | --- |")
    for key, label in (("chicory_compiled", "Chicory compiler (JVM bytecode)"),
                       ("chicory_interpreted", "Chicory interpreter")):
        r = c[key]["results"][0]
        w(f"| {label} | {ms(r['score'])} | {ms(r['error'])} | {ratio(r['score'], v8['runs']['mean'])} |")
    w(f"| {v8['engine']} | {ms(v8['runs']['mean'])} (p50 {ms(v8['runs']['p50'])}) | – | 1.00× |\n")
    w(f"Commands: `{c['chicory_compiled']['command']}`; `{c['chicory_interpreted']['command']}`; "
      f"`{v8['command']}`.\n")
    w("### Per-request instantiate + run of hello (JMH)\n")
    h = wx["hello"]
    w("`HelloRequestBenchmark`: one request to `hello` through `WasmFunction.handle` — a fresh "
      "instance with fresh memory, `_start`, the CGI response parsed, including the hand-off to "
      "the runtime's pool thread and back — in JMH sample-time mode. The V8 row is the same "
      "module instantiated and run per request by node:wasi.\n")
    w("| engine | median | p90 | p99 | p99.9 | mean |\n| --- | --- | --- | --- | --- | --- |")
    for r in h["jmh"]["results"]:
        pc = r["percentiles"]
        w(f"| Chicory {r['params'].get('mode', '').lower()} | {f1(pc.get('50.0'))} µs | "
          f"{f1(pc.get('90.0'))} µs | {f1(pc.get('99.0'))} µs | {f1(pc.get('99.9'))} µs | {f1(r['score'])} µs |")
    vr = h["v8"]["runs"]
    w(f"| {h['v8']['engine']} | {f1(vr['p50'] * 1000)} µs | {f1(vr['p90'] * 1000)} µs | "
      f"{f1(vr['p99'] * 1000)} µs | {f1(vr['p999'] * 1000)} µs | {f1(vr['mean'] * 1000)} µs |\n")
    med = _hello(wx, "COMPILED")
    verdict = "met" if med is not None and med < 100 else "NOT met"
    w(f"Target from the Wasm issue, median under 100 µs compiled: **{verdict}** ({f1(med)} µs). "
      f"Command: `{h['jmh']['command']}`.\n")
    st = (wx.get("instance_start") or {}).get("jmh")
    if st:
        w("### The Wasm half of an instance start, module in memory (JMH)\n")
        w("`InstanceStartBenchmark`: `reuseInMemory` is what the node's Wasm backend does first on a "
          "start (`WasmRuntime.reuse` by the module's sha-256: no read, no hash, no trial "
          "instantiation); `loadBytesAgain` is a load of the same bytes (hash, checks, trial "
          "instantiation), what every start did before, besides reading the blob from disk.\n")
        w("| benchmark | median | p99 | mean |\n| --- | --- | --- | --- |")
        for r in st["results"]:
            pc = r["percentiles"]
            w(f"| {r['benchmark']} | {f1(pc.get('50.0'))} µs | {f1(pc.get('99.0'))} µs | "
              f"{f1(r['score'])} µs |")
        w(f"\nCommand: `{st['command']}`.\n")
    _end(w, wx)


def warm_section(w, p, plot_files):
    w("## 3. Warm Wasm requests through the gateway\n")
    if not p or not p.get("measured"):
        w(nm(p or {}) + "\n")
        return
    g, s = p["targets"]["gateway"], p["targets"]["nginx_static"]
    w("`hello` (warm, one instance) through the gateway, against nginx answering a static "
      "13-byte body itself: the most an HTTP server does on this machine with no work behind "
      "it. Same tools and parameters as scenario 1 (same skiffd).\n")
    gs, ss = g["saturation"]["requests_per_s"], s["saturation"]["requests_per_s"]
    w(f"- Saturation (`wrk -t2 -c64`): gateway → hello **{f0(gs)} req/s**, nginx static "
      f"{f0(ss)} req/s (ratio {ratio(gs, ss)}); wrk's latency at saturation: gateway p50 "
      f"{ms(_wrk_lat(g, 'p50'))}, p99 {ms(_wrk_lat(g, 'p99'))}.\n")
    w("| target | rate asked | achieved | p50 | p90 | p99 | p99.9 | non-2xx + errors |")
    w("| --- | --- | --- | --- | --- | --- | --- | --- |")
    for x in p["sweep"]:
        lat = x["latency_ms"]
        w(f"| {p['targets'][x['target']]['label']} | {f0(x['target_rate'])}/s | {f0(x['achieved_rate'])}/s | "
          f"{ms(lat['p50'])} | {ms(lat['p90'])} | {ms(lat['p99'])} | {ms(lat['p999'])} | "
          f"{x['non_2xx'] + x['errors']} |")
    w("")
    _img(w, plot_files, "warm-latency-vs-rate", "latency against request rate")
    if "warm-latency-vs-rate" not in plot_files:
        w("(The rate sweep — 500, 2,000 and 4,000 req/s besides 1,000 — and its plot are in "
          "the full run only.)\n")


def _wrk_lat(t, key):
    runs = t["saturation"]["runs"]
    return sorted(r["latency_ms"][key] for r in runs)[len(runs) // 2] if runs else None


def cold_section(w, c, plot_files, warm=None):
    w("## 4. Cold starts\n")
    if not c or not c.get("measured"):
        w(nm(c or {}) + "\n")
        return
    w(f"From a revision at zero to the first byte of its first response, through the gateway. "
      f"skiffd: `{c.get('skiffd')}`.\n")
    w("| what | samples | p50 | p90 | p99 | max | instance start p50 (agent log) |")
    w("| --- | --- | --- | --- | --- | --- | --- |")
    for key, label in (("wasm", "Skiff, Wasm (hello)"), ("container", "Skiff, container"),
                       ("runc", "bare runc (peer)"),
                       ("runc_skiff_config", "bare runc, Skiff's config.json (peer)"),
                       ("podman", "podman (peer)")):
        part = c.get(key) or {}
        if not part.get("measured"):
            w(f"| {label} | {nm(part)} | | | | | |")
            continue
        fb = part["first_byte_ms"]
        inst = part.get("instance_start_ms") or {}
        w(f"| {label} | {fb['n']} | {ms(fb['p50'])} | {ms(fb['p90'])} | {ms(fb['p99'])} | {ms(fb['max'])} | "
          f"{ms(inst.get('p50')) if inst else '–'} |")
        if key == "wasm" and warm and warm.get("measured"):
            fb, inst = warm["first_byte_ms"], warm.get("instance_start_ms") or {}
            if inst.get("n") != fb["n"]:
                inst = {}  # runs before 8324cbe counted the warm-up's starts too
            w(f"| Skiff, Wasm (hello), skiffd warmed up first | {fb['n']} | {ms(fb['p50'])} | "
              f"{ms(fb['p90'])} | {ms(fb['p99'])} | {ms(fb['max'])} | "
              f"{ms(inst.get('p50')) if inst else '–'} |")
    w("")
    if warm and warm.get("measured"):
        w(f"- Wasm, skiffd warmed up first (`cold_wasm_warm`, its own skiffd `{warm.get('skiffd')}`): "
          f"the same 100 cold starts (20 services of hello at zero, round-robin, each sample a new "
          f"instance from zero) after skiffd's JVM has served {warm['warm_requests_before']:,} warm "
          "requests to another service of the same module on one connection"
          + (f", {warm['warm_new_connection_requests_before']:,} more each on a new connection and "
             f"{warm['warm_cold_starts_before']:,} unrecorded cold starts over the sampled services"
             if warm.get("warm_new_connection_requests_before") else
             " and one unrecorded cold start per sampled service")
          + ", so the JVM's class loading and JIT warm-up on the samples' path, which a skiffd that has "
          "been running pays once, are not in the samples. The row above it is a skiffd started "
          f"just before its samples. Status codes: {json.dumps(warm.get('status_codes'))}.")
        floor = warm.get("warm_request_first_byte_ms")
        if floor and floor.get("n"):
            w(f"- The same skiffd, a warm request (the min-scale-1 service, no cold start) on a new "
              f"connection by a new curl, as each cold sample is: p50 {ms(floor['p50'])}, p90 "
              f"{ms(floor['p90'])}, p99 {ms(floor['p99'])} over {floor['n']}: the part of a cold "
              "sample's first byte that any request on a new connection pays (docs/autoscaling.md,"
              " \"A warm skiffd\").")
    for key, label in (("wasm", "Wasm"), ("container", "Skiff, container"), ("runc", "runc"),
                       ("runc_skiff_config", "runc, Skiff's config.json"), ("podman", "podman")):
        part = c.get(key) or {}
        if part.get("measured"):
            extra = ""
            if part.get("status_codes"):
                extra = f" Status codes: {json.dumps(part['status_codes'])}."
            if part.get("containers_killed_from_outside"):
                extra += (f" **{part['containers_killed_from_outside']} container(s) were killed "
                          "by SIGKILL from outside skiffd during the samples** (another skiffd or "
                          "test on this machine sharing runc's state); the samples that waited "
                          "for their restarts are included.")
            w(f"- {label}: {part['method'].rstrip('.')}.{extra}")
    ct, rc, pd = c.get("container") or {}, c.get("runc") or {}, c.get("podman") or {}
    if ct.get("measured") and rc.get("measured"):
        skiff = ct["first_byte_ms"]["p50"]
        vs_podman = (f"; Skiff container / podman: **{ratio(skiff, pd['first_byte_ms']['p50'])}**"
                     if pd.get("measured") else "")
        w(f"- Skiff container / bare runc at p50: **{ratio(skiff, rc['first_byte_ms']['p50'])}**"
          f"{vs_podman}.")
    rsc = c.get("runc_skiff_config") or {}
    if rc.get("cpu_ms") and rsc.get("cpu_ms"):
        w(f"- CPU time of runc, runc init and the workload per start (p50): "
          f"{ms(rsc['cpu_ms']['p50'])} with Skiff's config.json, {ms(rc['cpu_ms']['p50'])} with "
          "runc's default spec.")
    spares = ct.get("network_spares")
    if spares:
        w(f"- Network namespaces: {spares['taken']} of the samples' {spares['taken'] + spares['missed']} "
          f"container starts took one prepared ahead, {spares['missed']} made their own.")
    phases = ct.get("start_phases_p50_ms") or {}
    if phases:
        w("- Where a Skiff container start went (the agent's `container ... up in` lines, median per "
          "phase; `spawn` the runtime process's launch, `logs` its log files and pump threads (part of "
          "`spawn` before they were split), `runc` runc's process started until it execs the "
          "workload, `ready` the exec "
          "until the port answers (before `runc` was a phase, `ready` held both); `lag`, not a "
          "phase, the time from the last probe that found the port closed to the one that found "
          "it open, at most how late readiness was seen): "
          + ", ".join(f"{name} {ms(v)}" for name, v in phases.items()) + ".")
    cpu = ct.get("cpu_ms_per_sample")
    if cpu:
        w(f"- CPU time per cold start: skiffd's JVM {ms(cpu['self'])} (every thread, the stops of "
          f"earlier samples' instances too), the processes it waited for {ms(cpu['children'])}.")
    threads = ct.get("jvm_cpu_ms_per_sample_by_thread")
    if threads:
        w("- The JVM's CPU per cold start by thread (Linux thread names, 15 characters; "
          "`C1`/`C2 CompilerThre` are the JIT): "
          + ", ".join(f"{name} {ms(v)}" for name, v in threads.items() if v >= 0.5) + ".")
    polls = ct.get("harness_status_polls_per_sample")
    per_poll = ct.get("jvm_cpu_ms_per_status_poll")
    if polls is not None and per_poll is not None:
        w(f"- Of that, the harness's own: {polls:.1f} status requests per sample (waiting for the "
          f"service to be at zero) at {ms(per_poll)} of the JVM's CPU each, "
          f"{ms(polls * per_poll)} per sample.")
    trace = (ct.get("trace") or {}).get("median_ms")
    if trace:
        w("- A cold request step by step (skiffd's cold-start trace, median per step over "
          f"{ct['trace']['traced_samples']} samples; `cold_start_container` alone): "
          + ", ".join(f"{name} {ms(v)}" for name, v in trace.items()) + ".")
    w("")
    _img(w, plot_files, "cold-starts", "cold start percentiles")
    _end(w, c)


def scaling_section(w, s, plot_files):
    w("## 5. Scaling: step load\n")
    if not s or not s.get("measured"):
        w(nm(s or {}) + "\n")
        return
    a = s["annotations"]
    w(f"`hello` at zero, annotations {', '.join(f'`{k}: {v}`' for k, v in a.items())}. At t = 0, "
      f"`h2load --h1` starts {f0(s['rate'])} req/s ({s['clients']} connections) for "
      f"{s['duration_s']} s; a poller reads the revision's `readyInstances`/`desiredInstances` "
      "from `GET /v1/namespaces/default/revisions/step-00001` every 100 ms. Demand = "
      f"ceil(rate / (target × 70 %)) = **{s['demand_instances']} instances**. (The rps metric, "
      "because on concurrency 2,000 req/s of a sub-millisecond function is a few requests in "
      "flight, which one instance serves at any sensible target.)\n")
    ld = s["load"]
    met = s["time_to_meet_demand_s"]
    w("| | |\n| --- | --- |")
    w(f"| first ready instance | {f2(s['time_to_first_ready_s'])} s after the step |")
    met_text = f"{f2(met)} s after the step" if met is not None else "never during the step"
    w(f"| ready instances ≥ demand | {met_text} |")
    w(f"| peak ready instances | {s['peak_ready']} "
      f"(over-provisioning {f2(s['overprovisioning_peak'])}× demand) |")
    w(f"| ready instances, median of the last 5 s | {s['ready_last_5s']} |")
    w(f"| errors (non-2xx, failed, timed out) | **{s['errors_non_2xx']}** of "
      f"{f0(ld['requests'])} requests |")
    w(f"| rate achieved | {f0(ld['achieved_rate'])} req/s of {f0(s['rate'])} asked on average; "
      f"busiest second {f0(s.get('peak_second_rate'))} requests (would need "
      f"{s.get('demand_at_peak_second')} instances) |")
    lat = ld["latency_ms"]
    w(f"| latency over the whole step | p50 {ms(lat['p50'])}, p99 {ms(lat['p99'])}, "
      f"max {ms(lat['max'])} |\n")
    if ld["achieved_rate"] < 0.95 * s["rate"]:
        w(f"h2load keeps at most one request in flight per connection, so while responses are "
          f"slow the {s['clients']} connections cannot send the full rate: the achieved rate "
          "above is what the platform absorbed, and the shortfall is itself a result.\n")
    if (s.get("peak_second_rate") or 0) > 1.1 * s["rate"]:
        w("h2load sends the requests it could not send while responses were slow as soon as "
          "they speed up, so some seconds run above the rate asked; the autoscaler sees those "
          "too, which accounts for part of any over-provisioning.\n")
    w(f"Command: `{ld['command']}`.\n")
    _img(w, plot_files, "scaling", "instances over time during the step")
    _end(w, s)


def density_section(w, d):
    w("## 6. Density\n")
    if not d or not d.get("measured"):
        w(nm(d or {}) + "\n")
        return
    w(f"skiffd `{d['skiffd']}`; {f0(d['services_at_zero'])} services of hello deployed over the "
      f"REST API after one upload (annotations {json.dumps(d['annotations_at_zero'])}: each "
      "starts its initial instance, becomes Ready, then scales to zero), in "
      f"{f1(d['deploy_seconds'])} s; all at zero after {f1(d['all_at_zero_seconds'])} s. Figures "
      "after a full GC (`jcmd GC.run`), once the JIT compiles nothing (`jcmd Compiler.queue`) and "
      "one period of the launcher's native-heap trim (`-XX:TrimNativeHeapInterval`) has passed, "
      "the same for every snapshot: RSS is the process's VmRSS, live heap is "
      "`GC.heap_info`'s used.\n")
    b, z, wm = d["baseline"], d["at_zero"], d["warm"]
    kib = lambda x: "–" if x is None else f"{x / 1024:,.1f} MiB"  # noqa: E731
    w("| state | RSS | live heap |\n| --- | --- | --- |")
    w(f"| started, one module uploaded | {kib(b['rss_kib'])} | {kib(b['heap_used_kib'])} |")
    w(f"| + {f0(d['services_at_zero'])} services at zero | {kib(z['rss_kib'])} | "
      f"{kib(z['heap_used_kib'])} |")
    so = d.get("warm_services_at_zero")
    if so:
        w(f"| + {d['warm_revisions']} services more at zero, never started (annotations "
          f"{json.dumps(d['warm_annotations'])}) | {kib(so['rss_kib'])} | "
          f"{kib(so['heap_used_kib'])} |")
        w(f"| + one request each (a cold start), then {d.get('warm_idle_s', 0)} s idle: "
          f"{d['warm_revisions']} idle warm Wasm instances "
          f"({d.get('warm_instances_ready_at_snapshot')} ready after the snapshot) | "
          f"{kib(wm['rss_kib'])} | {kib(wm['heap_used_kib'])} |\n")
    else:
        w(f"| + {d['warm_revisions']} warm Wasm revisions (min-scale 1, one request each, then "
          f"{d.get('warm_idle_s', 0)} s idle) | "
          f"{kib(wm['rss_kib'])} | {kib(wm['heap_used_kib'])} |\n")
    pz, pw = d["per_service_at_zero_kib"], d["per_warm_revision_kib"]
    w(f"- Per service at zero: **{f0(pz['rss'])} KiB RSS**, {f0(pz['heap'])} KiB live heap.")
    mz = d.get("marginal_per_service_at_zero_kib")
    if mz:
        w(f"- Marginal per service at zero (from {f0(mz['from'])} to {f0(mz['to'])} services at "
          f"zero, the JVM's warm-up during the first half left out): {f0(mz['rss'])} KiB RSS, "
          f"{f0(mz['heap'])} KiB live heap.")
    pi = d.get("per_warm_instance_kib")
    if pi:
        w(f"- Per idle warm Wasm instance (against the same services at zero before their "
          f"request): **{f0(pi['rss'])} KiB RSS**, {f0(pi['heap'])} KiB live heap (RSS is coarse "
          "here: the JVM reuses heap it already committed, and the first cold starts of a run "
          "compile code once).")
    w(f"- Per warm Wasm revision (service and instance, against the services at zero): "
      f"{'**' if not pi else ''}{f0(pw['rss'])} KiB RSS{'**' if not pi else ''}, "
      f"{f0(pw['heap'])} KiB live heap.")
    ct = d.get("container") or {}
    if ct.get("measured"):
        w(f"- Per container instance ({ct['instances']} services of the container image, "
          f"min-scale 1): skiffd +{f0(ct['skiffd_rss_per_instance_kib'])} KiB RSS "
          f"(+{f0(ct['skiffd_heap_per_instance_kib'])} KiB live heap), and the container's own "
          f"process {f0(ct['container_process_rss_kib'])} KiB RSS.")
    else:
        w(f"- Per container instance: {nm(ct)}")
    w("")
    owners = d.get("heap_owners_per_service_bytes")
    if owners:
        w("Live heap per service at zero by owner (heap dumps with none and with "
          f"{f0(d['services_at_zero'])} services at zero, `harness/heap_owners.py`: each object's "
          "size charged to the nearest Skiff object that dominates it; sizes as a 64-bit JVM with "
          f"compressed references lays them out): {f0(owners['total'])} bytes in all.\n")
        w("| owner | bytes per service |\n| --- | --- |")
        for k, v in owners["top"]:
            w(f"| `{k}` | {f0(v)} |")
        w("")
        if owners.get("not_owned_by_class"):
            w("Not owned by one Skiff object, by class (bytes per service): " +
              ", ".join(f"`{k}` {f0(v)}" for k, v in owners["not_owned_by_class"]) + ".\n")
    notes = BENCH / "notes" / "density.md"
    if notes.exists():
        w(notes.read_text().strip() + "\n")
    _end(w, d)


def noisy_section(w, n):
    w("## 7. Noisy neighbour\n")
    if not n or not n.get("measured"):
        w(nm(n or {}) + "\n")
        return
    w(f"skiffd `{n['command']}`. hello answered one request at a time at {n['rate']} req/s for "
      f"{n['measure_seconds']} s over one keep-alive connection through the gateway, alone and then while "
      f"{n['looping_requests']} requests to a function whose `_start` loops forever were in flight "
      f"({f0(n['looping_executions_during'])} looping executions on the node at the end). The "
      "target: the healthy function's p99 stays under 50 ms.\n")
    w("| hello | p50 | p99 | max | errors |\n| --- | --- | --- | --- | --- |")
    for key, label in (("baseline", "alone"), ("with_looping", "with the looping requests")):
        part = n[key]
        lat = part["latency_ms"]
        w(f"| {label} | {ms(lat['p50'])} | {ms(lat['p99'])} | {ms(lat['max'])} | {part['errors']} |")
    w("")
    w(f"After the {n['looping_requests']} looping clients disconnected, the node had stopped every "
      f"looping guest {f0(n['cancel_after_disconnect_ms'])} ms later.\n")
    _end(w, n)


def mesh_section(w, m, plot_files):
    w("## 8. The mesh\n")
    if not m or not m.get("measured"):
        w(nm(m or {}) + "\n")
        return
    w("skiffd with its internal switch `--mesh on|off` (env `SKIFF_MESH`) for the modes asked "
      f"(`{','.join(m['modes_asked'])}`); mesh off is always run, its hello instance is the "
      "plaintext backend of the direct and nginx paths. A mode is checked, not trusted: with the "
      "mesh on, the instance must be listed by `GET /v1/instances` with a SPIFFE identity and "
      "must not answer plaintext HTTP. Targets from the mesh issue: p99 added by the mesh at "
      "1,000 req/s ≤ 0.3 ms (Istio 1.20 publishes +0.298 ms for its two proxies), sidecar memory "
      "≤ 1 MiB per idle instance, Wasm cold start p50 no worse than without the mesh by more "
      "than 1 ms.\n")
    for mode, part in m["modes"].items():
        if not part.get("measured"):
            w(f"- mesh {mode}: {nm(part)}")
        else:
            w(f"- mesh {mode}: `{part['skiffd']}`")
    w("")
    lat = m.get("latency") or {}
    w("### Latency at a fixed 1,000 req/s\n")
    if not lat.get("measured"):
        w(nm(lat) + "\n")
    else:
        w(f"`h2load --h1`, 10 connections × 100 req/s on every path, {lat['rounds']} interleaved "
          f"round(s) of {lat['seconds_per_round']} s per path (the order rotating each round) "
          f"after {lat['warmup_s']} s of `wrk` warm-up through each gateway and one unmeasured "
          "round at the fixed rate. p50/p99/p99.9 below pool every request of the rounds; "
          "\"added\" is the median over rounds of the path's percentile minus direct's in the same "
          "round, so a noisy round moves one sample, not the figure.\n")
        sat = _mesh_saturation(lat)
        if sat:
            w(f"Saturation: `wrk -t2 -c64`, {lat['saturation_rounds']} interleaved round(s) of "
              f"{lat['saturation_seconds_per_round']} s per path after the warm-up, the median "
              "(scenario 1's method).\n")
        w("| path | p50 | p99 | p99.9 | added p50 | added p99 | achieved | errors |"
          + (" saturation (errors) |" if sat else ""))
        w("| --- | --- | --- | --- | --- | --- | --- | --- |" + (" --- |" if sat else ""))
        added = lat["added_over_direct_ms"]
        for key, t in lat["targets"].items():
            if not t.get("measured", True):
                w(f"| {key} | {nm(t)} | | | | | | |" + (" |" if sat else ""))
                continue
            l, a = t["latency_ms"], added.get(key)
            s = t.get("saturation") or {}
            w(f"| {t['label']} | {ms(l['p50'])} | {ms(l['p99'])} | {ms(l['p999'])} | "
              f"{sms(a['p50']) if a else '–'} | {sms(a['p99']) if a else '–'} | "
              f"{f0(t['achieved_rate'])}/s | {t['errors']} |"
              + (f" {f0(s.get('requests_per_s'))} req/s ({s.get('errors')}) |" if sat else ""))
        w("")
        if sat:
            w(f"- Saturation, the gateway as it ships (mesh on: mTLS identities, authorization and "
              f"the sidecar's limits, the sidecar entered in process) against nginx proxy_pass to "
              f"hello's plaintext listener: **{ratio(sat['gateway_on'], sat['nginx'])}** "
              f"({f0(sat['gateway_on'])} / {f0(sat['nginx'])} req/s); against nginx → TLS → "
              f"nginx {ratio(sat['gateway_on'], sat.get('nginx_tls'))}. Scenario 1's plain hop "
              f"(mesh off, over a socket) here: {ratio(sat.get('gateway_off'), sat['nginx'])}; "
              f"the gateway over the mTLS socket: "
              f"{ratio(sat.get('gateway_on_socket'), sat['nginx'])}. The in-process path "
              "skips the instance listener's HTTP/1.1 decoding that nginx's path pays: it is "
              "skiffd's path as it ships, not the proxy hop of target 16.1, which is scenario 1.")
        on_off, tls = lat.get("mesh_on_over_off_ms"), lat.get("nginx_tls_over_plain_ms")
        if on_off:
            verdict = "met" if on_off["p99"] <= 0.3 else "NOT met"
            spread = on_off.get("p99_spread")
            w(f"- What mTLS and the sidecar add to Skiff's own path (gateway, mesh on − mesh "
              f"off, median of the per-round differences): p50 {sms(on_off['p50'])}, p99 "
              f"**{sms(on_off['p99'])}**"
              + (f" (rounds from {sms(spread[0])} to {sms(spread[1])})" if spread else "")
              + f" (target ≤ 0.3 ms: **{verdict}**). The gateway enters the sidecar of its "
              "own process in process (no socket: skiffd as it ships).")
        sock = lat.get("mesh_socket_over_off_ms")
        if sock:
            verdict = "met" if sock["p99"] <= 0.3 else "NOT met"
            spread = sock.get("p99_spread")
            w(f"- The same over the socket (SKIFF_GATEWAY_IN_PROCESS=off: gateway → mTLS → "
              f"sidecar, the path a gateway on another machine takes): p50 {sms(sock['p50'])}, "
              f"p99 **{sms(sock['p99'])}**"
              + (f" (rounds from {sms(spread[0])} to {sms(spread[1])})" if spread else "")
              + f" (target ≤ 0.3 ms: **{verdict}**).")
        cpu = {k: t.get("skiffd_cpu_us_per_request") for k, t in lat["targets"].items()}
        if cpu.get("gateway_on") is not None and cpu.get("gateway_off") is not None:
            w(f"- skiffd's CPU time per request (all threads, median of rounds): mesh off "
              f"{f0(cpu['gateway_off'])} µs, mesh on {f0(cpu['gateway_on'])} µs"
              + (f", mesh on over the socket {f0(cpu['gateway_on_socket'])} µs"
                 if cpu.get("gateway_on_socket") is not None else "")
              + "; on a shared "
              "machine this moves far less than a p99 does.")
        if tls:
            w(f"- What TLS with a client certificate and a second nginx add to nginx: p50 "
              f"{sms(tls['p50'])}, p99 **{sms(tls['p99'])}**.")
        w(f"- Command (per path): `{next(iter(lat['targets'].values()))['command']}`.\n")
        _img(w, plot_files, "mesh-latency", "mesh latency percentiles at 1,000 req/s")
    w("### Memory per idle instance\n")
    mem = m.get("memory") or {}
    if not mem:
        w("not measured: no mode ran\n")
    else:
        w("A fresh skiffd per mode, one module uploaded, then N services of hello with min-scale 1 "
          "and one request each through the gateway, then idle (past the Wasm runtime's drop of "
          "memories kept for reuse); RSS (VmRSS) and live heap (`jcmd GC.heap_info` used) after a "
          "full GC, before and after; per instance = difference / N.\n")
        w("| mesh | instances | RSS per instance | live heap per instance |\n| --- | --- | --- | --- |")
        for mode, part in mem.items():
            if part.get("measured"):
                w(f"| {mode} | {part['instances']} | {f0(part['rss_per_instance_kib'])} KiB | "
                  f"{f0(part['heap_per_instance_kib'])} KiB |")
            else:
                w(f"| {mode} | {nm(part)} | | |")
        sc = m.get("sidecar_per_instance_kib")
        if sc:
            verdict = "met" if sc["rss"] <= 1024 else "NOT met"
            w(f"\nThe sidecar (on − off): **{f0(sc['rss'])} KiB RSS**, {f0(sc['heap'])} KiB live "
              f"heap per idle instance (target ≤ 1 MiB: **{verdict}**).")
        w("")
    w("### Wasm cold start\n")
    cold = m.get("cold_start") or {}
    if not cold:
        w("not measured: no mode ran\n")
    else:
        w("Scenario 4's method (a revision at zero to the first byte through the gateway, "
          "round-robin over 20 services) on a fresh skiffd per mode.\n")
        w("| mesh | samples | p50 | p90 | p99 | max |\n| --- | --- | --- | --- | --- | --- |")
        for mode, part in cold.items():
            if part.get("measured"):
                fb = part["first_byte_ms"]
                w(f"| {mode} | {fb['n']} | {ms(fb['p50'])} | {ms(fb['p90'])} | {ms(fb['p99'])} | "
                  f"{ms(fb['max'])} |")
            else:
                w(f"| {mode} | {nm(part)} | | | | |")
        c = m.get("cold_start_on_over_off_ms")
        if c:
            verdict = "met" if c["p50"] <= 1 else "NOT met"
            w(f"\nMesh on − off: p50 **{sms(c['p50'])}**, p99 {sms(c['p99'])} (target p50 ≤ 1 ms: "
              f"**{verdict}**).")
        w("")
    _end(w, m)


def burst_section(w, b):
    w("## 12. Burst: many services at zero at once\n")
    if not b or not b.get("measured"):
        w(nm(b or {}) + "\n")
        return
    w(f"skiffd `{b['skiffd']}`. {b['method']}.\n")
    w("| round | errors | status codes | last answered | p50 | p99 | max |")
    w("| --- | --- | --- | --- | --- | --- | --- |")
    for i, r in enumerate(b["rounds"], 1):
        lat = r["latency_ms"]
        w(f"| {i} | {f0(r['errors'])} | {json.dumps(r['status_codes'])} | "
          f"{f2(r['last_answered_s'])} s | {ms(lat['p50'])} | {ms(lat['p99'])} | {ms(lat['max'])} |")
    w("")
    _end(w, b)


def not_measured_list(sc):
    out = []
    for name in SCENARIOS:
        part = sc.get(name) or {}
        if not part.get("measured"):
            out.append((name, part.get("why")))
    c = sc.get("cold_start") or {}
    if c.get("measured"):
        for key, label in (("wasm", "Wasm cold start"), ("container", "container cold start in Skiff"),
                           ("runc", "bare runc cold start"), ("podman", "podman cold start")):
            if not (c.get(key) or {}).get("measured"):
                out.append((label, (c.get(key) or {}).get("why")))
        out.append(("a Wasm cold-start peer", "no other Wasm serverless runtime (Spin, wasmtime) is "
                    "installed on this machine; the target from ARCHITECTURE.md is a few ms"))
    me = sc.get("mesh") or {}
    for mode, part in (me.get("modes") or {}).items():
        if not part.get("measured"):
            out.append((f"the mesh, mode {mode}", part.get("why")))
    d = sc.get("density") or {}
    if d.get("measured") and not (d.get("container") or {}).get("measured"):
        out.append(("memory per container instance", (d.get("container") or {}).get("why")))
    out.append(("peers for scaling and density", "no Knative or other autoscaling platform runs on "
                "this machine; these scenarios report Skiff against the demand and its own baseline"))
    return out


def main():
    ap = argparse.ArgumentParser()
    g = ap.add_mutually_exclusive_group(required=True)
    g.add_argument("--results", type=Path)
    g.add_argument("--summary", type=Path)
    args = ap.parse_args()
    if args.results:
        summary = collect(args.results.resolve())
        summary["plots"] = plots(summary, args.results.resolve())
        SUMMARY.write_text(json.dumps(summary, indent=1) + "\n")
    else:
        summary = json.loads(args.summary.read_text())
        for name in SCENARIOS:  # a summary from before a scenario existed
            summary["scenarios"].setdefault(
                name, {"measured": False, "why": "not run: this run predates the scenario"})
    DOC.write_text(render(summary, summary.get("plots", {})))
    print(f"wrote {DOC.relative_to(ROOT)} and {SUMMARY.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
