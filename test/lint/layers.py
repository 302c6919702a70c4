#!/usr/bin/env python3
"""test/lint/layers.py -- the layer rules of src/*.c (test/lint/layers.sh).

Which file uses which: a file uses another when its code (comments,
strings and member names left out) names a non-static function or variable
the other defines (found with universal-ctags) and a header of src/ or an
extern line of the file declares it.  Each src/*.c file
has a layer in test/lint/layers.txt (1 base ... 7 entry points,
docs/architecture.md).  Prints TAP ("ok N - ...", "not ok N - ...") and,
under each failure, the offending uses as "file -> file: names".

Fails when
  - a src/*.c file has no layer in the map;
  - a file uses a file of a higher layer;
  - a rule family uses another family ("family rules_*.c" in the map: files
    matching the pattern in one layer do not use each other);
  - files use each other in a circle (unless the map allows that circle);
  - a src/*.c file is over 800 lines;
  - a .c file's first two #includes are not "postgres.h" then "compat.h".

  layers.py [--src DIR] [--map FILE]          the checks, as TAP
  layers.py --graph [--src DIR] [--map FILE]  every use, by layer, top down
  layers.py --dot ...                         the same graph for graphviz
"""
import argparse
import collections
import fnmatch
import os
import re
import signal
import subprocess
import sys

MAX_LINES = 800
LAYER_NAMES = {
    7: 'entry points',
    6: 'dispatch',
    5: 'judging',
    4: 'facts',
    3: 'reporting & policy',
    2: 'settings & context',
    1: 'base',
}


def read_map(path):
    """exact names, patterns and allowed circles of the layer map"""
    exact, patterns, circles, families = {}, [], [], []
    with open(path) as fh:
        for lineno, line in enumerate(fh, 1):
            line = line.split('#', 1)[0].strip()
            if not line:
                continue
            if line.startswith('circle '):
                members = line[len('circle '):].split('--', 1)[0].split()
                circles.append(frozenset(members))
                continue
            if line.startswith('family '):
                families.append(line[len('family '):].strip())
                continue
            parts = line.split()
            if len(parts) != 2 or not parts[1].isdigit():
                sys.exit('%s:%d: expected "FILE LAYER": %s' % (path, lineno, line))
            name, layer = parts[0], int(parts[1])
            if any(c in name for c in '*?['):
                patterns.append((name, layer))
            else:
                exact[name] = layer
    return exact, patterns, circles, families


def layer_of(name, exact, patterns):
    if name in exact:
        return exact[name]
    for pat, layer in patterns:
        if fnmatch.fnmatchcase(name, pat):
            return layer
    return None


def ctags_definitions(src, files):
    """name -> files defining it, non-static functions and variables only"""
    try:
        version = subprocess.run(['ctags', '--version'], capture_output=True,
                                 text=True).stdout
    except FileNotFoundError:
        return None
    if 'Universal Ctags' not in version:
        return None
    # --extras=-F drops file-scoped (static) tags
    out = subprocess.run(['ctags', '-x', '--c-kinds=fv', '--extras=-F',
                          '--language-force=C']
                         + [os.path.join(src, f) for f in files],
                         capture_output=True, text=True, check=True).stdout
    defs = collections.defaultdict(set)
    for line in out.splitlines():
        parts = line.split(None, 4)
        if len(parts) < 4:
            continue
        defs[parts[0]].add(os.path.basename(parts[3]))
    return defs


def code_tokens(text):
    """identifiers the code names: no comments, strings, or member names"""
    text = re.sub(r'/\*.*?\*/', ' ', text, flags=re.S)
    text = re.sub(r'//[^\n]*', ' ', text)
    text = re.sub(r'"(?:\\.|[^"\\\n])*"', '""', text)
    text = re.sub(r"'(?:\\.|[^'\\\n])*'", "''", text)
    # s.field, p->field and designated initializers name members
    text = re.sub(r'(?:\.|->)\s*[A-Za-z_]\w*', ' ', text)
    return set(re.findall(r'\b[A-Za-z_]\w*\b', text))


def uses_graph(src, files, defs):
    # Another file can only use what a header (or an extern line of its
    # own) declares: this drops static definitions ctags takes for global
    # ("static struct {...} name;") and locals named like them.
    declared = set()
    for h in sorted(os.listdir(src)):
        if h.endswith('.h'):
            with open(os.path.join(src, h), encoding='utf-8', errors='replace') as fh:
                declared |= code_tokens(fh.read())
    uses = {f: collections.defaultdict(set) for f in files}
    for f in files:
        with open(os.path.join(src, f), encoding='utf-8', errors='replace') as fh:
            text = fh.read()
        tokens = code_tokens(text)
        externs = set()
        for decl in re.findall(r'^\s*extern\b[^;]*;', text, flags=re.M):
            externs |= code_tokens(decl)
        for t in tokens:
            if t not in declared and t not in externs:
                continue
            for g in defs.get(t, ()):
                if g != f:
                    uses[f][g].add(t)
    return uses


def circles_of(files, uses):
    """strongly connected components of more than one file (Tarjan)"""
    index, low, stack, on, found = {}, {}, [], set(), []
    counter = [0]
    sys.setrecursionlimit(10000)

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in sorted(uses[v]):
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

    for f in files:
        if f not in index:
            visit(f)
    return sorted(found)


def includes_of(path):
    with open(path, encoding='utf-8', errors='replace') as fh:
        text = re.sub(r'/\*.*?\*/', ' ', fh.read(), flags=re.S)
    return re.findall(r'^\s*#\s*include\s*[<"]([^>"]+)[>"]', text, flags=re.M)


def edge_line(f, g, names):
    return '%s -> %s: %s' % (f, g, ', '.join(sorted(names)))


def print_graph(files, uses, layer, dot):
    def key(f):
        return (-(layer(f) or 0), f)

    if dot:
        print('digraph migration_guard {')
        print('\trankdir=TB; node [shape=box];')
        for lay in sorted({layer(f) or 0 for f in files}, reverse=True):
            members = ' '.join('"%s";' % f for f in files if (layer(f) or 0) == lay)
            print('\tsubgraph cluster_%d { label="%d %s"; %s }'
                  % (lay, lay, LAYER_NAMES.get(lay, 'not in the map'), members))
        for f in sorted(files, key=key):
            for g in sorted(uses[f]):
                up = (layer(f) or 0) < (layer(g) or 0)
                print('\t"%s" -> "%s"%s;' % (f, g, ' [color=red]' if up else ''))
        print('}')
        return
    current = None
    for f in sorted(files, key=key):
        lay = layer(f)
        if lay != current:
            current = lay
            print('== layer %s: %s' % (lay if lay else '?',
                                      LAYER_NAMES.get(lay, 'not in the map')))
        for g in sorted(uses[f]):
            mark = ''
            if lay is not None and layer(g) is not None and layer(g) > lay:
                mark = '   [UP %d -> %d]' % (lay, layer(g))
            print(edge_line(f, g, uses[f][g]) + mark)


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    root = os.path.dirname(os.path.dirname(here))
    ap = argparse.ArgumentParser(description='layer rules of src/*.c')
    ap.add_argument('--src', default=os.path.join(root, 'src'))
    ap.add_argument('--map', default=os.path.join(here, 'layers.txt'))
    ap.add_argument('--graph', action='store_true', help='print every use, by layer')
    ap.add_argument('--dot', action='store_true', help='print the graph for graphviz')
    args = ap.parse_args()

    files = sorted(f for f in os.listdir(args.src) if f.endswith('.c'))
    exact, patterns, allowed_circles, families = read_map(args.map)

    def layer(f):
        return layer_of(f, exact, patterns)

    defs = ctags_definitions(args.src, files)
    if defs is None:
        print('not ok 1 - universal-ctags is installed (Debian package universal-ctags)')
        print('1..1')
        return 1
    uses = uses_graph(args.src, files, defs)

    if args.graph or args.dot:
        print_graph(files, uses, layer, args.dot)
        return 0

    n = 0
    failed = 0

    def result(ok, text, details=()):
        nonlocal n, failed
        n += 1
        print('%s %d - %s' % ('ok' if ok else 'not ok', n, text))
        if not ok:
            failed += 1
            for d in details:
                print(d)

    for f in files:
        lay = layer(f)
        path = os.path.join(args.src, f)
        result(lay is not None,
               '%s is in the layer map (layer %s)' % (f, lay) if lay is not None
               else '%s is not in test/lint/layers.txt' % f)

        up = [g for g in sorted(uses[f])
              if lay is not None and layer(g) is not None and layer(g) > lay]
        if up:
            result(False, '%s (layer %d) uses higher layers: %s'
                   % (f, lay, ', '.join('%s (%d)' % (g, layer(g)) for g in up)),
                   [edge_line(f, g, uses[f][g]) for g in up])
        else:
            result(True, '%s uses no higher layer' % f)

        for pat in families:
            if not fnmatch.fnmatchcase(f, pat):
                continue
            other = [g for g in sorted(uses[f])
                     if fnmatch.fnmatchcase(g, pat) and layer(g) == lay]
            result(not other,
                   '%s uses no other %s file of its layer' % (f, pat) if not other
                   else '%s uses other %s files of its layer: %s'
                   % (f, pat, ', '.join(other)),
                   [edge_line(f, g, uses[f][g]) for g in other])

        with open(path, encoding='utf-8', errors='replace') as fh:
            lines = sum(1 for _ in fh)
        result(lines <= MAX_LINES, '%s has %d lines%s'
               % (f, lines, '' if lines <= MAX_LINES else ' (over %d)' % MAX_LINES))

        inc = includes_of(path)
        ok = inc[:2] == ['postgres.h', 'compat.h']
        result(ok, '%s includes "compat.h" right after "postgres.h"' % f if ok
               else '%s: first includes are %s, not "postgres.h" then "compat.h"'
               % (f, ', '.join('"%s"' % i for i in inc[:2]) or 'none'))

    circles = [c for c in circles_of(files, uses)
               if not any(set(c) <= allowed for allowed in allowed_circles)]
    if not circles:
        result(True, 'no circle between files')
    for c in circles:
        members = set(c)
        # Within a circle, the uses that do not go down a layer are the ones
        # to remove (the upward ones are also listed above, per file).
        details = []
        for f in c:
            for g in sorted(uses[f]):
                if g in members and (layer(f) or 0) <= (layer(g) or 0):
                    details.append(edge_line(f, g, uses[f][g]))
        result(False, 'circle of %d files: %s' % (len(c), ' '.join(c)), details)

    print('1..%d' % n)
    return 1 if failed else 0


if __name__ == '__main__':
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)  # quiet under | head
    sys.exit(main())
