#!/usr/bin/env bash
# The list of deprecated objects is kept by pg_dump (an extension
# configuration table) and, once restored, watches the restored objects:
# the restore's own writes to the list make every backend rebuild its
# cache.  The usage counters are per server and are not dumped.
set -u
source "$MG_ROOT/test/lib/tap.sh"
q() { psql -X -q -At -v ON_ERROR_STOP=1 "$@" 2>&1; }
D="$MG_WORK/deprecation.dump"

q -d postgres -c "SET migration_guard.allow = 'drop_database'" -c 'DROP DATABASE IF EXISTS dep_src' -c "SET migration_guard.allow = 'drop_database'" -c 'DROP DATABASE IF EXISTS dep_dst' \
	-c 'CREATE DATABASE dep_src' -c 'CREATE DATABASE dep_dst' >/dev/null
q -d dep_src <<'SQL' >/dev/null
SET client_min_messages = error;
CREATE EXTENSION migration_guard;
CREATE SCHEMA app;
CREATE TABLE app.users (id bigint PRIMARY KEY, email text, old_email text);
CREATE TABLE app.audit_v1 (id bigint);
SELECT migration_guard.deprecate('app.users', 'old_email', 'replaced by email');
SELECT migration_guard.deprecate('app.audit_v1');
SELECT old_email FROM app.users;
SQL
pg_dump -Fc -d dep_src -f "$D"
ok $? 'pg_dump of a database with deprecations'
out=$(PGOPTIONS='-c migration_guard.mode=off' pg_restore --single-transaction -d dep_dst "$D" 2>&1)
ok $? "pg_restore into an empty database ($out)"
is "$(q -d dep_dst -c "SELECT string_agg(object || ':' || coalesce(reason, ''), ', ' ORDER BY object) FROM migration_guard.deprecations")" \
	'app.audit_v1:, app.users.old_email:replaced by email' 'the deprecations are restored, reasons included'
is "$(q -d dep_dst -c "SELECT coalesce(sum(uses), 0) FROM migration_guard.deprecations")" 0 \
	'usage counters are not dumped: they are the source server'"'"'s'
q -d dep_dst -c 'SELECT old_email FROM app.users' -c 'SELECT count(*) FROM app.audit_v1' >/dev/null
is "$(q -d dep_dst -c "SELECT string_agg(object || '=' || uses, ', ' ORDER BY object) FROM migration_guard.deprecations")" \
	'app.audit_v1=1, app.users.old_email=1' 'the restored list watches the restored objects'

q -d postgres -c "SET migration_guard.allow = 'drop_database'" -c 'DROP DATABASE dep_src' -c "SET migration_guard.allow = 'drop_database'" -c 'DROP DATABASE dep_dst' >/dev/null
done_testing
