#!/usr/bin/env bash
# test/crash/deprecation_full.sh -- the usage table of deprecated objects
# (1024 entries across all databases) full: a use that cannot be counted
# is said (overflow_at) and holds drops back, and the entries of dropped
# objects make room again, so that finished contract steps do not fill it
# for good.  Runs its own cluster (the shared one must never overflow).
# Prints TAP.
set -u
source "$MG_ROOT/test/lib/tap.sh"

NAME=dep_full
PORT=$((PGPORT + 24))
DATA="$MG_WORK/$NAME"
q() { "$MG_PGBIN/psql" -X -q -At -p "$PORT" -d postgres -c "SET client_min_messages = error" -c "$1" 2>&1; }
qv() { "$MG_PGBIN/psql" -X -q -At -p "$PORT" -d postgres -c "$1" 2>&1; }
cleanup() {
	"$MG_PGBIN/pg_ctl" -D "$DATA" -m immediate -w stop >/dev/null 2>&1
	rm -rf "$DATA"
}
trap cleanup EXIT

rm -rf "$DATA"
start_extra_cluster "$NAME" "$PORT" "shared_preload_libraries = 'migration_guard'" \
	"migration_guard.deprecated_use = off"
ok $? "a cluster with the library preloaded is running"

# wide(n): a table of n deprecated columns
wide() {
	q "CREATE TABLE $1 ($(seq -s, -f "c%g int" 1 "$2"));
	   SELECT count(migration_guard.deprecate('$1', 'c' || i)) FROM generate_series(1, $2) i" >/dev/null
}
q "CREATE EXTENSION migration_guard" >/dev/null
wide done_1 600
wide done_2 424
wide late 100
q "SELECT * FROM done_1" >/dev/null
q "SELECT * FROM done_2" >/dev/null
is "$(q "SELECT overflow_at IS NULL FROM migration_guard.deprecation_tracking()")" t "1024 objects fit"
q "SELECT * FROM late" >/dev/null
is "$(q "SELECT overflow_at IS NOT NULL FROM migration_guard.deprecation_tracking()")" t \
	"a use that finds the table full is said"
is "$(q "SELECT count(*) FROM migration_guard.deprecations WHERE relation = 'late'::regclass AND uses > 0")" 0 \
	"and not counted"
is "$(q "SELECT bool_and(evidence_since >= (SELECT overflow_at FROM migration_guard.deprecation_tracking()))
          FROM migration_guard.deprecations")" t "the view's evidence_since counts from the lost use, as the drop rules do"
like "$(qv "BEGIN; SET LOCAL migration_guard.deprecation_quiet_period = '1h'; SET LOCAL lock_timeout = '2s'; ALTER TABLE late DROP COLUMN c1; ROLLBACK")" \
	'could not be counted because the usage table was full' "a drop is refused on the lost evidence"

# the contract steps of done_1 and done_2 end: their entries are evidence for nothing
q "SET migration_guard.allow = 'drop_table'; SET lock_timeout = '2s'; DROP TABLE done_1" >/dev/null
q "SET migration_guard.allow = 'drop_column'; SET lock_timeout = '2s'; ALTER TABLE done_2 $(seq -s, -f "DROP COLUMN c%g" 1 424)" >/dev/null
is "$(q "SELECT count(*) FROM pg_class WHERE relname = 'done_1'")" 0 "done_1 is dropped"
q "SELECT * FROM late" >/dev/null
is "$(q "SELECT count(*) FROM migration_guard.deprecations WHERE relation = 'late'::regclass AND uses = 1")" 100 \
	"the entries of dropped tables and columns make room: every use is counted again"
# full again: a transaction that dropped a table itself frees nothing (it could roll back)
wide kept 1
q "SELECT * FROM kept" >/dev/null
wide fill 923
q "SELECT * FROM fill" >/dev/null
wide extra 5
is "$(q "SELECT count(*) FROM migration_guard.deprecations WHERE uses > 0")" 1024 "the table is full again"
q "BEGIN; SET LOCAL migration_guard.allow = 'drop_table'; SET LOCAL lock_timeout = '2s'; DROP TABLE kept;
   SELECT * FROM extra; ROLLBACK" >/dev/null
is "$(q "SELECT count(*) FROM pg_class WHERE relname = 'kept'")" 1 "the drop rolled back"
is "$(q "SELECT uses FROM migration_guard.deprecations WHERE relation = 'kept'::regclass")" 1 \
	"a table dropped by a transaction that rolls back keeps its counters"
is "$(q "SELECT count(*) FROM migration_guard.deprecations WHERE relation = 'extra'::regclass AND uses > 0")" 0 \
	"(that transaction's use of another object was lost instead)"

done_testing
