#!/usr/bin/env bash
# Migration heads with a real npm tool: node-pg-migrate (with the pg
# driver), installed from npm into a scratch directory at test time, runs
# `up` and `down` against a guarded database.  The guard must read the
# pgmigrations rows the tool wrote, refuse a run past the expected head
# (whole, in the tool's default single transaction; from the migration
# past the head, with a transaction per migration) and a down at the head.
set -u
source "$MG_ROOT/test/lib/tap.sh"
q() { psql -X -q -At -v ON_ERROR_STOP=1 "$@" 2>&1; }
DIR="$MG_WORK/integration/npm"
DB=heads_npm
mkdir -p "$DIR/migrations" "$DIR/home"
export HOME="$DIR/home" npm_config_cache="$DIR/cache" npm_config_update_notifier=false

if ! command -v npm >/dev/null 2>&1; then
	echo "not ok 1 - npm is installed (test/lib/cluster.sh installs Debian's nodejs and npm when missing)"
	exit 1
fi
if ! (cd "$DIR" && npm install --no-audit --no-fund --loglevel=error \
	node-pg-migrate@7.9.1 pg@8 >"$DIR/install.log" 2>&1); then
	echo "not ok 1 - npm install node-pg-migrate pg"
	sed 's/^/# /' "$DIR/install.log"
	exit 1
fi
ok 0 'node-pg-migrate and pg installed from npm'

q -d postgres -c "CREATE DATABASE $DB" >/dev/null
q -d $DB -c 'CREATE EXTENSION migration_guard' >/dev/null

cat >"$DIR/migrations/1700000000001_account.js" <<'JS'
exports.up = (pgm) => { pgm.createTable('account', { id: 'id' }); };
exports.down = (pgm) => { pgm.dropTable('account'); };
JS
cat >"$DIR/migrations/1700000000002_email.js" <<'JS'
exports.up = (pgm) => { pgm.addColumn('account', { email: { type: 'text' } }); };
exports.down = (pgm) => { pgm.dropColumn('account', 'email'); };
JS
cat >"$DIR/migrations/1700000000003_invoice.js" <<'JS'
exports.up = (pgm) => { pgm.createTable('invoice', { id: 'id' }); };
exports.down = (pgm) => { pgm.dropTable('invoice'); };
JS

sock=$(printf '%s' "$PGHOST" | sed 's|/|%2F|g')
export DATABASE_URL="postgres://$PGUSER@$sock:$PGPORT/$DB"
npm_pg_migrate() { (cd "$DIR" && ./node_modules/.bin/node-pg-migrate -m migrations "$@" 2>&1); }
state() { q -d $DB -c "SELECT state || ' ' || coalesce(tool, '-') || ' ' || array_to_string(current_heads, ',') FROM migration_guard.head()"; }
rows() { q -d $DB -c "SELECT coalesce(string_agg(name, ',' ORDER BY id), '') FROM pgmigrations"; }
exists() { q -d $DB -c "SELECT to_regclass('$1') IS NOT NULL"; }

q -d postgres -c "ALTER DATABASE $DB SET migration_guard.expected_head = '1700000000002_email'" >/dev/null

out=$(npm_pg_migrate up); rc=$?
[ $rc -ne 0 ]; ok $? 'node-pg-migrate up (single transaction) past the expected head fails'
like "$out" 'migration would move the head beyond the expected head' 'with the guard'"'"'s message'
is "$(rows),$(exists account)" ",f" 'nothing of the run was applied'

out=$(npm_pg_migrate up --no-single-transaction); rc=$?
[ $rc -ne 0 ]; ok $? 'node-pg-migrate up, a transaction per migration, stops at the migration past the head'
is "$(rows)" "1700000000001_account,1700000000002_email" 'the migrations up to the head were applied'
is "$(exists invoice)" f 'the one past the head was not'
is "$(state)" "at_head node_pg_migrate 1700000000002_email" 'head() reads what node-pg-migrate wrote'

out=$(npm_pg_migrate down); rc=$?
[ $rc -ne 0 ]; ok $? 'node-pg-migrate down at the expected head fails'
like "$out" 'migration would move the head back from the expected head' 'refused as a downgrade'
is "$(rows)" "1700000000001_account,1700000000002_email" 'pgmigrations unchanged'

q -d postgres -c "ALTER DATABASE $DB SET migration_guard.expected_head = '1700000000003_invoice'" >/dev/null
is "$(state)" "behind node_pg_migrate 1700000000002_email" 'a new expected head: behind'
out=$(npm_pg_migrate up); rc=$?
is "$rc" 0 'node-pg-migrate up to the new head succeeds'
is "$(state)" "at_head node_pg_migrate 1700000000003_invoice" 'at the new head'
is "$(q -d $DB -c 'SELECT migration_guard.assert_head()' >/dev/null; echo $?)" 0 'assert_head passes'
is "$(q -d $DB -c "SELECT string_agg(array_to_string(from_heads, ',') || '>' || array_to_string(to_heads, ','), ' ' ORDER BY id) FROM migration_guard.head_history")" \
	">1700000000001_account 1700000000001_account>1700000000002_email 1700000000002_email>1700000000003_invoice" \
	'head_history records each committed migration'

q -d postgres -c "SET migration_guard.allow = 'drop_database'" -c "DROP DATABASE $DB" >/dev/null
done_testing
