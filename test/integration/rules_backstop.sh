#!/usr/bin/env bash
# The table_rewrite backstop outside the happy path:
#   1. a backend that did not preload the library: the event trigger's call
#      loads it on demand, and the statement the hook never saw is not judged;
#   2. pg_dump / pg_restore of a guarded database: the event trigger is an
#      extension member, dumped with CREATE EXTENSION only, and works after
#      the restore.
set -u
source "$MG_ROOT/test/lib/tap.sh"
PORT=$((MG_PORT + 23))
trap 'stop_extra_cluster bs_noload' EXIT
start_extra_cluster bs_noload $PORT || { echo "not ok 1 - start cluster"; exit 1; }
n() { PGOPTIONS="-c lock_timeout=2s" psql -X -q -At -p $PORT -d postgres "$@" 2>&1; }

n -c 'CREATE EXTENSION migration_guard' >/dev/null
n <<'SQL' >/dev/null
CREATE ACCESS METHOD heap2 TYPE TABLE HANDLER heap_tableam_handler;
CREATE TABLE big AS SELECT g AS id, 'value ' || g AS v FROM generate_series(1, 5000) g;
SQL
# A fresh session: the library is not loaded; the threshold is a placeholder
# until the trigger's call loads it.
out=$(n -c 'SET migration_guard.small_table_threshold = 0' \
	-c 'ALTER TABLE big SET ACCESS METHOD heap2' \
	-c "SELECT 'loaded via ' || loaded_via FROM migration_guard.status()" \
	-c 'ALTER TABLE big SET ACCESS METHOD heap')
like "$out" 'loaded via load' 'the event trigger loaded the library on demand'
like "$(n -c "SELECT amname FROM pg_class c JOIN pg_am a ON a.oid = c.relam WHERE relname = 'big'")" '^heap2$' \
	'a statement the hook never saw is not judged by the backstop'
like "$out" 'ERROR:  ALTER TABLE would rewrite table "big"' \
	'once loaded, the session is guarded: the next rewrite is refused'

# Dump and restore in the preloaded cluster.
q() { psql -X -q -At -v ON_ERROR_STOP=1 "$@" 2>&1; }
D="$MG_WORK/bs_restore.dump"
q -d postgres -c 'CREATE DATABASE bs_src' -c 'CREATE DATABASE bs_dst' >/dev/null
q -d bs_src <<'SQL' >/dev/null
CREATE EXTENSION migration_guard;
CREATE ACCESS METHOD heap2 TYPE TABLE HANDLER heap_tableam_handler;
CREATE TABLE big (id bigint PRIMARY KEY, v text);
INSERT INTO big SELECT g, 'value ' || g FROM generate_series(1, 5000) g;
SQL
pg_dump -Fc -d bs_src -f "$D"
plain=$(pg_dump -d bs_src)
like "$plain" 'CREATE EXTENSION IF NOT EXISTS migration_guard' 'the dump creates the extension'
[[ $plain != *"CREATE EVENT TRIGGER"* ]]
ok $? 'the dump does not carry the event trigger on its own'
# --single-transaction: the documented restore path (docs/configuration.md)
out=$(pg_restore --single-transaction -d bs_dst "$D" 2>&1)
is "$out" '' 'pg_restore runs without an error'
is "$(q -d bs_dst -c "SELECT count(*) FROM pg_event_trigger WHERE evtname = 'migration_guard_table_rewrite'")" '1' \
	'the restored database has the event trigger once'
out=$(q -d bs_dst -c 'SET migration_guard.small_table_threshold = 0' -c 'ALTER TABLE big SET ACCESS METHOD heap2')
like "$out" 'ERROR:  ALTER TABLE would rewrite table "big"' 'the backstop works in the restored database'
q -d postgres -c "SET migration_guard.allow = 'drop_database'" -c 'DROP DATABASE bs_src' -c "SET migration_guard.allow = 'drop_database'" -c 'DROP DATABASE bs_dst' >/dev/null
rm -f "$D"

done_testing
