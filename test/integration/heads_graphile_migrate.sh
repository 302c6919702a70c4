#!/usr/bin/env bash
# Migration heads with the real Graphile Migrate, installed from npm into a
# scratch directory at test time.  It runs each committed migration and its
# INSERT INTO graphile_migrate.migrations in one transaction, so the commit
# check refuses a migration past the head as a whole.  Every run starts with
# CREATE TABLE IF NOT EXISTS of its own tables, one with a REFERENCES
# clause: with lock_timeout = 0 that must be judged as the no-op it is.
# Graphile Migrate has no down migrations.
set -u
source "$MG_ROOT/test/lib/tap.sh"
q() { psql -X -q -At -v ON_ERROR_STOP=1 "$@" 2>&1; }
DIR="$MG_WORK/integration/graphile_migrate"
DB=heads_graphile
mkdir -p "$DIR/migrations/committed" "$DIR/home"
export HOME="$DIR/home" npm_config_cache="$DIR/cache" npm_config_update_notifier=false

if ! command -v npm >/dev/null 2>&1; then
	echo "not ok 1 - npm is installed (test/lib/cluster.sh installs Debian's nodejs and npm when missing)"
	exit 1
fi
if ! (cd "$DIR" && npm install --no-audit --no-fund --loglevel=error graphile-migrate@1 >"$DIR/install.log" 2>&1); then
	echo "not ok 1 - npm install graphile-migrate"
	sed 's/^/# /' "$DIR/install.log"
	exit 1
fi
ok 0 'graphile-migrate installed from npm'

q -d postgres -c "CREATE DATABASE $DB" >/dev/null
q -d $DB -c 'CREATE EXTENSION migration_guard' >/dev/null
q -d postgres -c "ALTER DATABASE $DB SET lock_timeout = 0" >/dev/null
echo '{}' >"$DIR/.gmrc"
export DATABASE_URL="postgres://$PGUSER@/$DB?host=$PGHOST&port=$PGPORT"

# committed migrations, hashed and serialised by graphile-migrate itself
commit() {	# commit NUMBER SQL
	(cd "$DIR" && node -e '
const fs = require("fs");
const { calculateHash } = require("graphile-migrate/dist/hash");
const { serializeMigration } = require("graphile-migrate/dist/migration");
const [n, sql] = process.argv.slice(1);
const dir = "migrations/committed";
const prev = fs.readdirSync(dir).sort().pop();
const prevHash = prev ? /--! Hash: (.*)/.exec(fs.readFileSync(dir + "/" + prev, "utf8"))[1] : null;
const body = sql.trim() + "\n";
fs.writeFileSync(dir + "/" + n + ".sql", serializeMigration(body, { Previous: prevHash || "-", Hash: calculateHash(body, prevHash) }));
' "$1" "$2")
}
gm() { (cd "$DIR" && ./node_modules/.bin/graphile-migrate "$@" 2>&1); }
state() { q -d $DB -c "SELECT state || ' ' || coalesce(tool, '-') || ' ' || array_to_string(current_heads, ',') FROM migration_guard.head()"; }
rows() { q -d $DB -c "SELECT coalesce(string_agg(filename, ',' ORDER BY filename), '') FROM graphile_migrate.migrations"; }
tables() { q -d $DB -c "SELECT coalesce(string_agg(relname, ',' ORDER BY relname), '') FROM pg_class WHERE relname IN ('account', 'invoice', 'note') AND relkind = 'r'"; }

commit 000001 'create table account (id bigint primary key);'
commit 000002 'create table invoice (id bigint primary key);'
out=$(gm migrate); rc=$?
is "$rc" 0 'graphile-migrate migrate creates its schema and runs both migrations'
is "$(q -d $DB -c 'SET client_min_messages = warning' -c "SELECT migration_guard.set_expected_head('000002')")" "000002.sql" \
	'set_expected_head() stores the head with the .sql Graphile Migrate stores'
is "$(state)" "at_head graphile_migrate 000002.sql" 'head() reads what Graphile Migrate wrote'

out=$(gm migrate); rc=$?
is "$rc" 0 'at the head, a run (CREATE TABLE IF NOT EXISTS ... REFERENCES of its own tables, no lock_timeout) succeeds'

commit 000003 'create table note (id bigint primary key);'
out=$(gm migrate); rc=$?
[ $rc -ne 0 ]; ok $? 'a migration past the expected head fails'
like "$out" 'migration would move the head beyond the expected head' 'refused at commit'
is "$(rows),$(tables)" "000001.sql,000002.sql,account,invoice" 'nothing of it applied, its bookkeeping unchanged'

q -d $DB -c "SELECT migration_guard.set_expected_head('000003.sql')" >/dev/null
out=$(gm migrate); rc=$?
is "$rc" 0 'the next release migrates to its declared head'
is "$(state)" "at_head graphile_migrate 000003.sql" 'at the new head'

q -d postgres -c "SET migration_guard.allow = 'drop_database'" -c "DROP DATABASE $DB" >/dev/null
done_testing
