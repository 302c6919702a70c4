#!/usr/bin/env bash
# Restoring a dump into a guarded database.  pg_restore builds indexes and
# constraints on tables it has just loaded, each in its own transaction, so
# the guard sees existing tables.  Two documented paths that do not switch
# the guard off for everyone:
#   1. pg_restore --single-transaction: every table is created in the same
#      transaction, which the guard exempts by design;
#   2. a restore role with its own policy (ALTER ROLE ... IN DATABASE ... SET).
set -u
source "$MG_ROOT/test/lib/tap.sh"
q() { psql -X -q -At -v ON_ERROR_STOP=1 "$@" 2>&1; }
D="$MG_WORK/restore.dump"

q -d postgres <<'SQL' >/dev/null
CREATE ROLE app_owner LOGIN;
CREATE ROLE restorer LOGIN;
CREATE DATABASE restore_src;
CREATE DATABASE restore_dst1 OWNER app_owner;
CREATE DATABASE restore_dst2 OWNER app_owner;
CREATE DATABASE restore_dst3 OWNER restorer;
SQL
q -d restore_src <<'SQL' >/dev/null
CREATE TABLE customers (id bigint PRIMARY KEY, email text NOT NULL UNIQUE);
CREATE TABLE orders (id bigint PRIMARY KEY, customer_id bigint REFERENCES customers,
                     total numeric CHECK (total >= 0));
CREATE INDEX orders_customer_id ON orders (customer_id);
INSERT INTO customers SELECT g, 'c' || g || '@example.com' FROM generate_series(1, 2000) g;
INSERT INTO orders SELECT g, 1 + g % 2000, g FROM generate_series(1, 20000) g;
SQL
pg_dump -Fc -d restore_src -f "$D"
for db in restore_dst1 restore_dst2 restore_dst3; do
	q -d $db -c 'CREATE EXTENSION migration_guard' -c "ALTER DATABASE $db SET migration_guard.small_table_threshold = 0" >/dev/null
done
q -d restore_dst1 -c 'ALTER SCHEMA public OWNER TO app_owner' >/dev/null
q -d restore_dst2 -c 'ALTER SCHEMA public OWNER TO app_owner' >/dev/null
q -d restore_dst3 -c 'ALTER SCHEMA public OWNER TO restorer' >/dev/null

out=$(pg_restore -U app_owner --no-owner -d restore_dst1 "$D" 2>&1)
like "$out" 'CREATE INDEX on table "orders" would block writes' \
	'a plain pg_restore by an ordinary role is judged like any migration'

out=$(pg_restore -U app_owner --no-owner --single-transaction -d restore_dst2 "$D" 2>&1)
ok $? 'pg_restore --single-transaction passes: its tables are new in that transaction'
is "$(q -d restore_dst2 -c 'SELECT count(*) FROM orders')" '20000' 'the data is restored'
is "$(q -d restore_dst2 -c "SELECT count(*) FROM pg_indexes WHERE tablename = 'orders'")" '2' 'the indexes are restored'

q -d postgres -c "ALTER ROLE restorer IN DATABASE restore_dst3 SET migration_guard.mode = 'off'" >/dev/null
out=$(pg_restore -U restorer --no-owner -d restore_dst3 "$D" 2>&1)
ok $? 'a restore role with its own policy restores table by table'
# 18 catalogs NOT NULL constraints too: count the others
is "$(q -d restore_dst3 -c "SELECT count(*) FROM pg_constraint WHERE conrelid = 'orders'::regclass AND contype <> 'n'")" '3' \
	'constraints are restored'
out=$(psql -X -At -U app_owner -d restore_dst3 -c 'SELECT mode FROM migration_guard.status()' 2>&1)
is "$out" 'enforce' 'other roles in that database stay guarded'
out=$(psql -X -At -U app_owner -d restore_dst3 -c "SET migration_guard.mode = 'off'" 2>&1)
like "$out" 'permission denied to set parameter "migration_guard.mode"' \
	'and cannot borrow the restore policy'

q -d postgres <<'SQL' >/dev/null
SET migration_guard.allow = 'drop_database';
DROP DATABASE restore_src;
DROP DATABASE restore_dst1;
DROP DATABASE restore_dst2;
DROP DATABASE restore_dst3;
DROP ROLE restorer;
DROP ROLE app_owner;
SQL
done_testing
