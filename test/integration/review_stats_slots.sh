#!/usr/bin/env bash
# migration_guard.stats on a server whose databases come and go (a CI
# cluster creating one per run): once every slot is claimed, a dropped
# database's slot is taken over by a new database, which gets its own row
# instead of being counted in the overflow row (datid 0).
set -u
source "$MG_ROOT/test/lib/tap.sh"
MAIN=mg_slots_main
psql -X -q -c "CREATE DATABASE $MAIN" >/dev/null
psql -X -q -d $MAIN -c "CREATE EXTENSION migration_guard" >/dev/null
q() { psql -X -q -At -d $MAIN "$@" 2>&1; }
event() { psql -X -q -d "$1" -c "CREATE TABLE t_$RANDOM (id bigint)" >/dev/null 2>&1; }
slots() { q -c "SELECT count(*) FROM migration_guard._stats() WHERE rule IS NULL AND datid <> 0"; }
# slots whose database still exists (the others may be taken over)
live_slots() { q -c "SELECT count(*) FROM migration_guard._stats() WHERE rule IS NULL AND datid <> 0 AND datid IN (SELECT oid FROM pg_database)"; }

# fill every slot with a database that exists (earlier tests' databases,
# dropped since, may hold some: a new database takes those over)
event $MAIN
made=()
for i in $(seq 1 140); do
	[ "$(live_slots)" -ge 64 ] && break
	psql -X -q -c "CREATE DATABASE mg_slots_$i" >/dev/null && made+=("mg_slots_$i")
	event "mg_slots_$i"
done
is "$(slots)" 64 'every database slot is claimed'

# one of them is dropped; a new database has an event
victim=${made[0]}
victim_oid=$(q -c "SELECT oid FROM pg_database WHERE datname = '$victim'")
# from a database that has its slot: the DROP is itself counted
psql -X -q -d $MAIN -c "SET migration_guard.allow = 'drop_database'" -c "DROP DATABASE $victim" >/dev/null
psql -X -q -c "CREATE DATABASE mg_slots_new" >/dev/null
event mg_slots_new
event mg_slots_new
new_oid=$(q -c "SELECT oid FROM pg_database WHERE datname = 'mg_slots_new'")
is "$(q -c "SELECT judged FROM migration_guard.stats WHERE datid = $new_oid AND rule IS NULL")" 2 \
	'the new database has its own row, counted from zero'
is "$(q -c "SELECT count(*) FROM migration_guard._stats() WHERE datid = $victim_oid")" 0 \
	'the dropped database''s row is gone'
is "$(q -c "SELECT count(*) FROM migration_guard._stats() WHERE datid = 0")" 0 \
	'nothing was counted in the overflow row'
is "$(slots)" 64 'still 64 slots'

# with every slot's database present, a further one goes to the overflow row
psql -X -q -c "CREATE DATABASE mg_slots_over" >/dev/null
event mg_slots_over
is "$(q -c "SELECT judged FROM migration_guard._stats() WHERE datid = 0 AND rule IS NULL")" 1 \
	'a database beyond the slots is counted in the overflow row'

for d in "${made[@]:1}" mg_slots_new mg_slots_over $MAIN; do
	psql -X -q -c "SET migration_guard.allow = 'drop_database'" -c "DROP DATABASE $d" >/dev/null
done
done_testing
