"""What every scenario shares: the run's context, skiffd and nginx as child processes, the REST
calls, the load tools (wrk for saturation, h2load for fixed-rate latency) and percentiles.

Only the Python standard library: PyPI is not reachable on the benchmark machines.
"""

import json
import os
import re
import shlex
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

BENCH = Path(__file__).resolve().parent.parent
ROOT = BENCH.parent
WASM_DIR = ROOT / "functions-examples" / "target" / "wasm"
WRK_LUA = BENCH / "lib" / "wrk-json.lua"
# How long warm Wasm instances idle before a memory snapshot calls them idle: a function instance
# keeps its guest memory for reuse until the runtime's sweep finds it unused for 2 s (wasm-runtime's
# MemoryPool.IDLE), so up to 4 s after its last request; 6 s leaves a margin for a loaded machine.
WASM_IDLE_S = 6


class Ctx:
    """One run: where results go, quick or full, and a log on stderr."""

    def __init__(self, out: Path, quick: bool, jar: Path, jmh_jar: Path):
        self.out = out
        self.quick = quick
        self.jar = jar
        self.jmh_jar = jmh_jar
        self.tmp = Path(tempfile.mkdtemp(prefix="skiff-bench-"))
        self.raw = out / "raw"
        self.raw.mkdir(parents=True, exist_ok=True)
        # Class data sharing flags for every skiffd of the run (bench/harness/cds.py sets them).
        self.cds_options = []

    def pick(self, quick, full):
        return quick if self.quick else full

    def log(self, msg):
        print(f"[bench {time.strftime('%H:%M:%S')}] {msg}", flush=True)

    def write(self, name, data):
        (self.out / f"{name}.json").write_text(json.dumps(data, indent=2) + "\n")

    def raw_file(self, name, values):
        """Per-request values (one per line) kept for plots; returns the file name."""
        path = self.raw / name
        path.write_text("".join(f"{v}\n" for v in values))
        return str(path.relative_to(self.out))

    def cleanup(self):
        shutil.rmtree(self.tmp, ignore_errors=True)


def not_measured(why, **extra):
    return {"measured": False, "why": why, **extra}


def loadavg():
    return [float(x) for x in Path("/proc/loadavg").read_text().split()[:3]]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def percentile(sorted_values, q):
    """Nearest-rank percentile (q in 0..100) of an ascending list."""
    if not sorted_values:
        return None
    rank = max(1, -(-len(sorted_values) * q // 100))
    return sorted_values[min(len(sorted_values), int(rank)) - 1]


def median(values):
    v = sorted(values)
    if not v:
        return None
    mid = len(v) // 2
    return v[mid] if len(v) % 2 else (v[mid - 1] + v[mid]) / 2


def ms(x):
    """A duration in ms with a sensible number of digits."""
    if x is None:
        return "–"
    if x < 1:
        return f"{x:.3f} ms"
    if x < 10:
        return f"{x:.2f} ms"
    return f"{x:,.1f} ms" if x < 1000 else f"{x:,.0f} ms"


def sms(x):
    """A signed difference in ms: +0.120 ms, −0.010 ms."""
    return "–" if x is None else ("+" if x >= 0 else "−") + ms(abs(x))


def summarize(values):
    v = sorted(values)
    return {
        "n": len(v),
        "min": v[0] if v else None,
        "p50": percentile(v, 50),
        "p90": percentile(v, 90),
        "p99": percentile(v, 99),
        "p999": percentile(v, 99.9),
        "max": v[-1] if v else None,
        "mean": sum(v) / len(v) if v else None,
    }


def wait_for(predicate, timeout, interval=0.05, what="condition"):
    """Polls until predicate() is truthy (returning it) or fails after timeout seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(interval)


# -- skiffd -------------------------------------------------------------------------------------


def launcher_jvm_options():
    """The JVM flags in bin/skiffd.jvm-options, as bin/skiffd passes them."""
    path = ROOT / "bin" / "skiffd.jvm-options"
    if not path.exists():
        return []
    lines = (line.strip() for line in path.read_text().splitlines())
    return [line for line in lines if line and not line.startswith("#")]


def launcher_env():
    """The environment in bin/skiffd.env (NAME=value lines), as bin/skiffd exports it: a name the
    caller's environment already sets keeps the caller's value."""
    path = ROOT / "bin" / "skiffd.env"
    if not path.exists():
        return {}
    lines = (line.strip() for line in path.read_text().splitlines())
    pairs = (line.split("=", 1) for line in lines if line and not line.startswith("#"))
    return {name: value for name, value in pairs if name not in os.environ}


def idle_warm_instances(skiffd, digest, prefix, n, ready_timeout=60, idle_s=WASM_IDLE_S):
    """Deploys n services PREFIX-000.. of the module with min-scale 1, sends each one request
    through the gateway, then lets them idle idle_s seconds (by default WASM_IDLE_S, so a snapshot
    after this sees idle warm instances: past the Wasm runtime's drop of the guest memories kept
    for reuse)."""
    for i in range(n):
        skiffd.deploy(f"{prefix}-{i:03d}", digest, {"autoscaling.knative.dev/min-scale": "1"})
    for i in range(n):
        skiffd.wait_ready(f"{prefix}-{i:03d}-00001", timeout=ready_timeout)
        req = urllib.request.Request(f"{skiffd.gateway}/")
        req.add_header("Host", f"{prefix}-{i:03d}.default.localhost")
        with urllib.request.urlopen(req, timeout=30) as r:
            r.read()
    time.sleep(idle_s)


class Skiffd:
    """skiffd in its own JVM, on free loopback ports, with a fresh data directory."""

    def __init__(self, ctx: Ctx, name: str, *flags: str, env=None):
        self.ctx = ctx
        self.name = name
        self.api_port = free_port()
        self.gateway_port = free_port()
        self.data = ctx.tmp / f"data-{name}"
        self.log_path = ctx.out / f"skiffd-{name}.log"
        # SKIFF_BENCH_JAVA_OPTS: extra JVM flags for every skiffd of the run, e.g. a JFR
        # recording (-XX:StartFlightRecording=settings=profile,filename=...) to profile a path.
        # The flags bin/skiffd ships with come first, so the bench measures skiffd as launched.
        java_opts = [*launcher_jvm_options(), *ctx.cds_options,
                     *os.environ.get("SKIFF_BENCH_JAVA_OPTS", "").split()]
        # The HTTPS listener (default port 8443) is off unless a scenario asks for it: scenarios
        # run several skiffds at once, and a second one on 8443 would not start.
        if "--gateway-tls-port" not in flags:
            flags = (*flags, "--gateway-tls-port", "-1")
        args = ["java", *java_opts, "-jar", str(ctx.jar), "--data-dir", str(self.data),
                "--api-port", str(self.api_port), "--gateway-port", str(self.gateway_port), *flags]
        prefix = [f"{k}={v}" for k, v in (env or {}).items()]
        # The environment bin/skiffd ships with (bin/skiffd.env), then the scenario's own.
        env = {**launcher_env(), **(env or {})}
        self.command = " ".join([*prefix, "skiffd", *args[3 + len(java_opts):]]).replace(str(self.data), "DATA")
        self._log = open(self.log_path, "w")
        # skiffd records its token for the CLI in SKIFF_CONFIG_DIR: keep that in the run's tmp.
        env = dict(os.environ, SKIFF_CONFIG_DIR=str(ctx.tmp / f"config-{name}"), **env)
        self.proc = subprocess.Popen(args, stdout=self._log, stderr=subprocess.STDOUT, cwd=ctx.tmp,
                                     env=env)
        wait_for(lambda: "skiffd ready" in self.log_text() or self.proc.poll() is not None,
                 120, 0.1, "skiffd to start")
        if self.proc.poll() is not None:
            raise RuntimeError(f"skiffd exited with {self.proc.returncode}: {self.log_text()[-2000:]}")
        self.api = f"http://127.0.0.1:{self.api_port}"
        self.token = (self.data / "admin.token").read_text().strip()
        self.gateway = f"http://127.0.0.1:{self.gateway_port}"

    def log_text(self):
        return self.log_path.read_text(errors="replace")

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(60)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self._log.close()
        shutil.rmtree(self.data, ignore_errors=True)

    # REST

    def call(self, method, path, body=None, content_type="application/json", timeout=60):
        data = body if isinstance(body, (bytes, type(None))) else json.dumps(body).encode()
        req = urllib.request.Request(self.api + path, data=data, method=method)
        req.add_header("Authorization", f"Bearer {self.token}")
        if data is not None:
            req.add_header("Content-Type", content_type)
        try:
            with urllib.request.urlopen(req, timeout=timeout) as resp:
                return json.loads(resp.read() or b"null")
        except urllib.error.HTTPError as e:
            raise RuntimeError(f"{method} {path} answered {e.code}: {e.read()[:500]!r}") from None

    def upload(self, wasm: Path):
        return self.call("POST", "/v1/blobs", wasm.read_bytes(), "application/wasm")["digest"]

    def deploy(self, name, digest=None, annotations=None, env=None, image=None):
        template = {"image": image} if image else {"wasm": {"digest": digest}}
        if env:
            template["env"] = [{"name": k, "value": v} for k, v in env.items()]
        service = {"metadata": {"name": name, "annotations": annotations or {}},
                   "spec": {"template": template}}
        return self.call("PUT", f"/v1/namespaces/default/services/{name}", service)

    def revision(self, name):
        return self.call("GET", f"/v1/namespaces/default/revisions/{name}")

    def revision_status(self, name):
        return self.revision(name).get("status") or {}

    def revisions(self):
        return self.call("GET", "/v1/namespaces/default/revisions")["items"]

    def wait_ready(self, revision, instances=1, timeout=60):
        return wait_for(lambda: (self.revision_status(revision).get("readyInstances") or 0) >= instances,
                        timeout, 0.05, f"{revision} to have {instances} ready instance(s)")

    def instance_ports(self, revision):
        """Loopback ports of the revision's instances, from the agent's 'ready at' log lines (or,
        for an instance ready in process before its listener was bound, 'listening at')."""
        pattern = re.compile(r"instance default\." + re.escape(revision)
                             + r"\.\d+ (?:ready|listening) at [\d.]+:(\d+)")
        return [int(p) for p in pattern.findall(self.log_text()) if p != "0"]

    def instance_counts(self, revision_prefix):
        """(started, stopped) instances of matching revisions, from the agent's log lines."""
        text = self.log_text()
        base = r"instance default\." + re.escape(revision_prefix) + r"[\w-]*\.\d+ "
        return (len(re.findall(base + "ready at", text)), len(re.findall(base + "stopped", text)))

    def instance_start_ms(self, revision_prefix, since=0):
        """Instance start times the agent logged ('ready at ... in X ms') for matching revisions,
        in the log from character `since` on."""
        pattern = re.compile(r"instance default\." + re.escape(revision_prefix)
                             + r"[\w-]*\.\d+ ready at [\d.]+:\d+ in ([\d.]+) ms")
        return [float(x) for x in pattern.findall(self.log_text()[since:])]

    # Memory

    def gc(self):
        """A full GC through jcmd, so heap figures after it count live data only."""
        subprocess.run(["jcmd", str(self.proc.pid), "GC.run"], capture_output=True, timeout=120)
        time.sleep(1)

    def rss_kib(self):
        for line in Path(f"/proc/{self.proc.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
        raise RuntimeError("no VmRSS")

    def cpu_seconds(self):
        """CPU time (user + system, all threads: event loops, workers, GC, JIT) used so far."""
        fields = Path(f"/proc/{self.proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def thread_cpu_seconds(self):
        """CPU time (user + system) used so far per group of threads (`thread_group`: every event
        loop is one group, as is every C2 compiler thread)."""
        return threads_cpu_seconds(self.proc.pid, group=True)

    def heap_used_kib(self):
        out = subprocess.run(["jcmd", str(self.proc.pid), "GC.heap_info"], capture_output=True,
                             text=True, timeout=60).stdout
        # One line for G1's heap; one per generation for the serial and parallel collectors.
        used = [int(u) for _, u in re.findall(r"total (\d+)K, used (\d+)K", out)]
        return sum(used) if used else None


# -- nginx --------------------------------------------------------------------------------------


class Nginx:
    """nginx from the distribution with a config of our own, as a child process (daemon off)."""

    def __init__(self, ctx: Ctx, name: str, servers: str):
        self.dir = ctx.tmp / f"nginx-{name}"
        self.dir.mkdir(parents=True, exist_ok=True)
        d = self.dir
        self.conf = f"""
worker_processes auto;
daemon off;
pid {d}/nginx.pid;
error_log {d}/error.log warn;
events {{ worker_connections 4096; }}
http {{
  access_log off;
  keepalive_requests 1000000;
  client_body_temp_path {d}/body;
  proxy_temp_path {d}/proxy;
  fastcgi_temp_path {d}/fastcgi;
  uwsgi_temp_path {d}/uwsgi;
  scgi_temp_path {d}/scgi;
{servers}
}}
"""
        (d / "nginx.conf").write_text(self.conf)
        (ctx.out / f"nginx-{name}.conf").write_text(self.conf)
        self.proc = subprocess.Popen(["nginx", "-p", str(d), "-c", str(d / "nginx.conf")],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        time.sleep(0.5)
        if self.proc.poll() is not None:
            raise RuntimeError(f"nginx exited: {self.proc.stderr.read().decode()[:1000]}")

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGQUIT)
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def nginx_version():
    r = subprocess.run(["nginx", "-v"], capture_output=True, text=True)
    return (r.stderr or r.stdout).strip().replace("nginx version: ", "")


def thread_group(name):
    """A thread's pool: its name (as the kernel keeps it, 15 characters) without its trailing
    number ("vert.x-eventloop-thread-1" and "GC Thread#0" -> "vert.x-eventloop-thread", "GC Thread")."""
    return re.sub(r"[-#]?\d+$", "", name)


def threads_cpu_seconds(pid, group=False):
    """CPU time (user + system) each live thread of PID has used so far, by name, or by
    `thread_group` with group=True; from /proc/PID/task/*/stat."""
    tck = os.sysconf("SC_CLK_TCK")
    cpu = {}
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            stat = (task / "stat").read_text()
        except OSError:
            continue  # the thread ended meanwhile
        name = stat[stat.index("(") + 1:stat.rindex(")")]
        key = thread_group(name) if group else name
        fields = stat.rsplit(")", 1)[1].split()
        cpu[key] = cpu.get(key, 0) + (int(fields[11]) + int(fields[12])) / tck
    return cpu


def wait_http(url, host=None, timeout=30):
    def ok():
        req = urllib.request.Request(url)
        if host:
            req.add_header("Host", host)
        try:
            with urllib.request.urlopen(req, timeout=5) as r:
                return r.status == 200
        except (OSError, urllib.error.HTTPError):
            return False
    return wait_for(ok, timeout, 0.1, f"{url} to answer 200")


# -- load tools ---------------------------------------------------------------------------------


def wrk(url, host=None, threads=2, connections=64, duration=10):
    """Saturation: wrk's closed loop, as many requests as the target answers."""
    cmd = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{duration}s", "-s", str(WRK_LUA)]
    if host:
        cmd += ["-H", f"Host: {host}"]
    cmd.append(url)
    before = loadavg()
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=duration + 60).stdout
    m = re.search(r"WRK_JSON (\{.*\})", out)
    if not m:
        raise RuntimeError(f"wrk printed no result: {out[-1000:]}")
    r = json.loads(m.group(1))
    errors = sum(r["errors"].values())
    return {
        "tool": "wrk",
        "command": shlex.join(cmd).replace(str(WRK_LUA), "bench/lib/wrk-json.lua"),
        "requests_per_s": r["requests"] / (r["duration_us"] / 1e6),
        "requests": r["requests"],
        "errors": errors,
        "error_detail": r["errors"],
        "latency_ms": {k: v / 1000 for k, v in r["latency_us"].items()},
        "loadavg_before": before,
    }


def h2load_rate(ctx, url, host=None, rate=1000, clients=10, duration=10, name="h2load"):
    """Fixed rate over HTTP/1.1: h2load --rps per client, each request's time from its log file.

    Returns the summary and the per-request latencies in ms (to be kept with raw_file), plus each
    request's start time (epoch seconds) and status for scenarios that look at time slices."""
    log = ctx.tmp / f"{name}.log"
    log.unlink(missing_ok=True)
    per_client = rate / clients
    cmd = ["h2load", "--h1", "-c", str(clients), "--rps", f"{per_client:g}", "-D", str(duration),
           "--log-file", str(log)]
    if host:
        cmd += ["-H", f":authority: {host}"]
    cmd.append(url)
    before = loadavg()
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=duration + 120).stdout
    rows = []
    for line in log.read_text().splitlines():
        parts = line.split()
        if len(parts) >= 3:
            rows.append((int(parts[0]) / 1e6, int(parts[1]), int(parts[2]) / 1000))
    m = re.search(r"finished in ([\d.]+)s, ([\d.]+) req/s", out)
    counts = re.search(r"requests: (\d+) total, (\d+) started, (\d+) done, (\d+) succeeded, "
                       r"(\d+) failed, (\d+) errored, (\d+) timeout", out)
    codes = re.search(r"status codes: (\d+) 2xx, (\d+) 3xx, (\d+) 4xx, (\d+) 5xx", out)
    if not (m and counts and codes):
        raise RuntimeError(f"h2load printed no result: {out[-1500:]}")
    total, _, done, ok2, failed, errored, timeouts = (int(x) for x in counts.groups())
    non2xx = int(codes.group(2)) + int(codes.group(3)) + int(codes.group(4))
    latencies = [r[2] for r in rows if 200 <= r[1] < 300]
    return {
        "tool": "h2load",
        "command": shlex.join(cmd).replace(str(log), "LOG"),
        "target_rate": rate,
        "achieved_rate": float(m.group(2)),
        "requests": total,
        "completed": done,
        "non_2xx": non2xx,
        "errors": errored + timeouts + (total - done),
        "latency_ms": summarize(latencies),
        "loadavg_before": before,
    }, latencies, rows


def tool_versions():
    def first_line(cmd):
        try:
            r = subprocess.run(cmd, capture_output=True, text=True, timeout=30)
            return ((r.stdout or "") + (r.stderr or "")).strip().splitlines()[0]
        except (OSError, IndexError, subprocess.TimeoutExpired):
            return None
    return {
        "wrk": first_line(["wrk", "-v"]),
        "h2load": first_line(["h2load", "--version"]),
        "nginx": nginx_version() if shutil.which("nginx") else None,
        "node": first_line(["node", "--version"]),
        "runc": first_line(["runc", "--version"]),
        "podman": first_line(["podman", "--version"]) if shutil.which("podman") else None,
        "gnuplot": first_line(["gnuplot", "--version"]),
    }


def cpu_busy_percent(seconds=2.0):
    """Share of all CPUs busy over a short window (what else the machine is doing)."""
    def read():
        f = [int(x) for x in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
        idle = f[3] + f[4]
        return sum(f), idle
    t1, i1 = read()
    time.sleep(seconds)
    t2, i2 = read()
    return round(100 * (1 - (i2 - i1) / max(1, t2 - t1)), 1)


def env_flag(name):
    return os.environ.get(name, "") not in ("", "0", "false")


def interleaved_latency(ctx, targets, rounds, duration, rate=1000, clients=10, name="h2load",
                        cpu=None):
    """Fixed-rate latency of several targets in interleaved rounds, so that a drift in the
    machine's background load (it is shared) falls on every target alike.

    targets: {key: (url, host)}. Every round measures every target once with the same tool,
    rate and connection count; the order rotates by one each round, so no target always runs
    first (right after another's load) or last. Returns per target: the per-round summaries,
    the median and spread (min, max) of the per-round p50s and p99s, every request's latency
    (pooled) and the runs; use paired_added() for what one path adds over another.

    cpu: {key: Skiffd} for targets served by a skiffd: its CPU time per request answered is
    measured in each round too (a figure the machine's other load disturbs far less than a p99)."""
    keys = list(targets)
    per = {k: {"rounds": [], "latencies": [], "runs": []} for k in keys}
    for i in range(rounds):
        order = keys[i % len(keys):] + keys[:i % len(keys)]
        for key in order:
            url, host = targets[key]
            ctx.log(f"{name}: round {i + 1}/{rounds}: {key}: h2load {rate} req/s, {clients} "
                    f"connections, {duration}s")
            proc = (cpu or {}).get(key)
            cpu_before = proc.cpu_seconds() if proc else None
            fixed, values, _ = h2load_rate(ctx, url, host, rate, clients, duration,
                                           f"{name}-{key}")
            cpu_us = ((proc.cpu_seconds() - cpu_before) * 1e6 / max(1, len(values))
                      if proc else None)
            s = summarize(values)
            per[key]["rounds"].append({"round": i + 1, "p50": s["p50"], "p99": s["p99"],
                                       "n": s["n"], "achieved_rate": fixed["achieved_rate"],
                                       "errors": fixed["errors"] + fixed["non_2xx"],
                                       "cpu_us_per_request": cpu_us,
                                       "loadavg_before": fixed["loadavg_before"]})
            per[key]["latencies"] += values
            per[key]["runs"].append(fixed)
    for key in keys:
        rs = per[key]["rounds"]
        for q in ("p50", "p99"):
            vals = [r[q] for r in rs if r[q] is not None]
            per[key][f"{q}_median"] = median(vals)
            per[key][f"{q}_spread"] = [min(vals), max(vals)] if vals else None
        cpu_vals = [r["cpu_us_per_request"] for r in rs if r["cpu_us_per_request"] is not None]
        per[key]["cpu_us_per_request_median"] = median(cpu_vals)
    return per


def paired_added(per, key, base):
    """What target `key` adds over `base`: the median over rounds of the per-round differences of
    p50 and p99 (both measured in the same round, minutes apart at most), with their spread."""
    if key not in per or base not in per:
        return None
    out = {}
    for q in ("p50", "p99"):
        diffs = [a[q] - b[q] for a, b in zip(per[key]["rounds"], per[base]["rounds"])
                 if a[q] is not None and b[q] is not None]
        out[q] = median(diffs)
        out[f"{q}_per_round"] = diffs
        out[f"{q}_spread"] = [min(diffs), max(diffs)] if diffs else None
    return out
