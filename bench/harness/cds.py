"""Class data sharing for the skiffds the bench starts, as bin/skiffd does it: a dynamic AppCDS
archive written by a skiffd as it exits (-XX:ArchiveClassesAtExit), then passed to every skiffd of
the run with -XX:SharedArchiveFile. bin/skiffd trains on its first start after a build, with
whatever that start does; the bench makes its own archive at the start of each run, in the run's
temporary directory, from a short training run that takes a Wasm service through cold starts, so
every run measures an archive made the same way.

SKIFF_CDS=off runs every skiffd without it (to measure what it is worth, old and new alternating).
"""

import os
import time
from pathlib import Path

from cold_start import ANNOTATIONS, cycle
from common import Skiffd, WASM_DIR


def prepare(ctx):
    """The JVM flags every skiffd of the run gets for CDS, after the training run."""
    if os.environ.get("SKIFF_CDS", "on") == "off":
        ctx.log("cds: off (SKIFF_CDS=off)")
        return []
    archive = ctx.tmp / "skiffd.jsa"
    try:
        train(ctx, archive)
    except Exception as e:  # the run goes on without an archive, and says so
        ctx.log(f"cds: the training run failed: {type(e).__name__}: {e}")
    if not archive.exists():
        ctx.log("cds: no archive after the training run; every skiffd runs without one")
        return []
    return [f"-XX:SharedArchiveFile={archive}"]


def train(ctx, archive: Path):
    """A short skiffd run whose loaded classes the JVM writes to `archive` when it stops: a Wasm
    service at zero taken through four cold starts (the gateway, the activator, the agent's start,
    the sidecar, the Wasm run), which is what a fresh skiffd's first cold requests load."""
    t = time.monotonic()
    ctx.log(f"cds: training run for {archive}")
    # As bin/skiffd: a temporary file, moved into place only after a clean exit (a cut-off
    # archive crashes the JVM that maps it).
    tmp = archive.with_name(f"{archive.name}.{os.getpid()}.tmp")
    ctx.cds_options = [f"-XX:ArchiveClassesAtExit={tmp}", "-Xlog:cds=off", "-Xlog:cds+dynamic=off"]
    skiffd = Skiffd(ctx, "cds-training", "--scale-to-zero-grace", "0")
    try:
        digest = skiffd.upload(WASM_DIR / "hello.wasm")
        names = [f"cds-{i}" for i in range(2)]
        for name in names:
            skiffd.deploy(name, digest, ANNOTATIONS)
        cycle(ctx, skiffd, names, 4)
    finally:
        ctx.cds_options = []
        skiffd.stop()  # SIGTERM: the JVM writes the archive as it exits
        if skiffd.proc.returncode in (0, 143) and tmp.exists() and tmp.stat().st_size > 0:
            tmp.replace(archive)
        tmp.unlink(missing_ok=True)
    ctx.log(f"cds: archive {archive.stat().st_size // 1024 if archive.exists() else 0} KiB"
            f" in {time.monotonic() - t:.1f}s")
