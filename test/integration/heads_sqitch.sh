#!/usr/bin/env bash
# Migration heads with the real sqitch (Debian's sqitch, libdbd-pg-perl):
# sqitch runs a change's script through psql and logs it to its registry
# in a later transaction, so the guard refuses DDL before it runs while
# the database is at the expected head; sqitch's own registry (its
# creation, LOCK TABLE sqitch.changes IN EXCLUSIVE MODE) is left alone.
set -u
source "$MG_ROOT/test/lib/tap.sh"
q() { psql -X -q -At -v ON_ERROR_STOP=1 "$@" 2>&1; }
DIR="$MG_WORK/integration/sqitch"
DB=heads_sqitch
rm -rf "$DIR"
mkdir -p "$DIR/home"
export HOME="$DIR/home" SQITCH_USER_CONFIG="$DIR/home/sqitch.conf"

if ! command -v sqitch >/dev/null 2>&1 || ! perl -MDBD::Pg -e1 2>/dev/null; then
	echo "not ok 1 - sqitch and libdbd-pg-perl are installed (test/run installs them)"
	exit 1
fi
ok 0 "$(sqitch --version | head -1) installed"

q -d postgres -c "CREATE DATABASE $DB" >/dev/null
q -d $DB -c 'CREATE EXTENSION migration_guard' >/dev/null
# no lock_timeout: sqitch's LOCK TABLE on its registry must not need one
q -d postgres -c "ALTER DATABASE $DB SET lock_timeout = 0" >/dev/null
q -d postgres -c "CREATE ROLE sqitch_downgrade LOGIN SUPERUSER" >/dev/null 2>&1
q -d postgres -c "ALTER ROLE sqitch_downgrade SET migration_guard.allow_downgrade = on" >/dev/null
q -d postgres -c "ALTER ROLE sqitch_downgrade SET migration_guard.allow = 'drop_table'" >/dev/null
q -d postgres -c "ALTER ROLE sqitch_downgrade SET lock_timeout = '2s'" >/dev/null

cd "$DIR"
sq() { (cd "$DIR" && sqitch --quiet "$@" 2>&1); }
sq config --user user.name tester >/dev/null
sq config --user user.email tester@example.com >/dev/null
sq init shop --engine pg --target "db:pg:$DB" >/dev/null
for c in account invoice note; do
	sq add "$c" -n "$c" >/dev/null
	printf 'BEGIN;\nCREATE TABLE %s (id bigint PRIMARY KEY);\nCOMMIT;\n' "$c" >"deploy/$c.sql"
	printf 'BEGIN;\nDROP TABLE %s;\nCOMMIT;\n' "$c" >"revert/$c.sql"
	printf 'SELECT 1/count(*) FROM pg_class WHERE relname = %s;\n' "'$c'" >"verify/$c.sql"
done

state() { q -d $DB -c "SELECT state || ' ' || array_to_string(current_heads, ',') FROM migration_guard.head()"; }
rows() { q -d $DB -c "SELECT coalesce(string_agg(change, ',' ORDER BY committed_at), '') FROM sqitch.changes"; }
tables() { q -d $DB -c "SELECT coalesce(string_agg(relname, ',' ORDER BY relname), '') FROM pg_class WHERE relname IN ('account', 'invoice', 'note') AND relkind = 'r'"; }

q -d $DB -c "SELECT migration_guard.set_expected_head('shop:invoice')" >/dev/null

out=$(sq deploy --to invoice); rc=$?
is "$rc" 0 'sqitch deploy creates its registry and deploys to the expected head'
is "$(rows)" "account,invoice" 'sqitch.changes as sqitch wrote it'
is "$(state)" "at_head shop:invoice" 'head() reads the registry'

out=$(sq deploy --mode change); rc=$?
[ $rc -ne 0 ]; ok $? 'sqitch deploy past the expected head fails'
like "$out" 'schema change refused before it ran' 'refused before the change script changed anything'
is "$(rows),$(tables)" "account,invoice,account,invoice" 'nothing of note applied, registry unchanged'

out=$(sq revert -y --to @HEAD^); rc=$?
[ $rc -ne 0 ]; ok $? 'sqitch revert at the expected head fails'
is "$(rows),$(tables)" "account,invoice,account,invoice" 'schema and registry unchanged'

q -d $DB -c "SELECT migration_guard.set_expected_head('shop:account')" >/dev/null
out=$(sq revert -y --to @HEAD^ --target "db:pg://sqitch_downgrade@/$DB"); rc=$?
is "$rc" 0 'a deliberate downgrade (older head declared, allow_downgrade on the role) succeeds'
is "$(rows),$(tables)" "account,account" 'invoice reverted and unregistered'
is "$(state)" "at_head shop:account" 'at the declared head'

q -d $DB -c "SELECT migration_guard.set_expected_head('shop:note')" >/dev/null
out=$(sq deploy); rc=$?
is "$rc" 0 'the next release deploys to its declared head'
is "$(rows),$(tables)" "account,invoice,note,account,invoice,note" 'all of its changes applied'
is "$(state)" "at_head shop:note" 'at the new head'

cd /
q -d postgres -c "SET migration_guard.allow = 'drop_database'" -c "DROP DATABASE $DB" >/dev/null
q -d postgres -c "DROP ROLE sqitch_downgrade" >/dev/null
done_testing
