#!/usr/bin/env bash
# Migration heads with the real TypeORM CLI (and pg), installed from npm
# into a scratch directory at test time.  TypeORM runs the pending
# migrations and their INSERT INTO migrations in one transaction
# (migrationsTransactionMode "all", its default), so the commit check
# refuses a run past the head, or a revert from it, as a whole.
set -u
source "$MG_ROOT/test/lib/tap.sh"
q() { psql -X -q -At -v ON_ERROR_STOP=1 "$@" 2>&1; }
DIR="$MG_WORK/integration/typeorm"
DB=heads_typeorm
mkdir -p "$DIR/migrations" "$DIR/home"
export HOME="$DIR/home" npm_config_cache="$DIR/cache" npm_config_update_notifier=false

if ! command -v npm >/dev/null 2>&1; then
	echo "not ok 1 - npm is installed (test/lib/cluster.sh installs Debian's nodejs and npm when missing)"
	exit 1
fi
if ! (cd "$DIR" && npm install --no-audit --no-fund --loglevel=error typeorm@0.3 pg@8 >"$DIR/install.log" 2>&1); then
	echo "not ok 1 - npm install typeorm pg"
	sed 's/^/# /' "$DIR/install.log"
	exit 1
fi
ok 0 'typeorm and pg installed from npm'

q -d postgres -c "CREATE DATABASE $DB" >/dev/null
q -d $DB -c 'CREATE EXTENSION migration_guard' >/dev/null
q -d postgres -c "CREATE ROLE typeorm_downgrade LOGIN SUPERUSER" >/dev/null 2>&1
q -d postgres -c "ALTER ROLE typeorm_downgrade SET migration_guard.allow_downgrade = on" >/dev/null
q -d postgres -c "ALTER ROLE typeorm_downgrade SET migration_guard.allow = 'drop_table'" >/dev/null

cat >"$DIR/data-source.js" <<JS
const { DataSource } = require('typeorm');
module.exports = new DataSource({
  type: 'postgres', host: process.env.PGHOST, port: Number(process.env.PGPORT),
  username: process.env.TYPEORM_USER || process.env.PGUSER, database: '$DB',
  migrations: [__dirname + '/migrations/*.js'],
});
JS
for m in 1:Account:account 2:Invoice:invoice 3:Note:note; do
	IFS=: read -r n cls t <<<"$m"
	cat >"$DIR/migrations/170000000000$n-$cls.js" <<JS
module.exports = class ${cls}170000000000$n {
  async up(qr) { await qr.query('CREATE TABLE $t (id bigint PRIMARY KEY)'); }
  async down(qr) { await qr.query('DROP TABLE $t'); }
};
JS
done

to() { (cd "$DIR" && ./node_modules/.bin/typeorm "$@" -d data-source.js 2>&1); }
state() { q -d $DB -c "SELECT state || ' ' || coalesce(tool, '-') || ' ' || array_to_string(current_heads, ',') FROM migration_guard.head()"; }
rows() { q -d $DB -c "SELECT coalesce(string_agg(name, ',' ORDER BY id), '') FROM migrations"; }
tables() { q -d $DB -c "SELECT coalesce(string_agg(relname, ',' ORDER BY relname), '') FROM pg_class WHERE relname IN ('account', 'invoice', 'note') AND relkind = 'r'"; }

# the first two migrations only: the third is added later
mv "$DIR/migrations/1700000000003-Note.js" "$DIR/note.js.later"
out=$(to migration:run); rc=$?
is "$rc" 0 'typeorm migration:run (no head declared yet)'
mv "$DIR/note.js.later" "$DIR/migrations/1700000000003-Note.js"
q -d $DB -c "SELECT migration_guard.set_expected_head('Invoice1700000000002')" >/dev/null
is "$(state)" "at_head typeorm Invoice1700000000002" 'head() reads what TypeORM wrote'

out=$(to migration:run); rc=$?
[ $rc -ne 0 ]; ok $? 'migration:run past the expected head fails'
like "$out" 'migration would move the head beyond the expected head' 'refused at commit'
is "$(rows),$(tables)" "Account1700000000001,Invoice1700000000002,account,invoice" 'nothing of it applied'

out=$(to migration:revert); rc=$?
[ $rc -ne 0 ]; ok $? 'migration:revert at the expected head fails'
like "$out" 'migration would move the head back from the expected head' 'refused as a downgrade'
is "$(rows),$(tables)" "Account1700000000001,Invoice1700000000002,account,invoice" 'schema and migrations unchanged'

q -d $DB -c "SELECT migration_guard.set_expected_head('Account1700000000001')" >/dev/null
out=$(TYPEORM_USER=typeorm_downgrade to migration:revert); rc=$?
is "$rc" 0 'a deliberate downgrade (older head declared, allow_downgrade on the role) succeeds'
is "$(rows),$(tables)" "Account1700000000001,account" 'invoice dropped and its row deleted'

q -d $DB -c "SELECT migration_guard.set_expected_head('Note1700000000003')" >/dev/null
out=$(to migration:run); rc=$?
is "$rc" 0 'the next release migrates to its declared head'
is "$(state)" "at_head typeorm Note1700000000003" 'at the new head'

q -d postgres -c "SET migration_guard.allow = 'drop_database'" -c "DROP DATABASE $DB" >/dev/null
q -d postgres -c "DROP ROLE typeorm_downgrade" >/dev/null
done_testing
