"""Where the JIT's code and metaspace growth of a deploy goes, by package (bench/notes/density.md,
fifth round).

Runs the density bench's at-zero part (idle skiffd with hello uploaded, then N services at zero,
each snapshot after density._settle) with -XX:NativeMemoryTracking=summary, and at each snapshot
keeps NMT's summary, `jcmd Compiler.codelist` (every nmethod: compile id, tier, method, its
address range) and `Compiler.codecache`. The nmethods are grouped by the package of their
method's class (a few well-known prefixes, else the first three name parts); the growth is the
bytes of nmethods present at the end that were not at the start.

    python3 bench/harness/jit_owners.py OUT JAR [N] [extra JVM flags ...]

Prints one JSON object (also written to OUT/jit-owners.json). Standard library only.
"""

import json
import os
import re
import subprocess
import sys
import time
from collections import defaultdict
from pathlib import Path

import density
from common import Ctx, ROOT, Skiffd

GROUPS = [
    ("dev.skiff.", "Skiff"),
    ("io.vertx.", "Vert.x"),
    ("io.netty.", "Netty"),
    ("com.fasterxml.jackson.", "Jackson"),
    ("org.bouncycastle.", "BouncyCastle"),
    ("sun.security.", "JDK security (sun.security)"),
    ("java.security.", "JDK security (java.security)"),
    ("javax.crypto.", "JDK crypto (javax.crypto)"),
    ("com.sun.crypto.", "JDK crypto (com.sun.crypto)"),
    ("java.math.", "java.math (BigInteger)"),
    ("io.micrometer.", "Micrometer"),
    ("com.dylibso.chicory.", "Chicory"),
    ("java.util.concurrent.", "java.util.concurrent"),
    ("java.util.", "java.util"),
    ("java.lang.invoke.", "java.lang.invoke"),
    ("java.lang.", "java.lang"),
    ("java.time.", "java.time"),
    ("java.io.", "java.io/nio"),
    ("java.nio.", "java.io/nio"),
    ("sun.nio.", "java.io/nio"),
    ("jdk.internal.", "jdk.internal"),
    ("org.slf4j.", "logging"),
    ("ch.qos.", "logging"),
    ("org.apache.logging.", "logging"),
]

LINE = re.compile(r"^(\d+)\s+(\d+)\s+(\d+)\s+(\S+?)\(.*\[(0x[0-9a-f]+),\s*(0x[0-9a-f]+)\s*-\s*(0x[0-9a-f]+)\]")


def group(method):
    for prefix, name in GROUPS:
        if method.startswith(prefix):
            return name
    parts = method.split(".")
    return ".".join(parts[:3]) if len(parts) > 3 else method


def codelist(pid):
    out = subprocess.run(["jcmd", str(pid), "Compiler.codelist"], capture_output=True, text=True,
                         timeout=120).stdout
    return parse_codelist(out), out


def parse_codelist(out):
    blobs = {}
    for line in out.splitlines():
        m = LINE.match(line.strip())
        if m:
            cid, tier, _state, method, start, _begin, end = m.groups()
            blobs[int(cid)] = (int(tier), method, int(end, 16) - int(start, 16))
    return blobs


def jcmd(pid, *args):
    return subprocess.run(["jcmd", str(pid), *args], capture_output=True, text=True,
                          timeout=120).stdout


def nmt_committed(text):
    """NMT summary: category -> committed KiB."""
    result = {}
    for m in re.finditer(r"-\s+([A-Za-z ]+?) \(reserved=\d+KB, committed=(\d+)KB\)", text):
        result[m.group(1).strip()] = int(m.group(2))
    total = re.search(r"Total: reserved=\d+KB, committed=(\d+)KB", text)
    if total:
        result["Total"] = int(total.group(1))
    return result


def snapshot(ctx, skiffd, name):
    density._settle(skiffd)
    pid = skiffd.proc.pid
    blobs, raw = codelist(pid)
    (ctx.out / f"codelist-{name}.txt").write_text(raw)
    nmt = jcmd(pid, "VM.native_memory", "summary")
    (ctx.out / f"nmt-{name}.txt").write_text(nmt)
    (ctx.out / f"codecache-{name}.txt").write_text(jcmd(pid, "Compiler.codecache"))
    (ctx.out / f"metaspace-{name}.txt").write_text(jcmd(pid, "VM.metaspace"))
    return {"rss_kib": skiffd.rss_kib(), "heap_used_kib": skiffd.heap_used_kib(),
            "nmt": nmt_committed(nmt), "blobs": blobs}


def by_group(before, after):
    """KiB of nmethods at `after` not present at `before`, by (group, tier band); also the count of
    methods with tier-2/3 (profiled) code, whose method data live in metaspace."""
    rows = defaultdict(lambda: {"profiled_kib": 0.0, "c2_kib": 0.0, "profiled_methods": 0})
    for cid, (tier, method, size) in after.items():
        if cid in before:
            continue
        row = rows[group(method)]
        if tier in (1, 2, 3):
            row["profiled_kib"] += size / 1024
            row["profiled_methods"] += 1
        else:
            row["c2_kib"] += size / 1024
    return dict(sorted(rows.items(), key=lambda kv: -(kv[1]["profiled_kib"] + kv[1]["c2_kib"])))


def main():
    if sys.argv[1] == "--regroup":
        # Group the code lists an earlier run kept again (e.g. after changing GROUPS).
        out = Path(sys.argv[2])
        base, end = (parse_codelist((out / f"codelist-{n}.txt").read_text()) for n in ("base", "end"))
        print(json.dumps(by_group(base, end), indent=2))
        return
    out, jar = Path(sys.argv[1]), Path(sys.argv[2])
    n = int(sys.argv[3]) if len(sys.argv) > 3 else 1000
    extra = sys.argv[4:]
    out.mkdir(parents=True, exist_ok=True)
    ctx = Ctx(out, False, jar, None)
    os.environ["SKIFF_BENCH_JAVA_OPTS"] = " ".join(["-XX:NativeMemoryTracking=summary", *extra])
    skiffd = Skiffd(ctx, "jit", "--scale-to-zero-grace", "0")
    try:
        wasm = ROOT / "functions-examples" / "target" / "wasm" / "hello.wasm"
        if not wasm.exists():
            wasm = Path("/work/main/functions-examples/target/wasm/hello.wasm")
        digest = skiffd.upload(wasm)
        base = snapshot(ctx, skiffd, "base")
        t0 = time.monotonic()
        density._deploy_to_zero(ctx, skiffd, digest, {"autoscaling.knative.dev/min-scale": "0",
                                                      "autoscaling.knative.dev/window": "6s"},
                                range(n))
        deploy_s = time.monotonic() - t0
        end = snapshot(ctx, skiffd, "end")
        nmt = {k: round((end["nmt"].get(k, 0) - v) / 1024, 1) for k, v in base["nmt"].items()}
        result = {
            "flags": extra, "n": n, "deploy_to_zero_s": round(deploy_s, 1),
            "rss_above_idle_mib": round((end["rss_kib"] - base["rss_kib"]) / 1024, 1),
            "idle_rss_mib": round(base["rss_kib"] / 1024, 1),
            "live_heap_growth_mib": round((end["heap_used_kib"] - base["heap_used_kib"]) / 1024, 1),
            "nmt_growth_mib": nmt,
            "nmethods": {"base": len(base["blobs"]), "end": len(end["blobs"])},
            "new_code_by_group_kib": {k: {kk: round(vv, 1) for kk, vv in v.items()}
                                      for k, v in by_group(base["blobs"], end["blobs"]).items()},
        }
        (out / "jit-owners.json").write_text(json.dumps(result, indent=2) + "\n")
        print(json.dumps(result, indent=2))
    finally:
        skiffd.stop()
        ctx.cleanup()


if __name__ == "__main__":
    main()
