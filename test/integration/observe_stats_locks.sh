#!/usr/bin/env bash
# migration_guard.stats: lock timeouts, retries and retries that succeeded,
# counted while another session holds a conflicting lock.
set -u
source "$MG_ROOT/test/lib/tap.sh"
DB=mg_stats_locks
psql -X -q -c "CREATE DATABASE $DB" >/dev/null
psql -X -q -v ON_ERROR_STOP=1 -d $DB >/dev/null <<'SQL'
CREATE EXTENSION migration_guard;
CREATE TABLE t (id int, v text);
SQL
q() { psql -X -q -At -d $DB "$@" 2>&1; }
stat() { q -c "SELECT $1 FROM migration_guard.stats WHERE datname = current_database() AND rule IS NULL"; }
guarded='SET lock_timeout = '"'"'100ms'"'"'; SET migration_guard.lock_retry_delay = '"'"'50ms'"'"'; SET migration_guard.lock_retry_max_delay = '"'"'50ms'"'"'; SET migration_guard.allow = '"'"'create_index'"'"';'

# every attempt times out: 1 + 2 retries
q -c "BEGIN; LOCK TABLE t IN ROW EXCLUSIVE MODE; SELECT pg_sleep(3); COMMIT" >/dev/null &
holder=$!
sleep 0.5
q -c "$guarded SET migration_guard.lock_retries = 2;" -c 'CREATE INDEX t_v ON t (v)' >/dev/null
wait $holder
is "$(stat lock_timeouts)" 3 'every timed-out attempt is a lock timeout'
is "$(stat lock_retries)" 2 'each retry is counted'
is "$(stat lock_retries_succeeded)" 0 'none succeeded'
is "$(stat 'last_lock_timeout IS NOT NULL')" t 'the time of the last timeout'

# the holder leaves while the statement retries
q -c "BEGIN; LOCK TABLE t IN ROW EXCLUSIVE MODE; SELECT pg_sleep(0.6); COMMIT" >/dev/null &
holder=$!
sleep 0.2
q -c "$guarded SET migration_guard.lock_retries = 50;" -c 'CREATE INDEX t_v ON t (v)' >/dev/null
wait $holder
is "$(q -c "SELECT count(*) FROM pg_indexes WHERE indexname = 't_v'")" 1 'the retried statement ran'
is "$(stat lock_retries_succeeded)" 1 'a retry that succeeded is counted'
is "$(stat 'lock_retries > 2')" t 'with its retries'

# an ordinary role reads the view, and cannot reset it
q -c 'CREATE ROLE mg_stats_reader' >/dev/null
is "$(q -c 'SET ROLE mg_stats_reader' -c 'SELECT count(*) > 0 FROM migration_guard.stats')" t 'an ordinary role reads the counters'
like "$(q -c 'SET ROLE mg_stats_reader' -c 'SELECT migration_guard.stats_reset()')" 'permission denied' 'but cannot reset them'
q -c 'GRANT EXECUTE ON FUNCTION migration_guard.stats_reset() TO mg_stats_reader' >/dev/null
q -c 'SET ROLE mg_stats_reader' -c 'SELECT migration_guard.stats_reset()' >/dev/null
is "$(stat lock_timeouts)" 0 'a role granted EXECUTE can'
q -c 'REVOKE EXECUTE ON FUNCTION migration_guard.stats_reset() FROM mg_stats_reader' -c 'DROP ROLE mg_stats_reader' >/dev/null

# the postgres_exporter queries shipped in contrib/ run, one row per label set
for spec in migration_guard_database:1 migration_guard_rule:2; do
	name=${spec%:*} labels=${spec#*:}
	sql=$(awk -v n="$name:" '$1 == n { f = 1; next } f && /^ *query: \|/ { q = 1; next } q && /^  master:/ { exit } q { print }' \
		"$MG_ROOT/contrib/postgres_exporter/migration_guard.yaml")
	out=$(q -c "$sql")
	ok $([ -n "$sql" ] && [[ $out != *ERROR* ]] && [ "$(sort <<<"$out" | cut -d'|' -f1-$labels | uniq -d)" = "" ]; echo $?) \
		"exporter query $name runs, without duplicate label sets"
done
done_testing
