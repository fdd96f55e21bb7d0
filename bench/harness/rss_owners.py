"""RSS by owner between the two snapshots of an at-zero run made with AZ_SMAPS=1
(harness/at_zero_nmt.py): each mapping's Rss in /proc/PID/smaps charged by address to the Java
heap's range (GC.heap_info), the code cache's bounds (Compiler.codecache) and metaspace's spaces
(VM.metaspace vslist); the other anonymous mappings by kind (the C heap's main arena, other large
mappings: malloc arenas and GC structures, ~1 MiB mappings: thread stacks). Resident sizes, unlike
native memory tracking's committed ones (bench/notes/density.md, tenth round).

    python3 bench/harness/rss_owners.py OUT [FROM TO]

FROM and TO name the snapshots (base and end by default; at-100, at-500 with AZ_STEPS).
"""
import re, sys
from pathlib import Path


def heap_range(heap_info):
    """The Java heap's reserved range, from GC.heap_info's text (G1 maps committed regions inside
    it); None when the text gives none."""
    m = re.search(r"\[0x([0-9a-f]+), 0x([0-9a-f]+)\)", heap_info)
    return (int(m.group(1), 16), int(m.group(2), 16)) if m else None


def ranges(out, name):
    code = [int(x, 16) for x in re.findall(r"0x([0-9a-f]+)", (out / f"codecache-{name}.txt").read_text())]
    meta = [(int(m.group(1), 16), int(m.group(1), 16) + int(float(m.group(2)) * 1024))
            for m in re.finditer(r"node #\d+: base 0x([0-9a-f]+): reserved=([\d.]+) KB",
                                 (out / f"vslist-{name}.txt").read_text())]
    return {"Java heap": [heap_range((out / f"heapinfo-{name}.txt").read_text())],
            "code cache": [(min(code), max(code))], "metaspace": meta}


def owner(owned, lo, size_kib, name):
    for k, rs in owned.items():
        if any(a <= lo < b for a, b in rs):
            return k
    if name.startswith("/"):
        return "files"
    if name == "[heap]":
        return "C heap, main arena"
    if name:
        return "other"
    if 1000 <= size_kib <= 1100:
        return "thread stacks (1 MiB mappings)"
    if 16 * 1024 <= size_kib <= 132 * 1024:
        return "malloc arenas, GC structures"
    return "other anonymous"


def rss(out, name):
    return rss_by_owner((out / f"smapsfull-{name}.txt").read_text(), ranges(out, name))


def rss_by_owner(smaps, owned):
    """KiB resident per owner in a /proc/PID/smaps text: the ranges OWNED names ({owner: [(lo,
    hi)]}) first, the other mappings by kind."""
    by, cur = {}, None
    for line in smaps.splitlines():
        head = re.match(r"([0-9a-f]+)-([0-9a-f]+) \S+ \S+ \S+ \S+\s*(.*)", line)
        if head:
            lo, hi = int(head.group(1), 16), int(head.group(2), 16)
            cur = owner(owned, lo, (hi - lo) // 1024, head.group(3))
        elif cur and line.startswith("Rss:"):
            by[cur] = by.get(cur, 0) + int(line.split()[1])
    return by


def main():
    out = Path(sys.argv[1])
    names = sys.argv[2:4] if len(sys.argv) > 3 else ["base", "end"]
    a, b = rss(out, names[0]), rss(out, names[1])
    for k in sorted(set(a) | set(b), key=lambda k: -(b.get(k, 0) - a.get(k, 0))):
        print(f"{k:32} {a.get(k, 0) / 1024:7.1f} -> {b.get(k, 0) / 1024:7.1f} MiB  "
              f"{(b.get(k, 0) - a.get(k, 0)) / 1024:+6.1f}")
    print(f"{'all':32} {sum(a.values()) / 1024:7.1f} -> {sum(b.values()) / 1024:7.1f} MiB  "
          f"{(sum(b.values()) - sum(a.values())) / 1024:+6.1f}")


if __name__ == "__main__":
    main()
