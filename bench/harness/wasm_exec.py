"""Scenario 2, Wasm execution: the CPU-bound cpu example in Chicory's interpreter and compiler
(JMH, bench/jmh) against Node's V8 (node:wasi, bench/node/wasi-run.mjs) on the same .wasm and
input; and the per-request instantiate + run of hello in both Chicory modes (JMH), with V8's
instantiate + run of the same module as the peer."""

import json
import math
import re
import subprocess

from common import BENCH, WASM_DIR, summarize

NODE_DRIVER = BENCH / "node" / "wasi-run.mjs"


def jmh(ctx, name, selector, *args):
    out = ctx.raw / f"jmh-{name}.json"
    cmd = ["java", "-jar", str(ctx.jmh_jar), selector, *args, "-rf", "json", "-rff", str(out)]
    ctx.log(f"wasm: JMH {name}: {' '.join(cmd[3:-4])}")
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=3600)
    (ctx.out / f"jmh-{name}.txt").write_text(proc.stdout + proc.stderr)
    if proc.returncode != 0:
        raise RuntimeError(f"JMH {name} failed: {(proc.stdout + proc.stderr)[-2000:]}")
    results = []
    for r in json.loads(out.read_text()):
        pm = r["primaryMetric"]
        results.append({
            "benchmark": r["benchmark"].rsplit(".", 2)[-2] + "." + r["benchmark"].rsplit(".", 1)[-1],
            "params": r.get("params", {}),
            "mode": r["mode"],
            "score": pm["score"],
            # JMH writes "NaN" when too few iterations give no confidence interval.
            "error": pm["scoreError"] if isinstance(pm["scoreError"], (int, float))
            and not math.isnan(pm["scoreError"]) else None,
            "unit": pm["scoreUnit"],
            "percentiles": pm.get("scorePercentiles", {}),
            # Bytes allocated per operation, when the run had -prof gc (load moves it little).
            "alloc_bytes_per_op": (r.get("secondaryMetrics", {}).get("gc.alloc.rate.norm") or {})
            .get("score"),
            "forks": r["forks"], "warmup": f"{r['warmupIterations']} x {r['warmupTime']}",
            "measurement": f"{r['measurementIterations']} x {r['measurementTime']}",
            "jvm": r["vmName"] + " " + r["vmVersion"],
        })
    return {"command": "java -jar bench/jmh/target/benchmarks.jar " + " ".join(cmd[3:-4]),
            "results": results}


def node(ctx, wasm, args=(), env=(), warmup=3, runs=10, gc=False):
    cmd = ["node", "--expose-gc", "--no-warnings", str(NODE_DRIVER), "--wasm", str(wasm),
           "--warmup", str(warmup), "--runs", str(runs)]
    if gc:
        cmd.append("--gc")
    for a in args:
        cmd += ["--arg", a]
    for e in env:
        cmd += ["--env", e]
    ctx.log(f"wasm: node {' '.join(cmd[4:])}")
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=1800)
    if proc.returncode != 0:
        raise RuntimeError(f"node driver exited with {proc.returncode}: {proc.stderr[-2000:]}")
    r = json.loads(proc.stdout)
    r["command"] = " ".join(cmd).replace(str(NODE_DRIVER), "bench/node/wasi-run.mjs") \
        .replace(str(WASM_DIR), "functions-examples/target/wasm")
    r["runs"] = summarize(r.pop("runs_ms"))
    return r


def run(ctx):
    mb = ctx.pick(1, 4)
    cpu = WASM_DIR / "cpu.wasm"
    v8 = node(ctx, cpu, [f"mb={mb}"], warmup=ctx.pick(3, 5), runs=ctx.pick(10, 20), gc=True)
    m = re.search(r"sha256 ([0-9a-f]{64})", v8["stdout"])
    if not m:
        raise RuntimeError(f"cpu.wasm under node printed no digest: {v8['stdout']!r}")
    digest = m.group(1)
    compiled = jmh(ctx, "cpu-compiled", "CpuBenchmark", "-p", "mode=COMPILED", "-p", f"mb={mb}",
                   "-p", f"expect={digest}", "-f", "1", "-wi", ctx.pick("2", "3"), "-w", "1s",
                   "-i", ctx.pick("3", "5"), "-r", ctx.pick("1s", "2s"))
    interpreted = jmh(ctx, "cpu-interpreted", "CpuBenchmark", "-p", "mode=INTERPRETED",
                      "-p", f"mb={mb}", "-p", f"expect={digest}", "-f", "1", "-wi", "1", "-w", "1s",
                      "-i", ctx.pick("2", "3"), "-r", "1s")
    hello_jmh = jmh(ctx, "hello", "HelloRequestBenchmark", "-f", ctx.pick("1", "2"),
                    "-wi", ctx.pick("2", "3"), "-w", ctx.pick("1s", "2s"), "-i", ctx.pick("2", "5"),
                    "-r", "2s")
    start_jmh = jmh(ctx, "instance-start", "InstanceStartBenchmark", "-f", "1",
                    "-wi", ctx.pick("2", "3"), "-w", "1s", "-i", ctx.pick("2", "5"), "-r", "1s")
    hello_v8 = node(ctx, WASM_DIR / "hello.wasm",
                    env=["REQUEST_METHOD=GET", "PATH_INFO=/", "QUERY_STRING=name=bench",
                         "SERVER_PROTOCOL=HTTP/1.1", "GATEWAY_INTERFACE=CGI/1.1"],
                    warmup=ctx.pick(500, 1000), runs=ctx.pick(2000, 5000))
    if "Hello, bench!" not in hello_v8["stdout"]:
        raise RuntimeError(f"hello.wasm under node printed {hello_v8['stdout']!r}")
    return {
        "measured": True,
        "cpu": {
            "module": "functions-examples/target/wasm/cpu.wasm",
            "input": f"mb={mb}: SHA-256 over {mb} MiB generated in-module (xorshift64)",
            "digest": digest,
            "v8": v8,
            "chicory_compiled": compiled,
            "chicory_interpreted": interpreted,
        },
        "hello": {"jmh": hello_jmh, "v8": hello_v8},
        "instance_start": {"jmh": start_jmh},
    }
