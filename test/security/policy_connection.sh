#!/usr/bin/env bash
# Attacks that need the attacker's own connection (a LOGIN role that is not
# a superuser, so SET ROLE back to a superuser is really refused):
# connection options (PGOPTIONS / startup packet -c), SET ROLE and SESSION
# AUTHORIZATION escapes, a backfill under another role's job name run at
# top level, and loosening the policy for later sessions.
set -u
source "$MG_ROOT/test/lib/tap.sh"
DB=mg_sec_conn
su() { psql -X -q -At -d "$DB" "$@" 2>&1; }
as_mallory() { PGUSER=sc_mallory psql -X -q -At -d "$DB" "$@" 2>&1; }
psql -X -q -c "CREATE DATABASE $DB" >/dev/null
su -c 'CREATE EXTENSION migration_guard' >/dev/null
su >/dev/null <<'SQL'
CREATE ROLE sc_mallory LOGIN;
CREATE ROLE sc_victim;
GRANT CREATE, USAGE ON SCHEMA public TO sc_mallory, sc_victim;
CREATE TABLE mt (id bigint PRIMARY KEY, v text);
INSERT INTO mt SELECT g, 'v' || g FROM generate_series(1, 500) g;
ALTER TABLE mt OWNER TO sc_mallory;
SET ROLE sc_victim;
CREATE TABLE vt (id bigint PRIMARY KEY, n int);
INSERT INTO vt SELECT g, g FROM generate_series(1, 50) g;
CALL migration_guard.backfill('sc_job', 'vt', 'n = n + 1');
SQL
su -c "ALTER DATABASE $DB SET migration_guard.small_table_threshold = 0" >/dev/null
jobs() { su -c "SELECT string_agg(concat_ws(':', name, relation, set_clause, state, owner, rows_done), ',') FROM migration_guard.backfill_jobs"; }
before_jobs=$(jobs)

# 1-3: connection options for the policy parameters
out=$(PGOPTIONS='-c migration_guard.mode=off' as_mallory -c 'SHOW migration_guard.mode')
like "$out" 'permission denied to set parameter "migration_guard.mode"' 'PGOPTIONS -c mode=off: the connection is refused'
out=$(PGOPTIONS='-c migration_guard.allow=create_index' as_mallory -c 'SHOW migration_guard.allow')
like "$out" 'permission denied to set parameter "migration_guard.allow"' 'PGOPTIONS -c allow: refused'
out=$(as_mallory -d "dbname=$DB options='-c migration_guard.rules=create_index=off'" -c 'SHOW migration_guard.rules')
like "$out" 'permission denied to set parameter' 'options in the connection string: refused'

# 4-6: escaping to a trusted role from a real attacker session
out=$(as_mallory -c 'SET ROLE postgres')
like "$out" 'permission denied to set role' 'SET ROLE to the superuser is refused'
out=$(as_mallory -c 'SET SESSION AUTHORIZATION postgres')
like "$out" 'permission denied to set session authorization' 'SET SESSION AUTHORIZATION is refused'
out=$(as_mallory -c "SET migration_guard.mode = 'off'" -c 'CREATE INDEX mt_v ON mt (v)')
like "$out" 'MG001|would block writes' 'after a refused SET, the guard still refuses the DDL'
is "$(su -c "SELECT count(*) FROM pg_index WHERE indrelid = 'mt'::regclass")" "1" 'no index was added (only the primary key)'

# 8-9: loosening the policy for later sessions
out=$(as_mallory -c "ALTER ROLE sc_mallory SET migration_guard.mode = 'off'")
like "$out" 'permission denied' 'ALTER ROLE SET mode for its own later sessions is refused'
out=$(as_mallory -c "ALTER SYSTEM SET migration_guard.mode = 'off'")
like "$out" 'permission denied|must be superuser' 'ALTER SYSTEM SET mode is refused'
# the database's owner may set ordinary parameters for it, not the policy
psql -X -q -c "ALTER DATABASE $DB OWNER TO sc_mallory" >/dev/null
out=$(as_mallory -c "ALTER DATABASE $DB SET migration_guard.mode = 'off'")
like "$out" 'permission denied' 'the database owner cannot ALTER DATABASE SET mode'
out=$(as_mallory -c "ALTER DATABASE $DB SET migration_guard.small_table_threshold = '1TB'")
like "$out" 'permission denied' 'nor small_table_threshold'
psql -X -q -c "ALTER DATABASE $DB OWNER TO postgres" >/dev/null
# (only this database's settings: other files' roles may carry their own)
is "$(su -c "SELECT count(*) FROM pg_db_role_setting WHERE setdatabase = (SELECT oid FROM pg_database WHERE datname = '$DB') AND array_to_string(setconfig, ',') ~ 'migration_guard\.(mode|allow|rules)=|1TB'")" "0" 'no stored setting'

# 11-12: a backfill under another role's job name (at top level, where it commits)
as_mallory -c 'CREATE TABLE mine (id bigint PRIMARY KEY, n int)' -c 'INSERT INTO mine SELECT g, 0 FROM generate_series(1, 10) g' >/dev/null
out=$(as_mallory -c "CALL migration_guard.backfill('sc_job', 'mine', 'n = 1')")
like "$out" 'already exists with a different|permission denied to resume' 'reusing another role''s job name is refused'
out=$(as_mallory -c "CALL migration_guard.backfill('sc_job', 'vt', 'n = 0')")
like "$out" 'already exists with a different|permission denied to resume' 'resuming another role''s job on its table is refused'
is "$(jobs)" "$before_jobs" 'the job is unchanged'
is "$(su -c 'SELECT sum(n) FROM vt')" "$(su -c 'SELECT sum(g) + 50 FROM generate_series(1, 50) g')" 'the victim''s table is unchanged'

psql -X -q -c "SET migration_guard.allow = 'drop_database'" -c "DROP DATABASE $DB WITH (FORCE)" >/dev/null
psql -X -q -c 'DROP ROLE sc_mallory' -c 'DROP ROLE sc_victim' >/dev/null 2>&1
done_testing
