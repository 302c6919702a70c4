#!/usr/bin/env bash
# bench/hook_overhead.sh -- what the ProcessUtility hook adds to a utility
# statement.  Run by bench/run (make bench), which has started a cluster
# with migration_guard preloaded (PGHOST/PGPORT point at it).  This script
# starts a second cluster from the same binaries with the same settings but
# shared_preload_libraries = '', runs the same pgbench scripts against both,
# alternating, and prints the median time per statement and the ratio.
#
# Workloads (each statement goes through ProcessUtility):
#   passthrough  SET / SHOW / LISTEN / UNLISTEN / RESET sent by pgbench: no
#                rule concerns them, the hook only tests the statement type
#   plpgsql      the same kind of statement (SET) run by a PL/pgSQL loop with
#                EXECUTE: no client round trip, so the hook's share of each
#                statement is as large as it gets
#   judged       CREATE TABLE, CREATE INDEX on it (created in this
#                transaction: exempt), ALTER TABLE ... ADD COLUMN and
#                ALTER COLUMN ... SET DEFAULT on a small existing table;
#                every statement is judged by the rules, none is refused
#
# Sizes (environment):
#   MG_BENCH_STATEMENTS   statements per run and workload   (default 20000)
#   MG_BENCH_REPS         runs per workload and cluster     (default 7)
#   MG_BENCH_WORKLOADS    which workloads                   (default all)
#   MG_BENCH_MODES        pgbench -M protocols for passthrough (default "simple prepared")
set -euo pipefail

STATEMENTS=${MG_BENCH_STATEMENTS:-20000}
REPS=${MG_BENCH_REPS:-7}
WORKLOADS=${MG_BENCH_WORKLOADS:-"passthrough plpgsql judged"}
MODES=${MG_BENCH_MODES:-"simple prepared"}

: "${MG_WORK:?run me through bench/run}" "${MG_PGBIN:?}" "${PGPORT:?}"
PORT_WITH=$PGPORT
PORT_WITHOUT=$((PGPORT + 1))
DATA2="$MG_WORK/data2"
SCRIPTS="$MG_WORK/bench_hook_overhead"
mkdir -p "$SCRIPTS"

stop_second() {
	[ -f "$DATA2/postmaster.pid" ] && "$MG_PGBIN/pg_ctl" -D "$DATA2" -m fast -w stop >/dev/null 2>&1 || true
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

psql_on() { local port=$1; shift; "$MG_PGBIN/psql" -X -q -v ON_ERROR_STOP=1 -p "$port" -d postgres "$@"; }

loaded=$(psql_on "$PORT_WITH" -Atc "SELECT current_setting('shared_preload_libraries')")
unloaded=$(psql_on "$PORT_WITHOUT" -Atc "SELECT current_setting('shared_preload_libraries')")
[[ $loaded == *migration_guard* && $unloaded != *migration_guard* ]] || {
	echo "expected the library preloaded on port $PORT_WITH only (got '$loaded' / '$unloaded')" >&2
	exit 1
}

# The same schema on both; the extension only where the library is loaded.
for port in "$PORT_WITH" "$PORT_WITHOUT"; do
	psql_on "$port" <<'SQL'
SET client_min_messages = warning;
DROP TABLE IF EXISTS mg_bench_small;
CREATE TABLE mg_bench_small (id bigint PRIMARY KEY, v text);
INSERT INTO mg_bench_small SELECT g, 'v' || g FROM generate_series(1, 1000) g;
SQL
done
psql_on "$PORT_WITH" -c "SET client_min_messages = error" -c "CREATE EXTENSION IF NOT EXISTS migration_guard" >/dev/null

# passthrough: 5 statements per pgbench transaction
cat >"$SCRIPTS/passthrough.sql" <<'SQL'
SET application_name = 'mg_bench';
SHOW application_name;
LISTEN mg_bench;
UNLISTEN mg_bench;
RESET application_name;
SQL
# judged: 4 judged statements per transaction, in a transaction that is
# rolled back so every iteration starts from the same catalog
cat >"$SCRIPTS/judged.sql" <<'SQL'
BEGIN;
CREATE TABLE mg_bench_new (id bigint, v text);
CREATE INDEX ON mg_bench_new (v);
ALTER TABLE mg_bench_small ADD COLUMN c text;
ALTER TABLE mg_bench_small ALTER COLUMN v SET DEFAULT 'x';
ROLLBACK;
SQL
# plpgsql: one pgbench transaction running every statement
echo "DO \$\$ BEGIN FOR i IN 1..$STATEMENTS LOOP EXECUTE 'SET application_name = ''mg_bench'''; END LOOP; END \$\$;" \
	>"$SCRIPTS/plpgsql.sql"
# statements per pgbench transaction: all of them, and the judged ones
declare -A PER_TXN=([passthrough]=5 [plpgsql]=$STATEMENTS [judged]=6)
declare -A JUDGED_PER_TXN=([passthrough]=5 [plpgsql]=$STATEMENTS [judged]=4)

# One pgbench run; prints microseconds per statement.
run_once() {
	local port=$1 workload=$2 mode=$3 txns out tps
	txns=$(((STATEMENTS + JUDGED_PER_TXN[$workload] - 1) / JUDGED_PER_TXN[$workload]))
	# lock_timeout keeps the lock_timeout rule quiet on the ALTER TABLEs;
	# both clusters get the same setting.
	out=$(PGOPTIONS="-c lock_timeout=1s" "$MG_PGBIN/pgbench" -n -c 1 -t "$txns" -M "$mode" \
		-f "$SCRIPTS/$workload.sql" -p "$port" postgres 2>&1) || {
		echo "$out" >&2
		return 1
	}
	if grep -qE 'WARNING|ERROR' <<<"$out"; then
		echo "$out" >&2
		return 1
	fi
	tps=$(sed -n 's/^tps = \([0-9.]*\) (without initial connection time)/\1/p' <<<"$out")
	awk -v tps="$tps" -v n="${PER_TXN[$workload]}" 'BEGIN { printf "%.3f\n", 1e6 / tps / n }'
}

median() { sort -g | awk '{ a[NR] = $1 } END { if (NR % 2) print a[(NR + 1) / 2]; else printf "%.3f\n", (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }

echo "PostgreSQL $(psql_on "$PORT_WITH" -Atc 'SHOW server_version'), $(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "median of $REPS runs each, microseconds per statement"
printf '%-12s %-9s %10s %14s %14s %9s\n' workload protocol statements "without (us)" "with (us)" overhead
for workload in $WORKLOADS; do
	modes=$MODES
	[ "$workload" = passthrough ] || modes=simple
	for mode in $modes; do
		# warm-up, then alternate so that drift hits both sides alike
		run_once "$PORT_WITH" "$workload" "$mode" >/dev/null
		run_once "$PORT_WITHOUT" "$workload" "$mode" >/dev/null
		with=()
		without=()
		for ((r = 1; r <= REPS; r++)); do
			if ((r % 2)); then
				with+=("$(run_once "$PORT_WITH" "$workload" "$mode")")
				without+=("$(run_once "$PORT_WITHOUT" "$workload" "$mode")")
			else
				without+=("$(run_once "$PORT_WITHOUT" "$workload" "$mode")")
				with+=("$(run_once "$PORT_WITH" "$workload" "$mode")")
			fi
		done
		mw=$(printf '%s\n' "${with[@]}" | median)
		mo=$(printf '%s\n' "${without[@]}" | median)
		ratio=$(awk -v a="$mw" -v b="$mo" 'BEGIN { printf "%+.2f%%", (a / b - 1) * 100 }')
		printf '%-12s %-9s %10d %14s %14s %9s\n' "$workload" "$mode" "$STATEMENTS" "$mo" "$mw" "$ratio"
		echo "  runs without: ${without[*]}" >&2
		echo "  runs with:    ${with[*]}" >&2
	done
done
