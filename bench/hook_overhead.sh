#!/usr/bin/env bash
# bench/hook_overhead.sh -- what migration_guard adds to a utility statement.
# Run by bench/run (make bench), which has started a cluster with the
# library preloaded (PGHOST/PGPORT point at it).  This script starts a second
# cluster from the same binaries with the same settings but
# shared_preload_libraries = '', runs the same statements against both,
# alternating, and prints the median time per statement and the ratio.
#
# The figure compared is the CPU time of the server process that ran the
# statements, which that process reads itself from /proc/self/schedstat
# (nanoseconds) before and after: what the library adds is CPU work in the
# backend, and unlike wall-clock time this figure does not swing with
# whatever else the machine runs.  Wall-clock time is printed alongside.
#
# Workloads (each statement goes through ProcessUtility):
#   passthrough  SET / SHOW / LISTEN / UNLISTEN / RESET sent one by one by
#                psql: no rule concerns them, the hook only tests the
#                statement type
#   plpgsql      SET run by a PL/pgSQL loop with EXECUTE: no client round
#                trip or parse of a client message, so the hook's share of
#                each statement is as large as it gets
#   judged       CREATE TABLE, CREATE INDEX and ALTER TABLE ADD COLUMN on it
#                (created in this transaction: exempt), ALTER TABLE ADD
#                COLUMN on a small existing table; every one is judged by
#                the rules, none is refused
#
# When perf(1) is installed, a profile follows: the share of a backend's CPU
# samples spent in migration_guard.so while it runs the plpgsql workload,
# which resolves far smaller differences than two timings can.
#
# Sizes (environment):
#   MG_BENCH_STATEMENTS   statements per run and workload   (default 20000)
#   MG_BENCH_REPS         runs per workload and cluster     (default 7)
#   MG_BENCH_WORKLOADS    which workloads                   (default all three)
#   MG_BENCH_PROFILE_STATEMENTS  statements profiled; 0: no profile (default 2000000)
set -euo pipefail

STATEMENTS=${MG_BENCH_STATEMENTS:-20000}
REPS=${MG_BENCH_REPS:-7}
WORKLOADS=${MG_BENCH_WORKLOADS:-"passthrough plpgsql judged"}
PROFILE_STATEMENTS=${MG_BENCH_PROFILE_STATEMENTS:-2000000}

: "${MG_WORK:?run me through bench/run}" "${MG_PGBIN:?}" "${PGPORT:?}"
PORT_WITH=$PGPORT
PORT_WITHOUT=$((PGPORT + 1))
DATA2="$MG_WORK/data2"
SCRIPTS="$MG_WORK/bench_hook_overhead"
mkdir -p "$SCRIPTS"

stop_second() {
	if [ -f "$DATA2/postmaster.pid" ]; then
		"$MG_PGBIN/pg_ctl" -D "$DATA2" -m fast -w stop >/dev/null 2>&1 || true
	fi
}
trap stop_second EXIT

# The second cluster: same binaries and configuration, no library.
"$MG_PGBIN/initdb" -D "$DATA2" -U "${PGUSER:-postgres}" --auth=trust --no-sync \
	-E UTF8 --locale=C.UTF-8 >"$MG_WORK/initdb2.log" 2>&1
grep -v -E '^(shared_preload_libraries|port) *=' "$MG_WORK/data/postgresql.conf" >"$DATA2/postgresql.conf"
cat >>"$DATA2/postgresql.conf" <<CONF
shared_preload_libraries = ''
port = $PORT_WITHOUT
CONF
"$MG_PGBIN/pg_ctl" -D "$DATA2" -l "$MG_WORK/server2.log" -w start >/dev/null

psql_on() {
	local port=$1
	shift
	"$MG_PGBIN/psql" -X -q -v ON_ERROR_STOP=1 -p "$port" -d postgres "$@"
}

loaded=$(psql_on "$PORT_WITH" -Atc "SELECT current_setting('shared_preload_libraries')")
unloaded=$(psql_on "$PORT_WITHOUT" -Atc "SELECT current_setting('shared_preload_libraries')")
if [[ $loaded != *migration_guard* || $unloaded == *migration_guard* ]]; then
	echo "expected the library preloaded on port $PORT_WITH only (got '$loaded' and '$unloaded')" >&2
	exit 1
fi

# The same schema on both; the extension only where the library is loaded.
for port in "$PORT_WITH" "$PORT_WITHOUT"; do
	psql_on "$port" <<'SQL'
SET client_min_messages = warning;
DROP TABLE IF EXISTS mg_bench_small;
CREATE TABLE mg_bench_small (id bigint PRIMARY KEY, v text);
INSERT INTO mg_bench_small SELECT g, 'v' || g FROM generate_series(1, 1000) g;
SQL
done
psql_on "$PORT_WITH" -c "SET client_min_messages = error" \
	-c "CREATE EXTENSION IF NOT EXISTS migration_guard" >/dev/null

passthrough=("SET application_name = 'mg_bench';" "SHOW application_name;"
	"LISTEN mg_bench;" "UNLISTEN mg_bench;" "RESET application_name;")
# Rolled back, so every group starts from the same catalog.  The ALTER of
# the existing table comes last: no statement runs while its ACCESS
# EXCLUSIVE lock is held (that would be lock_held_across_statements).
judged=("BEGIN;" "CREATE TABLE mg_bench_new (id bigint, v text);"
	"CREATE INDEX ON mg_bench_new (v);" "ALTER TABLE mg_bench_new ADD COLUMN w text;"
	"ALTER TABLE mg_bench_small ADD COLUMN c text;" "ROLLBACK;")
CPU_NOW="split_part(pg_read_file('/proc/self/schedstat'), ' ', 1)::bigint"

# Writes a workload's psql script: the backend's CPU time, the statements
# (output discarded), then the CPU time spent and the number of statements.
# judged counts its 4 judged statements per group and also runs BEGIN and
# ROLLBACK around them; the figure is per statement run.
write_script() {
	local workload=$1 i n
	{
		echo "SELECT $CPU_NOW AS mg_cpu0 \\gset"
		echo '\o /dev/null'
		case $workload in
			passthrough)
				for ((i = 0; i < STATEMENTS; i++)); do echo "${passthrough[i % 5]}"; done
				n=$STATEMENTS
				;;
			plpgsql)
				echo "DO \$\$ BEGIN FOR i IN 1..$STATEMENTS LOOP EXECUTE 'SET application_name = ''mg_bench'''; END LOOP; END \$\$;"
				n=$STATEMENTS
				;;
			judged)
				for ((i = 0; i < STATEMENTS / 4; i++)); do printf '%s\n' "${judged[@]}"; done
				n=$((STATEMENTS / 4 * 6))
				;;
		esac
		echo '\o'
		echo "SELECT $CPU_NOW - :mg_cpu0, $n;"
	} >"$SCRIPTS/$workload.sql"
}

# One run; prints server CPU and wall-clock microseconds per statement.
run_once() {
	local port=$1 workload=$2 out t0 t1
	t0=$(date +%s%N)
	# lock_timeout keeps the lock_timeout rule quiet on the ALTER TABLEs;
	# both clusters get the same setting.
	out=$(PGOPTIONS="-c lock_timeout=1s" psql_on "$port" -At -F ' ' -f "$SCRIPTS/$workload.sql" 2>&1) || {
		echo "$out" >&2
		return 1
	}
	t1=$(date +%s%N)
	if grep -qE 'WARNING|ERROR' <<<"$out"; then
		echo "$out" >&2
		return 1
	fi
	tail -1 <<<"$out" | awk -v wall=$((t1 - t0)) '{ printf "%.3f %.3f\n", $1 / $2 / 1000, wall / $2 / 1000 }'
}

minimum() { sort -g | head -1; }

median() {
	sort -g | awk '{ a[NR] = $1 } END { if (NR % 2) print a[(NR + 1) / 2]; else printf "%.3f\n", (a[NR / 2] + a[NR / 2 + 1]) / 2 }'
}

echo "PostgreSQL $(psql_on "$PORT_WITH" -Atc 'SHOW server_version'), $(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "$REPS runs each; microseconds per statement, median server CPU (median wall clock);"
echo "overhead: of the median server CPU, and of the minimum (noise only ever adds)"
printf '%-12s %10s %20s %20s %10s %10s\n' workload statements "without library" "with library" overhead "(minimum)"
for workload in $WORKLOADS; do
	write_script "$workload"
	# warm-up, then alternate so that drift hits both sides alike
	run_once "$PORT_WITH" "$workload" >/dev/null
	run_once "$PORT_WITHOUT" "$workload" >/dev/null
	with=()
	without=()
	for ((r = 1; r <= REPS; r++)); do
		if ((r % 2)); then
			with+=("$(run_once "$PORT_WITH" "$workload")")
			without+=("$(run_once "$PORT_WITHOUT" "$workload")")
		else
			without+=("$(run_once "$PORT_WITHOUT" "$workload")")
			with+=("$(run_once "$PORT_WITH" "$workload")")
		fi
	done
	cw=$(printf '%s\n' "${with[@]}" | cut -d' ' -f1 | median)
	co=$(printf '%s\n' "${without[@]}" | cut -d' ' -f1 | median)
	ww=$(printf '%s\n' "${with[@]}" | cut -d' ' -f2 | median)
	wo=$(printf '%s\n' "${without[@]}" | cut -d' ' -f2 | median)
	mw=$(printf '%s\n' "${with[@]}" | cut -d' ' -f1 | minimum)
	mo=$(printf '%s\n' "${without[@]}" | cut -d' ' -f1 | minimum)
	ratio=$(awk -v a="$cw" -v b="$co" 'BEGIN { printf "%+.2f%%", (a / b - 1) * 100 }')
	ratio_min=$(awk -v a="$mw" -v b="$mo" 'BEGIN { printf "%+.2f%%", (a / b - 1) * 100 }')
	printf '%-12s %10d %20s %20s %10s %10s\n' "$workload" "$STATEMENTS" "$co ($wo)" "$cw ($ww)" "$ratio" "$ratio_min"
	if [ "$workload" = plpgsql ]; then plpgsql_with=$cw; fi
	echo "  runs without: ${without[*]}" >&2
	echo "  runs with:    ${with[*]}" >&2
done

# The profile: perf samples of one backend running the plpgsql loop with the
# library loaded, user space only (what an unprivileged user may record).
profile() {
	local dir="$SCRIPTS/profile" pid="" share i
	if [ "$PROFILE_STATEMENTS" -le 0 ] || ! command -v perf >/dev/null; then
		echo "profile: skipped (perf not installed, or MG_BENCH_PROFILE_STATEMENTS=0)"
		return 0
	fi
	mkdir -p "$dir"
	{
		echo "SELECT pg_backend_pid();"
		echo "SELECT pg_sleep(1);"
		echo "DO \$\$ BEGIN FOR i IN 1..$PROFILE_STATEMENTS LOOP EXECUTE 'SET application_name = ''mg_bench'''; END LOOP; END \$\$;"
	} >"$dir/loop.sql"
	psql_on "$PORT_WITH" -At -f "$dir/loop.sql" >"$dir/psql.out" 2>&1 &
	for ((i = 0; i < 100 && ${#pid} == 0; i++)); do
		sleep 0.05
		pid=$(head -1 "$dir/psql.out" 2>/dev/null || true)
	done
	if [ -z "$pid" ] || ! perf record -q -e cpu-clock:u -F 1999 -o "$dir/perf.data" -p "$pid" >"$dir/perf.log" 2>&1; then
		wait
		echo "profile: perf could not record the backend (see $dir/perf.log)"
		return 0
	fi
	wait
	share=$(perf report -i "$dir/perf.data" --stdio --sort dso 2>/dev/null |
		awk '$2 == "migration_guard.so" { sub("%", "", $1); print $1 }')
	echo "profile: ${share:-0}% of the backend's CPU samples in migration_guard.so, $PROFILE_STATEMENTS statements of the plpgsql workload"
	if [ -n "${plpgsql_with:-}" ]; then
		awk -v s="${share:-0}" -v us="$plpgsql_with" \
			'BEGIN { printf "profile: about %.0f ns of the %.0f ns of server CPU per statement\n", s / 100 * us * 1000, us * 1000 }'
	fi
}
profile
