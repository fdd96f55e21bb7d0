"""What the JIT compiles and deoptimizes during the Wasm cold-start samples (bench/notes/jit.md).

Runs cold_wasm or cold_wasm_warm as the bench does, with a JFR recording of every compilation,
deoptimization and class load in skiffd, and splits the events at the samples' wall-clock window
(the last cycle() call: the one that records the samples). Prints one JSON object (also written
to OUT/jit-window.json): skiffd's CPU by thread over the samples as the scenario reports it, and
for the window the C1/C2 compilations (first compilations of a method at that tier against
recompilations), C2's compiler wall time by package and its largest methods, every
deoptimization by reason and site, and the classes loaded.

    python3 bench/harness/jit_window.py OUT JAR [cold_wasm_warm|cold_wasm] [--quick]

Needs the JDK's `jfr` on the PATH. Standard library only.
"""

import json
import os
import subprocess
import sys
from collections import Counter, defaultdict
from datetime import datetime, timezone
from pathlib import Path

import cds
import cold_trace
from common import Ctx

SETTINGS = """<?xml version="1.0" encoding="UTF-8"?>
<configuration version="2.0" label="jit-window">
  <event name="jdk.Compilation"><setting name="enabled">true</setting>
    <setting name="threshold">0 ms</setting></event>
  <event name="jdk.Deoptimization"><setting name="enabled">true</setting>
    <setting name="stackTrace">false</setting></event>
  <event name="jdk.ClassLoad"><setting name="enabled">true</setting>
    <setting name="threshold">0 ms</setting><setting name="stackTrace">false</setting></event>
</configuration>
"""

GROUPS = ["io/netty/", "io/vertx/", "com/fasterxml/jackson/", "java/time/", "org/bouncycastle/",
          "java/security/", "sun/security/", "io/micrometer/", "com/dylibso/chicory/",
          "dev/skiff/"]


def stamp(event):
    """An event's start as seconds since the epoch (JFR prints UTC with nanoseconds)."""
    whole, frac = event["values"]["startTime"].rstrip("Z").split(".")
    t = datetime.fromisoformat(whole).replace(tzinfo=timezone.utc).timestamp()
    return t + float("0." + frac)


def seconds(event):
    d = event["values"].get("duration", "PT0S")
    return float(d[2:-1]) if d.startswith("PT") and d.endswith("S") else 0.0


def method(values):
    m = values["method"]
    return m["type"]["name"].replace("/", ".") + "::" + m["name"]


def group(values):
    name = values["method"]["type"]["name"]
    return next((g.rstrip("/").replace("/", ".") for g in GROUPS if name.startswith(g)),
                "other (JDK and the rest)")


def window(events, start, end):
    """The ranking of the events between start and end (seconds since the epoch)."""
    seen = defaultdict(set)  # method+descriptor -> tiers compiled before
    tiers = Counter()
    first = Counter()
    again = Counter()
    c2_by_group = defaultdict(float)
    c2_methods = defaultdict(float)
    deopts = Counter()
    loads = []
    for e in sorted(events, key=stamp):
        v = e["values"]
        t = stamp(e)
        inside = start <= t <= end
        if e["type"] == "jdk.Compilation":
            key = method(v) + v["method"]["descriptor"]
            level = v["compileLevel"]
            if inside:
                tiers[level] += 1
                (again if level in seen[key] else first)[level] += 1
                if level == 4:
                    c2_by_group[group(v)] += seconds(e)
                    c2_methods[method(v)] += seconds(e)
            seen[key].add(level)
        elif e["type"] == "jdk.Deoptimization" and inside:
            deopts[f"{v['reason']} ({v['action']}) {method(v)} line {v.get('lineNumber')} "
                   f"{v.get('instruction')}"] += 1
        elif e["type"] == "jdk.ClassLoad" and inside:
            loads.append(v["loadedClass"]["name"])
    def top(d, n):
        return {k: round(s, 3) for k, s in sorted(d.items(), key=lambda kv: -kv[1])[:n]}

    names = Counter(loads)
    return {
        "compilations_by_tier": dict(sorted(tiers.items())),
        "first_compilations_by_tier": dict(sorted(first.items())),
        "recompilations_by_tier": dict(sorted(again.items())),
        "c2_compiler_wall_s_by_package": top(c2_by_group, 20),
        "c2_largest_s": top(c2_methods, 25),
        "deoptimizations": sum(deopts.values()),
        "deoptimization_sites": dict(deopts.most_common(30)),
        "classes_loaded": len(loads),
        "classes_loaded_more_than_once": {k: n for k, n in names.items() if n > 1},
    }


def main():
    out, jar = Path(sys.argv[1]).resolve(), Path(sys.argv[2]).resolve()
    scenario = next((a for a in sys.argv[3:] if not a.startswith("--")), "cold_wasm_warm")
    out.mkdir(parents=True, exist_ok=True)
    jfc, recording = out / "jit-window.jfc", out / "jit-window.jfr"
    jfc.write_text(SETTINGS)
    # The two scenarios run no JMH benchmark: no JMH jar is needed.
    ctx = Ctx(out, "--quick" in sys.argv, jar, Path("/nonexistent-jmh.jar"))
    ctx.cds_options = cds.prepare(ctx)
    # Only the measured skiffd records: set after the training run of the CDS archive.
    os.environ["SKIFF_BENCH_JAVA_OPTS"] = (
        os.environ.get("SKIFF_BENCH_JAVA_OPTS", "")
        + f" -XX:StartFlightRecording=filename={recording},settings={jfc}")
    calls = []
    cycle = cold_trace.cycle

    def timed(*args):
        start = datetime.now(timezone.utc).timestamp()
        result = cycle(*args)
        calls.append((start, datetime.now(timezone.utc).timestamp()))
        return result

    cold_trace.cycle = timed
    try:
        run = {"cold_wasm": cold_trace.run_untraced,
               "cold_wasm_warm": cold_trace.run_untraced_warm}[scenario]
        result = run(ctx)
    finally:
        ctx.cleanup()
    start, end = calls[-1]
    printed = subprocess.run(
        ["jfr", "print", "--json", "--events",
         "jdk.Compilation,jdk.Deoptimization,jdk.ClassLoad", str(recording)],
        capture_output=True, text=True, check=True).stdout
    events = json.loads(printed)["recording"]["events"]
    report = {"scenario": scenario, "samples_s": round(end - start, 1),
              "first_byte_ms": result["first_byte_ms"], "cpu_s": result["cpu_s"],
              "window": window(events, start, end)}
    (out / "jit-window.json").write_text(json.dumps(report, indent=1))
    print(json.dumps(report, indent=1))


if __name__ == "__main__":
    sys.exit(main())
