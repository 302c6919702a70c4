#!/usr/bin/env bash
# tools/typedefs.sh -- the typedef names our C code declares, for pgindent.
#
# pg_bsd_indent cannot tell a type name from a variable without a list; a
# name missing from it gets formatted as an expression ("MGFinding * f").
# This prints every name declared with typedef in src/ and client/ (sorted,
# one a line): "typedef ... Name;", "} Name;" closing a typedef'd struct,
# union or enum, and "typedef ret (*Name) (...);".
#
#   tools/typedefs.sh > src/typedefs.list          regenerate our list
#   tools/typedefs.sh --check                      fail if src/typedefs.list is stale
#   tools/typedefs.sh --merge PG_TYPEDEFS_LIST     src/typedefs.list (plus names added
#                                                  since) and PostgreSQL's list
#                                                  (src/tools/pgindent/typedefs.list
#                                                  of the release pgindent comes
#                                                  from), as pgindent --typedefs wants
#
# src/typedefs.list holds our names only; PostgreSQL's own list is merged in
# at "make indent" time from the release tools/pgindent.sh fetches.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)

ours() {
	python3 - "$root" <<'PY'
import os, re, sys
root = sys.argv[1]
names = set()
ident = r'[A-Za-z_]\w*'
for d in ('src', 'client'):
    p = os.path.join(root, d)
    if not os.path.isdir(p):
        continue
    for f in sorted(os.listdir(p)):
        if not f.endswith(('.c', '.h')):
            continue
        text = open(os.path.join(p, f), encoding='utf-8', errors='replace').read()
        text = re.sub(r'/\*.*?\*/', ' ', text, flags=re.S)
        text = re.sub(r'//[^\n]*', ' ', text)
        text = re.sub(r'^\s*#[^\n]*(\\\n[^\n]*)*', ' ', text, flags=re.M)
        for m in re.finditer(r'\btypedef\b', text):
            # the declaration runs to the first ';' outside braces
            i, depth = m.end(), 0
            while i < len(text):
                c = text[i]
                if c == '{':
                    depth += 1
                elif c == '}':
                    depth -= 1
                elif c == ';' and depth == 0:
                    break
                i += 1
            decl = text[m.end():i]
            # drop the body of a struct/union/enum: the name follows it
            decl = re.sub(r'\{.*\}', ' ', decl, flags=re.S)
            fp = re.search(r'\(\s*\*\s*(' + ident + r')\s*\)', decl)
            if fp:
                names.add(fp.group(1))
                continue
            decl = re.sub(r'\[[^\]]*\]', ' ', decl)
            for part in decl.split(','):
                ids = re.findall(ident, part)
                if ids:
                    names.add(ids[-1])
for n in sorted(names):
    print(n)
PY
}

case ${1:-} in
	'')
		ours
		;;
	--check)
		if ! diff -u "$root/src/typedefs.list" <(ours); then
			echo "src/typedefs.list is stale: tools/typedefs.sh > src/typedefs.list" >&2
			exit 1
		fi
		;;
	--merge)
		[ -f "${2:-}" ] || { echo "usage: $0 --merge PG_TYPEDEFS_LIST" >&2; exit 2; }
		# the committed list, and any name added since it was regenerated
		{ cat "$2"; [ ! -f "$root/src/typedefs.list" ] || cat "$root/src/typedefs.list"; ours; } | LC_ALL=C sort -u
		;;
	*)
		sed -n '2,/^set /p' "$0" | sed '$d' | sed 's/^# \{0,1\}//' >&2
		exit 2
		;;
esac
