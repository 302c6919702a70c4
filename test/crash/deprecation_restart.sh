#!/usr/bin/env bash
# test/crash/deprecation_restart.sh -- usage counters of deprecated objects
# survive a clean restart (saved at shutdown, loaded at start) and are lost
# on a crash, where the quiet period starts again: no drop passes on
# missing evidence.  Runs its own cluster.  Prints TAP.
set -u
source "$MG_ROOT/test/lib/tap.sh"

NAME=dep_restart
PORT=$((PGPORT + 21))
DATA="$MG_WORK/$NAME"
q() { "$MG_PGBIN/psql" -X -q -At -p "$PORT" -d postgres -c "$1" 2>&1; }
qs() { "$MG_PGBIN/psql" -X -q -At -p "$PORT" -d postgres -c "SET client_min_messages = error" -c "$1" 2>&1; }
up() {
	local i
	for i in $(seq 1 120); do
		"$MG_PGBIN/psql" -X -q -At -p "$PORT" -d postgres -c 'SELECT 1' >/dev/null 2>&1 && return 0
		sleep 0.5
	done
	return 1
}
cleanup() {
	"$MG_PGBIN/pg_ctl" -D "$DATA" -m immediate -w stop >/dev/null 2>&1
	rm -rf "$DATA"
}
trap cleanup EXIT

rm -rf "$DATA"
start_extra_cluster "$NAME" "$PORT" "shared_preload_libraries = 'migration_guard'" \
	"restart_after_crash = on"
ok $? "a cluster with the library preloaded is running"

q "CREATE EXTENSION migration_guard" >/dev/null
q "CREATE TABLE t (id int PRIMARY KEY, old text, idle text, later text)" >/dev/null
q "INSERT INTO t VALUES (1, 'x', 'y', 'z')" >/dev/null
q "SELECT migration_guard.deprecate('t', 'old'), migration_guard.deprecate('t', 'idle')" >/dev/null
q "SELECT old FROM t" >/dev/null
q "SELECT old FROM t" >/dev/null
is "$(q "SELECT uses FROM migration_guard.deprecations WHERE column_name = 'old'")" 2 "two uses counted"
since1=$(q "SELECT tracking_since FROM migration_guard.deprecation_tracking()")
is "$(q "SELECT restored FROM migration_guard.deprecation_tracking()")" f "first start: nothing restored"

# clean restart: saved and loaded
"$MG_PGBIN/pg_ctl" -D "$DATA" -m fast -w restart -l "$DATA.log" >/dev/null 2>&1
up
ok $? "clean restart"
is "$(q "SELECT uses FROM migration_guard.deprecations WHERE column_name = 'old'")" 2 "the counters survive a clean restart"
is "$(q "SELECT restored FROM migration_guard.deprecation_tracking()")" t "deprecation_tracking() says they were restored"
is "$(q "SELECT tracking_since FROM migration_guard.deprecation_tracking()")" "$since1" "tracking_since is kept"
ok "$([ ! -e "$DATA/pg_stat/migration_guard_deprecation.stat" ]; echo $?)" "the file is removed once loaded"
like "$(q "SELECT recent_users -> 0 ->> 'application_name' FROM migration_guard.deprecations WHERE column_name = 'old'")" '^psql$' \
	"the recent users survive too"
# quiet for the period across the restart: the drop passes
sleep 1.2
is "$(q "SET lock_timeout = '2s'; SET migration_guard.deprecation_quiet_period = '1s'; ALTER TABLE t DROP COLUMN idle")" '' \
	"a deprecated column quiet across a clean restart is dropped without a finding"

q "SELECT migration_guard.deprecate('t', 'later')" >/dev/null
sleep 1.2
# crash: a backend killed with SIGKILL makes the postmaster reinitialize shared memory
"$MG_PGBIN/psql" -X -q -At -p "$PORT" -d postgres -c "SELECT pg_sleep(60)" >/dev/null 2>&1 &
sleep 0.5
victim=$(q "SELECT pid FROM pg_stat_activity WHERE query = 'SELECT pg_sleep(60)'")
kill -9 "$victim"
sleep 1
up
ok $? "the server is back after the crash"
is "$(q "SELECT restored FROM migration_guard.deprecation_tracking()")" f "after a crash nothing is restored"
since2=$(q "SELECT tracking_since FROM migration_guard.deprecation_tracking()")
is "$(q "SELECT tracking_since > '$since1' FROM migration_guard.deprecation_tracking()")" t "tracking_since moves to the restart"
is "$(q "SELECT coalesce(sum(uses), 0) FROM migration_guard.deprecations")" 0 "the counters start empty"
like "$(q "SET lock_timeout = '2s'; SET migration_guard.deprecation_quiet_period = '1h'; ALTER TABLE t DROP COLUMN later")" \
	'dropping deprecated column "later" of public.t before its quiet period has passed' \
	"a column deprecated before the crash, unused since, is refused: the quiet period restarts"
like "$("$MG_PGBIN/psql" -X -q -At -p "$PORT" -d postgres -v VERBOSITY=verbose -c "SET lock_timeout = '2s'; SET migration_guard.deprecation_quiet_period = '1h'; ALTER TABLE t DROP COLUMN later" 2>&1)" \
	'started without the counters of its previous run' "the refusal says why"
wait

# A run without the library in between counted nothing: the file the run
# before it saved does not match the control file any more and is ignored.
q "SELECT old FROM t" >/dev/null
"$MG_PGBIN/pg_ctl" -D "$DATA" -m fast -w stop >/dev/null 2>&1
ok "$([ -e "$DATA/pg_stat/migration_guard_deprecation.stat" ]; echo $?)" "a clean shutdown saves the counters"
"$MG_PGBIN/pg_ctl" -D "$DATA" -w start -l "$DATA.log" -o "-c shared_preload_libraries=''" >/dev/null 2>&1
up
is "$(q "SELECT active FROM migration_guard.deprecation_tracking()")" f "a run without the library counts nothing"
is "$(q "SELECT evidence_since FROM migration_guard.deprecations WHERE column_name = 'old'")" infinity \
	"and the view says it has no evidence (a deploy's check of this node holds the drop back)"
q "SELECT old FROM t" >/dev/null
"$MG_PGBIN/pg_ctl" -D "$DATA" -m fast -w stop >/dev/null 2>&1
"$MG_PGBIN/pg_ctl" -D "$DATA" -w start -l "$DATA.log" >/dev/null 2>&1
up
is "$(q "SELECT restored FROM migration_guard.deprecation_tracking()")" f \
	"the counters saved before a run without the library are not restored after it"
is "$(q "SELECT coalesce(sum(uses), 0) FROM migration_guard.deprecations")" 0 "they start empty"
like "$(cat "$DATA.log")" 'ignoring deprecation usage file .* of an earlier run' "the server log says why"
ok "$([ ! -e "$DATA/pg_stat/migration_guard_deprecation.stat" ]; echo $?)" "and the stale file is removed"
# an immediate shutdown writes no shutdown checkpoint: nothing is saved
"$MG_PGBIN/pg_ctl" -D "$DATA" -m immediate -w stop >/dev/null 2>&1
ok "$([ ! -e "$DATA/pg_stat/migration_guard_deprecation.stat" ]; echo $?)" "an immediate shutdown saves nothing"

# A damaged file (cut in the middle of its last entry) is ignored whole:
# the entries read before the damage are dropped too.
"$MG_PGBIN/pg_ctl" -D "$DATA" -w start -l "$DATA.log" >/dev/null 2>&1
up
q "SELECT old, later FROM t" >/dev/null
"$MG_PGBIN/pg_ctl" -D "$DATA" -m fast -w stop >/dev/null 2>&1
f="$DATA/pg_stat/migration_guard_deprecation.stat"
size=$(stat -c %s "$f")
truncate -s $((size - 10)) "$f"
"$MG_PGBIN/pg_ctl" -D "$DATA" -w start -l "$DATA.log" >/dev/null 2>&1
up
is "$(q "SELECT restored FROM migration_guard.deprecation_tracking()")" f "a damaged file is not restored"
is "$(q "SELECT coalesce(sum(uses), 0) FROM migration_guard.deprecations")" 0 \
	"not even the entries before the damage"
like "$(cat "$DATA.log")" 'ignoring damaged deprecation usage file' "the server log says so"

done_testing
