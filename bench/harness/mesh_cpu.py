"""skiffd's CPU time per request on the mesh's socket path, old build against new, alternating.

    SKIFF_BENCH_MESH_BASELINE_JAR=old.jar python3 bench/harness/mesh_cpu.py --out DIR --jar new.jar \
        [--rounds 6] [--requests 20000] [--rate 500]

Wall-clock latency on a shared machine swings 2-3x from minute to minute; the CPU a process spends
per request moves far less. This runs two skiffds with the mesh on and the gateway's in-process
entry off (gateway -> mTLS socket -> sidecar -> hello), the new jar and the baseline, warms both
(wrk, 20 s each), then in rounds alternating which goes first sends each the same number of
requests at a fixed rate (h2load --h1, 10 connections) and reads the process's CPU time
(/proc/PID/stat utime + stime) and the context switches of all its threads (/proc/PID/task/*/status)
before and after. Prints and writes mesh_cpu.json: per round and
per jar, CPU µs per request, the achieved rate and p50/p99; the load average beside each round.
With --syscalls, a last round per jar runs under `strace -c -f` (every thread of skiffd) and
reports system calls per request by name: counts, which tracing does not change, unlike time.
--modes picks the skiffds (mesh.py's modes; a `_baseline` suffix runs the baseline jar): with
off,on_socket,off_baseline,on_socket_baseline the same rounds show what the socket path adds over
mesh off in each jar.
"""

import argparse
import json
import os
import re
import subprocess
import sys
import threading
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import mesh  # noqa: E402
from common import Ctx, WASM_DIR, h2load_rate, loadavg, median, wrk  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", required=True, type=Path)
    ap.add_argument("--jar", required=True, type=Path)
    ap.add_argument("--rounds", type=int, default=6)
    ap.add_argument("--requests", type=int, default=20000)
    ap.add_argument("--rate", type=int, default=500)
    ap.add_argument("--syscalls", action="store_true")
    ap.add_argument("--modes", default="on_socket,on_socket_baseline",
                    help="comma-separated mesh.py modes, e.g. off,on_socket,off_baseline,"
                         "on_socket_baseline: what the socket path adds over mesh off, per jar")
    args = ap.parse_args()
    if not os.environ.get("SKIFF_BENCH_MESH_BASELINE_JAR"):
        sys.exit("set SKIFF_BENCH_MESH_BASELINE_JAR to the old skiffd.jar")
    ctx = Ctx(args.out.resolve(), False, args.jar.resolve(), args.jar.resolve())
    modes = args.modes.split(",")
    skiffds = {}
    result = {"rounds": [], "requests_per_round": args.requests, "rate": args.rate,
              "loadavg_start": loadavg()}
    try:
        for mode in modes:
            skiffds[mode] = mesh._skiffd(ctx, "cpu", mode)
            digest = skiffds[mode].upload(WASM_DIR / "hello.wasm")
            skiffds[mode].deploy("hello", digest, mesh.PINNED)
        for mode in modes:
            skiffds[mode].wait_ready("hello-00001")
            _, why = mesh._instance(skiffds[mode], mode, "hello", "hello-00001")
            if why:
                sys.exit(f"{mode}: {why}")
        for mode in modes:
            ctx.log(f"warm-up {mode}")
            wrk(f"{skiffds[mode].gateway}/", mesh.HOST, 2, 16, 20)
        duration = max(1, round(args.requests / args.rate))
        for r in range(args.rounds):
            order = modes if r % 2 == 0 else list(reversed(modes))  # alternate who goes first
            row = {"round": r + 1, "loadavg_before": loadavg()}
            for mode in order:
                s = skiffds[mode]
                before_handoffs = mesh._handoffs(s).get("socket", 0)
                cpu0 = s.cpu_seconds()
                switches0 = _context_switches(s)
                summary, _, _ = h2load_rate(ctx, f"{s.gateway}/", mesh.HOST, args.rate, 10,
                                            duration, f"mesh-cpu-{mode}")
                cpu = s.cpu_seconds() - cpu0
                switches = _context_switches(s) - switches0
                socket = mesh._handoffs(s).get("socket", 0) - before_handoffs
                done = max(1, summary["completed"])
                row[mode] = {"cpu_us_per_request": round(cpu * 1e6 / done, 1),
                             "context_switches_per_request": round(switches / done, 2),
                             "achieved_rate": summary["achieved_rate"],
                             "p50_ms": summary["latency_ms"].get("p50"),
                             "p99_ms": summary["latency_ms"].get("p99"),
                             "errors": summary["errors"], "socket_handoffs": socket}
            ctx.log(json.dumps(row))
            result["rounds"].append(row)
        for mode in modes:
            vals = [row[mode]["cpu_us_per_request"] for row in result["rounds"]]
            result[f"{mode}_cpu_us_per_request_median"] = median(vals)
            vals = [row[mode]["context_switches_per_request"] for row in result["rounds"]]
            result[f"{mode}_context_switches_per_request_median"] = median(vals)
        if args.syscalls:
            result["syscalls_per_request"] = {
                mode: _syscalls(ctx, skiffds[mode], mode, min(5000, args.requests), 500)
                for mode in modes}
            ctx.log(json.dumps(result["syscalls_per_request"]))
        result["loadavg_end"] = loadavg()
        ctx.write("mesh_cpu", result)
        print(json.dumps({k: v for k, v in result.items() if k != "rounds"}, indent=1))
    finally:
        for s in skiffds.values():
            s.stop()
        ctx.cleanup()


def _context_switches(skiffd):
    """Context switches (voluntary and not) of every thread of skiffd so far; a thread that has
    ended meanwhile is not counted, which the rounds' long-lived event loops and workers make
    negligible."""
    total = 0
    task_dir = Path(f"/proc/{skiffd.proc.pid}/task")
    for tid in os.listdir(task_dir):
        try:
            text = (task_dir / tid / "status").read_text()
        except OSError:
            continue  # the thread ended
        for m in re.finditer(r"^(?:non)?voluntary_ctxt_switches:\s+(\d+)$", text, re.M):
            total += int(m.group(1))
    return total


def _syscalls(ctx, skiffd, mode, requests, rate):
    """System calls per request by name while h2load sends `requests` at `rate`, strace -c on
    every thread of skiffd."""
    pid = skiffd.proc.pid
    tids = sorted(os.listdir(f"/proc/{pid}/task"))
    cmd = ["strace", "-c", "-f", "-qq"] + [a for t in tids for a in ("-p", t)]
    tracer = subprocess.Popen(cmd, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True)
    out = {}
    reader = threading.Thread(target=lambda: out.update(text=tracer.stderr.read()))
    reader.start()
    try:
        summary, _, _ = h2load_rate(ctx, f"{skiffd.gateway}/", mesh.HOST, rate, 10,
                                    max(1, round(requests / rate)), f"mesh-syscalls-{mode}")
    finally:
        tracer.send_signal(2)
        tracer.wait(timeout=60)
        reader.join(timeout=60)
    done = max(1, summary["completed"])
    calls = {}
    for line in out.get("text", "").splitlines():
        m = re.match(r"\s*[\d.]+\s+[\d.]+\s+\d+\s+(\d+)\s+(?:\d+\s+)?(\w+)\s*$", line)
        if m and m.group(2) != "total":
            calls[m.group(2)] = round(int(m.group(1)) / done, 2)
    return dict(sorted(calls.items(), key=lambda kv: -kv[1])[:12])


if __name__ == "__main__":
    main()
