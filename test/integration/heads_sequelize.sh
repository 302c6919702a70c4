#!/usr/bin/env bash
# Migration heads with the real sequelize-cli (with sequelize and pg),
# installed from npm into a scratch directory at test time.  Sequelize
# (umzug) logs a migration in "SequelizeMeta" after the migration ran, not
# in its transaction, so the guard refuses DDL before it runs while the
# database is at the expected head.
set -u
source "$MG_ROOT/test/lib/tap.sh"
q() { psql -X -q -At -v ON_ERROR_STOP=1 "$@" 2>&1; }
DIR="$MG_WORK/integration/sequelize"
DB=heads_sequelize
mkdir -p "$DIR/migrations" "$DIR/config" "$DIR/home"
export HOME="$DIR/home" npm_config_cache="$DIR/cache" npm_config_update_notifier=false

if ! command -v npm >/dev/null 2>&1; then
	echo "not ok 1 - npm is installed (test/lib/cluster.sh installs Debian's nodejs and npm when missing)"
	exit 1
fi
if ! (cd "$DIR" && npm install --no-audit --no-fund --loglevel=error sequelize-cli@6 sequelize@6 pg@8 >"$DIR/install.log" 2>&1); then
	echo "not ok 1 - npm install sequelize-cli sequelize pg"
	sed 's/^/# /' "$DIR/install.log"
	exit 1
fi
ok 0 'sequelize-cli, sequelize and pg installed from npm'

q -d postgres -c "CREATE DATABASE $DB" >/dev/null
q -d $DB -c 'CREATE EXTENSION migration_guard' >/dev/null
q -d postgres -c "CREATE ROLE sequelize_downgrade LOGIN SUPERUSER" >/dev/null 2>&1
q -d postgres -c "ALTER ROLE sequelize_downgrade SET migration_guard.allow_downgrade = on" >/dev/null
q -d postgres -c "ALTER ROLE sequelize_downgrade SET migration_guard.allow = 'drop_table'" >/dev/null

cat >"$DIR/config/config.json" <<JSON
{
  "development": {"username": "$PGUSER", "database": "$DB", "host": "$PGHOST", "port": $PGPORT, "dialect": "postgres", "logging": false},
  "downgrade": {"username": "sequelize_downgrade", "database": "$DB", "host": "$PGHOST", "port": $PGPORT, "dialect": "postgres", "logging": false}
}
JSON
for m in 1:account 2:invoice 3:note; do
	n=${m%%:*} t=${m#*:}
	cat >"$DIR/migrations/2024010100000$n-create-$t.js" <<JS
'use strict';
module.exports = {
  up: (qi, S) => qi.createTable('$t', { id: { type: S.BIGINT, primaryKey: true } }),
  down: (qi) => qi.dropTable('$t'),
};
JS
done

sq() { (cd "$DIR" && ./node_modules/.bin/sequelize-cli "$@" 2>&1); }
state() { q -d $DB -c "SELECT state || ' ' || coalesce(tool, '-') || ' ' || array_to_string(current_heads, ',') FROM migration_guard.head()"; }
rows() { q -d $DB -c "SELECT coalesce(string_agg(name, ',' ORDER BY name), '') FROM \"SequelizeMeta\""; }
tables() { q -d $DB -c "SELECT coalesce(string_agg(relname, ',' ORDER BY relname), '') FROM pg_class WHERE relname IN ('account', 'invoice', 'note') AND relkind = 'r'"; }

out=$(sq db:migrate --to 20240101000002-create-invoice.js); rc=$?
is "$rc" 0 'sequelize-cli db:migrate --to the second migration (no head declared yet)'
is "$(q -d $DB -c 'SET client_min_messages = warning' -c "SELECT migration_guard.set_expected_head('20240101000002-create-invoice')")" \
	"20240101000002-create-invoice.js" 'set_expected_head() stores the head with the extension Sequelize stores'
is "$(state)" "at_head sequelize 20240101000002-create-invoice.js" 'head() reads what Sequelize wrote'

out=$(sq db:migrate); rc=$?
[ $rc -ne 0 ]; ok $? 'db:migrate past the expected head fails'
like "$out" 'schema change refused before it ran' 'refused before the third migration'"'"'s DDL ran'
is "$(rows),$(tables)" "20240101000001-create-account.js,20240101000002-create-invoice.js,account,invoice" \
	'nothing of it applied, SequelizeMeta unchanged'

out=$(sq db:migrate:undo); rc=$?
[ $rc -ne 0 ]; ok $? 'db:migrate:undo at the expected head fails'
is "$(rows),$(tables)" "20240101000001-create-account.js,20240101000002-create-invoice.js,account,invoice" \
	'schema and SequelizeMeta unchanged'

q -d $DB -c "SELECT migration_guard.set_expected_head('20240101000001-create-account.js')" >/dev/null
out=$(sq db:migrate:undo --env downgrade); rc=$?
is "$rc" 0 'a deliberate downgrade (older head declared, allow_downgrade on the role) succeeds'
is "$(rows),$(tables)" "20240101000001-create-account.js,account" 'invoice dropped and its row deleted'

q -d $DB -c "SELECT migration_guard.set_expected_head('20240101000003-create-note.js')" >/dev/null
out=$(sq db:migrate); rc=$?
is "$rc" 0 'the next release migrates to its declared head'
is "$(state)" "at_head sequelize 20240101000003-create-note.js" 'at the new head'

q -d postgres -c "SET migration_guard.allow = 'drop_database'" -c "DROP DATABASE $DB" >/dev/null
q -d postgres -c "DROP ROLE sequelize_downgrade" >/dev/null
done_testing
