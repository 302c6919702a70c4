#!/usr/bin/env bash
# bench/lock_queue.sh -- what a queued ALTER TABLE does to the readers of a
# table, with the guard's automatic lock_timeout and retries and without.
# Run by bench/run (make bench), which has started a cluster with the
# library preloaded (PGHOST/PGPORT point at it).
#
# Scenario, run once per mode while pgbench runs a select-only load on the
# table (primary-key lookups, one per transaction, every client busy):
#   t = LONG_AT    a long transaction reads the table and stays open for
#                  LONG_FOR seconds (a report, a stuck client, a slow job)
#   t = MIGRATE_AT a migration runs ALTER TABLE ... ADD COLUMN, which needs
#                  ACCESS EXCLUSIVE and so queues behind the long transaction
# Modes:
#   guard      lock_timeout 0 in the migration's session; the guard applies
#              migration_guard.lock_timeout and retries with backoff
#   no_guard   the lock_timeout rule deliberately allowed and no timeout:
#              what happens without the guard
# Printed per mode: the readers' transactions, their median, p99, p99.9 and
# maximum latency, how many took longer than 100 ms, and when the migration
# completed (seconds after it started) and after how many attempts.
#
# Sizes (environment):
#   MG_BENCH_ROWS          rows in the table                  (default 100000)
#   MG_BENCH_CLIENTS       pgbench clients                    (default 8)
#   MG_BENCH_SECONDS       length of each pgbench run         (default 14)
#   MG_BENCH_LONG_FOR      how long the long transaction runs (default 5)
#   MG_BENCH_LOCK_TIMEOUT  migration_guard.lock_timeout        (default 200ms)
#   MG_BENCH_RETRIES       migration_guard.lock_retries        (default 50)
#   MG_BENCH_RETRY_DELAY   migration_guard.lock_retry_delay    (default 100ms)
#   MG_BENCH_RETRY_MAX     migration_guard.lock_retry_max_delay (default 1s)
#   MG_BENCH_MODES         which modes                        (default "guard no_guard")
set -euo pipefail

ROWS=${MG_BENCH_ROWS:-100000}
CLIENTS=${MG_BENCH_CLIENTS:-8}
SECONDS_RUN=${MG_BENCH_SECONDS:-14}
LONG_FOR=${MG_BENCH_LONG_FOR:-5}
LOCK_TIMEOUT=${MG_BENCH_LOCK_TIMEOUT:-200ms}
RETRIES=${MG_BENCH_RETRIES:-50}
RETRY_DELAY=${MG_BENCH_RETRY_DELAY:-100ms}
RETRY_MAX=${MG_BENCH_RETRY_MAX:-1s}
MODES=${MG_BENCH_MODES:-"guard no_guard"}
LONG_AT=3
MIGRATE_AT=4

: "${MG_WORK:?run me through bench/run}" "${MG_PGBIN:?}" "${PGPORT:?}"
PSQL=("$MG_PGBIN/psql" -qAtX -v ON_ERROR_STOP=1)
# Readers and the long transaction wait as applications do: without a lock
# timeout (the test cluster's postgresql.conf sets one).
export PGOPTIONS="-c lock_timeout=0"

DIR="$MG_WORK/lock_queue"
mkdir -p "$DIR"

cat >"$DIR/select.sql" <<SQL
\set id random(1, $ROWS)
SELECT v FROM lq_bench WHERE id = :id;
SQL

setup_table() {
	"${PSQL[@]}" <<SQL
SET client_min_messages = warning;
SET migration_guard.mode = off;
DROP TABLE IF EXISTS lq_bench;
CREATE TABLE lq_bench (id bigint PRIMARY KEY, v text NOT NULL);
INSERT INTO lq_bench SELECT g, md5(g::text) FROM generate_series(1, $ROWS) g;
VACUUM ANALYZE lq_bench;
SQL
}

# The migration's session; prints "<seconds> <attempts> <status>".
migrate() {
	local mode=$1 settings start end out status
	if [ "$mode" = guard ]; then
		settings="SET lock_timeout = 0;
SET migration_guard.lock_timeout = '$LOCK_TIMEOUT';
SET migration_guard.lock_retries = $RETRIES;
SET migration_guard.lock_retry_delay = '$RETRY_DELAY';
SET migration_guard.lock_retry_max_delay = '$RETRY_MAX';"
	else
		settings="SET lock_timeout = 0;
SET migration_guard.lock_timeout = '';
SET migration_guard.allow = 'lock_timeout';"
	fi
	start=$(date +%s.%N)
	if out=$("$MG_PGBIN/psql" -X -v ON_ERROR_STOP=1 2>&1 <<SQL
$settings
ALTER TABLE lq_bench ADD COLUMN added int;
SQL
	); then status=done; else status=failed; fi
	end=$(date +%s.%N)
	printf '%s %s %s\n' "$(awk -v a="$start" -v b="$end" 'BEGIN {printf "%.3f", b - a}')" \
		"$(( $(grep -c 'retrying (' <<<"$out" || true) + 1 ))" "$status"
}

run_mode() {
	local mode=$1 logdir="$DIR/$1" pgbench_pid
	rm -rf "$logdir"
	mkdir -p "$logdir"
	setup_table
	(cd "$logdir" && "$MG_PGBIN/pgbench" -n -c "$CLIENTS" -j "$CLIENTS" -T "$SECONDS_RUN" \
		-f "$DIR/select.sql" -l >"$logdir/pgbench.out" 2>&1) &
	pgbench_pid=$!
	sleep "$LONG_AT"
	"${PSQL[@]}" -c "BEGIN; SELECT count(*) FROM lq_bench; SELECT pg_sleep($LONG_FOR); COMMIT;" \
		>/dev/null 2>&1 &
	sleep $((MIGRATE_AT - LONG_AT))
	migrate "$mode" >"$logdir/migration"
	if ! wait "$pgbench_pid"; then
		echo "pgbench failed:" >&2
		tail -5 "$logdir/pgbench.out" >&2
	fi
	wait || true
	# pgbench -l: client, transaction, latency (us), script, epoch, us
	cat "$logdir"/pgbench_log.* | awk '{print $3}' | sort -n >"$logdir/latencies"
	local n p50 p99 p999 max slow
	n=$(wc -l <"$logdir/latencies")
	p50=$(awk -v n="$n" 'NR == int(n * 0.50) + 1 {printf "%.2f", $1 / 1000}' "$logdir/latencies")
	p99=$(awk -v n="$n" 'NR == int(n * 0.99) + 1 {printf "%.2f", $1 / 1000}' "$logdir/latencies")
	p999=$(awk -v n="$n" 'NR == int(n * 0.999) + 1 {printf "%.2f", $1 / 1000}' "$logdir/latencies")
	max=$(tail -1 "$logdir/latencies" | awk '{printf "%.1f", $1 / 1000}')
	slow=$(awk '$1 > 100000' "$logdir/latencies" | wc -l)
	read -r mig_s attempts status <"$logdir/migration"
	printf '| %-8s | %9d | %7s | %7s | %8s | %8s | %7d | %-6s %6.2f s | %8d |\n' \
		"$mode" "$n" "$p50" "$p99" "$p999" "$max" "$slow" "$status" "$mig_s" "$attempts"
}

echo "table: $ROWS rows; $CLIENTS pgbench clients, select-only, ${SECONDS_RUN} s per mode"
echo "long transaction: opens at ${LONG_AT} s, holds ACCESS SHARE for ${LONG_FOR} s; ALTER TABLE at ${MIGRATE_AT} s"
echo "guard: migration_guard.lock_timeout = $LOCK_TIMEOUT, lock_retries = $RETRIES, lock_retry_delay = $RETRY_DELAY, lock_retry_max_delay = $RETRY_MAX"
echo
echo "| mode     | reader tx |  p50 ms |  p99 ms | p99.9 ms |   max ms | >100 ms | migration         | attempts |"
echo "|----------|-----------|---------|---------|----------|----------|---------|-------------------|----------|"
for mode in $MODES; do
	run_mode "$mode"
done
"${PSQL[@]}" -c "SET migration_guard.mode = off; DROP TABLE IF EXISTS lq_bench;" >/dev/null
