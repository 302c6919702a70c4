#!/usr/bin/env bash
# test/crash/backfill_control.sh -- pause, resume and cancel a running
# backfill from another session: the job stops after its batch, reports
# "paused" (and waits inside its CALL), continues after backfill_resume,
# and after backfill_cancel ends its CALL with MG024 leaving every
# committed batch applied exactly once.  Prints TAP.
set -u

DB=bf_control
n=0
failed=0

ok() { n=$((n + 1)); echo "ok $n - $1"; }
not_ok() { n=$((n + 1)); failed=1; echo "not ok $n - $1"; }
q() { "$MG_PGBIN/psql" -X -q -At -d "$DB" -c "$1" 2>/dev/null; }
field() { q "SELECT $1 FROM migration_guard.backfills WHERE name = 'ctl'"; }
wait_until() { # wait_until <seconds> <command...>
	local end=$((SECONDS + $1))
	shift
	while [ $SECONDS -lt $end ]; do
		"$@" && return 0
		sleep 0.1
	done
	return 1
}
state_is() { [ "$(field state)" = "$1" ]; }
rows_above() { [ "$(field rows_done)" -gt "$1" ] 2>/dev/null; }

"$MG_PGBIN/psql" -X -q -d postgres -c "SET migration_guard.allow = 'drop_database'" -c "DROP DATABASE IF EXISTS $DB" -c "CREATE DATABASE $DB" >/dev/null 2>&1
q "SET client_min_messages = error; CREATE EXTENSION migration_guard" >/dev/null
"$MG_PGBIN/psql" -X -q -d "$DB" >/dev/null <<'SQL'
SET migration_guard.mode = off;
CREATE TABLE ctl (id bigint PRIMARY KEY, v integer, n integer NOT NULL DEFAULT 0);
INSERT INTO ctl (id, v) SELECT g, g FROM generate_series(1, 100000) g;
SQL

"$MG_PGBIN/psql" -X -q -d "$DB" \
	-c "CALL migration_guard.backfill('ctl', 'ctl', 'n = n + 1', batch_size => 500, target_batch_time => '0', pause => '50ms')" \
	>"$MG_WORK/bf_ctl.out" 2>&1 &
job=$!

if wait_until 20 rows_above 0; then ok "the job is running"; else not_ok "the job is running"; fi
pid=$(field pid)

q "SELECT migration_guard.backfill_pause('ctl')" >/dev/null
if wait_until 10 state_is paused; then ok "backfill_pause: the running job reports paused"; else not_ok "backfill_pause: the running job reports paused (state $(field state))"; fi
before=$(field rows_done)
sleep 1.5
after=$(field rows_done)
if [ "$before" = "$after" ] && kill -0 "$job" 2>/dev/null; then
	ok "paused: no batch runs, and the CALL waits ($after rows)"
else
	not_ok "paused: no batch runs, and the CALL waits ($before then $after rows)"
fi
activity=$(q "SELECT query FROM pg_stat_activity WHERE pid = $pid")
case $activity in
	*'"ctl"'*': paused, '*) ok "pg_stat_activity shows the job paused" ;;
	*) not_ok "pg_stat_activity shows the job paused (got '$activity')" ;;
esac
if [ "$(q "SELECT count(*) FROM ctl WHERE n = 1")" = "$after" ]; then
	ok "paused: the rows updated match rows_done"
else
	not_ok "paused: the rows updated match rows_done"
fi

q "SELECT migration_guard.backfill_resume('ctl')" >/dev/null
if wait_until 10 rows_above "$after"; then ok "backfill_resume: the job continues"; else not_ok "backfill_resume: the job continues"; fi
if state_is running; then ok "resumed: state running"; else not_ok "resumed: state running (got $(field state))"; fi

q "SELECT migration_guard.backfill_cancel('ctl')" >/dev/null
if wait "$job"; then
	not_ok "backfill_cancel: the CALL fails"
else
	ok "backfill_cancel: the CALL fails"
fi
if grep -q 'ERROR:  backfill "ctl" was cancelled' "$MG_WORK/bf_ctl.out"; then
	ok "the CALL's error says the job was cancelled"
else
	not_ok "the CALL's error says the job was cancelled ($(cat "$MG_WORK/bf_ctl.out"))"
fi
if state_is cancelled; then ok "the job shows as cancelled"; else not_ok "the job shows as cancelled (got $(field state))"; fi
done_rows=$(field rows_done)
if [ "$done_rows" -lt 100000 ] && [ "$(q "SELECT count(*) FROM ctl WHERE n = 1")" = "$done_rows" ] &&
	[ "$(q "SELECT count(*) FROM ctl WHERE n > 1")" = 0 ]; then
	ok "cancelled: the committed batches stay, each row once ($done_rows rows)"
else
	not_ok "cancelled: the committed batches stay, each row once ($done_rows rows)"
fi
if ! q "SELECT migration_guard.assert_backfill_done('ctl')" >/dev/null; then
	ok "assert_backfill_done refuses a cancelled job"
else
	not_ok "assert_backfill_done refuses a cancelled job"
fi

"$MG_PGBIN/psql" -X -q -d postgres -c "SET migration_guard.allow = 'drop_database'" -c "DROP DATABASE IF EXISTS $DB WITH (FORCE)" >/dev/null 2>&1
echo "1..$n"
exit $failed
