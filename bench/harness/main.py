"""Runs the scenarios and writes one JSON file per scenario into the run's results directory.

    python3 bench/harness/main.py --out DIR --jar skiffd.jar --jmh-jar benchmarks.jar [--quick]
        [--only proxy,wasm_exec,...] [--mesh-modes off,on]

A scenario that fails is recorded as not measured, with the error, so the report says so; the
others still run.
"""

import argparse
import os
import platform
import re
import subprocess
import sys
import time
import traceback
from pathlib import Path

import burst
import cds
import cold_start
import cold_trace
import density
import events
import https
import images
import mesh
import mesh_call
import noisy_neighbour
import proxy
import scaling
import wasm_exec
from common import (ROOT, Ctx, cpu_busy_percent, launcher_env, launcher_jvm_options, loadavg,
                    not_measured, tool_versions)

SCENARIOS = {
    "proxy": proxy.run,
    "wasm_exec": wasm_exec.run,
    "cold_start": cold_start.run,
    "cold_start_container": cold_start.run_container,
    "cold_trace": cold_trace.run,
    "cold_wasm": cold_trace.run_untraced,
    "cold_wasm_warm": cold_trace.run_untraced_warm,
    "cold_trace_warm": cold_trace.run_warm,
    "scaling": scaling.run,
    "density": density.run,
    "noisy_neighbour": noisy_neighbour.run,
    "mesh": mesh.run,
    "mesh_latency": mesh.run_latency,
    "mesh_call": mesh_call.run,
    "events": events.run,
    "https": https.run,
    "burst": burst.run,
}


def machine():
    cpuinfo = Path("/proc/cpuinfo").read_text()
    model = re.search(r"model name\s*:\s*(.*)", cpuinfo)
    mem = re.search(r"MemTotal:\s*(\d+) kB", Path("/proc/meminfo").read_text())
    java = subprocess.run(["java", "-version"], capture_output=True, text=True).stderr.splitlines()
    git = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"],
                         capture_output=True, text=True).stdout.strip()
    dirty = subprocess.run(["git", "-C", str(ROOT), "status", "--porcelain", "--untracked-files=no"],
                           capture_output=True, text=True).stdout.strip()
    return {
        "cpu_model": model.group(1).strip() if model else platform.processor(),
        "cores": os.cpu_count(),
        "memory_gib": round(int(mem.group(1)) / 1024 / 1024, 1) if mem else None,
        "kernel": platform.release(),
        "os": _os_release(),
        "jdk": "; ".join(java[:1] + java[2:3]),
        "tools": tool_versions(),
        "git_commit": git,
        "git_dirty": bool(dirty),
        "loadavg_start": loadavg(),
        "cpu_busy_before_start_percent": cpu_busy_percent(),
    }


def _os_release():
    try:
        for line in Path("/etc/os-release").read_text().splitlines():
            if line.startswith("PRETTY_NAME="):
                return line.split("=", 1)[1].strip('"')
    except OSError:
        pass
    return platform.platform()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", required=True, type=Path)
    ap.add_argument("--jar", required=True, type=Path)
    ap.add_argument("--jmh-jar", required=True, type=Path)
    ap.add_argument("--quick", action="store_true")
    # cold_start_container and mesh_latency are parts of cold_start and mesh, run alone when asked
    # for (the report reads them from their whole scenario); cold_trace_warm (a diagnosis of
    # cold_wasm_warm) only when asked for.
    ap.add_argument("--only", default=",".join(
        n for n in SCENARIOS
        if n not in ("cold_start_container", "mesh_latency", "cold_trace_warm")))
    ap.add_argument("--mesh-modes", default="off,on",
                    help="skiffd's --mesh settings the mesh scenario measures (off is always run)")
    args = ap.parse_args()
    ctx = Ctx(args.out.resolve(), args.quick, args.jar.resolve(), args.jmh_jar.resolve())
    ctx.mesh_modes = args.mesh_modes.split(",")
    started = time.time()
    run = {"mode": "quick" if args.quick else "full", "mesh_modes": ctx.mesh_modes,
           "started": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(started)),
           "machine": machine()}
    if os.environ.get("BUILD_WARNING"):
        run["machine"]["build_warning"] = os.environ["BUILD_WARNING"]
    ctx.write("run", run)
    try:
        # Every skiffd of the run maps a class data sharing archive, as bin/skiffd's do, made now
        # by a short training run (bench/harness/cds.py; SKIFF_CDS=off: none).
        cds_options = cds.prepare(ctx)
        ctx.cds_options = cds_options
        run["machine"]["cds"] = " ".join(cds_options) or "off"
        run["machine"]["skiffd_launcher"] = " ".join(
            [*(f"{k}={v}" for k, v in launcher_env().items()), *launcher_jvm_options()])
        for name in args.only.split(","):
            t = time.time()
            ctx.log(f"== {name} (load average {loadavg()})")
            try:
                result = SCENARIOS[name](ctx)
            except Exception as e:  # any failure becomes a "not measured" with its reason
                traceback.print_exc()
                result = not_measured(f"the scenario failed: {type(e).__name__}: {e}")
            result["seconds"] = round(time.time() - t, 1)
            result["loadavg_after"] = loadavg()
            ctx.write(name, result)
    finally:
        images.stop(ctx)
        ctx.cleanup()
    run["finished"] = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    run["seconds"] = round(time.time() - started, 1)
    run["machine"]["loadavg_end"] = loadavg()
    run["scenarios"] = args.only.split(",")
    ctx.write("run", run)
    ctx.log(f"done in {run['seconds']}s; results in {args.out}")


if __name__ == "__main__":
    sys.exit(main())
