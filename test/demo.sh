#!/usr/bin/env bash
# test/demo.sh -- the README's run command (make demo): a throwaway cluster
# with migration_guard preloaded; a sample migration blocked, then warned,
# then rewritten the safe way, with a batched backfill showing progress.
set -euo pipefail
source "$(dirname "$0")/lib/cluster.sh"

echo "Setting up a throwaway PostgreSQL $MG_PG_MAJOR cluster with migration_guard preloaded..."
mg_setup

# Runs one step of the demo through psql, echoing the statements.
step() {
	printf '\n\033[1m== %s\033[0m\n' "$1"
	mg_as_user psql -X -q -e -d demo -v VERBOSITY=default "${@:2}" 2>&1 || true
}

mg_as_user psql -X -q -d postgres -c 'CREATE DATABASE demo' >/dev/null
mg_as_user psql -X -q -d demo >/dev/null <<'SQL'
CREATE EXTENSION migration_guard;
-- The demo table is small; make the guard judge it like a production one.
ALTER DATABASE demo SET migration_guard.small_table_threshold = '1MB';
CREATE TABLE customers (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, name text NOT NULL);
CREATE TABLE orders (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    customer_id bigint NOT NULL REFERENCES customers,
    amount numeric NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);
INSERT INTO customers (name) SELECT 'customer ' || g FROM generate_series(1, 5000) g;
INSERT INTO orders (customer_id, amount) SELECT 1 + g % 5000, (g % 997) / 10.0 FROM generate_series(1, 300000) g;
VACUUM ANALYZE customers, orders;
SQL

step "Is the guard on?" <<'SQL'
SELECT hook_active, loaded_via, mode FROM migration_guard.status();
SQL

cat <<'TXT'

A developer's migration 0042, as a migration tool would run it:
    ALTER TABLE orders ADD COLUMN status text NOT NULL;
    CREATE INDEX orders_customer_id ON orders (customer_id);
    ALTER TABLE orders ALTER COLUMN amount TYPE numeric(12,2);
    UPDATE orders SET status = 'paid';
TXT

step "1. migration_guard.mode = enforce (the default): each unsafe statement is refused" <<'SQL'
SET lock_timeout = '2s';
ALTER TABLE orders ADD COLUMN status text NOT NULL;
CREATE INDEX orders_customer_id ON orders (customer_id);
ALTER TABLE orders ALTER COLUMN amount TYPE numeric(12,2);
SQL

step "2. No lock_timeout: the ALTER would queue behind any long transaction and block everyone behind it" <<'SQL'
SET lock_timeout = 0;
ALTER TABLE orders ADD COLUMN note text;
SQL

step "3. migration_guard.mode = warn: the same migration runs, with warnings (rolled back here)" <<'SQL'
SET migration_guard.mode = 'warn';
SET lock_timeout = '2s';
BEGIN;
ALTER TABLE orders ADD COLUMN status text NOT NULL DEFAULT 'new';
CREATE INDEX orders_customer_id ON orders (customer_id);
ALTER TABLE orders ALTER COLUMN amount TYPE numeric(12,2);
ROLLBACK;
SQL

step "4. Check a script before deploying it, against the real catalog, without running it" <<'SQL'
SELECT statement AS n, rule, severity, relation, lock_mode, rewrites
  FROM migration_guard.check($$
    CREATE TABLE refunds (id bigint PRIMARY KEY, order_id bigint, amount numeric);
    CREATE INDEX refunds_order_id ON refunds (order_id);
    CREATE INDEX orders_created_at ON orders (created_at);
    ALTER TABLE orders ALTER COLUMN amount TYPE numeric(12,2);
  $$);
SQL

step "5. The safe rewrite (expand, migrate, contract) passes" <<'SQL'
SET lock_timeout = '2s';
ALTER TABLE orders ADD COLUMN status text;
ALTER TABLE orders ALTER COLUMN status SET DEFAULT 'new';
CREATE INDEX CONCURRENTLY orders_customer_id ON orders (customer_id);
SQL

step "6. The backfill, in small committed batches, with progress" <<'SQL'
SET client_min_messages = 'notice';
CALL migration_guard.backfill('orders_status', 'orders', $$status = 'paid'$$, 'status IS NULL', batch_size => 20000);
SELECT name, state, rows_done, batches, percent FROM migration_guard.backfills;
SQL

step "7. Then NOT NULL without a long scan under ACCESS EXCLUSIVE" <<'SQL'
SET lock_timeout = '2s';
ALTER TABLE orders ADD CONSTRAINT orders_status_not_null CHECK (status IS NOT NULL) NOT VALID;
ALTER TABLE orders VALIDATE CONSTRAINT orders_status_not_null;
ALTER TABLE orders ALTER COLUMN status SET NOT NULL;
ALTER TABLE orders DROP CONSTRAINT orders_status_not_null;
SELECT column_name, is_nullable FROM information_schema.columns
 WHERE table_name = 'orders' AND column_name = 'status';
SQL

printf '\nDone. The cluster is removed on exit.\n'
