#!/usr/bin/env bash
# docs/coverage.md is held to the source: every statement node tag (*Stmt)
# and every ALTER TABLE subcommand (AT_*) of the server this suite runs
# against has a row, with a decision in its last column.  A form a new
# PostgreSQL release adds fails here until someone decides how it is judged.
set -u
source "$MG_ROOT/test/lib/tap.sh"

pgc=${MG_PG_CONFIG:-}
[ -n "$pgc" ] && [ -x "$pgc" ] || pgc="$MG_PGBIN/pg_config"
[ -x "$pgc" ] || pgc=$(command -v pg_config)
doc="$MG_ROOT/docs/coverage.md"
server_major=$(psql -X -At -c 'SELECT current_setting('"'"'server_version_num'"'"')::int / 10000')

# The server headers of the version the suite runs against: the private
# install's pg_config may point into a tree without them, so fall back to
# the packaged headers of the same major version.
inc=$("$pgc" --includedir-server)
[ -f "$inc/nodes/parsenodes.h" ] || inc=/usr/include/postgresql/$server_major/server
headers_major=$(sed -nE 's/^#define PG_MAJORVERSION_NUM ([0-9]+).*/\1/p' "$inc/pg_config.h" 2>/dev/null)
is "$headers_major" "$server_major" "headers in $inc are those of the server's version ($server_major)"

# Node tags: generated nodetags.h from 16 on, the NodeTag enum in nodes.h before.
if [ -f "$inc/nodes/nodetags.h" ]; then
	tagfile="$inc/nodes/nodetags.h"
else
	tagfile="$inc/nodes/nodes.h"
fi
tags=$(grep -oE '\bT_[A-Za-z]+Stmt\b' "$tagfile" | sort -u)
ats=$(sed -n '/typedef enum AlterTableType/,/} AlterTableType/p' "$inc/nodes/parsenodes.h" |
	grep -oE '\bAT_[A-Za-z]+\b' | sort -u)
ntags=$(printf '%s\n' "$tags" | grep -c .)
nats=$(printf '%s\n' "$ats" | grep -c .)
ok $([ "$ntags" -gt 100 ]; echo $?) "found $ntags statement node tags in $(basename "$tagfile")"
ok $([ "$nats" -gt 50 ]; echo $?) "found $nats AlterTableType values in parsenodes.h"

check_rows() {
	local kind=$1 missing=() undecided=()
	shift
	for t in "$@"; do
		line=$(grep -m1 "^| \`$t\` |" "$doc")
		if [ -z "$line" ]; then
			missing+=("$t")
			continue
		fi
		# the last column: a rule name, or "none" with a reason
		last=$(printf '%s' "$line" | sed -E 's/\\\|//g' | awk -F'|' '{print $(NF-1)}' | sed -E 's/^ +| +$//g')
		if [ -z "$last" ] || [ "$last" = "none" ] || [ "$last" = "none:" ]; then
			undecided+=("$t")
		fi
	done
	is "${missing[*]:-}" "" "every $kind has a row in docs/coverage.md"
	is "${undecided[*]:-}" "" "every $kind row says which rule judges it or argues why none"
}
check_rows "statement node tag" $tags
check_rows "ALTER TABLE subcommand" $ats

# Every rule the inventory names exists in the registry.
rules=$(psql -X -At -c "SELECT 1 FROM pg_extension WHERE extname = 'migration_guard'" >/dev/null 2>&1;
	psql -X -q -c 'CREATE DATABASE mg_coverage' >/dev/null 2>&1
	psql -X -At -d mg_coverage -c 'CREATE EXTENSION IF NOT EXISTS migration_guard' -c 'SELECT name FROM migration_guard.rules()' 2>/dev/null)
unknown=()
for r in $(grep -oE '\b[a-z]+(_[a-z]+)+\b' "$doc" | sort -u); do
	case "$r" in
	lock_timeout|drop_*|rename_*|add_*|set_*|alter_*|create_index|reindex|invalid_index|cluster|truncate|vacuum_full|refresh_matview|detach_partition|attach_partition|validate_same_transaction|foreign_key_without_index|table_rewrite|unbatched_data_change|multiple_exclusive_locks|lock_held_across_statements)
		printf '%s\n' "$rules" | grep -qx "$r" || unknown+=("$r") ;;
	esac
done
psql -X -q -c "SET migration_guard.allow = 'drop_database'" -c 'DROP DATABASE IF EXISTS mg_coverage' >/dev/null 2>&1
is "${unknown[*]:-}" "" "every rule docs/coverage.md names is in the registry"
done_testing
