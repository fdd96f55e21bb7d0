"""The container image every container figure uses: functions-examples/container/hello-server.c,
linked static, as a one-layer OCI image built with umoci, pushed with skopeo to a docker-registry
on loopback (so skiffd pulls it like any image), and its unpacked root filesystem for the bare
runc and podman peers. Built once per run."""

import shutil
import subprocess
import time

from common import ROOT, free_port

SOURCE = ROOT / "functions-examples" / "container" / "hello-server.c"
TOOLS = ("gcc", "umoci", "skopeo", "docker-registry")


class Image:
    def __init__(self, reference, rootfs, registry_proc):
        self.reference = reference
        self.rootfs = rootfs
        self._registry = registry_proc

    def stop(self):
        if self._registry.poll() is None:
            self._registry.terminate()
            self._registry.wait(30)


def missing_tools():
    return [t for t in TOOLS if not shutil.which(t)]


def build(ctx):
    """The image, or a string saying why it cannot be built here. Cached on ctx for the run."""
    if hasattr(ctx, "image"):
        return ctx.image
    missing = missing_tools()
    if missing:
        ctx.image = f"{', '.join(missing)} not installed (bench/run installs them with apt as root)"
        return ctx.image
    work = ctx.tmp / "image"
    work.mkdir(exist_ok=True)
    binary = work / "hello-server"
    subprocess.run(["gcc", "-static", "-O2", "-pthread", "-o", str(binary), str(SOURCE)], check=True)
    layout = f"{work}/layout"
    run("umoci", "init", "--layout", layout)
    run("umoci", "new", "--image", f"{layout}:1")
    run("umoci", "unpack", "--image", f"{layout}:1", f"{work}/bundle")
    shutil.copy(binary, work / "bundle" / "rootfs" / "hello-server")
    run("umoci", "repack", "--image", f"{layout}:1", f"{work}/bundle")
    run("umoci", "config", "--image", f"{layout}:1", "--config.entrypoint", "/hello-server",
        "--config.env", "PORT=8080", "--config.exposedports", "8080/tcp")

    port = free_port()
    conf = work / "registry.yml"
    conf.write_text(f"version: 0.1\nlog: {{level: warn}}\n"
                    f"storage: {{filesystem: {{rootdirectory: {work}/registry}}}}\n"
                    f"http: {{addr: 127.0.0.1:{port}}}\n")
    log = open(ctx.out / "docker-registry.log", "w")
    registry = subprocess.Popen(["docker-registry", "serve", str(conf)], stdout=log, stderr=log)
    reference = f"127.0.0.1:{port}/bench/hello-server:1"
    deadline = time.monotonic() + 30
    while True:
        pushed = subprocess.run(["skopeo", "copy", "--dest-tls-verify=false", f"oci:{layout}:1",
                                 f"docker://{reference}"], capture_output=True, text=True)
        if pushed.returncode == 0:
            break
        if time.monotonic() > deadline:
            registry.terminate()
            raise RuntimeError(f"skopeo could not push to the local registry: {pushed.stderr[-500:]}")
        time.sleep(0.5)
    ctx.image = Image(reference, work / "bundle" / "rootfs", registry)
    return ctx.image


def stop(ctx):
    if isinstance(getattr(ctx, "image", None), Image):
        ctx.image.stop()


def run(*args):
    subprocess.run(args, check=True, capture_output=True)
