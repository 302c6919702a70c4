#!/usr/bin/env bash
# bench/backfill.sh -- batched backfill throughput and what it does to a
# concurrent workload.  Run by bench/run (make bench), which has started a
# cluster with the library preloaded (PGHOST/PGPORT point at it).
#
# Throughput: the same change (SET w = v * 2 on every row) applied to a
# fresh copy of the table by
#   - one UPDATE (the physical limit: one statement, one transaction),
#   - CALL migration_guard.backfill(...) at its default settings,
#   - the usual hand-written PL/pgSQL loop: UPDATE ... WHERE id > lo AND
#     id <= lo + 10000; COMMIT; (strong_migrations' batch of 10000).
#
# Latency: pgbench clients update random rows of the same table
# (SET n = n + 1 WHERE id = random) at a fixed rate while, in turn,
# nothing else runs, one UPDATE of every row runs, and the backfill runs.
# p50/p99/max come from pgbench's per-transaction log (schedule lag
# included, so a writer held up by a row lock counts for its whole wait).
#
# Sizes (environment):
#   MG_BENCH_ROWS          rows in the table               (default 2000000;
#                          docs/performance.md also reports 10000000)
#   MG_BENCH_CLIENTS       pgbench clients                 (default 4)
#   MG_BENCH_RATE          pgbench transactions per second (default 500)
#   MG_BENCH_SECONDS       pgbench seconds per scenario    (default: 1.5 x
#                          the longer of the UPDATE and the backfill, at least 10)
set -euo pipefail

ROWS=${MG_BENCH_ROWS:-2000000}
CLIENTS=${MG_BENCH_CLIENTS:-4}
RATE=${MG_BENCH_RATE:-500}

: "${MG_WORK:?run me through bench/run}" "${MG_PGBIN:?}" "${PGPORT:?}"
DB=bench_backfill
# Application sessions here wait for row locks as long as it takes (the
# test cluster's postgresql.conf sets a lock_timeout); the backfill sets its
# own per batch.
export PGOPTIONS="${PGOPTIONS:-} -c lock_timeout=0"
OUT="$MG_WORK/bench_backfill"
mkdir -p "$OUT"

psql_db() { "$MG_PGBIN/psql" -X -q -At -v ON_ERROR_STOP=1 -d "$DB" "$@"; }
now() { date +%s.%N; }
elapsed() { echo "$(now) - $1" | bc -l; }

"$MG_PGBIN/psql" -X -q -d postgres -c "SET migration_guard.allow = 'drop_database'" -c "DROP DATABASE IF EXISTS $DB" -c "CREATE DATABASE $DB" >/dev/null
psql_db -c "SET client_min_messages = error" -c "CREATE EXTENSION migration_guard" >/dev/null

# A fresh, vacuumed, checkpointed copy of the table for each measurement.
fresh_table() {
	psql_db >/dev/null <<SQL
SET migration_guard.mode = off;
SET client_min_messages = warning;
DROP TABLE IF EXISTS items;
CREATE TABLE items (id bigint PRIMARY KEY, v integer NOT NULL, w integer,
                    n integer NOT NULL DEFAULT 0, note text NOT NULL);
INSERT INTO items (id, v, note)
SELECT g, g % 100000, 'item ' || g || ' of the benchmark table' FROM generate_series(1, $ROWS) g;
VACUUM ANALYZE items;
DELETE FROM migration_guard.backfill_jobs;
CHECKPOINT;
SQL
}

single_update() { psql_db -c "UPDATE items SET w = v * 2" >/dev/null; }
backfill() {
	psql_db -c "SET client_min_messages = warning" \
		-c "CALL migration_guard.backfill('$1', 'items', 'w = v * 2')" >/dev/null
}
plpgsql_loop() {
	psql_db >/dev/null <<'SQL'
DO $$
DECLARE
    lo bigint := 0;
    top bigint;
BEGIN
    SELECT max(id) INTO top FROM items;
    WHILE lo < top LOOP
        UPDATE items SET w = v * 2 WHERE id > lo AND id <= lo + 10000;
        lo := lo + 10000;
        COMMIT;
    END LOOP;
END $$;
SQL
}

timed() { # timed <command...>: prints seconds
	local t0
	t0=$(now)
	"$@"
	elapsed "$t0"
}

echo "backfill benchmark: $ROWS rows, PostgreSQL $(psql_db -c 'SHOW server_version')"
echo

fresh_table
t_update=$(timed single_update)
fresh_table
t_backfill=$(timed backfill bench_throughput)
batches=$(psql_db -c "SELECT batches || ' batches, last size ' || batch_size FROM migration_guard.backfills WHERE name = 'bench_throughput'")
fresh_table
t_loop=$(timed plpgsql_loop)

printf '%-34s %10s %9s %11s %9s\n' "method" "rows" "seconds" "rows/s" "vs UPDATE"
row() {
	local rate
	rate=$(echo "$ROWS / $2" | bc -l)
	printf '%-34s %10d %9.2f %11.0f %8.0f%%\n' "$1" "$ROWS" "$2" "$rate" "$(echo "100 * $t_update / $2" | bc -l)"
}
row "single UPDATE" "$t_update"
row "migration_guard.backfill defaults" "$t_backfill"
row "PL/pgSQL loop, 10000 + COMMIT" "$t_loop"
echo "(backfill: $batches)"
echo

# ---------- concurrent writers ----------

# Long enough for the single UPDATE to finish inside the window (it runs
# slower with writers queued behind it); writers still blocked when the
# window closes are not in pgbench's log, so that row can only understate.
longest=$(echo "if ($t_update > $t_backfill) $t_update else $t_backfill" | bc -l)
SECONDS_PER=${MG_BENCH_SECONDS:-$(printf '%.0f' "$(echo "if ($longest < 7) 10 else $longest * 1.5" | bc -l)")}
cat >"$OUT/writer.sql" <<SQL
\set id random(1, $ROWS)
UPDATE items SET n = n + 1 WHERE id = :id;
SQL

# Runs the writers for SECONDS_PER seconds; prints "p50 p99 max tps" (ms).
writers() {
	local tag=$1 logs
	rm -f "$OUT"/log_"$tag"*
	"$MG_PGBIN/pgbench" -n -d "$DB" -f "$OUT/writer.sql" -c "$CLIENTS" -j "$CLIENTS" \
		-R "$RATE" -T "$SECONDS_PER" -l --log-prefix="$OUT/log_$tag" >"$OUT/pgbench_$tag.txt" 2>&1
	logs=("$OUT"/log_"$tag"*)
	# per-transaction log: client xact latency_us script epoch us lag_us;
	# with -R the latency a client sees is the schedule lag plus the run
	awk '{print ($3 + $7) / 1000.0}' "${logs[@]}" | sort -n | awk -v secs="$SECONDS_PER" '
		{ v[NR] = $1 }
		END {
			if (NR == 0) { print "- - - 0"; exit }
			p50 = v[int((NR - 1) * 0.50) + 1]; p99 = v[int((NR - 1) * 0.99) + 1]
			printf "%.2f %.2f %.2f %.0f\n", p50, p99, v[NR], NR / secs
		}'
}

fresh_table
lat_none=$(writers none)

psql_db -c "VACUUM items" >/dev/null
(sleep 1; single_update) &
upd=$!
lat_update=$(writers update)
wait $upd

psql_db -c "VACUUM items" >/dev/null
(sleep 1; backfill bench_latency) &
bf=$!
lat_backfill=$(writers backfill)
wait $bf
bf_state=$(psql_db -c "SELECT batches || ' batches, ' || rows_per_second || ' rows/s, last size ' || batch_size FROM migration_guard.backfills WHERE name = 'bench_latency'")

echo "concurrent writers: $CLIENTS pgbench clients at $RATE tx/s, UPDATE items SET n = n + 1 WHERE id = random, ${SECONDS_PER}s each"
printf '%-26s %9s %9s %10s %7s\n' "while running" "p50 ms" "p99 ms" "max ms" "tx/s"
lrow() { read -r p50 p99 max tps <<<"$2"; printf '%-26s %9s %9s %10s %7s\n' "$1" "$p50" "$p99" "$max" "$tps"; }
lrow "nothing" "$lat_none"
lrow "single UPDATE" "$lat_update"
lrow "migration_guard.backfill" "$lat_backfill"
for tag in none update backfill; do
	echo "  pgbench ($tag): $(grep -hE 'processed|failed|aborted' "$OUT/pgbench_$tag.txt" | tr -s ' \n' ' ')"
done
echo "(backfill under load: $bf_state)"

read -r _ p99_none _ _ <<<"$lat_none"
read -r _ p99_bf _ _ <<<"$lat_backfill"
echo
echo "targets: backfill >= 70% of single-UPDATE rows/s: $(echo "100 * $t_update / $t_backfill" | bc -l | xargs printf '%.0f')%;" \
	"p99 during backfill <= 2x baseline: $(echo "$p99_bf / $p99_none" | bc -l | xargs printf '%.2f')x"

"$MG_PGBIN/psql" -X -q -d postgres -c "SET migration_guard.allow = 'drop_database'" -c "DROP DATABASE IF EXISTS $DB WITH (FORCE)" >/dev/null 2>&1 || true
