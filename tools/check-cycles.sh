#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# No include or call cycle in apps/ (DESIGN.md §1, §9): the graph of apps/'s files, where an
# edge A -> B means
#   - A (a .c or .h) has `#include "B"` (resolved like the compiler does for the australis_cli
#     target: the including file's folder, then common/, daemon/, cli/), or
#   - A.c's object file (australis_cli's, from BUILD) leaves a symbol undefined that B.c's
#     object defines (nm): A calls B or reads B's data.
# Fails (exit 1) on any cycle, printing each one as "a -> b -> ... -> a". Calls through a
# function pointer (an ops table) are no edge: that is how the node calls its link and role.
#
#   tools/check-cycles.sh SRC BUILD            check (ctest: check_cycles)
#   tools/check-cycles.sh SRC BUILD --graph    print the module graph (folder by folder) too
#   tools/check-cycles.sh SRC BUILD --dot      the graph in Graphviz form, no check
set -euo pipefail
SRC="${1:?usage: check-cycles.sh SRC BUILD [--graph|--dot]}"
BUILD="${2:?usage: check-cycles.sh SRC BUILD [--graph|--dot]}"
MODE="${3:-}"
OBJ="$BUILD/CMakeFiles/australis_cli.dir/apps"
if [ ! -d "$OBJ" ]; then
    echo "check-cycles: no object files under $OBJ (build the australis_cli target first)" >&2
    exit 2
fi
command -v nm >/dev/null || { echo "check-cycles: nm not found (binutils)" >&2; exit 2; }

{
    # symbol tables: "D module symbol" (defined, global) and "U module symbol" (undefined)
    find "$OBJ" -name '*.c.o' | sort | while read -r o; do
        rel="${o#"$OBJ"/}"
        mod="apps/${rel%.o}"
        nm -g --defined-only "$o" | awk -v m="$mod" 'NF == 3 { print "D", m, $3 }'
        nm -u "$o" | awk -v m="$mod" '{ print "U", m, $NF }'
    done
} | python3 -c '
import os, re, sys
src, mode = sys.argv[1], sys.argv[2]
apps = os.path.join(src, "apps")
search = [os.path.join(apps, "australis", d) for d in ("common", "daemon", "cli")]

def module(path):  # apps/australis/daemon/node.c
    return os.path.relpath(path, src)

edges = {}  # (a, b) -> set of reasons
def add(a, b, why):
    if a != b:
        edges.setdefault((a, b), set()).add(why)

mods = set()
inc = re.compile(r"^\s*#\s*include\s+\"([^\"]+)\"")
for root, _, files in os.walk(apps):
    for f in sorted(files):
        if not f.endswith((".c", ".h")):
            continue
        path = os.path.join(root, f)
        a = module(path)
        mods.add(a)
        with open(path, errors="replace") as fh:
            for line in fh:
                m = inc.match(line)
                if not m:
                    continue
                for d in [root] + search:
                    t = os.path.normpath(os.path.join(d, m.group(1)))
                    if os.path.exists(t):
                        if os.path.commonpath([t, apps]) == apps:
                            add(a, module(t), "include")
                        break

defs, undefs = {}, []
for line in sys.stdin:
    kind, mod, sym = line.split()
    mods.add(mod)
    if kind == "D":
        defs.setdefault(sym, mod)
    else:
        undefs.append((mod, sym))
for mod, sym in undefs:
    if sym in defs:
        add(mod, defs[sym], "calls")

graph = {m: sorted({b for (a, b) in edges if a == m}) for m in mods}

def short(m):
    return m.replace("apps/australis/", "")

if mode == "--dot":
    print("digraph apps {")
    for (a, b), why in sorted(edges.items()):
        print("  \"%s\" -> \"%s\" [label=\"%s\"];" % (short(a), short(b), ",".join(sorted(why))))
    print("}")
    sys.exit(0)

# Tarjan: strongly connected components; any with more than one module holds a cycle
index, low, on, stack, sccs, n = {}, {}, set(), [], [], [0]
def strong(v):
    work = [(v, 0)]
    while work:
        v, i = work.pop()
        if i == 0:
            index[v] = low[v] = n[0]; n[0] += 1
            stack.append(v); on.add(v)
        if i < len(graph[v]):
            work.append((v, i + 1))
            w = graph[v][i]
            if w not in index:
                work.append((w, 0))
            elif w in on:
                low[v] = min(low[v], index[w])
            continue
        for w in graph[v]:
            if w in on:
                low[v] = min(low[v], low[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop(); on.discard(w); comp.append(w)
                if w == v:
                    break
            sccs.append(comp)
for v in sorted(graph):
    if v not in index:
        strong(v)

def cycle_in(comp):  # one cycle through the component (BFS back to its first module)
    comp, start = set(comp), min(comp)
    prev, queue = {start: None}, [start]
    while queue:
        v = queue.pop(0)
        for w in graph[v]:
            if w == start:
                path = [v]
                while prev[path[-1]] is not None:
                    path.append(prev[path[-1]])
                path.reverse()
                return path + [start]
            if w in comp and w not in prev:
                prev[w] = v
                queue.append(w)
    return [start]

if mode == "--graph":
    folders = {}
    for (a, b), why in sorted(edges.items()):
        folders.setdefault(os.path.dirname(short(a)) or ".", []).append((a, b, why))
    print("apps/ file graph (include = #include, calls = the first file object leaves undefined a symbol the second defines, nm)")
    for folder in sorted(folders):
        print("\n[%s/]" % folder)
        last = None
        for a, b, why in folders[folder]:
            name = os.path.basename(short(a))
            print("  %-16s -> %-24s %s" % (name if name != last else "", short(b), "+".join(sorted(why))))
            last = name
    fe = {}
    for (a, b) in edges:
        fa, fb = os.path.dirname(short(a)), os.path.dirname(short(b))
        if fa != fb:
            fe.setdefault(fa or ".", set()).add(fb or ".")
    print("\nfolders: " + "; ".join("%s -> %s" % (a, ", ".join(sorted(b))) for a, b in sorted(fe.items())))
    print()

bad = [c for c in sccs if len(c) > 1]
for comp in sorted(bad, key=min):
    path = cycle_in(comp)
    print("cycle: " + " -> ".join(short(m) for m in path))
    for a, b in zip(path, path[1:]):
        print("    %s -> %s (%s)" % (short(a), short(b), "+".join(sorted(edges[(a, b)]))))
    if len(comp) > len(path) - 1:
        print("    (%d files in this knot: %s)" % (len(comp), ", ".join(sorted(short(m) for m in comp))))
print("%d files, %d edges, %d cycle(s)" % (len(mods), len(edges), len(bad)))
sys.exit(1 if bad else 0)
' "$SRC" "$MODE"
