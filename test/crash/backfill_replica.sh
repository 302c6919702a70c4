#!/usr/bin/env bash
# test/crash/backfill_replica.sh -- a backfill holds (never fails) while a
# streaming standby's replay lag exceeds max_replication_lag, reports
# "held" with the standby's name, and continues once the standby catches
# up.  Builds a standby with pg_basebackup, pauses its replay to make it
# lag, and removes it afterwards.  Prints TAP.
set -u

DB=bf_replica
SPORT=$((PGPORT + 11))
SDATA="$MG_WORK/bf_standby"
n=0
failed=0

ok() { n=$((n + 1)); echo "ok $n - $1"; }
not_ok() { n=$((n + 1)); failed=1; echo "not ok $n - $1"; }
q() { "$MG_PGBIN/psql" -X -q -At -d "$DB" -c "$1" 2>/dev/null; }
sq() { "$MG_PGBIN/psql" -X -q -At -p "$SPORT" -d postgres -c "$1" 2>/dev/null; }
wait_until() { # wait_until <seconds> <command...>
	local end=$((SECONDS + $1))
	shift
	while [ $SECONDS -lt $end ]; do
		"$@" && return 0
		sleep 0.2
	done
	return 1
}
cleanup() {
	[ -f "$SDATA/postmaster.pid" ] && "$MG_PGBIN/pg_ctl" -D "$SDATA" -m immediate -w stop >/dev/null 2>&1
	rm -rf "$SDATA"
	"$MG_PGBIN/psql" -X -q -d postgres -c "SET migration_guard.allow = 'drop_database'" -c "DROP DATABASE IF EXISTS $DB WITH (FORCE)" >/dev/null 2>&1
}
trap cleanup EXIT

"$MG_PGBIN/psql" -X -q -d postgres -c "SET migration_guard.allow = 'drop_database'" -c "DROP DATABASE IF EXISTS $DB" -c "CREATE DATABASE $DB" >/dev/null 2>&1
q "SET client_min_messages = error; CREATE EXTENSION migration_guard" >/dev/null
"$MG_PGBIN/psql" -X -q -d "$DB" >/dev/null <<'SQL'
SET migration_guard.mode = off;
CREATE TABLE lagged (id bigint PRIMARY KEY, v integer, n integer NOT NULL DEFAULT 0);
INSERT INTO lagged (id, v) SELECT g, g FROM generate_series(1, 50000) g;
CREATE TABLE churn (x integer);
SQL

rm -rf "$SDATA"
if "$MG_PGBIN/pg_basebackup" -D "$SDATA" -R -X stream >/dev/null 2>&1 &&
	echo "port = $SPORT" >>"$SDATA/postgresql.conf" &&
	"$MG_PGBIN/pg_ctl" -D "$SDATA" -l "$MG_WORK/bf_standby.log" -w start >/dev/null 2>&1; then
	ok "a streaming standby is running"
else
	not_ok "a streaming standby is running"
	echo "1..$n"
	exit 1
fi

sq "SELECT pg_wal_replay_pause()" >/dev/null
lagging() {
	q "INSERT INTO churn VALUES (1)" >/dev/null
	[ "$(q "SELECT coalesce(max(replay_lag) > interval '1s', false) FROM pg_stat_replication")" = t ]
}
if wait_until 30 lagging; then ok "the standby's replay lag exceeds 1 s"; else not_ok "the standby's replay lag exceeds 1 s"; fi

"$MG_PGBIN/psql" -X -q -d "$DB" -c "SET client_min_messages = warning" \
	-c "CALL migration_guard.backfill('lag', 'lagged', 'n = n + 1', max_replication_lag => '500ms')" \
	>"$MG_WORK/bf_lag.out" 2>&1 &
job=$!

held() { [ "$(q "SELECT state FROM migration_guard.backfills WHERE name = 'lag'")" = held ]; }
if wait_until 20 held; then ok "the job holds while the standby lags"; else not_ok "the job holds while the standby lags"; fi
reason=$(q "SELECT reason FROM migration_guard.backfills WHERE name = 'lag'")
case $reason in
	'replica "'*'" replay lag '*' exceeds max_replication_lag 500 ms') ok "the reason names the standby and both lags ($reason)" ;;
	*) not_ok "the reason names the standby and both lags (got '$reason')" ;;
esac
sleep 2
if [ "$(q "SELECT state || '/' || rows_done FROM migration_guard.backfills WHERE name = 'lag'")" = held/0 ] &&
	kill -0 "$job" 2>/dev/null; then
	ok "still held two seconds later, nothing written, the CALL still waiting"
else
	not_ok "still held two seconds later, nothing written, the CALL still waiting"
fi

sq "SELECT pg_wal_replay_resume()" >/dev/null
if wait "$job"; then ok "the CALL finishes once the standby catches up"; else not_ok "the CALL finishes once the standby catches up ($(cat "$MG_WORK/bf_lag.out"))"; fi
if [ "$(q "SELECT state || '/' || rows_done FROM migration_guard.backfills WHERE name = 'lag'")" = done/50000 ] &&
	[ "$(q "SELECT count(*) FROM lagged WHERE n = 1")" = 50000 ]; then
	ok "the job is done: every row updated once"
else
	not_ok "the job is done: every row updated once"
fi

echo "1..$n"
exit $failed
