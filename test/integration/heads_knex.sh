#!/usr/bin/env bash
# Migration heads with Knex (and the pg driver), installed from npm into a
# scratch directory at test time: `knex migrate:latest`, `migrate:up` and
# `migrate:down` against a guarded database.
set -u
source "$MG_ROOT/test/lib/tap.sh"
q() { psql -X -q -At -v ON_ERROR_STOP=1 "$@" 2>&1; }
DIR="$MG_WORK/integration/knex"
DB=heads_knex
mkdir -p "$DIR/migrations" "$DIR/home"
export HOME="$DIR/home" npm_config_cache="$DIR/cache" npm_config_update_notifier=false

if ! command -v npm >/dev/null 2>&1; then
	echo "not ok 1 - npm is installed (test/lib/cluster.sh installs Debian's nodejs and npm when missing)"
	exit 1
fi
if ! (cd "$DIR" && npm install --no-audit --no-fund --loglevel=error knex@3 pg@8 >"$DIR/install.log" 2>&1); then
	echo "not ok 1 - npm install knex pg"
	sed 's/^/# /' "$DIR/install.log"
	exit 1
fi
ok 0 'knex and pg installed from npm'

q -d postgres -c "CREATE DATABASE $DB" >/dev/null
q -d $DB -c 'CREATE EXTENSION migration_guard' >/dev/null

cat >"$DIR/knexfile.js" <<'JS'
module.exports = {
  client: 'pg',
  connection: { host: process.env.PGHOST, port: process.env.PGPORT, user: process.env.PGUSER, database: 'heads_knex' },
  migrations: { directory: './migrations' },
};
JS
cat >"$DIR/migrations/20240101000001_account.js" <<'JS'
exports.up = (knex) => knex.schema.createTable('account', (t) => { t.bigIncrements('id'); });
exports.down = (knex) => knex.schema.dropTable('account');
JS
cat >"$DIR/migrations/20240101000002_email.js" <<'JS'
exports.up = (knex) => knex.schema.alterTable('account', (t) => { t.text('email'); });
exports.down = (knex) => knex.schema.alterTable('account', (t) => { t.dropColumn('email'); });
JS
cat >"$DIR/migrations/20240101000003_invoice.js" <<'JS'
exports.up = (knex) => knex.schema.createTable('invoice', (t) => { t.bigIncrements('id'); });
exports.down = (knex) => knex.schema.dropTable('invoice');
JS

knex() { (cd "$DIR" && ./node_modules/.bin/knex --knexfile knexfile.js "$@" 2>&1); }
state() { q -d $DB -c "SELECT state || ' ' || coalesce(tool, '-') || ' ' || array_to_string(current_heads, ',') FROM migration_guard.head()"; }
rows() { q -d $DB -c "SELECT coalesce(string_agg(name, ',' ORDER BY id), '') FROM knex_migrations"; }
exists() { q -d $DB -c "SELECT to_regclass('$1') IS NOT NULL"; }

q -d postgres -c "ALTER DATABASE $DB SET migration_guard.expected_head = '20240101000002_email.js'" >/dev/null

out=$(knex migrate:latest); rc=$?
[ $rc -ne 0 ]; ok $? 'knex migrate:latest past the expected head fails'
like "$out" 'migration would move the head beyond the expected head' 'with the guard'"'"'s message'
is "$(rows),$(exists account)" ",f" 'the whole batch rolled back'
is "$(q -d $DB -c 'SELECT coalesce(max(is_locked), 0) FROM knex_migrations_lock')" 0 'and knex released its lock'

out=$(knex migrate:up); rc=$?
is "$rc" 0 'knex migrate:up runs the first migration'
out=$(knex migrate:up); rc=$?
is "$rc" 0 'and the second, to the expected head'
is "$(state)" "at_head knex 20240101000002_email.js" 'head() reads what knex wrote'
out=$(knex migrate:up); rc=$?
[ $rc -ne 0 ]; ok $? 'the third is refused'
is "$(exists invoice)" f 'its table does not exist'

out=$(knex migrate:down); rc=$?
[ $rc -ne 0 ]; ok $? 'knex migrate:down at the expected head fails'
like "$out" 'migration would move the head back from the expected head' 'refused as a downgrade'
is "$(rows)" "20240101000001_account.js,20240101000002_email.js" 'knex_migrations unchanged'

q -d postgres -c "ALTER DATABASE $DB SET migration_guard.expected_head = '20240101000003_invoice.js'" >/dev/null
out=$(knex migrate:latest); rc=$?
is "$rc" 0 'knex migrate:latest to the new head succeeds'
is "$(state)" "at_head knex 20240101000003_invoice.js" 'at the new head'

q -d postgres -c "SET migration_guard.allow = 'drop_database'" -c "DROP DATABASE $DB" >/dev/null
done_testing
