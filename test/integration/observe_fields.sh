#!/usr/bin/env bash
# The guard's errors and warnings carry PostgreSQL's structured fields
# (schema, table, column: what errtable/errtablecol set), so that drivers
# can act on them; the rule is recoverable from the SQLSTATE and the hint.
set -u
source "$MG_ROOT/test/lib/tap.sh"
DB=mg_fields
psql -X -q -c "CREATE DATABASE $DB" >/dev/null
psql -X -q -v ON_ERROR_STOP=1 -d $DB >/dev/null <<'SQL'
CREATE EXTENSION migration_guard;
CREATE SCHEMA shop;
CREATE TABLE shop.orders (id bigint PRIMARY KEY, total numeric, note text);
INSERT INTO shop.orders SELECT g, g, 'n' FROM generate_series(1, 500) g;
SQL
# psql's verbose report shows the fields it received
v() { psql -X -q -d $DB -c '\set VERBOSITY verbose' -c "SET migration_guard.small_table_threshold = 0" "$@" 2>&1; }

out=$(v -c 'ALTER TABLE shop.orders RENAME COLUMN total TO amount')
like "$out" 'ERROR:  MG003: renaming column' 'an error: the SQLSTATE of the rule family'
like "$out" 'SCHEMA NAME:  shop' 'an error: the schema field'
like "$out" 'TABLE NAME:  orders' 'an error: the table field'
like "$out" 'COLUMN NAME:  total' 'an error: the column field'
like "$out" "HINT:  .*migration_guard.allow = 'rename_column'" 'an error: the rule named in the hint'

out=$(v -c "SET migration_guard.mode = warn" -c 'ALTER TABLE shop.orders ALTER COLUMN note TYPE varchar(20)')
like "$out" 'WARNING:  MG002: ' 'a warning: the SQLSTATE'
like "$out" 'SCHEMA NAME:  shop' 'a warning: the schema field'
like "$out" 'TABLE NAME:  orders' 'a warning: the table field'
like "$out" 'COLUMN NAME:  note' 'a warning: the column field'

out=$(v -c 'CREATE INDEX ON shop.orders (note)')
like "$out" 'TABLE NAME:  orders' 'a finding about a table, not a column: the table field'
ok $([[ $out != *'COLUMN NAME:'* ]]; echo $?) 'and no column field'

# through PL/pgSQL, as a driver sees them
got=$(psql -X -At -d $DB <<'SQL' 2>&1
SET migration_guard.small_table_threshold = 0;
DO $$
DECLARE s text; t text; c text; st text;
BEGIN
  ALTER TABLE shop.orders RENAME COLUMN total TO amount;
EXCEPTION WHEN OTHERS THEN
  GET STACKED DIAGNOSTICS s = SCHEMA_NAME, t = TABLE_NAME, c = COLUMN_NAME, st = RETURNED_SQLSTATE;
  RAISE NOTICE 'fields %/%/%/%', s, t, c, st;
END $$;
SQL
)
like "$got" 'fields shop/orders/total/MG003' 'GET STACKED DIAGNOSTICS reads schema, table, column and SQLSTATE'
done_testing
