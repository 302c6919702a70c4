#!/usr/bin/env bash
# bench/stats_overhead.sh -- what the counters of migration_guard.stats cost.
# Run by bench/run (make bench), which has started a cluster with the library
# in shared_preload_libraries: the counters live in shared memory and every
# judged statement adds to them.  This script starts a second cluster from
# the same binaries and settings with the library in
# session_preload_libraries instead: the same hook judges the same
# statements, but without shared memory the counters are skipped.  The
# difference is the counting (one atomic add and a timestamp per judged
# statement, one per finding or override).
#
# The figure compared is the server backend's CPU time per statement
# (/proc/self/schedstat), median of MG_BENCH_REPS runs, alternating
# clusters; wall clock alongside.
#
# Workloads:
#   passthrough  SET/SHOW/RESET: no rule concerns them; never counted
#   judged       CREATE TABLE, CREATE INDEX, ALTER TABLE (rolled back):
#                judged and counted, no finding
#   warned       CREATE INDEX on an existing table in mode warn with the
#                rule at warn: judged, a finding counted and audited
#
# Sizes: MG_BENCH_STATEMENTS (default 8000), MG_BENCH_REPS (default 7).
set -euo pipefail

STATEMENTS=${MG_BENCH_STATEMENTS:-8000}
REPS=${MG_BENCH_REPS:-7}

: "${MG_WORK:?run me through bench/run}" "${MG_PGBIN:?}" "${PGPORT:?}"
PORT_SHM=$PGPORT
PORT_NOSHM=$((PGPORT + 2))
DATA3="$MG_WORK/data_noshm"
SCRIPTS="$MG_WORK/bench_stats_overhead"
mkdir -p "$SCRIPTS"

stop_second() {
	[ -f "$DATA3/postmaster.pid" ] && "$MG_PGBIN/pg_ctl" -D "$DATA3" -m fast -w stop >/dev/null 2>&1
	true
}
trap stop_second EXIT

"$MG_PGBIN/initdb" -D "$DATA3" -U "${PGUSER:-postgres}" --auth=trust --no-sync \
	-E UTF8 --locale=C.UTF-8 >"$MG_WORK/initdb3.log" 2>&1
grep -v -E '^(shared_preload_libraries|port) *=' "$MG_WORK/data/postgresql.conf" >"$DATA3/postgresql.conf"
cat >>"$DATA3/postgresql.conf" <<CONF
shared_preload_libraries = ''
session_preload_libraries = 'migration_guard'
port = $PORT_NOSHM
CONF
"$MG_PGBIN/pg_ctl" -D "$DATA3" -l "$MG_WORK/server3.log" -w start >/dev/null

psql_on() {
	local port=$1
	shift
	"$MG_PGBIN/psql" -X -q -v ON_ERROR_STOP=1 -p "$port" -d postgres "$@"
}

for port in "$PORT_SHM" "$PORT_NOSHM"; do
	psql_on "$port" <<'SQL'
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS migration_guard;
DROP TABLE IF EXISTS mg_bench_small;
CREATE TABLE mg_bench_small (id bigint PRIMARY KEY, v text);
INSERT INTO mg_bench_small SELECT g, 'v' || g FROM generate_series(1, 1000) g;
SQL
done
# the two clusters differ in what this bench measures, and only in that
shm=$(psql_on "$PORT_SHM" -Atc "SELECT count(*) > 0 FROM migration_guard.stats")
noshm=$(psql_on "$PORT_NOSHM" -Atc "SELECT count(*) FROM migration_guard.stats")
if [ "$shm" != t ] || [ "$noshm" != 0 ]; then
	echo "expected counters on port $PORT_SHM only (got '$shm' and '$noshm')" >&2
	exit 1
fi

CPU_NOW="split_part(pg_read_file('/proc/self/schedstat'), ' ', 1)::bigint"
write_script() {
	local workload=$1 i n
	{
		echo "SELECT $CPU_NOW AS mg_cpu0 \\gset"
		echo '\o /dev/null'
		case $workload in
			passthrough)
				for ((i = 0; i < STATEMENTS / 3; i++)); do
					printf '%s\n' "SET application_name = 'b';" "SHOW application_name;" "RESET application_name;"
				done
				n=$((STATEMENTS / 3 * 3))
				;;
			judged)
				for ((i = 0; i < STATEMENTS / 3; i++)); do
					printf '%s\n' "BEGIN;" "CREATE TABLE mg_bench_new (id bigint, v text);" \
						"CREATE INDEX ON mg_bench_new (v);" "ALTER TABLE mg_bench_new ADD COLUMN w text;" "ROLLBACK;"
				done
				n=$((STATEMENTS / 3 * 5))
				;;
			warned)
				echo "SET migration_guard.small_table_threshold = 0;"
				echo "SET migration_guard.rules = 'create_index=warn';"
				echo "SET client_min_messages = error;"
				for ((i = 0; i < STATEMENTS / 3; i++)); do
					printf '%s\n' "BEGIN;" "CREATE INDEX ON mg_bench_small (v);" "ROLLBACK;"
				done
				n=$((STATEMENTS / 3 * 3 + 3))
				;;
		esac
		echo '\o'
		echo "SELECT $CPU_NOW - :mg_cpu0, $n;"
	} >"$SCRIPTS/$workload.sql"
}

run_once() {
	local port=$1 workload=$2 out t0 t1
	t0=$(date +%s%N)
	out=$(PGOPTIONS="-c lock_timeout=1s" psql_on "$port" -At -F ' ' -f "$SCRIPTS/$workload.sql" 2>&1) || {
		echo "$out" >&2
		return 1
	}
	t1=$(date +%s%N)
	tail -1 <<<"$out" | awk -v wall=$((t1 - t0)) '{ printf "%.3f %.3f\n", $1 / $2 / 1000, wall / $2 / 1000 }'
}

median() {
	sort -g | awk '{ a[NR] = $1 } END { if (NR % 2) print a[(NR + 1) / 2]; else printf "%.3f\n", (a[NR / 2] + a[NR / 2 + 1]) / 2 }'
}

echo "PostgreSQL $(psql_on "$PORT_SHM" -Atc 'SHOW server_version'), $(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "$REPS runs each; microseconds per statement, median server CPU (median wall clock)"
printf '%-12s %10s %22s %22s %10s\n' workload statements "without counters" "with counters" overhead
for workload in passthrough judged warned; do
	write_script "$workload"
	run_once "$PORT_SHM" "$workload" >/dev/null
	run_once "$PORT_NOSHM" "$workload" >/dev/null
	with=()
	without=()
	for ((r = 1; r <= REPS; r++)); do
		if ((r % 2)); then
			with+=("$(run_once "$PORT_SHM" "$workload")")
			without+=("$(run_once "$PORT_NOSHM" "$workload")")
		else
			without+=("$(run_once "$PORT_NOSHM" "$workload")")
			with+=("$(run_once "$PORT_SHM" "$workload")")
		fi
	done
	cw=$(printf '%s\n' "${with[@]}" | cut -d' ' -f1 | median)
	co=$(printf '%s\n' "${without[@]}" | cut -d' ' -f1 | median)
	ww=$(printf '%s\n' "${with[@]}" | cut -d' ' -f2 | median)
	wo=$(printf '%s\n' "${without[@]}" | cut -d' ' -f2 | median)
	ratio=$(awk -v a="$cw" -v b="$co" 'BEGIN { printf "%+.2f%%", (a / b - 1) * 100 }')
	printf '%-12s %10d %22s %22s %10s\n' "$workload" "$STATEMENTS" "$co ($wo)" "$cw ($ww)" "$ratio"
done
psql_on "$PORT_SHM" -c "SELECT datname, judged, warned, overridden_severity FROM migration_guard.stats WHERE rule IS NULL"
