#!/usr/bin/env bash
# tools/pgindent.sh -- format our C code the way PostgreSQL formats its own
# (make indent).
#
# PostgreSQL's pgindent (a perl script) drives pg_bsd_indent (a small C
# program); neither is packaged by Debian.  Both come from the PostgreSQL
# release source at a fixed version, downloaded once from the project's own
# server and built into a cache directory; pgindent gets PostgreSQL's
# typedefs.list merged with ours (src/typedefs.list, tools/typedefs.sh).
#
#   tools/pgindent.sh                 reformat src/*.c src/*.h client/*.c client/*.h in place
#   tools/pgindent.sh FILE...         only these files
#   tools/pgindent.sh --diff [FILE...]   print what would change, change nothing
#   tools/pgindent.sh --check [FILE...]  exit 1 if anything would change
#
# Environment:
#   MG_PG_SOURCE      a PostgreSQL $PGINDENT_VERSION source tree to take the
#                     tools from instead of downloading it (offline machines)
#   MG_PGINDENT_URL   where to download that release's .tar.gz from (a mirror)
#   MG_INDENT_CACHE   where the tools are kept
#                     (default ${XDG_CACHE_HOME:-~/.cache}/migration_guard/pgindent-VERSION)
#   PG_CONFIG         pg_config whose headers and libpgport build pg_bsd_indent
#   CC                the C compiler (default cc)
set -euo pipefail

# pgindent and pg_bsd_indent 2.1.2 as released with PostgreSQL 16.
PGINDENT_VERSION=16.2
PGINDENT_URL=${MG_PGINDENT_URL:-https://ftp.postgresql.org/pub/source/v$PGINDENT_VERSION/postgresql-$PGINDENT_VERSION.tar.gz}

root=$(cd "$(dirname "$0")/.." && pwd)
cache=${MG_INDENT_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/migration_guard/pgindent-$PGINDENT_VERSION}
PG_CONFIG=${PG_CONFIG:-pg_config}
CC=${CC:-cc}

die() { echo "pgindent.sh: $*" >&2; exit 1; }

# The two tool directories of a PostgreSQL source tree, into $cache/src.
fetch_tools() {
	local tmp
	tmp=$(mktemp -d)
	if [ -n "${MG_PG_SOURCE:-}" ]; then
		[ -f "$MG_PG_SOURCE/src/tools/pg_bsd_indent/indent.c" ] ||
			die "MG_PG_SOURCE=$MG_PG_SOURCE has no src/tools/pg_bsd_indent (PostgreSQL 16 or later)"
		mkdir -p "$tmp/src/tools"
		cp -R "$MG_PG_SOURCE/src/tools/pg_bsd_indent" "$MG_PG_SOURCE/src/tools/pgindent" "$tmp/src/tools/"
		[ -f "$MG_PG_SOURCE/COPYRIGHT" ] && cp "$MG_PG_SOURCE/COPYRIGHT" "$tmp/"
	else
		command -v curl >/dev/null || die "curl is needed to download $PGINDENT_URL (or set MG_PG_SOURCE)"
		echo "pgindent.sh: downloading $PGINDENT_URL" >&2
		curl -fsSL "$PGINDENT_URL" |
			tar -xzf - -C "$tmp" --strip-components=1 \
				"postgresql-$PGINDENT_VERSION/COPYRIGHT" \
				"postgresql-$PGINDENT_VERSION/src/tools/pg_bsd_indent" \
				"postgresql-$PGINDENT_VERSION/src/tools/pgindent" ||
			die "could not download $PGINDENT_URL (set MG_PG_SOURCE to a PostgreSQL $PGINDENT_VERSION source tree)"
	fi
	mkdir -p "$cache"
	rm -rf "$cache/src"
	mv "$tmp" "$cache/src"
}

build_indent() {
	local dir=$cache/src/src/tools/pg_bsd_indent incdir libdir
	incdir=$("$PG_CONFIG" --includedir-server) || die "no pg_config (set PG_CONFIG)"
	libdir=$("$PG_CONFIG" --pkglibdir)
	echo "pgindent.sh: building pg_bsd_indent in $cache" >&2
	"$CC" -O2 -w -I"$dir" -I"$incdir" "$dir"/*.c \
		-L"$libdir" -L"$("$PG_CONFIG" --libdir)" -lpgcommon -lpgport -lm \
		-o "$cache/pg_bsd_indent.tmp"
	mv "$cache/pg_bsd_indent.tmp" "$cache/pg_bsd_indent"
}

mode=write
case ${1:-} in
	--diff) mode=diff; shift ;;
	--check) mode=check; shift ;;
	-h|--help) sed -n '2,/^set /p' "$0" | sed '$d' | sed 's/^# \{0,1\}//'; exit 0 ;;
esac

[ -f "$cache/src/src/tools/pgindent/pgindent" ] || fetch_tools
[ -x "$cache/pg_bsd_indent" ] || build_indent

files=()
if [ $# -gt 0 ]; then
	for f in "$@"; do files+=("$(cd "$(dirname "$f")" && pwd)/$(basename "$f")"); done
else
	for f in "$root"/src/*.c "$root"/src/*.h "$root"/client/*.c "$root"/client/*.h; do
		[ -e "$f" ] && files+=("$f")
	done
fi

# pgindent leaves its filtered typedef list in the current directory.
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$root/tools/typedefs.sh" --merge "$cache/src/src/tools/pgindent/typedefs.list" >"$work/typedefs.list"

opts=(--indent="$cache/pg_bsd_indent" --typedefs="$work/typedefs.list")
case $mode in
	write) (cd "$work" && perl "$cache/src/src/tools/pgindent/pgindent" "${opts[@]}" "${files[@]}") ;;
	diff) (cd "$work" && perl "$cache/src/src/tools/pgindent/pgindent" "${opts[@]}" --show-diff "${files[@]}") ;;
	check)
		rc=0
		(cd "$work" && perl "$cache/src/src/tools/pgindent/pgindent" "${opts[@]}" --silent-diff "${files[@]}") || rc=$?
		[ $rc -eq 0 ] || { echo "not formatted with pgindent: run make indent" >&2; exit 1; }
		;;
esac
