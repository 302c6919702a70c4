#!/usr/bin/env bash
# bench/dml_overhead.sh -- what the unbatched_data_change check adds to the
# application's UPDATE / DELETE / INSERT traffic (rules_dml.c, called from
# the ExecutorStart hook).  Run by bench/run, which has started a cluster
# with the library preloaded.  A second cluster from the same binaries runs
# without the library; both run the same single-row statements from a
# PL/pgSQL loop (no client round trip, so the hook's share is as large as
# it gets), alternating, and the backend's own CPU time is compared
# (/proc/self/schedstat, as bench/hook_overhead.sh does):
#
#   unloaded   shared_preload_libraries = ''
#   off        library loaded, migration_guard.mode = off
#   enforce    library loaded, mode = enforce, migration_roles unset
#              (application traffic: judged by nothing, pays the checks)
#
#   MG_BENCH_ROWS   statements per run   (default 100000)
#   MG_BENCH_REPS   runs per variant     (default 7)
set -euo pipefail
ROWS=${MG_BENCH_ROWS:-100000}
REPS=${MG_BENCH_REPS:-7}
: "${MG_WORK:?run me through bench/run}" "${MG_PGBIN:?}" "${PGPORT:?}"
PORT_WITH=$PGPORT
PORT_WITHOUT=$((PGPORT + 2))
DATA2="$MG_WORK/data_dml"

stop_second() {
	[ -f "$DATA2/postmaster.pid" ] && "$MG_PGBIN/pg_ctl" -D "$DATA2" -m fast -w stop >/dev/null 2>&1 || true
}
trap stop_second EXIT
"$MG_PGBIN/initdb" -D "$DATA2" -U "${PGUSER:-postgres}" --auth=trust --no-sync \
	-E UTF8 --locale=C.UTF-8 >"$MG_WORK/initdb_dml.log" 2>&1
grep -v -E '^(shared_preload_libraries|port) *=' "$MG_WORK/data/postgresql.conf" >"$DATA2/postgresql.conf"
printf "shared_preload_libraries = ''\nport = %s\n" "$PORT_WITHOUT" >>"$DATA2/postgresql.conf"
"$MG_PGBIN/pg_ctl" -D "$DATA2" -l "$MG_WORK/server_dml.log" -w start >/dev/null

psql_on() { local port=$1; shift; "$MG_PGBIN/psql" -X -q -v ON_ERROR_STOP=1 -p "$port" -d postgres "$@"; }

for port in "$PORT_WITH" "$PORT_WITHOUT"; do
	psql_on "$port" <<SQL
SET client_min_messages = warning;
DROP TABLE IF EXISTS mg_bench_dml;
CREATE TABLE mg_bench_dml (id bigint PRIMARY KEY, v bigint NOT NULL DEFAULT 0);
INSERT INTO mg_bench_dml SELECT g, 0 FROM generate_series(1, 100000) g;
VACUUM ANALYZE mg_bench_dml;
SQL
done

CPU_NOW="split_part(pg_read_file('/proc/self/schedstat'), ' ', 1)::bigint"
# One run: ROWS single-row UPDATEs, then as many DELETE+INSERT pairs of one
# row; prints the backend's CPU nanoseconds per statement.
run_once() {
	local port=$1 mode=$2
	psql_on "$port" -At <<SQL
SET migration_guard.mode = '$mode';
SELECT $CPU_NOW AS c0 \gset
DO \$\$
BEGIN
	FOR i IN 1..$ROWS LOOP
		UPDATE mg_bench_dml SET v = v + 1 WHERE id = 1 + i % 100000;
	END LOOP;
	FOR i IN 1..$((ROWS / 2)) LOOP
		DELETE FROM mg_bench_dml WHERE id = 1 + i % 100000;
		INSERT INTO mg_bench_dml VALUES (1 + i % 100000, i);
	END LOOP;
END \$\$;
SELECT (($CPU_NOW - :c0) / ($ROWS * 2))::bigint;
SQL
}

median() { sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }

declare -A times
for ((r = 0; r < REPS; r++)); do
	times[unloaded]+="$(run_once "$PORT_WITHOUT" off 2>/dev/null | tail -1) "
	times[off]+="$(run_once "$PORT_WITH" off | tail -1) "
	times[enforce]+="$(run_once "$PORT_WITH" enforce | tail -1) "
done
base=$(printf '%s\n' ${times[unloaded]} | median)
printf '%-10s %14s %8s\n' variant "ns/statement" ratio
for v in unloaded off enforce; do
	m=$(printf '%s\n' ${times[$v]} | median)
	printf '%-10s %14s %8s\n' "$v" "$m" "$(awk -v a="$m" -v b="$base" 'BEGIN {printf "%.3f", a / b}')"
done
