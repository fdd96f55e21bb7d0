"""Which of skiffd's classes hold the live heap: a heap dump's objects attributed to their owners.

    python3 bench/harness/heap_owners.py DUMP.hprof [--top 40] [--json OUT.json]
    python3 bench/harness/heap_owners.py --diff BEFORE.json AFTER.json --per 1000

Reads an HPROF heap dump (`jcmd PID GC.heap_dump -all=false FILE`: live objects only), builds the
dominator tree of the object graph (Cooper, Harvey and Kennedy's iterative algorithm, from one
root above the GC roots), and charges every object's shallow size to its owner: the nearest
dominator whose class is one of Skiff's own (`dev.skiff.*`) and not a resource record
(`dev.skiff.api.*`), so a map of records inside the gateway's route table counts for the route
table. Objects no Skiff class dominates are charged to "(not owned by a Skiff object)": shared
between owners, or held by the JDK or a library. With --diff, two such reports (say with 0 and with
1,000 services at zero) give the bytes per service that each owner holds.

Shallow sizes are those of a 64-bit JVM with compressed references (12-byte object headers,
16-byte array headers, 4-byte references, 8-byte alignment): skiffd's default under 32 GiB of heap.
Standard library only; a dump of ~100 MB takes a minute or two.
"""

import argparse
import json
import struct
import sys
from collections import defaultdict

PRIM_SIZES = {4: 1, 5: 2, 6: 4, 7: 8, 8: 1, 9: 2, 10: 4, 11: 8}
PRIM_NAMES = {4: "boolean", 5: "char", 6: "float", 7: "double", 8: "byte", 9: "short", 10: "int",
              11: "long"}
NOT_OWNED = "(not owned by a Skiff object)"


def _align(n):
    return (n + 7) & ~7


class Dump:
    """The parsed dump: objects by index, their class names, sizes and outgoing references."""

    def __init__(self, path):
        self.strings = {}
        self.class_names = {}  # class object id -> name
        self.classes = {}  # class id -> (super id, [(type, ...)] instance field types)
        self.index = {}  # object id -> index
        self.kind = []  # class name per object
        self.size = []
        self.refs = []  # list of referenced ids (resolved to indices later)
        self.roots = set()
        self._parse(path)

    def _add(self, oid, kind, size, refs):
        self.index[oid] = len(self.kind)
        self.kind.append(kind)
        self.size.append(size)
        self.refs.append(refs)

    def _parse(self, path):
        with open(path, "rb") as f:
            data = f.read()
        end = data.index(b"\0")
        self.id_size = struct.unpack_from(">I", data, end + 1)[0]
        pos = end + 1 + 4 + 8
        idf = ">Q" if self.id_size == 8 else ">I"
        ids = self.id_size
        self._idf, self._ids = idf, ids
        instances = []  # (oid, class id, bytes offset, length), resolved once every class is known
        while pos < len(data):
            tag = data[pos]
            length = struct.unpack_from(">I", data, pos + 5)[0]
            body = pos + 9
            if tag == 0x01:
                sid = struct.unpack_from(idf, data, body)[0]
                self.strings[sid] = data[body + ids:body + length].decode("utf-8", "replace")
            elif tag == 0x02:
                cid = struct.unpack_from(idf, data, body + 4)[0]
                nid = struct.unpack_from(idf, data, body + 8 + ids)[0]
                self.class_names[cid] = self.strings.get(nid, "?").replace("/", ".")
            elif tag in (0x0C, 0x1C):
                self._heap(data, body, body + length, instances)
            pos = body + length
        for oid, cid, off, n in instances:
            self._add(oid, self.class_names.get(cid, "?"), self._instance_size(cid),
                      self._instance_refs(data, cid, off))
        # The class objects themselves own their statics.
        for cid, (sup, fields, statics) in self.classes.items():
            if cid not in self.index:
                self._add(cid, "class " + self.class_names.get(cid, "?"), 16, statics)
        self.roots = {self.index[r] for r in self.roots if r in self.index}
        for i, refs in enumerate(self.refs):
            self.refs[i] = [self.index[r] for r in refs if r in self.index]

    def _heap(self, data, pos, end, instances):
        idf, ids = self._idf, self._ids
        root_skip = {0xFF: 0, 0x01: ids, 0x02: 8, 0x03: 8, 0x04: 4, 0x05: 0, 0x06: 4, 0x07: 0,
                     0x08: 8}
        while pos < end:
            sub = data[pos]
            pos += 1
            if sub in root_skip:
                self.roots.add(struct.unpack_from(idf, data, pos)[0])
                pos += ids + root_skip[sub]
            elif sub == 0x20:
                cid = struct.unpack_from(idf, data, pos)[0]
                sup = struct.unpack_from(idf, data, pos + 4 + ids)[0]
                pos += 4 + 7 * ids + 4
                (cp,) = struct.unpack_from(">H", data, pos)
                pos += 2
                for _ in range(cp):
                    t = data[pos + 2]
                    pos += 3 + (ids if t == 2 else PRIM_SIZES[t])
                (ns,) = struct.unpack_from(">H", data, pos)
                pos += 2
                statics = []
                for _ in range(ns):
                    t = data[pos + ids]
                    pos += ids + 1
                    if t == 2:
                        statics.append(struct.unpack_from(idf, data, pos)[0])
                        pos += ids
                    else:
                        pos += PRIM_SIZES[t]
                (nf,) = struct.unpack_from(">H", data, pos)
                pos += 2
                fields = []
                for _ in range(nf):
                    fields.append(data[pos + ids])
                    pos += ids + 1
                self.classes[cid] = (sup, fields, statics)
            elif sub == 0x21:
                oid = struct.unpack_from(idf, data, pos)[0]
                cid = struct.unpack_from(idf, data, pos + ids + 4)[0]
                n = struct.unpack_from(">I", data, pos + 2 * ids + 4)[0]
                off = pos + 2 * ids + 8
                instances.append((oid, cid, off, n))
                pos = off + n
            elif sub == 0x22:
                oid = struct.unpack_from(idf, data, pos)[0]
                n = struct.unpack_from(">I", data, pos + ids + 4)[0]
                acid = struct.unpack_from(idf, data, pos + ids + 8)[0]
                off = pos + 2 * ids + 8
                refs = [r for r in struct.unpack_from(">%d%s" % (n, idf[1]), data, off) if r]
                self._add(oid, self.class_names.get(acid, "Object[]"), _align(16 + 4 * n), refs)
                pos = off + n * ids
            elif sub == 0x23:
                oid = struct.unpack_from(idf, data, pos)[0]
                n = struct.unpack_from(">I", data, pos + ids + 4)[0]
                t = data[pos + ids + 8]
                self._add(oid, PRIM_NAMES[t] + "[]", _align(16 + PRIM_SIZES[t] * n), [])
                pos += ids + 9 + n * PRIM_SIZES[t]
            else:
                raise ValueError(f"unknown heap dump sub-record 0x{sub:02x} at {pos - 1}")

    def _layout(self, cid):
        """Field types of an instance, in dump order (the class's own, then its supers')."""
        out = []
        while cid and cid in self.classes:
            sup, fields, _ = self.classes[cid]
            out.extend(fields)
            cid = sup
        return out

    _layouts = {}
    _sizes = {}

    def _instance_size(self, cid):
        if cid not in self._sizes:
            layout = self._layout(cid)
            self._sizes[cid] = _align(12 + sum(4 if t == 2 else PRIM_SIZES[t] for t in layout))
        return self._sizes[cid]

    def _instance_refs(self, data, cid, off):
        layout = self._layouts.get(cid)
        if layout is None:
            layout = []
            p = 0
            for t in self._layout(cid):
                if t == 2:
                    layout.append(p)
                    p += self._ids
                else:
                    p += PRIM_SIZES[t]
            self._layouts[cid] = layout
        idf = self._idf
        refs = []
        for p in layout:
            r = struct.unpack_from(idf, data, off + p)[0]
            if r:
                refs.append(r)
        return refs


def dominators(dump):
    """The immediate dominator of every object reachable from the roots (-1 for the root)."""
    n = len(dump.kind)
    root = n  # a virtual root above every GC root
    succ = dump.refs + [sorted(dump.roots)]
    order, seen = [], [False] * (n + 1)
    stack = [(root, 0)]
    seen[root] = True
    while stack:
        v, i = stack[-1]
        if i < len(succ[v]):
            stack[-1] = (v, i + 1)
            w = succ[v][i]
            if not seen[w]:
                seen[w] = True
                stack.append((w, 0))
        else:
            stack.pop()
            order.append(v)
    order.reverse()  # reverse postorder, root first
    rpo = [-1] * (n + 1)
    for i, v in enumerate(order):
        rpo[v] = i
    preds = [[] for _ in range(n + 1)]
    for v in order:
        for w in succ[v]:
            preds[w].append(v)
    idom = [-1] * (n + 1)
    idom[root] = root
    changed = True
    while changed:
        changed = False
        for v in order[1:]:
            new = -1
            for p in preds[v]:
                if idom[p] == -1:
                    continue
                if new == -1:
                    new = p
                    continue
                a, b = p, new
                while a != b:
                    while rpo[a] > rpo[b]:
                        a = idom[a]
                    while rpo[b] > rpo[a]:
                        b = idom[b]
                new = a
            if idom[v] != new:
                idom[v] = new
                changed = True
    return idom, order, root


# With libraries=True, objects no Skiff class dominates are charged to the nearest of these
# libraries' objects that does, by the library's prefix: who holds what no Skiff object holds alone
# (a meter registry's meters, a server's channel state, parsed certificates).
LIBRARIES = ("io.micrometer", "io.vertx", "io.netty", "com.dylibso", "sun.security",
             "org.bouncycastle", "com.fasterxml")


def _is_owner(kind):
    kind = kind.removeprefix("class ")  # a class's statics count for the class
    return kind.startswith("dev.skiff.") and not kind.startswith("dev.skiff.api.")


def _library(kind):
    kind = kind.removeprefix("class ")
    return next((lib for lib in LIBRARIES if kind.startswith(lib + ".")), None)


def owners(dump, detail=None):
    """Bytes per owner; with detail (an owner's class name), that owner's bytes per object class
    instead."""
    by_owner, by_class = owners_and_detail(dump, detail)
    return by_owner if detail is None else by_class


def owners_and_detail(dump, detail=NOT_OWNED, libraries=False):
    """Bytes per owner, and the bytes of one owner (detail) per object class, in one pass; with
    libraries, what no Skiff object owns is charged to the LIBRARIES where one dominates it."""
    idom, order, root = dominators(dump)
    owner = [None] * (len(dump.kind) + 1)
    owner[root] = NOT_OWNED
    by_owner = defaultdict(int)
    by_class = defaultdict(int)
    for v in order[1:]:  # a dominator comes before what it dominates
        d = idom[v]
        if d != root and _is_owner(dump.kind[d]):
            owner[v] = dump.kind[d]
        elif libraries and d != root and owner[d] == NOT_OWNED:
            owner[v] = _library(dump.kind[d]) or NOT_OWNED
        else:
            owner[v] = owner[d]
        by_owner[owner[v]] += dump.size[v]
        if owner[v] == detail:
            by_class[dump.kind[v]] += dump.size[v]
    return dict(by_owner), dict(by_class)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("dump", nargs="?")
    ap.add_argument("--json")
    ap.add_argument("--top", type=int, default=40)
    ap.add_argument("--diff", nargs=2)
    ap.add_argument("--per", type=int, default=1)
    ap.add_argument("--detail", help="an owner: its bytes by the class of the objects it holds")
    a = ap.parse_args()
    if a.diff:
        before, after = (json.load(open(p)) for p in a.diff)
        rows = sorted(((after.get(k, 0) - before.get(k, 0)) / a.per, k)
                      for k in set(before) | set(after))
        rows.reverse()
        print(f"total: {sum(r for r, _ in rows):.0f} bytes per unit")
        for r, k in rows[:a.top]:
            print(f"{r:10.0f}  {k}")
        return
    dump = Dump(a.dump)
    result = owners(dump, a.detail)
    if a.json:
        with open(a.json, "w") as f:
            json.dump(result, f, indent=1, sort_keys=True)
    for k, v in sorted(result.items(), key=lambda kv: -kv[1])[:a.top]:
        print(f"{v:12d}  {k}")


if __name__ == "__main__":
    sys.exit(main())
