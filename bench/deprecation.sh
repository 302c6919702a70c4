#!/usr/bin/env bash
# bench/deprecation.sh -- what usage tracking of deprecated objects costs a
# read-only workload.  Run by bench/run (make bench), which has started a
# cluster with the library preloaded (PGHOST/PGPORT point at it).
#
# pgbench's select-only script (SELECT abalance FROM pgbench_accounts WHERE
# aid = :aid, prepared) runs against one database in three states,
# alternating so that drift on a shared machine hits all of them alike:
#   none        nothing deprecated: every query pays one test of a
#               backend-local variable
#   unselected  pgbench_accounts.filler deprecated: every query checks the
#               columns it selects against it, and counts nothing
#   selected    pgbench_accounts.abalance deprecated: every query is a use,
#               counted in shared memory (shared lock, entry spinlock)
# and prints the median TPS of each and its ratio to "none", measured in
# the same run.  deprecated_use stays at its default, log (one line per
# minute).
#
# TPS on a shared machine swings by more than the 2 % asked for, so a
# second figure follows: the server CPU time per query of the same SELECT
# run by a PL/pgSQL loop in one backend (each execution goes through the
# executor's permission check), read by the backend from
# /proc/self/schedstat before and after, as bench/hook_overhead.sh does.
#
# Sizes (environment):
#   MG_BENCH_SCALE     pgbench scale               (default 10)
#   MG_BENCH_SECONDS   seconds per run             (default 10)
#   MG_BENCH_REPS      runs per state              (default 5)
#   MG_BENCH_CLIENTS   pgbench clients and threads (default: number of CPUs)
#   MG_BENCH_QUERIES   queries per PL/pgSQL run    (default 200000)
set -euo pipefail

SCALE=${MG_BENCH_SCALE:-10}
SECS=${MG_BENCH_SECONDS:-10}
REPS=${MG_BENCH_REPS:-5}
CLIENTS=${MG_BENCH_CLIENTS:-$(nproc)}
QUERIES=${MG_BENCH_QUERIES:-200000}
DB=mg_bench_deprecation
STATES=(none unselected selected)

: "${MG_WORK:?run me through bench/run}" "${MG_PGBIN:?}" "${PGPORT:?}"

psql_db() { "$MG_PGBIN/psql" -X -q -v ON_ERROR_STOP=1 -d "$DB" "$@"; }

"$MG_PGBIN/psql" -X -q -d postgres -c "SET migration_guard.allow = 'drop_database'" -c "DROP DATABASE IF EXISTS $DB" -c "CREATE DATABASE $DB" >/dev/null
# pgbench -i builds its primary keys on full tables: not a migration to judge.
PGOPTIONS="-c migration_guard.mode=off" "$MG_PGBIN/pgbench" -i -q -s "$SCALE" "$DB" >"$MG_WORK/bench_deprecation_init.log" 2>&1
psql_db -c "SET client_min_messages = error" -c "CREATE EXTENSION IF NOT EXISTS migration_guard" >/dev/null

set_state() {
	psql_db -c "SELECT migration_guard.undeprecate(relid, attname) FROM migration_guard.deprecated_objects" >/dev/null
	case $1 in
		unselected) psql_db -c "SELECT migration_guard.deprecate('pgbench_accounts', 'filler')" >/dev/null ;;
		selected) psql_db -c "SELECT migration_guard.deprecate('pgbench_accounts', 'abalance')" >/dev/null ;;
	esac
}

run_once() {
	"$MG_PGBIN/pgbench" -n -S -M prepared -c "$CLIENTS" -j "$CLIENTS" -T "$SECS" "$DB" 2>&1 |
		sed -n 's/^tps = \([0-9.]*\) (without initial connection time)/\1/p'
}

# Server CPU nanoseconds per query of the PL/pgSQL loop.
CPU_NOW="split_part(pg_read_file('/proc/self/schedstat'), ' ', 1)::bigint"
cpu_once() {
	psql_db -At <<SQL | tail -1
SELECT $CPU_NOW AS c0 \gset
DO \$\$ DECLARE b int; BEGIN FOR i IN 1..$QUERIES LOOP SELECT abalance INTO b FROM pgbench_accounts WHERE aid = 1 + i % 100000; END LOOP; END \$\$;
SELECT ($CPU_NOW - :c0) / $QUERIES;
SQL
}

median() {
	sort -g | awk '{ a[NR] = $1 } END { if (NR % 2) print a[(NR + 1) / 2]; else printf "%.1f\n", (a[NR / 2] + a[NR / 2 + 1]) / 2 }'
}

echo "PostgreSQL $(psql_db -Atc 'SHOW server_version'), $(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "pgbench -S -M prepared, scale $SCALE, $CLIENTS clients, ${SECS}s per run, $REPS runs per state (alternating)"

declare -A runs cpu
for s in "${STATES[@]}"; do runs[$s]=""; cpu[$s]=""; done
# warm-up
set_state none
run_once >/dev/null
for ((r = 0; r < REPS; r++)); do
	# rotate the order so that no state always runs first
	for ((i = 0; i < ${#STATES[@]}; i++)); do
		s=${STATES[$(((i + r) % ${#STATES[@]}))]}
		set_state "$s"
		runs[$s]="${runs[$s]} $(run_once)"
		cpu[$s]="${cpu[$s]} $(cpu_once)"
	done
done
uses=$(psql_db -Atc "SELECT uses FROM migration_guard.deprecated_usage() WHERE column_name = 'abalance'")
set_state none

base=$(printf '%s\n' ${runs[none]} | median)
printf '%-12s %12s %10s   %s\n' state "median TPS" ratio runs
for s in "${STATES[@]}"; do
	m=$(printf '%s\n' ${runs[$s]} | median)
	ratio=$(awk -v a="$m" -v b="$base" 'BEGIN { printf "%+.2f%%", (a / b - 1) * 100 }')
	printf '%-12s %12s %10s  %s\n' "$s" "$m" "$ratio" "${runs[$s]}"
done
cbase=$(printf '%s\n' ${cpu[none]} | median)
printf '%-12s %12s %10s   %s\n' state "ns/query" ratio "runs (server CPU per query, PL/pgSQL loop of $QUERIES)"
for s in "${STATES[@]}"; do
	m=$(printf '%s\n' ${cpu[$s]} | median)
	ratio=$(awk -v a="$m" -v b="$cbase" 'BEGIN { printf "%+.2f%%", (a / b - 1) * 100 }')
	printf '%-12s %12s %10s  %s\n' "$s" "$m" "$ratio" "${cpu[$s]}"
done
echo "uses of pgbench_accounts.abalance counted in the selected runs: $uses"
"$MG_PGBIN/psql" -X -q -d postgres -c "SET migration_guard.allow = 'drop_database'" -c "DROP DATABASE IF EXISTS $DB" >/dev/null
