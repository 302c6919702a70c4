#!/usr/bin/env bash
# Head enforcement and the guard's session-free features through PgBouncer
# in transaction pooling (docs/poolers.md): one server connection shared by
# every client, so nothing a session SETs can be relied on, and a server
# connection opened before a deploy keeps the settings it started with.
set -u
source "$MG_ROOT/test/lib/tap.sh"
q() { psql -X -q -At -v ON_ERROR_STOP=1 "$@" 2>&1; }
DIR="$MG_WORK/integration/pgbouncer"
DB=heads_bouncer
BPORT=6432
mkdir -p "$DIR"

BOUNCER=$(command -v pgbouncer || echo /usr/sbin/pgbouncer)
if [ ! -x "$BOUNCER" ]; then
	echo "not ok 1 - pgbouncer is installed (test/run installs it)"
	exit 1
fi

q -d postgres -c "CREATE DATABASE $DB" >/dev/null
q -d $DB -c 'CREATE EXTENSION migration_guard' >/dev/null
q -d postgres -c "ALTER DATABASE $DB SET lock_timeout = 0" >/dev/null
q -d $DB -c "CREATE TABLE knex_migrations (id serial PRIMARY KEY, name varchar(255), batch integer, migration_time timestamptz)
             -- migration_guard:allow prefer_text, prefer_identity, prefer_bigint" >/dev/null
q -d $DB -c "INSERT INTO knex_migrations (name, batch) VALUES ('20240101000001_account.js', 1), ('20240101000002_email.js', 1)" >/dev/null
q -d $DB -c "CREATE TABLE account (id bigint PRIMARY KEY, email text, email_lower text)" >/dev/null
q -d $DB -c "INSERT INTO account SELECT g, 'User' || g || '@Example.com' FROM generate_series(1, 500) g" >/dev/null

cat >"$DIR/userlist.txt" <<TXT
"$PGUSER" ""
TXT
cat >"$DIR/pgbouncer.ini" <<INI
[databases]
$DB = host=$PGHOST port=$PGPORT dbname=$DB
[pgbouncer]
listen_addr =
unix_socket_dir = $DIR
listen_port = $BPORT
auth_type = trust
auth_file = $DIR/userlist.txt
pool_mode = transaction
default_pool_size = 1
max_client_conn = 20
logfile = $DIR/pgbouncer.log
pidfile = $DIR/pgbouncer.pid
INI
"$BOUNCER" -d "$DIR/pgbouncer.ini" >"$DIR/start.log" 2>&1
for _ in $(seq 50); do [ -S "$DIR/.s.PGSQL.$BPORT" ] && break; sleep 0.1; done
stop_bouncer() { [ -f "$DIR/pgbouncer.pid" ] && kill "$(cat "$DIR/pgbouncer.pid")" 2>/dev/null; }
trap stop_bouncer EXIT
[ -S "$DIR/.s.PGSQL.$BPORT" ]; ok $? "$($BOUNCER --version | head -1) listening, transaction pooling, one server connection"

b() { psql -X -q -At -h "$DIR" -p $BPORT -d $DB "$@" 2>&1; }
expected() { b -c "SELECT array_to_string(expected_heads, ',') || ' ' || pg_backend_pid() FROM migration_guard.head()"; }

# the deploy's old way: ALTER DATABASE, seen only by new server connections
q -d postgres -c "ALTER DATABASE $DB SET migration_guard.expected_head = '20240101000002_email.js'" >/dev/null
first=$(expected)
pid=${first#* }
is "${first% *}" "20240101000002_email.js" 'a client through the pool sees the head set on the database'
q -d postgres -c "ALTER DATABASE $DB SET migration_guard.expected_head = '20240101000003_invoice.js'" >/dev/null
stale=$(expected)
is "$stale" "20240101000002_email.js $pid" 'ALTER DATABASE is not seen by the pooled server connection (the problem)'

# the durable way: set_expected_head(), seen from the next statement
is "$(b -c "SELECT migration_guard.set_expected_head('20240101000003_invoice.js')")" "20240101000003_invoice.js" \
	'set_expected_head() through the pool'
is "$(expected)" "20240101000003_invoice.js $pid" 'the same server connection judges against the new head at once'
q -d $DB -c "SELECT migration_guard.set_expected_head('20240101000002_email.js')" >/dev/null
is "$(expected)" "20240101000002_email.js $pid" 'and a head declared on a direct connection too'
out=$(b -c "SELECT migration_guard.assert_head()"); rc=$?
is "$rc" 0 'assert_head() through the pool passes at the declared head'

# refusals: a migration past the head, as one transaction
out=$(b -v ON_ERROR_STOP=1 <<'SQL'
BEGIN;
SET LOCAL lock_timeout = '1s';
CREATE TABLE invoice (id bigint PRIMARY KEY);
INSERT INTO knex_migrations (name, batch) VALUES ('20240101000003_invoice.js', 2);
COMMIT;
SQL
); rc=$?
like "$out" 'migration would move the head beyond the expected head' 'a migration past the head is refused through the pool'
is "$(q -d $DB -c "SELECT to_regclass('invoice') IS NULL, count(*) FROM knex_migrations")" "t|2" 'and nothing of it was applied'
out=$(b -c "SELECT migration_guard.assert_head()"); rc=$?
is "$rc" 0 'the pooled server connection is healthy afterwards'

# SET LOCAL: for one transaction, never leaking to the next client
out=$(b -c "ALTER TABLE account ADD COLUMN note text"); rc=$?
like "$out" 'without a lock timeout' 'without a lock timeout the guard refuses ALTER TABLE'
out=$(b <<'SQL'
BEGIN;
SET LOCAL lock_timeout = '1s';
ALTER TABLE account ADD COLUMN note text;
COMMIT;
SQL
); rc=$?
is "$rc" 0 'SET LOCAL lock_timeout in the transaction lets it run'
is "$(b -c 'SHOW lock_timeout')" "0" 'the next client of the same server connection does not inherit it'

# directives: part of the statement, so they travel with it
out=$(b -c "-- migration_guard:allow lock_timeout
ALTER TABLE account ADD COLUMN note2 text"); rc=$?
is "$rc" 0 'a directive comment allows a rule for its statement'
out=$(b -c "ALTER TABLE account ADD COLUMN note3 text"); rc=$?
like "$out" 'without a lock timeout' 'and only for that statement'

# a backfill holds one server connection for its run and commits per batch
out=$(b -c "CALL migration_guard.backfill('email_lower', 'account', 'email_lower = lower(email)', 'email_lower IS NULL', batch_size => 100, min_batch_size => 50)"); rc=$?
is "$rc" 0 'CALL migration_guard.backfill(...) runs through the pool'
is "$(q -d $DB -c "SELECT count(*) FROM account WHERE email_lower IS DISTINCT FROM lower(email)")" 0 'every row backfilled'
is "$(q -d $DB -c "SELECT state FROM migration_guard.backfills WHERE name = 'email_lower'")" "done" 'the job is done'

# a new release: declared once, the next statement of every client sees it
q -d $DB -c "SELECT migration_guard.set_expected_head('20240101000003_invoice.js')" >/dev/null
out=$(b -v ON_ERROR_STOP=1 <<'SQL'
BEGIN;
SET LOCAL lock_timeout = '1s';
CREATE TABLE invoice (id bigint PRIMARY KEY);
INSERT INTO knex_migrations (name, batch) VALUES ('20240101000003_invoice.js', 2);
COMMIT;
SQL
); rc=$?
is "$rc" 0 "the new release's migration runs through the pool"
is "$(b -c "SELECT state || ' ' || array_to_string(current_heads, ',') FROM migration_guard.head()")" \
	"at_head 20240101000003_invoice.js" 'at the new head'

stop_bouncer
q -d postgres -c "SET migration_guard.allow = 'drop_database'" -c "DROP DATABASE $DB WITH (FORCE)" >/dev/null
done_testing
