#!/usr/bin/python3
"""The shape of src/ (make check): no circle in the include graph or the
call graph of its files, and no file over MAX_LINES lines.

The include graph is the files' own: a header that includes, through
others, a header that includes it. The call graph is between modules (a
.c and its .h), read from libnegotiate.a (which object's undefined
symbols another object defines), so it sees what the linker sees: a
module calls only modules below it, and a lower one reaches up only
through a function pointer it was handed (an ops table, a callback). A
circle is printed with one edge of each step (the header included, or
the function called)."""
import collections
import os
import re
import subprocess
import sys

MAX_LINES = 800
SRCDIR = os.environ.get("srcdir", ".")
ARCHIVE = ".libs/libnegotiate.a"
INCLUDE = re.compile(r'\s*#\s*include\s+"([^"]+)"')


def source_files():
    for root, _, files in os.walk(os.path.join(SRCDIR, "src")):
        for f in sorted(files):
            if f.endswith((".c", ".h")):
                yield os.path.join(root, f)


def include_graph():
    graph = collections.defaultdict(dict)
    for f in source_files():
        name = os.path.basename(f)
        with open(f, encoding="utf-8") as fh:
            for line in fh:
                m = INCLUDE.match(line)
                if m and os.path.basename(m.group(1)) != name:
                    graph[name].setdefault(os.path.basename(m.group(1)),
                                           "#include \"%s\"" % m.group(1))
    return graph


def call_graph(archive):
    out = subprocess.run(["nm", "-A", archive], check=True, capture_output=True,
                         text=True).stdout
    defined, wanted = {}, collections.defaultdict(set)
    for line in out.splitlines():
        m = re.match(r"[^:]*:([^:]+\.o):\s*\S*\s+(\w)\s+(\S+)$", line)
        if not m:
            continue
        obj, kind, sym = m.groups()
        obj = re.sub(r"^libnegotiate_la-", "", obj)[:-2]
        if kind == "U":
            wanted[obj].add(sym)
        elif kind in "TDBRC":
            defined[sym] = obj
    graph = collections.defaultdict(dict)
    for obj, syms in wanted.items():
        for sym in sorted(syms):
            owner = defined.get(sym)
            if owner is not None and owner != obj:
                graph[obj].setdefault(owner, sym + "()")
    return graph


def circles(graph):
    """Strongly connected components of more than one node (Tarjan)."""
    index, low, stack, on, found = {}, {}, [], set(), []
    counter = [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in graph.get(v, {}):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                found.append(sorted(comp))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def report(kind, graph):
    bad = 0
    for comp in circles(graph):
        bad += 1
        print("layers: %s graph has a circle: %s" % (kind, " <-> ".join(comp)))
        for a in comp:
            for b, why in sorted(graph[a].items()):
                if b in comp:
                    print("    %s -> %s: %s" % (a, b, why))
    return bad


def long_files():
    bad = 0
    for f in source_files():
        with open(f, encoding="utf-8") as fh:
            n = sum(1 for _ in fh)
        if n > MAX_LINES:
            bad += 1
            print("layers: %s has %d lines (at most %d: cut it along a seam, "
                  "doc/layout.md)" % (os.path.relpath(f, SRCDIR), n, MAX_LINES))
    return bad


def main():
    if not os.path.exists(ARCHIVE):
        print("layers: %s not built (make libnegotiate.la)" % ARCHIVE)
        return 1
    bad = report("include", include_graph())
    bad += report("call", call_graph(ARCHIVE))
    bad += long_files()
    if bad == 0:
        print("layers: no circle in src/'s include and call graphs; no file over "
              "%d lines" % MAX_LINES)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
