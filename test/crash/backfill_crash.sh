#!/usr/bin/env bash
# test/crash/backfill_crash.sh -- a backfill survives kill -9 of its backend,
# an immediate server restart, pg_cancel_backend and pg_terminate_backend:
# each loses at most the batch in flight, never applies one twice, and a new
# CALL with the same arguments resumes from the cursor.  The final table is
# compared with what one UPDATE produces, with a counter column per job to
# prove "exactly once".  Prints TAP.
set -u

DB=bf_crash
ROWS=${MG_BF_CRASH_ROWS:-200000}
n=0
failed=0

ok() { n=$((n + 1)); echo "ok $n - $1"; }
not_ok() { n=$((n + 1)); failed=1; echo "not ok $n - $1"; }
psql_db() { "$MG_PGBIN/psql" -X -q -At -v ON_ERROR_STOP=1 -d "$DB" "$@"; }
q() { psql_db -c "$1" 2>/dev/null; }
is() { # is <got> <expected> <description>
	if [ "$1" = "$2" ]; then ok "$3"; else not_ok "$3 (got '$1', expected '$2')"; fi
}

wait_for_server() {
	local i
	for i in $(seq 1 120); do
		"$MG_PGBIN/psql" -X -q -At -d postgres -c 'SELECT 1' >/dev/null 2>&1 && return 0
		sleep 0.5
	done
	return 1
}

# Waits until backend $1 is gone (its psql runs in a command substitution's
# subshell, so "wait" cannot see it).
wait_backend_gone() {
	local i
	for i in $(seq 1 300); do
		[ "$(q "SELECT count(*) FROM pg_stat_activity WHERE pid = $1")" = 0 ] && return 0
		sleep 0.1
	done
	return 1
}

# Waits until file $1 contains string $2.
wait_for_output() {
	local i
	for i in $(seq 1 100); do
		grep -q "$2" "$1" 2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}

# Starts job $1 (set_clause $2) in the background; waits until it has done
# at least a tenth of the rows and prints its backend's PID.
start_job() {
	local name=$1 set=$2 i pid
	psql_db -c "CALL migration_guard.backfill('$name', 'crash', '$set', batch_size => 2000, target_batch_time => '0', pause => '30ms')" \
		>"$MG_WORK/bf_$name.out" 2>&1 &
	for i in $(seq 1 200); do
		pid=$(q "SELECT pid FROM migration_guard.backfills WHERE name = '$name' AND rows_done >= $ROWS / 10")
		if [ -n "$pid" ]; then echo "$pid"; return 0; fi
		sleep 0.1
	done
	return 1
}

# After an interruption: the job is interrupted and its cursor matches the
# rows updated exactly: every row up to the cursor once, none after it.
check_consistent() {
	local name=$1 col=$2 what=$3
	is "$(q "SELECT state FROM migration_guard.backfills WHERE name = '$name'")" interrupted \
		"$what: the job shows as interrupted"
	local done
	done=$(q "SELECT rows_done FROM migration_guard.backfills WHERE name = '$name'")
	if [ -n "$done" ] && [ "$done" -gt 0 ] && [ "$done" -lt "$ROWS" ]; then
		ok "$what: interrupted mid-job after $done rows"
	else
		not_ok "$what: interrupted mid-job (rows_done '$done')"
	fi
	is "$(q "SELECT count(*) FROM crash WHERE $col = 1")" "$done" \
		"$what: rows updated = rows_done recorded with the batches"
	is "$(q "SELECT count(*) FROM crash c, migration_guard.backfill_jobs j
	         WHERE j.name = '$name' AND ($col = 1) IS DISTINCT FROM (c.id <= j.cursor[1]::bigint)")" 0 \
		"$what: exactly the rows up to the cursor are updated"
	is "$(q "SELECT count(*) FROM crash WHERE $col > 1")" 0 "$what: no row updated twice"
}

resume_and_check() {
	local name=$1 set=$2 col=$3 what=$4
	if psql_db -c "SET client_min_messages = warning" \
		-c "CALL migration_guard.backfill('$name', 'crash', '$set', batch_size => 2000, target_batch_time => '0')" >/dev/null 2>&1; then
		ok "$what: the same CALL resumes and finishes"
	else
		not_ok "$what: the same CALL resumes and finishes"
	fi
	is "$(q "SELECT count(*) FROM crash WHERE $col = 1")" "$ROWS" "$what: every row updated exactly once"
	is "$(q "SELECT state FROM migration_guard.backfills WHERE name = '$name'")" done "$what: the job is done"
}

"$MG_PGBIN/psql" -X -q -d postgres -c "SET migration_guard.allow = 'drop_database'" -c "DROP DATABASE IF EXISTS $DB" -c "CREATE DATABASE $DB" >/dev/null 2>&1
psql_db -c "SET client_min_messages = error" -c "CREATE EXTENSION migration_guard" >/dev/null
psql_db >/dev/null <<SQL
SET migration_guard.mode = off;
CREATE TABLE crash (id bigint PRIMARY KEY, v integer, w integer,
                    n integer NOT NULL DEFAULT 0, m integer NOT NULL DEFAULT 0,
                    c integer NOT NULL DEFAULT 0, t integer NOT NULL DEFAULT 0);
INSERT INTO crash (id, v) SELECT g, g FROM generate_series(1, $ROWS) g;
-- what one UPDATE produces
CREATE TABLE reference AS SELECT * FROM crash;
UPDATE reference SET w = v * 3, n = n + 1;
ANALYZE crash;
SQL

# 1. kill -9 of the backend in the middle of the job
pid=$(start_job crash1 'w = v * 3, n = n + 1')
if [ -n "$pid" ]; then
	ok "kill -9: job running in backend $pid"
	activity=$(q "SELECT query FROM pg_stat_activity WHERE pid = $pid")
	case $activity in
		'migration_guard.backfill "crash1" on public.crash: '*'% done'*) ok "pg_stat_activity shows the job and its percent" ;;
		*) not_ok "pg_stat_activity shows the job and its percent (got '$activity')" ;;
	esac
	second=$(psql_db -c "CALL migration_guard.backfill('crash1', 'crash', 'w = v * 3, n = n + 1')" 2>&1)
	case $second in
		*"is already running in another session"*"Process $pid holds the job's lock."*) ok "a second session is refused, naming the holder's PID" ;;
		*) not_ok "a second session is refused, naming the holder's PID (got: $second)" ;;
	esac
	kill -9 "$pid"
	if wait_for_server; then ok "kill -9: server recovered"; else not_ok "kill -9: server recovered"; fi
	check_consistent crash1 n "kill -9"
	resume_and_check crash1 'w = v * 3, n = n + 1' n "kill -9"
	is "$(q "SELECT count(*) FROM crash c FULL JOIN reference r USING (id) WHERE (c.v, c.w, c.n) IS DISTINCT FROM (r.v, r.w, r.n)")" 0 \
		"kill -9: the table equals what one UPDATE produces"
else
	not_ok "kill -9: job running"
fi

# 2. immediate server restart in the middle of the job
pid=$(start_job crash2 'm = m + 1')
if [ -n "$pid" ]; then
	ok "restart: job running in backend $pid"
	"$MG_PGBIN/pg_ctl" -D "$PGDATA" -l "$MG_WORK/server.log" -m immediate -w restart >/dev/null 2>&1
	if wait_for_server; then ok "restart: server is back"; else not_ok "restart: server is back"; fi
	check_consistent crash2 m "restart"
	resume_and_check crash2 'm = m + 1' m "restart"
else
	not_ok "restart: job running"
fi

# 3. pg_cancel_backend
pid=$(start_job crash3 'c = c + 1')
if [ -n "$pid" ]; then
	ok "cancel: job running in backend $pid"
	q "SELECT pg_cancel_backend($pid)" >/dev/null
	wait_backend_gone "$pid"
	if wait_for_output "$MG_WORK/bf_crash3.out" 'canceling statement due to user request'; then
		ok "cancel: the CALL ends with the cancel error"
	else
		not_ok "cancel: the CALL ends with the cancel error ($(cat "$MG_WORK/bf_crash3.out"))"
	fi
	check_consistent crash3 c "cancel"
	resume_and_check crash3 'c = c + 1' c "cancel"
else
	not_ok "cancel: job running"
fi

# 4. pg_terminate_backend
pid=$(start_job crash4 't = t + 1')
if [ -n "$pid" ]; then
	ok "terminate: job running in backend $pid"
	q "SELECT pg_terminate_backend($pid)" >/dev/null
	wait_backend_gone "$pid"
	check_consistent crash4 t "terminate"
	resume_and_check crash4 't = t + 1' t "terminate"
else
	not_ok "terminate: job running"
fi

is "$(q "SELECT count(*) FROM crash WHERE (n, m, c, t) <> (1, 1, 1, 1)")" 0 "all four jobs applied exactly once to every row"

"$MG_PGBIN/psql" -X -q -d postgres -c "SET migration_guard.allow = 'drop_database'" -c "DROP DATABASE IF EXISTS $DB WITH (FORCE)" >/dev/null 2>&1
echo "1..$n"
exit $failed
