"""Scenario 9, events: records of one Kafka topic (6 partitions, 1 KiB each) delivered by skiffd's
dispatcher as CloudEvents to the Wasm event function (through the mesh as
spiffe://{td}/skiff/eventing, its sidecar entered in process; through the gateway with --mesh off;
unordered, 256 in flight), beside Kafka's own consumer perf tool (ConsumerPerformance, what
kafka-consumer-perf-test.sh runs) reading the same topic in the same run. The broker is a
single-node KRaft from Kafka's jars on loopback; bench/events/EventsBench drives it all and prints
one JSON object. Two figures: "skiff", a fresh skiffd (as always), and "skiff_warmed", a second
skiffd whose dispatcher first delivered as many records of another topic through another trigger
(deleted), like cold_wasm_warm's "skiffd warmed up first", then was measured in three rounds, each
a new trigger on a new topic of as many records (the previous one deleted): every round and each
figure's median are kept. "By the status" is records over the time from the trigger's creation to
the status's lastDeliveredAt (when its delivered count was reached); "by the answers" ends at the
function sidecar's 2xx count reaching the records (scraped every 100 ms)."""

import json
import os
import subprocess

from common import BENCH, WASM_DIR, not_measured

DRIVER = BENCH / "events" / "target" / "events-bench.jar"


def run(ctx):
    if not DRIVER.exists():
        return not_measured("bench/events was not built (mvn -f bench/events/pom.xml package)")
    records = ctx.pick(20000, 100000)
    cmd = ["java", "-jar", str(DRIVER), "--skiffd", str(ctx.jar),
           "--wasm", str(WASM_DIR / "event.wasm"), "--records", str(records),
           "--partitions", "6", "--size", "1024", "--max-in-flight", "256"]
    # skiffd as the other scenarios start it: the driver adds bin/skiffd.jvm-options and
    # bin/skiffd.env itself; the run's CDS archive and SKIFF_BENCH_JAVA_OPTS come from here.
    jvm = [*ctx.cds_options, *os.environ.get("SKIFF_BENCH_JAVA_OPTS", "").split()]
    if jvm:
        cmd += ["--skiffd-jvm", " ".join(jvm)]
    ctx.log(f"events: {records} records of 1 KiB over 6 partitions")
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=1800)
    (ctx.out / "events-driver.txt").write_text(proc.stdout + proc.stderr)
    line = next((l for l in proc.stdout.splitlines() if l.startswith("{")), None)
    if proc.returncode != 0 or line is None:
        return not_measured(f"the driver failed: {(proc.stdout + proc.stderr)[-2000:]}")
    result = json.loads(line)
    result["command"] = "java -jar bench/events/target/events-bench.jar " + " ".join(cmd[5:])
    return result
