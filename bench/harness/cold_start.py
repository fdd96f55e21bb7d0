"""Scenario 4, cold starts: a revision at zero until its first request's first byte.

One skiffd with --scale-to-zero-grace 0. K services (min-scale 0, initial-scale 0, a 6 s stable
window, Knative's minimum) per workload kind. Each sample waits until one service reports
readyInstances 0, then times one GET through the gateway to its first byte (curl's
time_starttransfer): gateway -> activator -> autoscaler -> agent starts an instance -> readiness
-> activator forwards. Round-robin over the K services, so samples need not wait out each window
in turn.

- Wasm: hello.wasm; its compiled code is in the on-disk cache since the upload (as after any
  deploy).
- Containers: the image of images.py (pulled once by a warm-up service first, so samples measure
  a start from the node's image store, not a pull).
- Peers for containers: bare `runc run` and `podman run` of the same root filesystem, host
  network namespace, timed from exec to the first byte of an HTTP GET; and bare `runc run` of the
  very config.json skiffd wrote for an instance of the image (seccomp, masked paths, mounts,
  limits, a network namespace prepared ahead), which splits Skiff's `ready` phase into what runc
  pays for Skiff's config and what the agent adds.
"""

import json
import re
import resource
import statistics
import os
import shutil
import socket
import subprocess
import threading
import time
import urllib.request
from pathlib import Path

import images
from common import Skiffd, WASM_DIR, free_port, not_measured, summarize, wait_for

ANNOTATIONS = {"autoscaling.knative.dev/min-scale": "0",
               "autoscaling.knative.dev/initial-scale": "0",
               "autoscaling.knative.dev/window": "6s"}


def curl_first_byte(url, host):
    out = subprocess.run(
        ["curl", "-s", "-o", "/dev/null", "-H", f"Host: {host}", "-w",
         "%{http_code} %{time_connect} %{time_starttransfer}", "--max-time", "60", url],
        capture_output=True, text=True).stdout.split()
    return int(out[0]), float(out[1]) * 1000, float(out[2]) * 1000


def cycle(ctx, skiffd, names, samples):
    """Samples cold requests round-robin over services that each go back to zero in between."""
    for name in names:
        wait_for(lambda: (skiffd.call("GET", f"/v1/namespaces/default/services/{name}")
                          .get("status") or {}).get("traffic"), 30, 0.05, f"{name}'s route")
    time.sleep(1)  # the gateway follows the store's watch; no API says it has the route yet
    ttfb, codes = [], {}
    i = 0
    polls = 0

    def at_zero(name):
        nonlocal polls
        polls += 1
        return (skiffd.revision_status(f"{name}-00001").get("readyInstances") or 0) == 0

    while len(ttfb) < samples:
        name = names[i % len(names)]
        i += 1
        wait_for(lambda: at_zero(name), 180, 0.1, f"{name} to reach zero")
        code, _, first = curl_first_byte(f"{skiffd.gateway}/", f"{name}.default.localhost")
        codes[str(code)] = codes.get(str(code), 0) + 1
        ttfb.append(first)
    ctx.status_polls = polls
    return ttfb, codes


def wasm(ctx, skiffd, samples, services, prefix="cold-wasm-"):
    digest = skiffd.upload(WASM_DIR / "hello.wasm")
    names = [f"{prefix}{i:02d}" for i in range(services)]
    for name in names:
        skiffd.deploy(name, digest, ANNOTATIONS)
    ctx.log(f"cold: Wasm, {samples} samples over {services} services cycling through zero")
    ttfb, codes = cycle(ctx, skiffd, names, samples)
    return {
        "measured": True,
        "method": (f"{services} services of hello.wasm, annotations {json.dumps(ANNOTATIONS)}; each "
                   "sample waits for readyInstances == 0 on one service (round-robin), then one "
                   "GET through the gateway timed to its first byte by curl"),
        "first_byte_ms": summarize(ttfb),
        "status_codes": codes,
        "instance_start_ms": summarize(skiffd.instance_start_ms(prefix)),
        "raw": ctx.raw_file(f"{prefix}ms.txt", ttfb),
    }


def container_support(ctx, skiffd=None):
    """None when skiffd runs this run's container image, else not_measured(why). Asked once."""
    if hasattr(ctx, "container_probe"):
        return ctx.container_probe
    image = images.build(ctx)
    if isinstance(image, str):
        ctx.container_probe = not_measured(f"no container image: {image}")
        return ctx.container_probe
    own = skiffd is None
    skiffd = skiffd or Skiffd(ctx, "container-probe")
    try:
        skiffd.deploy("ctr-warm", image=image.reference,
                      annotations={"autoscaling.knative.dev/min-scale": "1"})
        status = wait_for(lambda: _settled(skiffd.revision_status("ctr-warm-00001")), 180, 0.1,
                          "the image revision to report a condition")
        cond = next(c for c in status["conditions"] if c["type"] == "Ready")
        if cond["status"] == "True":
            ctx.container_probe = None
        else:
            ctx.container_probe = not_measured(
                f"skiffd does not run the image: its revision reports {cond.get('reason')}: "
                f"\"{cond.get('message')}\"")
        return ctx.container_probe
    finally:
        if own:
            skiffd.stop()


def _settled(status):
    """The status once Ready is True, or False with a reason (a transient False has none)."""
    for c in status.get("conditions") or []:
        if c["type"] == "Ready" and (c["status"] == "True" or (c["status"] == "False" and c.get("reason"))):
            return status
    return None


def container(ctx, skiffd, samples, services):
    why = container_support(ctx, skiffd)
    if why:
        return why
    names = [f"cold-ctr-{i:02d}" for i in range(services)]
    for name in names:
        skiffd.deploy(name, image=ctx.image.reference, annotations=ANNOTATIONS)
    ctx.log(f"cold: containers, {samples} samples over {services} services cycling through zero")
    spares_before = network_spares(skiffd)
    cpu_before = process_cpu_ms(skiffd.proc.pid)
    threads = ThreadCpu(skiffd.proc.pid)
    ttfb, codes = cycle(ctx, skiffd, names, samples)
    thread_cpu = threads.stop(samples)
    cpu_after = process_cpu_ms(skiffd.proc.pid)
    spares_after = network_spares(skiffd)
    poll_cpu = status_poll_cpu_ms(skiffd, names[0])
    ctx.skiff_config = skiff_config(ctx, skiffd)
    steps = trace_steps(skiffd.log_text(), "cold-ctr-", ttfb)
    if steps:
        ctx.log(f"cold: container steps, median ms over {steps['traced_samples']} traced "
                f"samples: {steps['median_ms']}")
    return {
        "measured": True,
        "method": (f"{services} services of the image {ctx.image.reference} "
                   "(functions-examples/container/hello-server.c, static, one layer), annotations "
                   f"{json.dumps(ANNOTATIONS)}; the image was pulled once before by a warm-up "
                   "service; samples as for Wasm"),
        "first_byte_ms": summarize(ttfb),
        "status_codes": codes,
        "instance_start_ms": summarize(skiffd.instance_start_ms("cold-ctr-")),
        "start_phases_p50_ms": start_phases(skiffd.log_text(), "cold-ctr-"),
        # With skiffd's cold-start trace on (the container part alone): each sample's steps from
        # the activator's and the agent's trace lines, and what the agent's instance start spent
        # outside the container backend's phases.
        "trace": steps,
        # Starts during the samples that took a network namespace prepared ahead, and those that
        # found none and made their own (skiffd's counters; absent from a skiffd without them).
        "network_spares": ({k: spares_after[k] - spares_before[k] for k in spares_after}
                           if spares_before and spares_after else None),
        # CPU time per sample of skiffd's JVM (every thread: gateway, activator, agent, sidecars,
        # GC; the stops of the instances of earlier samples too) and of the processes it waited
        # for (runc, runc init, the workloads, ip; counted when they end), which the machine's
        # load moves far less than wall time.
        "cpu_ms_per_sample": ({k: round((cpu_after[k] - cpu_before[k]) / samples, 2)
                               for k in cpu_after} if cpu_before and cpu_after else None),
        # The JVM's CPU per sample by thread (threads named alike grouped: "vert.x-eventloop-
        # thread-N" as "vert.x-eventloop-thread"), from /proc/PID/task polled every 100 ms; a
        # thread started during the samples counts from its start, one that ended up to its last
        # poll, and the rest of the process's time is "(not attributed: ...)".
        "jvm_cpu_ms_per_sample_by_thread": thread_cpu,
        # The harness's own share of that: it asks the API for a revision's status (every
        # 100 ms until the revision is at zero) before each sample; the JVM's CPU per such call,
        # measured after the samples over 200 calls in a row.
        "harness_status_polls_per_sample": round(ctx.status_polls / samples, 2),
        "jvm_cpu_ms_per_status_poll": poll_cpu,
        "containers_killed_from_outside": skiffd.log_text().count("was killed by signal 9"),
        "raw": ctx.raw_file("cold-container-ms.txt", ttfb),
    }


def process_cpu_ms(pid):
    """CPU milliseconds of process pid ("self": user + system of its threads) and of its children
    it waited for ("children"), from /proc/PID/stat; None when it cannot be read."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    tick = os.sysconf("SC_CLK_TCK")
    # After the ")": state is field 3, so utime (14), stime (15), cutime (16), cstime (17) are
    # at 11..14 here.
    utime, stime, cutime, cstime = (int(x) for x in fields[11:15])
    return {"self": (utime + stime) * 1000 / tick, "children": (cutime + cstime) * 1000 / tick}


def status_poll_cpu_ms(skiffd, name, calls=200):
    before = process_cpu_ms(skiffd.proc.pid)
    for _ in range(calls):
        skiffd.revision_status(f"{name}-00001")
    after = process_cpu_ms(skiffd.proc.pid)
    return round((after["self"] - before["self"]) / calls, 3) if before and after else None


class ThreadCpu:
    """Polls /proc/PID/task in the background: each thread's name and CPU time, first and last
    seen, so short-lived threads (a start's log pumps) count too."""

    def __init__(self, pid, period=0.1):
        self._pid = pid
        self._period = period
        self._seen = {}
        self._total = [process_cpu_ms(pid), None]
        self._initial = True
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self):
        while not self._stop.is_set():
            self._poll()
            self._stop.wait(self._period)

    def _poll(self):
        try:
            tids = os.listdir(f"/proc/{self._pid}/task")
        except OSError:
            return
        for tid in tids:
            try:
                text = Path(f"/proc/{self._pid}/task/{tid}/stat").read_text()
            except OSError:
                continue
            name = text[text.index("(") + 1:text.rindex(")")]
            fields = text.rsplit(")", 1)[1].split()
            ticks = int(fields[11]) + int(fields[12])
            # A thread started since the first poll counts from its start.
            first = self._seen.get(tid, (name, ticks if self._initial else 0, 0))[1]
            self._seen[tid] = (name, first, ticks)
        self._initial = False

    def stop(self, samples):
        """CPU ms per sample by thread group, the largest first; None when unreadable."""
        self._stop.set()
        self._thread.join()
        self._poll()
        total = process_cpu_ms(self._pid)
        if not total or not self._total[0]:
            return None
        tick = os.sysconf("SC_CLK_TCK")
        groups = {}
        for name, first, last in self._seen.values():
            group = re.sub(r"[-#_ ]?\d+$", "", name) or name
            groups[group] = groups.get(group, 0) + (last - first) * 1000 / tick
        ended = total["self"] - self._total[0]["self"] - sum(groups.values())
        groups["(not attributed: threads that ended between polls, rounding)"] = max(ended, 0)
        return {k: round(v / samples, 2)
                for k, v in sorted(groups.items(), key=lambda kv: -kv[1]) if v > 0}


def network_spares(skiffd):
    """skiffd's counts of container starts that took a prepared network namespace ("taken") and
    that made their own ("missed"), from its /metrics; None when it has no such counters."""
    req = urllib.request.Request(f"{skiffd.api}/metrics")
    req.add_header("Authorization", f"Bearer {skiffd.token}")
    with urllib.request.urlopen(req, timeout=30) as r:
        text = r.read().decode()
    out = {}
    for what in ("taken", "missed"):
        m = re.search(rf"^skiff_node_container_network_spares_{what}_total(?:{{[^}}]*}})? ([0-9.eE+]+)$",
                      text, re.M)
        if not m:
            return None
        out[what] = int(float(m.group(1)))
    return out


def skiff_config(ctx, skiffd):
    """A copy of the config.json skiffd wrote for its warm instance of the image (min-scale 1, so
    running), with the hosts and resolv.conf it mounts; None when there is none."""
    # skiffd's container data directory is {data}/containers, its bundles {that}/containers/KEY.
    for cfg in sorted(skiffd.data.glob("containers/containers/default.ctr-warm-*/config.json")):
        dest = ctx.tmp / "skiff-config"
        dest.mkdir(exist_ok=True)
        for name in ("hosts", "resolv.conf"):
            shutil.copy(cfg.parent / name, dest / name)
        return json.loads(cfg.read_text()), dest
    return None


def start_phases(log_text, revision_prefix):
    """Median milliseconds per phase of the container starts the agent logged ('container KEY up
    in X ms: image a ms, bundle b ms, ...') for matching revisions, in the order logged."""
    line = re.compile(r"container default\." + re.escape(revision_prefix) + r"\S* up in [\d.]+ ms: (.*)")
    phases = {}
    for m in line.finditer(log_text):
        for name, value in re.findall(r"(\w+) ([\d.]+) ms", m.group(1)):
            phases.setdefault(name, []).append(float(value))
    return {name: round(statistics.median(v), 1) for name, v in phases.items()}


TRACE_ACTIVATOR = re.compile(
    r"activator default/(\S+) request \S+ served: queued ([\d.]+), poke ([\d.]+)-([\d.]+), "
    r"granted ([\d.]+), on its loop ([\d.]+), handed to the instance ([\d.]+), ended ([\d.]+) ms "
    r"\(t0 (\d+)[;)]")
TRACE_AGENT = re.compile(
    r"agent (\S+) \(cold\): on the agent ([\d.]+), backend started ([\d.]+), front open ([\d.]+),"
    r" back on the agent ([\d.]+), published ([\d.]+) ms \(t0 (\d+)")
TRACE_STEPS = ["gateway_and_client", "admit", "decide", "to_agent", "backend",
               "backend_outside_phases", "front", "back_to_agent", "publish", "to_request_loop",
               "forward_and_answer"]


def trace_steps(log_text, revision_prefix, first_bytes):
    """A container cold request step by step, from skiffd's cold-start trace (--log-level
    info,skiff.coldstart=debug; one JVM, one nanoTime clock): the activator's line of each cold
    request stitched to the agent's line of the start its poke caused, and the backend's own
    phases ('container KEY up in X ms') for the start. Steps (median ms): gateway_and_client
    (curl's first byte minus the activator's part), admit, decide (the poke until the agent is
    asked), to_agent, backend (the container backend's start: its phases, and
    backend_outside_phases, the rest of it: env resolution, hops between the worker and the
    context), front (the sidecar opened), back_to_agent, publish (until the queued request is
    granted), to_request_loop, forward_and_answer (the activator hands the request to the
    sidecar, which forwards it over the instance's link to the workload, until the answer ends).
    None when the trace is off."""
    agents = [(int(m.group(7)), m) for m in TRACE_AGENT.finditer(log_text)]
    # The backend's own line for the start, the last one logged before the agent's trace line.
    ups = [(m.start(), m.group(1), float(m.group(2))) for m in re.finditer(
        r"container (default\." + re.escape(revision_prefix) + r"\S*) up in ([\d.]+) ms", log_text)]
    samples = []
    for a in TRACE_ACTIVATOR.finditer(log_text):
        if not a.group(1).startswith(revision_prefix):
            continue
        t0 = int(a.group(9))
        at = lambda g: t0 + float(a.group(g)) * 1e6  # noqa: E731  the activator's stamps, in ns
        poke_start, poke_end, granted, ended = at(3), at(4), at(5), at(8)
        agent = next((m for t, m in agents if poke_start <= t <= poke_end), None)
        if agent is None:
            continue
        g0 = int(agent.group(7))
        ag = lambda g: g0 + float(agent.group(g)) * 1e6  # noqa: E731
        ms = lambda a_, b_: (b_ - a_) / 1e6  # noqa: E731
        s = {"admit": ms(t0, at(2)), "decide": ms(poke_start, g0), "to_agent": ms(g0, ag(2)),
             "backend": ms(ag(2), ag(3)), "front": ms(ag(3), ag(4)),
             "back_to_agent": ms(ag(4), ag(5)), "publish": ms(ag(5), granted),
             "to_request_loop": ms(granted, at(6)), "forward_and_answer": ms(at(6), ended),
             "activator_total": ms(t0, ended)}
        up = [took for pos, key, took in ups if key == agent.group(1) and pos < agent.start()]
        if up:
            s["backend_outside_phases"] = s["backend"] - up[-1]
        samples.append(s)
    if not samples:
        return None
    if len(samples) == len(first_bytes):
        for s, fb in zip(samples, first_bytes):
            s["gateway_and_client"] = fb - s["activator_total"]
    keys = TRACE_STEPS + ["activator_total"]
    return {"traced_samples": len(samples),
            "median_ms": {k: round(statistics.median(s[k] for s in samples if k in s), 2)
                          for k in keys if any(k in s for s in samples)}}


def _first_byte(port, deadline, proc, host="127.0.0.1"):
    """Polls host:port until an HTTP GET gets its first response byte."""
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            with socket.create_connection((host, port), timeout=2) as s:
                s.sendall(b"GET / HTTP/1.0\r\n\r\n")
                if s.recv(1):
                    return True
        except OSError:
            time.sleep(0.0005)
    return False


def _peer(ctx, name, samples, start, stop, method, host="127.0.0.1"):
    times, cpu = [], []
    for i in range(samples):
        port = free_port()
        cid = f"skiff-bench-{os.getpid()}-{name}-{i}"
        t0 = time.monotonic()
        proc = subprocess.Popen(start(cid, port), stdin=subprocess.DEVNULL,
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        ok = _first_byte(port, t0 + 30, proc, host)
        elapsed = (time.monotonic() - t0) * 1000
        for command in stop(cid):
            subprocess.run(command, capture_output=True, timeout=60)
        before = _children_cpu_ms()
        try:
            proc.wait(60)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        if not ok:
            return not_measured(f"{name} did not answer: {proc.stderr.read().decode()[-500:]!r}")
        times.append(elapsed)
        cpu.append(_children_cpu_ms() - before)
    return {"measured": True, "method": method, "first_byte_ms": summarize(times),
            # CPU time of the peer's process and the processes it waited for (for runc: runc,
            # runc init and the workload), which the machine's load moves far less than wall time.
            "cpu_ms": summarize(cpu),
            "raw": ctx.raw_file(f"cold-{name}-ms.txt", times)}


def _children_cpu_ms():
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (r.ru_utime + r.ru_stime) * 1000


def runc_peer(ctx, samples):
    if os.geteuid() != 0 or not shutil.which("runc"):
        return not_measured("bare runc needs root and runc")
    image = images.build(ctx)
    if isinstance(image, str):
        return not_measured(f"no container image: {image}")
    bundle = ctx.tmp / "runc-bundle"
    bundle.mkdir(exist_ok=True)
    subprocess.run(["runc", "spec", "--bundle", str(bundle)], check=True)
    spec = json.loads((bundle / "config.json").read_text())
    spec["root"] = {"path": str(image.rootfs), "readonly": True}
    spec["process"]["terminal"] = False
    # Host network namespace: no network set-up at all, so a lower bound for runc.
    spec["linux"]["namespaces"] = [n for n in spec["linux"]["namespaces"] if n["type"] != "network"]

    def start(cid, port):
        spec["process"]["args"] = ["/hello-server"]
        spec["process"]["env"] = [f"PORT={port}", "K_REVISION=runc"]
        (bundle / "config.json").write_text(json.dumps(spec))
        return ["runc", "run", "--bundle", str(bundle), cid]

    return _peer(ctx, "runc", samples, start,
                 lambda cid: [["runc", "kill", cid, "KILL"], ["runc", "delete", "-f", cid]],
                 "runc run of a bundle whose read-only root is the image's root filesystem "
                 "(hello-server, static), default runc spec minus the network namespace; from "
                 "exec of runc to the first byte of an HTTP GET polled every 0.5 ms; kill + "
                 "delete between samples")


# The runc peer with Skiff's config joins one network namespace made before its samples, as a
# Skiff start takes one made ahead; the addresses are for this peer only (skiffd has stopped).
PEER_NETNS, PEER_LINK, PEER_HOST, PEER_POD = "skiff-bench-runc", "skbrunc0", "10.254.253.1", "10.254.253.2"


def runc_skiff_config_peer(ctx, samples):
    if os.geteuid() != 0 or not shutil.which("runc") or not shutil.which("ip"):
        return not_measured("bare runc needs root, runc and ip")
    found = getattr(ctx, "skiff_config", None)
    if not found:
        return not_measured("no config.json of a running Skiff instance was found to run")
    spec, files = found
    image = images.build(ctx)
    if isinstance(image, str):
        return not_measured(f"no container image: {image}")
    bundle = ctx.tmp / "runc-skiff-bundle"
    bundle.mkdir(exist_ok=True)
    spec["root"] = {"path": str(image.rootfs), "readonly": True}
    spec["linux"]["namespaces"] = [
        {"type": "network", "path": f"/run/netns/{PEER_NETNS}"} if n["type"] == "network" else n
        for n in spec["linux"]["namespaces"]]
    for m in spec["mounts"]:
        if m["destination"] in ("/etc/hosts", "/etc/resolv.conf"):
            m["source"] = str(files / Path(m["destination"]).name)
    env = [e for e in spec["process"]["env"] if not e.startswith("PORT=")]
    _peer_netns_remove()
    for command in (["ip", "netns", "add", PEER_NETNS],
                    ["ip", "link", "add", PEER_LINK, "type", "veth", "peer", "name", "eth0",
                     "netns", PEER_NETNS],
                    ["ip", "addr", "add", PEER_HOST + "/30", "dev", PEER_LINK],
                    ["ip", "link", "set", PEER_LINK, "up"],
                    ["ip", "-n", PEER_NETNS, "addr", "add", PEER_POD + "/30", "dev", "eth0"],
                    ["ip", "-n", PEER_NETNS, "link", "set", "eth0", "up"],
                    ["ip", "-n", PEER_NETNS, "link", "set", "lo", "up"]):
        subprocess.run(command, check=True, capture_output=True)

    def start(cid, port):
        spec["process"]["env"] = [*env, f"PORT={port}"]
        spec["linux"]["cgroupsPath"] = f"/{cid}"
        (bundle / "config.json").write_text(json.dumps(spec))
        return ["runc", "run", "--bundle", str(bundle), cid]

    try:
        return _peer(ctx, "runc-skiff-config", samples, start,
                     lambda cid: [["runc", "kill", cid, "KILL"], ["runc", "delete", "-f", cid]],
                     "runc run of the config.json skiffd wrote for an instance of the image "
                     "(its seccomp profile, capabilities, masked and read-only paths, mounts, "
                     "limits, rlimits and namespaces), its root the image's root filesystem "
                     "read-only, joining a network namespace with a veth pair made before the "
                     "samples; from exec of runc to the first byte of an HTTP GET to the "
                     "namespace's address polled every 0.5 ms; kill + delete between samples",
                     host=PEER_POD)
    finally:
        _peer_netns_remove()


def _peer_netns_remove():
    subprocess.run(["ip", "link", "del", PEER_LINK], capture_output=True)
    subprocess.run(["ip", "netns", "del", PEER_NETNS], capture_output=True)


PODMAN = ["podman", "--cgroup-manager", "cgroupfs", "run", "--rm", "--runtime", "runc",
          "--network", "host", "--ulimit", "nofile=1024:1024", "--ulimit", "nproc=1024:1024"]


def podman_peer(ctx, samples):
    if not shutil.which("podman"):
        return not_measured("podman is not installed (bench/run installs it with apt as root)")
    image = images.build(ctx)
    if isinstance(image, str):
        return not_measured(f"no container image: {image}")
    return _peer(ctx, "podman", samples,
                 lambda cid, port: [*PODMAN, "--name", cid, "-e", f"PORT={port}",
                                    "--rootfs", str(image.rootfs), "/hello-server"],
                 lambda cid: [["podman", "kill", cid]],
                 " ".join(PODMAN) + " --rootfs <the image's root filesystem> /hello-server; from "
                 "exec of podman to the first byte of an HTTP GET (cgroupfs, runc and the "
                 "ulimits because this machine has hybrid cgroups and hard limits below podman's "
                 "defaults)")


def run_container(ctx):
    """The container part alone (`--only cold_start_container`): Skiff's container cold starts and
    the runc and podman peers, as in the full scenario, without the Wasm samples."""
    # With the cold-start trace (a few log lines per start), so each sample's steps are known.
    skiffd = Skiffd(ctx, "cold", "--scale-to-zero-grace", "0",
                    "--log-level", "info,skiff.coldstart=debug")
    try:
        result = {"skiffd": skiffd.command,
                  "container": container(ctx, skiffd, ctx.pick(20, 100), 20)}
    finally:
        skiffd.stop()
    peer_samples = ctx.pick(20, 100)
    ctx.log(f"cold: runc and podman peers, {peer_samples} samples each")
    result["runc"] = runc_peer(ctx, peer_samples)
    result["runc_skiff_config"] = runc_skiff_config_peer(ctx, peer_samples)
    result["podman"] = podman_peer(ctx, ctx.pick(10, 30))
    result["measured"] = True
    return result


def run(ctx):
    samples = 100
    skiffd = Skiffd(ctx, "cold", "--scale-to-zero-grace", "0")
    try:
        result = {"skiffd": skiffd.command,
                  "wasm": wasm(ctx, skiffd, samples, 20),
                  "container": container(ctx, skiffd, ctx.pick(20, 100), 20)}
    finally:
        skiffd.stop()
    peer_samples = ctx.pick(20, 100)
    ctx.log(f"cold: runc and podman peers, {peer_samples} samples each")
    result["runc"] = runc_peer(ctx, peer_samples)
    result["runc_skiff_config"] = runc_skiff_config_peer(ctx, peer_samples)
    result["podman"] = podman_peer(ctx, ctx.pick(10, 30))
    result["measured"] = True
    return result
