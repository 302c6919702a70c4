#!/usr/bin/env bash
# bench/many_objects.sh -- what migration_guard adds to statements that name
# thousands of objects.  Run by bench/run (make bench), which has started a
# cluster with the library preloaded (PGHOST/PGPORT point at it).
#
# Each workload creates its objects, then runs ONE statement naming all of
# them, alternately with migration_guard.mode = off (the baseline: the hook
# only passes the statement on) and mode = warn (every rule judges every
# object; warn so that nothing is refused).  It prints the median
# wall-clock time of each and their ratio.  Judging is linear in the
# objects a statement names and their dependents, so the ratio stays near
# 1 however many there are; a quadratic walk shows as a ratio growing with
# MG_BENCH_OBJECTS.
#
# Workloads:
#   drop_tables    DROP TABLE t1, ..., tN            (each with a primary key)
#   drop_columns   ALTER TABLE w DROP COLUMN c1, ... (N/2 columns, at most 1500)
#   drop_indexes   DROP INDEX i1, ..., iN            (on one table)
#   drop_views     DROP VIEW v1, ..., vN
#   truncate       TRUNCATE t1, ..., tN
#
# Sizes (environment):
#   MG_BENCH_OBJECTS     objects per statement            (default 2000)
#   MG_BENCH_REPS        runs per workload and mode       (default 3)
#   MG_BENCH_WORKLOADS   which workloads                  (default all)
# A DROP of N tables takes about 3N locks in one transaction: bench/run
# raises max_locks_per_transaction for it.
set -euo pipefail

N=${MG_BENCH_OBJECTS:-2000}
REPS=${MG_BENCH_REPS:-3}
WORKLOADS=${MG_BENCH_WORKLOADS:-"drop_tables drop_columns drop_indexes drop_views truncate"}
COLS=$((N / 2 > 1500 ? 1500 : N / 2))
DB=mg_bench_many

psql -qX -c "SET migration_guard.allow = 'drop_database'" -c "DROP DATABASE IF EXISTS $DB" >/dev/null 2>&1
psql -qX -c "CREATE DATABASE $DB" >/dev/null
run() { psql -qX -v ON_ERROR_STOP=1 -d "$DB" "$@"; }
run -c 'CREATE EXTENSION migration_guard' >/dev/null

list() { # list PREFIX COUNT [SUFFIX]
	local i out=""
	for ((i = 1; i <= $2; i++)); do out+="$1$i${3:-},"; done
	printf '%s' "${out%,}"
}

setup() {
	local w=$1 i
	{
		echo "SET migration_guard.mode = off; SET client_min_messages = error;"
		case $w in
		drop_tables | truncate)
			for ((i = 1; i <= N; i++)); do echo "CREATE TABLE t$i (id bigint PRIMARY KEY);"; done ;;
		drop_columns)
			echo "DROP TABLE IF EXISTS w; CREATE TABLE w (id bigint PRIMARY KEY, $(list c "$COLS" ' integer'));" ;;
		drop_indexes)
			echo "DROP TABLE IF EXISTS ix; CREATE TABLE ix (a integer);"
			for ((i = 1; i <= N; i++)); do echo "CREATE INDEX i$i ON ix (a);"; done ;;
		drop_views)
			echo "DROP TABLE IF EXISTS vb CASCADE; CREATE TABLE vb (a integer);"
			for ((i = 1; i <= N; i++)); do echo "CREATE VIEW v$i AS SELECT a FROM vb;"; done ;;
		esac
	} | run >/dev/null
}

statement() {
	case $1 in
	drop_tables) echo "DROP TABLE $(list t "$N");" ;;
	truncate) echo "TRUNCATE $(list t "$N");" ;;
	drop_columns) echo "ALTER TABLE w $(list 'DROP COLUMN c' "$COLS");" ;;
	drop_indexes) echo "DROP INDEX $(list i "$N");" ;;
	drop_views) echo "DROP VIEW $(list v "$N");" ;;
	esac
}

cleanup() {
	case $1 in
	truncate) echo "SET migration_guard.mode = off; DROP TABLE $(list t "$N");" | run >/dev/null ;;
	*) ;;
	esac
}

# one timed run: milliseconds of the statement alone, measured by the server
timed() { # timed WORKLOAD MODE
	local sql
	sql=$(statement "$1")
	{
		echo "SET migration_guard.mode = $2; SET client_min_messages = error; SET lock_timeout = '10s';"
		echo "SET migration_guard.allow = '';"
		echo "SELECT clock_timestamp() AS t0 \\gset"
		echo "$sql"
		echo "SELECT round(1000 * extract(epoch FROM clock_timestamp() - :'t0'::timestamptz), 1);"
	} | run -At | tail -1
}

median() { sort -g | awk '{a[NR] = $1} END {print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2}'; }

printf '%-14s %8s %12s %12s %7s\n' workload objects "off ms" "guard ms" ratio
for w in $WORKLOADS; do
	off=() on=()
	n=$N
	[ "$w" = drop_columns ] && n=$COLS
	for ((r = 1; r <= REPS; r++)); do
		setup "$w"; off+=("$(timed "$w" off)"); cleanup "$w"
		setup "$w"; on+=("$(timed "$w" warn)"); cleanup "$w"
	done
	moff=$(printf '%s\n' "${off[@]}" | median)
	mon=$(printf '%s\n' "${on[@]}" | median)
	printf '%-14s %8d %12.1f %12.1f %7.2f\n' "$w" "$n" "$moff" "$mon" \
		"$(awk -v a="$mon" -v b="$moff" 'BEGIN {print (b > 0) ? a / b : 0}')"
done
psql -qX -c "SET migration_guard.allow = 'drop_database'" -c "DROP DATABASE $DB" >/dev/null
