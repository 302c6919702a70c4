-- drop_column and drop_table: drops judged by what depends on the object.
SET client_min_messages = error;
CREATE EXTENSION IF NOT EXISTS migration_guard;
SET client_min_messages = warning;
-- Other families' rules stay out of these messages.
SET migration_guard.rules = 'foreign_key_without_index=off, multiple_exclusive_locks=off, lock_held_across_statements=off';

CREATE SCHEMA bd;
SET search_path = bd, public;
CREATE TABLE users (id bigint PRIMARY KEY, email text, name text, nick text,
                    score int, legacy text, secret text, region text, code text);
CREATE TABLE orders (id bigint PRIMARY KEY, user_id bigint REFERENCES users,
                     user_email text, note text);
CREATE UNIQUE INDEX users_email_key ON users (email);

-- A column nothing depends on: the contract step, a warning even in enforce.
ALTER TABLE users DROP COLUMN legacy;
SELECT count(*) AS legacy_left FROM pg_attribute
 WHERE attrelid = 'users'::regclass AND attname = 'legacy' AND NOT attisdropped;

-- Only objects of that column alone depend on it: still the contract step.
CREATE INDEX orders_note_idx ON orders (note);
ALTER TABLE orders DROP COLUMN note;
SELECT count(*) AS orders_note_idx FROM pg_class WHERE relname = 'orders_note_idx';

-- A view reads it: refused in enforce, nothing applied.
CREATE VIEW user_emails AS SELECT id, email FROM users;
ALTER TABLE users DROP COLUMN email;
-- With CASCADE the message says what would be destroyed.
ALTER TABLE users DROP COLUMN email CASCADE;
SELECT count(*) AS email_left FROM pg_attribute
 WHERE attrelid = 'users'::regclass AND attname = 'email' AND NOT attisdropped;
SELECT count(*) AS view_left FROM pg_class WHERE relname = 'user_emails';
DROP VIEW user_emails;

-- A multi-column index goes silently with the column: a loss for the other column.
CREATE INDEX users_name_nick ON users (name, nick);
ALTER TABLE users DROP COLUMN nick;
DROP INDEX users_name_nick;
-- Unless the same statement drops the other column too.
CREATE TABLE pair_t (a text, b text, c text);
CREATE INDEX pair_t_a_b ON pair_t (a, b);
ALTER TABLE pair_t DROP COLUMN a, DROP COLUMN b;
SELECT count(*) AS pair_t_a_b FROM pg_class WHERE relname = 'pair_t_a_b';

-- The referenced side of a foreign key.
ALTER TABLE orders ADD CONSTRAINT orders_user_email_fkey
  FOREIGN KEY (user_email) REFERENCES users (email);
ALTER TABLE users DROP COLUMN email;
-- The referencing side of a foreign key is the column's own constraint.
ALTER TABLE orders DROP COLUMN user_email;
SELECT conname FROM pg_constraint WHERE conrelid = 'orders'::regclass
   AND contype <> 'n' ORDER BY 1;  -- 18 catalogs NOT NULL constraints too

-- A generated column, a trigger's column list and WHEN, a policy, statistics,
-- a rule, a BEGIN ATOMIC function body, a materialized view.
ALTER TABLE users ADD COLUMN score2 int GENERATED ALWAYS AS (score * 2) STORED;
CREATE FUNCTION noop() RETURNS trigger LANGUAGE plpgsql AS 'BEGIN RETURN NEW; END';
CREATE TRIGGER users_name_upd BEFORE UPDATE OF name ON users
  FOR EACH ROW EXECUTE FUNCTION noop();
CREATE TRIGGER users_region_when BEFORE UPDATE ON users
  FOR EACH ROW WHEN (NEW.region IS DISTINCT FROM OLD.region) EXECUTE FUNCTION noop();
CREATE POLICY users_secret ON users USING (secret IS NULL);
CREATE STATISTICS users_stats ON name, region FROM users;
CREATE RULE users_code_rule AS ON UPDATE TO users WHERE NEW.code = 'x' DO INSTEAD NOTHING;
CREATE FUNCTION user_code(bigint) RETURNS text LANGUAGE sql
  BEGIN ATOMIC SELECT code FROM users WHERE id = $1; END;
CREATE MATERIALIZED VIEW user_scores AS SELECT id, score FROM users;
ALTER TABLE users DROP COLUMN score;
ALTER TABLE users DROP COLUMN name;
ALTER TABLE users DROP COLUMN region;
ALTER TABLE users DROP COLUMN secret;
ALTER TABLE users DROP COLUMN code;
SELECT attname FROM pg_attribute
 WHERE attrelid = 'users'::regclass AND attnum > 0 AND NOT attisdropped ORDER BY attnum;

-- A publication's column list.
SET client_min_messages = error;
CREATE PUBLICATION users_pub FOR TABLE users (id, nick);
SET client_min_messages = warning;
ALTER TABLE users DROP COLUMN nick;
-- A published table: the publication stops replicating it.
CREATE TABLE audit_log (id bigint, entry text);
SET client_min_messages = error;
ALTER PUBLICATION users_pub ADD TABLE audit_log;
SET client_min_messages = warning;
DROP TABLE audit_log;
DROP PUBLICATION users_pub;

-- Another table's column of the table's row type.
CREATE TABLE user_snapshots (taken timestamptz, row_data users);
DROP TABLE users;
DROP TABLE user_snapshots;

-- Another column's default uses a sequence owned by the dropped table.
CREATE TABLE counters (id bigint PRIMARY KEY);
CREATE SEQUENCE counters_id_seq OWNED BY counters.id;
CREATE TABLE uses_counter (n int DEFAULT nextval('counters_id_seq'));
DROP TABLE counters;

-- A partition key column.
CREATE TABLE events (id bigint, at date, kind text) PARTITION BY RANGE (at);
CREATE TABLE events_2026 PARTITION OF events FOR VALUES FROM ('2026-01-01') TO ('2027-01-01');
ALTER TABLE events DROP COLUMN at;
-- The column's copies in partitions and inheritance children go with it.
ALTER TABLE events ADD COLUMN detail text;
CREATE VIEW events_2026_details AS SELECT id, detail FROM events_2026;
ALTER TABLE events DROP COLUMN detail;
DROP VIEW events_2026_details;
-- A partitioned index is named once, not once per partition.
CREATE TABLE events_2027 PARTITION OF events FOR VALUES FROM ('2027-01-01') TO ('2028-01-01');
CREATE INDEX events_kind_detail ON events (kind, detail);
ALTER TABLE events DROP COLUMN detail;
DROP INDEX events_kind_detail /* migration_guard:allow drop_index */;
CREATE TABLE animals (id bigint, sound text);
CREATE TABLE dogs (breed text) INHERITS (animals);
CREATE VIEW dog_sounds AS SELECT breed, sound FROM dogs;
ALTER TABLE animals DROP COLUMN sound;
-- ONLY leaves the child's column in place: nothing of the child is lost.
ALTER TABLE ONLY animals DROP COLUMN sound;
SELECT count(*) AS dogs_sound FROM pg_attribute
 WHERE attrelid = 'dogs'::regclass AND attname = 'sound' AND attislocal;
DROP VIEW dog_sounds;
DROP TABLE dogs, animals;
-- Dropping a partitioned table names the partitions that go with it.
DROP TABLE events;
SELECT count(*) AS events_left FROM pg_class WHERE relname IN ('events', 'events_2026');

-- drop_table: foreign keys of other tables, views.
DROP TABLE users;
DROP TABLE users CASCADE;
SELECT count(*) AS users_left FROM pg_class WHERE relname = 'users';
-- Several objects in one statement: the others are not dependents.
CREATE TABLE parent_t (id bigint PRIMARY KEY);
CREATE TABLE child_t (parent_id bigint REFERENCES parent_t);
DROP TABLE parent_t, child_t;
-- Missing tables: IF EXISTS is quiet, a plain DROP is PostgreSQL's error.
DROP TABLE IF EXISTS no_such_table;
DROP TABLE no_such_table;
-- Views and materialized views are judged too.
DROP MATERIALIZED VIEW user_scores;
CREATE VIEW v1 AS SELECT id FROM orders;
CREATE VIEW v2 AS SELECT id FROM v1;
DROP VIEW v1;
DROP VIEW v2;

-- Created in this transaction: exempt.
BEGIN;
CREATE TABLE fresh (a int, b int);
CREATE VIEW fresh_v AS SELECT a, b FROM fresh;
ALTER TABLE fresh DROP COLUMN b CASCADE;
DROP TABLE fresh CASCADE;
COMMIT;

-- Overrides: SET LOCAL migration_guard.allow, and the directive comment.
CREATE VIEW order_ids AS SELECT id, user_id FROM orders;
BEGIN;
SET LOCAL migration_guard.allow = 'drop_column';
ALTER TABLE orders DROP COLUMN user_id CASCADE;
ROLLBACK;
ALTER TABLE orders DROP COLUMN user_id CASCADE /* migration_guard:allow drop_column */;
SELECT count(*) AS order_ids_left FROM pg_class WHERE relname = 'order_ids';

-- Severity of dependent-free drops: explicit enforce refuses, off silences.
SET migration_guard.rules = 'drop_table=enforce, multiple_exclusive_locks=off';
DROP TABLE uses_counter;
SET migration_guard.rules = 'drop_table=off, multiple_exclusive_locks=off';
DROP TABLE uses_counter;
SET migration_guard.rules = 'foreign_key_without_index=off, multiple_exclusive_locks=off, lock_held_across_statements=off';

-- warn mode: a warning and the drop applies.
CREATE VIEW orders_v AS SELECT id FROM orders;
SET migration_guard.mode = 'warn';
DROP TABLE orders CASCADE;
RESET migration_guard.mode;
SELECT count(*) AS orders_left FROM pg_class WHERE relname IN ('orders', 'orders_v');

-- DROP SCHEMA ... CASCADE: only what it destroys outside the schema is reported.
CREATE SCHEMA bd_a CREATE TABLE parent (id bigint PRIMARY KEY)
                   CREATE VIEW parent_ids AS SELECT id FROM parent;
CREATE SCHEMA bd_b CREATE TABLE child (parent_id bigint REFERENCES bd_a.parent);
DROP SCHEMA bd_a CASCADE;
SELECT count(*) AS bd_a_left FROM pg_namespace WHERE nspname = 'bd_a';
DROP SCHEMA bd_a, bd_b CASCADE;
SELECT count(*) AS bd_ab_left FROM pg_namespace WHERE nspname IN ('bd_a', 'bd_b');

RESET search_path;
RESET migration_guard.rules;
DROP SCHEMA bd CASCADE;
