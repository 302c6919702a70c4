#!/usr/bin/env bash
# Migration heads with the real db-migrate (and db-migrate-pg), installed
# from npm into a scratch directory at test time.  db-migrate-pg runs each
# migration and its INSERT INTO migrations in one transaction, so the
# commit check refuses a migration past the head as a whole.
set -u
source "$MG_ROOT/test/lib/tap.sh"
q() { psql -X -q -At -v ON_ERROR_STOP=1 "$@" 2>&1; }
DIR="$MG_WORK/integration/db_migrate"
DB=heads_db_migrate
mkdir -p "$DIR/migrations" "$DIR/home"
export HOME="$DIR/home" npm_config_cache="$DIR/cache" npm_config_update_notifier=false

if ! command -v npm >/dev/null 2>&1; then
	echo "not ok 1 - npm is installed (test/lib/cluster.sh installs Debian's nodejs and npm when missing)"
	exit 1
fi
if ! (cd "$DIR" && npm install --no-audit --no-fund --loglevel=error db-migrate@0.11 db-migrate-pg@1 >"$DIR/install.log" 2>&1); then
	echo "not ok 1 - npm install db-migrate db-migrate-pg"
	sed 's/^/# /' "$DIR/install.log"
	exit 1
fi
ok 0 'db-migrate and db-migrate-pg installed from npm'

q -d postgres -c "CREATE DATABASE $DB" >/dev/null
q -d $DB -c 'CREATE EXTENSION migration_guard' >/dev/null
q -d postgres -c "CREATE ROLE dbm_downgrade LOGIN SUPERUSER" >/dev/null 2>&1
q -d postgres -c "ALTER ROLE dbm_downgrade SET migration_guard.allow_downgrade = on" >/dev/null
q -d postgres -c "ALTER ROLE dbm_downgrade SET migration_guard.allow = 'drop_table'" >/dev/null

cat >"$DIR/database.json" <<JSON
{"dev": {"driver": "pg", "host": "$PGHOST", "port": $PGPORT, "user": {"ENV": "DBM_USER"}, "database": "$DB"}}
JSON
for m in 1:account 2:invoice 3:note; do
	n=${m%%:*} t=${m#*:}
	cat >"$DIR/migrations/2024010100000$n-$t.js" <<JS
exports.up = (db) => db.runSql('CREATE TABLE $t (id bigint PRIMARY KEY)');
exports.down = (db) => db.runSql('DROP TABLE $t');
JS
done

dbm() { (cd "$DIR" && DBM_USER=${DBM_USER:-$PGUSER} ./node_modules/.bin/db-migrate -e dev "$@" 2>&1); }
state() { q -d $DB -c "SELECT state || ' ' || coalesce(tool, '-') || ' ' || array_to_string(current_heads, ',') FROM migration_guard.head()"; }
rows() { q -d $DB -c "SELECT coalesce(string_agg(name, ',' ORDER BY id), '') FROM migrations"; }
tables() { q -d $DB -c "SELECT coalesce(string_agg(relname, ',' ORDER BY relname), '') FROM pg_class WHERE relname IN ('account', 'invoice', 'note') AND relkind = 'r'"; }

out=$(dbm up -c 2); rc=$?
is "$rc" 0 'db-migrate up -c 2 runs the first two migrations (no head declared yet)'
is "$(q -d $DB -c 'SET client_min_messages = warning' -c "SELECT migration_guard.set_expected_head('20240101000002-invoice')")" "/20240101000002-invoice" \
	'set_expected_head() stores the head the way db-migrate writes it'
is "$(state)" "at_head db_migrate /20240101000002-invoice" 'head() reads what db-migrate wrote'

out=$(dbm up); rc=$?
[ $rc -ne 0 ]; ok $? 'db-migrate up past the expected head fails'
like "$out" 'migration would move the head beyond the expected head' 'with the guard'"'"'s message'
is "$(rows),$(tables)" "/20240101000001-account,/20240101000002-invoice,account,invoice" 'nothing of the third applied'

out=$(dbm down); rc=$?
[ $rc -ne 0 ]; ok $? 'db-migrate down at the expected head fails'
is "$(rows),$(tables)" "/20240101000001-account,/20240101000002-invoice,account,invoice" 'schema and migrations unchanged'

q -d $DB -c "SELECT migration_guard.set_expected_head('/20240101000001-account')" >/dev/null
out=$(DBM_USER=dbm_downgrade dbm down); rc=$?
is "$rc" 0 'a deliberate downgrade (older head declared, allow_downgrade on the role) succeeds'
is "$(rows),$(tables)" "/20240101000001-account,account" 'invoice reverted, its row deleted'

q -d $DB -c "SELECT migration_guard.set_expected_head('/20240101000003-note')" >/dev/null
out=$(dbm up); rc=$?
is "$rc" 0 'the next release migrates to its declared head'
is "$(state)" "at_head db_migrate /20240101000003-note" 'at the new head'

q -d postgres -c "SET migration_guard.allow = 'drop_database'" -c "DROP DATABASE $DB" >/dev/null
q -d postgres -c "DROP ROLE dbm_downgrade" >/dev/null
done_testing
