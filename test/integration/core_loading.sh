#!/usr/bin/env bash
# The guard tells the truth about whether it is active: CREATE EXTENSION and
# status() in a cluster that does not preload the library, then
# session_preload_libraries set by ALTER SYSTEM.
set -u
source "$MG_ROOT/test/lib/tap.sh"
PORT=$((MG_PORT + 11))
trap 'stop_extra_cluster noload' EXIT
start_extra_cluster noload $PORT || { echo "not ok 1 - start cluster"; exit 1; }
q() { psql -X -q -At -p $PORT -d postgres "$@" 2>&1; }

out=$(q -c 'CREATE EXTENSION migration_guard')
like "$out" 'WARNING:  migration_guard is installed but its library is not preloaded' \
	'CREATE EXTENSION warns when the library is not preloaded'
like "$out" 'shared_preload_libraries' 'the warning says how to preload it'

out=$(q -c 'SELECT loaded_via, preloaded FROM migration_guard.status()')
is "$out" 'load|f' 'status() in a session that loaded the library on demand'
like "$(q -c 'SELECT note FROM migration_guard.status()')" 'only this session is guarded' \
	'status() says only this session is guarded'

q -c 'CREATE TABLE t AS SELECT g AS id FROM generate_series(1, 1000) g' >/dev/null
out=$(q -c 'SET migration_guard.small_table_threshold = 0' -c 'CREATE INDEX t_id ON t (id)')
like "$out" 'unrecognized configuration parameter|^$' \
	'a session that never loaded the library is not guarded (the documented hazard)'
q -c 'DROP INDEX IF EXISTS t_id' >/dev/null

q -c "ALTER SYSTEM SET session_preload_libraries = 'migration_guard'" -c 'SELECT pg_reload_conf()' >/dev/null
sleep 0.5
out=$(q -c 'SELECT loaded_via, preloaded, hook_active FROM migration_guard.status()')
is "$out" 'session_preload_libraries|t|t' 'status() after ALTER SYSTEM SET session_preload_libraries'

out=$(q -c 'SET migration_guard.small_table_threshold = 0' -c 'CREATE INDEX t_id ON t (id)')
like "$out" 'ERROR:  CREATE INDEX on table "t" would block writes' 'a new session is guarded'

done_testing
