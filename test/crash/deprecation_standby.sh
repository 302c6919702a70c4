#!/usr/bin/env bash
# test/crash/deprecation_standby.sh -- a hot standby counts the uses of
# deprecated objects by its own queries (which the primary never sees),
# picks up a deprecation when it is replayed, lets the DBA read and reset
# its counters, and refuses to change the list.  The deploy check of
# docs/deprecation.md finds the standby's use before the primary's drop.
# Runs its own primary and a streaming standby.  Prints TAP.
set -u
source "$MG_ROOT/test/lib/tap.sh"

PPORT=$((PGPORT + 22))
SPORT=$((PGPORT + 23))
PDATA="$MG_WORK/dep_primary"
SDATA="$MG_WORK/dep_standby"
pq() { "$MG_PGBIN/psql" -X -q -At -p "$PPORT" -d postgres -c "$1" 2>&1; }
sq() { "$MG_PGBIN/psql" -X -q -At -p "$SPORT" -d postgres -c "$1" 2>&1; }
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
	"$MG_PGBIN/pg_ctl" -D "$SDATA" -m immediate -w stop >/dev/null 2>&1
	"$MG_PGBIN/pg_ctl" -D "$PDATA" -m immediate -w stop >/dev/null 2>&1
	rm -rf "$SDATA" "$PDATA"
}
trap cleanup EXIT

rm -rf "$PDATA" "$SDATA"
start_extra_cluster dep_primary "$PPORT" "shared_preload_libraries = 'migration_guard'" "wal_level = replica"
ok $? "the primary is running"
pq "CREATE EXTENSION migration_guard" >/dev/null
pq "CREATE TABLE t (id int PRIMARY KEY, old text, later text)" >/dev/null
pq "INSERT INTO t VALUES (1, 'x', 'y')" >/dev/null
pq "SELECT migration_guard.deprecate('t', 'old', 'moved to t2')" >/dev/null

"$MG_PGBIN/pg_basebackup" -p "$PPORT" -D "$SDATA" -R -X stream >/dev/null 2>&1 &&
	sed -i "s/^port = .*/port = $SPORT/" "$SDATA/postgresql.conf" &&
	"$MG_PGBIN/pg_ctl" -D "$SDATA" -l "$SDATA.log" -w start >/dev/null 2>&1
ok $? "a streaming standby is running"
is "$(sq "SELECT in_recovery, active FROM migration_guard.deprecation_tracking()")" "t|t" "the standby tracks usage during recovery"

sq "SELECT old FROM t" >/dev/null
sq "SELECT * FROM t" >/dev/null
is "$(sq "SELECT uses FROM migration_guard.deprecations WHERE column_name = 'old'")" 2 "the standby counts its own queries"
is "$(sq "SELECT reason FROM migration_guard.deprecations WHERE column_name = 'old'")" "moved to t2" "the list arrived by replication"
is "$(pq "SELECT uses FROM migration_guard.deprecations WHERE column_name = 'old'")" 0 "the primary never saw them"

# A deprecation made while a standby session is open reaches that session.
"$MG_PGBIN/psql" -X -q -At -p "$SPORT" -d postgres >"$MG_WORK/dep_standby_session.out" 2>&1 <<'SQL' &
SELECT later FROM t;
SELECT pg_sleep(4);
SELECT later FROM t;
SQL
session=$!
sleep 1
pq "SELECT migration_guard.deprecate('t', 'later')" >/dev/null
replayed() { [ "$(sq "SELECT count(*) FROM migration_guard.deprecated_objects WHERE attname = 'later'")" = 1 ]; }
wait_until 20 replayed
ok $? "the new deprecation is replayed"
wait "$session"
is "$(sq "SELECT uses FROM migration_guard.deprecations WHERE column_name = 'later'")" 1 \
	"an open standby session counts uses once the deprecation is replayed (and not before)"

# The DBA reads the standby's usage; the deploy check of docs/deprecation.md finds it.
like "$(sq "SELECT recent_users -> 0 ->> 'role' FROM migration_guard.deprecations WHERE column_name = 'old'")" '^postgres$' \
	"the standby names who used it"
check="SELECT object FROM migration_guard.deprecations WHERE last_use > now() - current_setting('migration_guard.deprecation_quiet_period')::interval OR evidence_since > now() - current_setting('migration_guard.deprecation_quiet_period')::interval ORDER BY 1"
is "$(sq "$check" | tr '\n' ' ')" "t.later t.old " "the deploy check on the standby lists both columns"
# the primary alone would let a quiet drop through: that is why the deploy checks every node
sleep 1.2
is "$(pq "SET lock_timeout = '2s'; SET migration_guard.deprecation_quiet_period = '1s'; BEGIN; ALTER TABLE t DROP COLUMN old; ROLLBACK;")" "" \
	"the primary, seeing no use, would pass the drop"

# The list is the primary's; counters are each node's own.
like "$(sq "SELECT migration_guard.deprecate('t', 'id')")" "cannot execute deprecate\(\) during recovery" \
	"deprecate() is refused on a standby"
is "$(sq "SELECT migration_guard.reset_deprecated_usage('t', 'old')")" 1 "the DBA resets the standby's counters there"
is "$(sq "SELECT uses FROM migration_guard.deprecations WHERE column_name = 'old'")" 0 "reset"

done_testing
