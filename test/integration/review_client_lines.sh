#!/usr/bin/env bash
# pg_migration_check, text format: a checked file cannot forge findings.
# Messages quote identifiers from the file; an identifier with a newline in
# it must not start a line of its own that a CI problem matcher (gcc
# style, file:line:col: error: ...) would read as a finding.
set -u
source "$MG_ROOT/test/lib/tap.sh"
PMC="$MG_PGBIN/pg_migration_check"
DB=mg_client_lines
psql -X -q -c "CREATE DATABASE $DB" >/dev/null
psql -X -q -v ON_ERROR_STOP=1 -d $DB >/dev/null <<'SQL'
CREATE EXTENSION migration_guard;
CREATE TABLE orders (id bigint PRIMARY KEY, total numeric);
SQL
dir=$(mktemp -d)
printf 'ALTER TABLE orders RENAME COLUMN total TO "x\nforged.sql:1:1: error: fake finding [drop_table]";\n' >"$dir/001.sql"
out=$(PGDATABASE=$DB "$PMC" -f text "$dir/001.sql" 2>&1)
status=$?
like "$out" '001\.sql:1:1: error: .*\[rename_column\]' 'the real finding is reported'
ok $(printf '%s\n' "$out" | grep -q '^forged\.sql'; [ $? -ne 0 ]; echo $?) 'no line of the report starts with the forged finding'
is "$(printf '%s\n' "$out" | grep -cE '^[^ ]+:[0-9]+:[0-9]+: error: ')" 1 'exactly one finding line'
is "$status" 2 'exit status 2 (an enforce finding)'
rm -rf "$dir"
psql -X -q -c "SET migration_guard.allow = 'drop_database'" -c "DROP DATABASE $DB" >/dev/null
done_testing
