CREATE EXTENSION IF NOT EXISTS migration_guard;
-- Migration heads: settings, the commit guard, downgrades, the schema
-- freeze, assert_head() and the history.  The DDL rules are off here so
-- that only the head guard speaks.
SET migration_guard.mode = off;
\set SHOW_CONTEXT never

-- Bad settings are refused when set.
SET migration_guard.expected_head = 'ae1027a6acf 27c6a30d7c24';
SET migration_guard.expected_head = 'ae1027a6acf,,27c6a30d7c24';
SET migration_guard.expected_head = 'billing:';
SET migration_guard.expected_head = 'a:b:c';
SET migration_guard.known_heads = '"quoted"';
SET migration_guard.migration_tool = 'flyaway';
SET migration_guard.migration_table = 'a.b.c';
-- good ones are accepted
SET migration_guard.expected_head = ' ae1027a6acf , 27c6a30d7c24 ';
SET migration_guard.migration_tool = 'node-pg-migrate';
SET migration_guard.migration_table = 'public."SequelizeMeta"';
RESET ALL;
SET migration_guard.mode = off;

-- Nothing configured, nothing there.
SELECT tool, migration_table, current_heads, expected_heads, state, detail FROM migration_guard.head();
SELECT migration_guard.assert_head();
\echo :LAST_ERROR_SQLSTATE

-- Alembic's version table, as alembic creates it.
CREATE TABLE alembic_version (
    version_num VARCHAR(32) NOT NULL,
    CONSTRAINT alembic_version_pkc PRIMARY KEY (version_num)
);
SET migration_guard.expected_head = '27c6a30d7c24';
SET migration_guard.known_heads = 'ae1027a6acf';
SELECT state, detail FROM migration_guard.head();
SELECT migration_guard.assert_head();
\echo :LAST_ERROR_SQLSTATE

-- An upgrade of two steps in one transaction, ending at the expected head:
-- committed.
BEGIN;
CREATE TABLE account (id bigint PRIMARY KEY);
INSERT INTO alembic_version (version_num) VALUES ('ae1027a6acf') RETURNING alembic_version.version_num;
ALTER TABLE account ADD COLUMN email text;
UPDATE alembic_version SET version_num='27c6a30d7c24' WHERE alembic_version.version_num = 'ae1027a6acf';
COMMIT;
SELECT current_heads, state FROM migration_guard.head();
SELECT migration_guard.assert_head();
SELECT to_regclass('account') IS NOT NULL AS account_exists;

-- An upgrade going beyond the expected head: the commit is refused and
-- nothing of it stays.
BEGIN;
CREATE TABLE invoice (id bigint PRIMARY KEY);
UPDATE alembic_version SET version_num='1975ea83b712' WHERE alembic_version.version_num = '27c6a30d7c24';
CREATE INDEX invoice_id ON invoice (id);
UPDATE alembic_version SET version_num='3e1f0a2b9c8d' WHERE alembic_version.version_num = '1975ea83b712';
COMMIT;
\echo :LAST_ERROR_SQLSTATE
SELECT to_regclass('invoice') AS invoice, to_regclass('invoice_id') AS invoice_id;
SELECT current_heads, state FROM migration_guard.head();

-- A revision the release lists is older than its head (the release knows
-- nothing newer than its head): moving there from the head is a downgrade.
SET migration_guard.known_heads = 'ae1027a6acf, 27c6a30d7c24, 1975ea83b712';
UPDATE alembic_version SET version_num='1975ea83b712' WHERE alembic_version.version_num = '27c6a30d7c24';
\echo :LAST_ERROR_SQLSTATE
SET migration_guard.known_heads = 'ae1027a6acf';

-- A downgrade at the expected head is refused ...
BEGIN;
ALTER TABLE account DROP COLUMN email;
UPDATE alembic_version SET version_num='ae1027a6acf' WHERE alembic_version.version_num = '27c6a30d7c24';
COMMIT;
\echo :LAST_ERROR_SQLSTATE
SELECT count(*) AS email_column_kept FROM pg_attribute WHERE attrelid = 'account'::regclass AND attname = 'email';
-- ... so is emptying the table (alembic downgrade base) ...
DELETE FROM alembic_version WHERE alembic_version.version_num = '27c6a30d7c24';
\echo :LAST_ERROR_SQLSTATE
-- ... unless allowed deliberately.
SET migration_guard.allow_downgrade = on;
UPDATE alembic_version SET version_num='ae1027a6acf' WHERE alembic_version.version_num = '27c6a30d7c24';
SELECT current_heads, state FROM migration_guard.head();
RESET migration_guard.allow_downgrade;

-- Behind the head, one transaction per migration (transaction_per_migration):
-- each intermediate step is on the way, because known_heads lists it.
SET migration_guard.expected_head = '1975ea83b712';
SET migration_guard.known_heads = 'ae1027a6acf, 27c6a30d7c24';
UPDATE alembic_version SET version_num='27c6a30d7c24' WHERE alembic_version.version_num = 'ae1027a6acf';
UPDATE alembic_version SET version_num='1975ea83b712' WHERE alembic_version.version_num = '27c6a30d7c24';
SELECT current_heads, state FROM migration_guard.head();
-- Without known_heads an unordered revision cannot be told from a newer one.
RESET migration_guard.known_heads;
SET migration_guard.expected_head = '3e1f0a2b9c8d';
UPDATE alembic_version SET version_num='5a5a5a5a5a5a' WHERE alembic_version.version_num = '1975ea83b712';
\echo :LAST_ERROR_SQLSTATE
SELECT state, detail FROM migration_guard.head();
SELECT migration_guard.assert_head();
\echo :LAST_ERROR_SQLSTATE
SET migration_guard.expected_head = '1975ea83b712';

-- The schema freeze: at the expected head, DDL outside a migration is
-- refused at commit (a migration writes its version row after its DDL, so
-- only the commit knows), whether sent alone ...
SET migration_guard.freeze_at_head = on;
CREATE TABLE drift (id int);
\echo :LAST_ERROR_SQLSTATE
-- ... or in a transaction that does not change the migration table.
BEGIN;
CREATE TABLE drift (id int);
CREATE INDEX drift_id ON drift (id);
COMMIT;
\echo :LAST_ERROR_SQLSTATE
SELECT to_regclass('drift') AS drift;
-- DDL of a rolled-back savepoint did not happen: nothing to refuse.
BEGIN;
SAVEPOINT s1;
CREATE TABLE drift (id int);
ROLLBACK TO SAVEPOINT s1;
SELECT 1 AS still_fine;
COMMIT;
-- CREATE INDEX CONCURRENTLY commits on its own: judged before it runs,
-- so no invalid index is left behind.
CREATE INDEX CONCURRENTLY account_id_idx ON account (id);
\echo :LAST_ERROR_SQLSTATE
SELECT to_regclass('account_id_idx') AS account_id_idx;
-- A deliberate downgrade sent as one query string, DDL first and version
-- row last: a migration, so the freeze lets it through.
SET migration_guard.allow_downgrade = on;
SET migration_guard.known_heads = 'ae1027a6acf, 27c6a30d7c24';
COMMENT ON TABLE account IS 'downgraded' \; UPDATE alembic_version SET version_num='27c6a30d7c24' WHERE alembic_version.version_num = '1975ea83b712';
RESET migration_guard.allow_downgrade;
RESET migration_guard.known_heads;
SELECT current_heads, state, obj_description('account'::regclass, 'pg_class') AS comment FROM migration_guard.head();
UPDATE alembic_version SET version_num='1975ea83b712' WHERE alembic_version.version_num = '27c6a30d7c24';
-- Locking the version row is not a migration: the freeze still applies.
BEGIN;
SELECT version_num FROM alembic_version FOR UPDATE;
CREATE TABLE drift (id int);
COMMIT;
\echo :LAST_ERROR_SQLSTATE
-- DROP OWNED and REASSIGN OWNED drop or change objects of the schema too.
CREATE ROLE heads_owner;
GRANT CREATE ON SCHEMA public TO heads_owner;
DROP OWNED BY heads_owner;
\echo :LAST_ERROR_SQLSTATE
REASSIGN OWNED BY heads_owner TO CURRENT_USER;
\echo :LAST_ERROR_SQLSTATE
SET migration_guard.freeze_at_head = off;
REVOKE CREATE ON SCHEMA public FROM heads_owner;
DROP ROLE heads_owner;
SET migration_guard.freeze_at_head = on;
-- Temporary objects, maintenance and data are not schema drift.
CREATE TEMP TABLE scratch (id int);
DROP TABLE scratch;
VACUUM account;
INSERT INTO account (id) VALUES (1);
-- A migration to the next head: expected head set first, DDL and version
-- row in one transaction.
SET migration_guard.expected_head = '3e1f0a2b9c8d';
SET migration_guard.known_heads = 'ae1027a6acf, 27c6a30d7c24, 1975ea83b712';
BEGIN;
CREATE TABLE invoice (id bigint PRIMARY KEY);
UPDATE alembic_version SET version_num='3e1f0a2b9c8d' WHERE alembic_version.version_num = '1975ea83b712';
COMMIT;
SELECT current_heads, state FROM migration_guard.head();
SELECT to_regclass('invoice') AS invoice;
-- Behind the head (a new release declared), DDL is free again.
SET migration_guard.expected_head = '9d9d9d9d9d9d';
CREATE TABLE prep (id int);
DROP TABLE prep;
SET migration_guard.expected_head = '3e1f0a2b9c8d';
RESET migration_guard.freeze_at_head;

-- PREPARE TRANSACTION is checked like COMMIT.
BEGIN;
UPDATE alembic_version SET version_num='7b7b7b7b7b7b' WHERE alembic_version.version_num = '3e1f0a2b9c8d';
PREPARE TRANSACTION 'heads_prepared';
\echo :LAST_ERROR_SQLSTATE
SELECT count(*) AS prepared FROM pg_prepared_xacts WHERE gid = 'heads_prepared';

-- COPY into the migration table is a write too.
COPY alembic_version FROM stdin;
7b7b7b7b7b7b
\.
\echo :LAST_ERROR_SQLSTATE

-- A role that may write alembic_version but not the history: the history
-- is written all the same, by the guard.
CREATE ROLE heads_migrator;
GRANT SELECT, INSERT, UPDATE, DELETE ON alembic_version TO heads_migrator;
SET migration_guard.expected_head = '4c4c4c4c4c4c';
SET ROLE heads_migrator;
SET application_name = 'alembic-deploy';
UPDATE alembic_version SET version_num='4c4c4c4c4c4c' WHERE alembic_version.version_num = '3e1f0a2b9c8d';
RESET ROLE;
RESET application_name;
SELECT current_heads, state FROM migration_guard.head();

-- Every change of the head, in order.
SELECT tool, migration_table, from_heads, to_heads, state, role_name, session_role = current_user AS by_session_user,
       application_name = 'alembic-deploy' AS deploy_app, txid IS NOT NULL AS has_txid
  FROM migration_guard.head_history ORDER BY id;

-- Two candidate tables: the guard refuses to guess, and refuses commits it
-- cannot check.
CREATE TABLE flyway_schema_history (installed_rank int PRIMARY KEY, version varchar(50), description varchar(200) NOT NULL,
    type varchar(20) NOT NULL, script varchar(1000) NOT NULL, checksum integer, installed_by varchar(100) NOT NULL,
    installed_on timestamp NOT NULL DEFAULT now(), execution_time integer NOT NULL, success boolean NOT NULL);
SELECT tool, migration_table, state, detail FROM migration_guard.head();
SELECT migration_guard.assert_head();
\echo :LAST_ERROR_SQLSTATE
INSERT INTO flyway_schema_history VALUES (1, '1', 'init', 'SQL', 'V1__init.sql', 0, 'me', now(), 1, true);
\echo :LAST_ERROR_SQLSTATE
SET migration_guard.migration_table = 'public.flyway_schema_history';
SET migration_guard.expected_head = '1.9';
RESET migration_guard.known_heads;
INSERT INTO flyway_schema_history VALUES (1, '1', 'init', 'SQL', 'V1__init.sql', 0, 'me', now(), 1, true);
-- Flyway orders 1.10 after 1.9: beyond the head.
INSERT INTO flyway_schema_history VALUES (2, '1.10', 'ten', 'SQL', 'V1_10__ten.sql', 0, 'me', now(), 1, true);
\echo :LAST_ERROR_SQLSTATE
-- A failed non-transactional migration on the way to the head is recorded
-- (the tool must be able to write it); head() says failed.
INSERT INTO flyway_schema_history VALUES (2, '1.9', 'nine', 'SQL', 'V1_9__nine.sql', 0, 'me', now(), 1, false);
SELECT current_heads, state, detail FROM migration_guard.head();
SELECT migration_guard.assert_head();
\echo :LAST_ERROR_SQLSTATE
RESET migration_guard.migration_table;
RESET migration_guard.expected_head;
DROP TABLE flyway_schema_history;
DROP TABLE alembic_version;

-- golang-migrate writes dirty = true in its own transaction before each
-- migration: on the way, so allowed; the clean row at the head too.
CREATE TABLE IF NOT EXISTS "public"."schema_migrations" (version bigint not null primary key, dirty boolean not null);
SET migration_guard.expected_head = '2';
BEGIN; TRUNCATE "public"."schema_migrations"; INSERT INTO "public"."schema_migrations" (version, dirty) VALUES (2, true); COMMIT;
SELECT current_heads, state FROM migration_guard.head();
BEGIN; TRUNCATE "public"."schema_migrations"; INSERT INTO "public"."schema_migrations" (version, dirty) VALUES (2, false); COMMIT;
SELECT current_heads, state FROM migration_guard.head();
-- The next version's dirty marker is beyond the head: refused.
BEGIN; TRUNCATE "public"."schema_migrations"; INSERT INTO "public"."schema_migrations" (version, dirty) VALUES (3, true); COMMIT;
\echo :LAST_ERROR_SQLSTATE
-- TRUNCATE alone moves the head back to nothing: a downgrade.
TRUNCATE "public"."schema_migrations";
\echo :LAST_ERROR_SQLSTATE
-- and so does dropping the table, or renaming it
DROP TABLE "public"."schema_migrations";
\echo :LAST_ERROR_SQLSTATE
ALTER TABLE "public"."schema_migrations" RENAME TO old_versions;
\echo :LAST_ERROR_SQLSTATE
CREATE SCHEMA heads_attic;
-- Moving it to another schema leaves the head where it was: auto-detection
-- finds the table there.
ALTER TABLE "public"."schema_migrations" SET SCHEMA heads_attic;
SELECT migration_table, current_heads, state FROM migration_guard.head();
-- Dropping its schema takes the head away.
DROP SCHEMA heads_attic CASCADE;
\echo :LAST_ERROR_SQLSTATE
SELECT migration_table, current_heads, state FROM migration_guard.head();

-- Django: heads per app.  Each migration is inserted after its DDL in
-- one transaction; the commit check judges every app of the expected set.
RESET migration_guard.expected_head;
DROP SCHEMA heads_attic CASCADE;
CREATE TABLE "django_migrations" ("id" bigint NOT NULL PRIMARY KEY GENERATED BY DEFAULT AS IDENTITY, "app" varchar(255) NOT NULL, "name" varchar(255) NOT NULL, "applied" timestamp with time zone NOT NULL);
SET migration_guard.expected_head = 'billing:0002_invoice_due, shop:0001_initial';
BEGIN;
CREATE TABLE billing_invoice (id bigint PRIMARY KEY);
INSERT INTO "django_migrations" ("app", "name", "applied") VALUES ('billing', '0001_initial', now()) RETURNING "django_migrations"."id" IS NOT NULL AS recorded;
ALTER TABLE billing_invoice ADD COLUMN due date;
INSERT INTO "django_migrations" ("app", "name", "applied") VALUES ('billing', '0002_invoice_due', now()) RETURNING "django_migrations"."id" IS NOT NULL AS recorded;
COMMIT;
SELECT current_heads, state, detail FROM migration_guard.head();
INSERT INTO "django_migrations" ("app", "name", "applied") VALUES ('shop', '0001_initial', now());
INSERT INTO "django_migrations" ("app", "name", "applied") VALUES ('contenttypes', '0001_initial', now());
SELECT current_heads, state FROM migration_guard.head();
-- beyond the head of one app: Django may record a migration after its DDL
-- committed, so its DDL is refused before it runs (check_head_before_ddl)
ALTER TABLE billing_invoice ADD COLUMN paid boolean;
\echo :LAST_ERROR_SQLSTATE
-- without that check, the commit check refuses DDL and row together
SET migration_guard.check_head_before_ddl = off;
BEGIN;
ALTER TABLE billing_invoice ADD COLUMN paid boolean;
INSERT INTO "django_migrations" ("app", "name", "applied") VALUES ('billing', '0003_invoice_paid', now());
COMMIT;
\echo :LAST_ERROR_SQLSTATE
RESET migration_guard.check_head_before_ddl;
SELECT count(*) AS paid_column FROM pg_attribute WHERE attrelid = 'billing_invoice'::regclass AND attname = 'paid';
-- unapplying the head of one app
DELETE FROM "django_migrations" WHERE ("django_migrations"."app" = 'billing' AND "django_migrations"."name" = '0002_invoice_due');
\echo :LAST_ERROR_SQLSTATE
RESET migration_guard.expected_head;
DROP TABLE django_migrations, billing_invoice;

-- Prisma writes an unfinished row before running a migration's script, in
-- its own transaction: on the way to the head, so allowed; head() says
-- failed until it finishes.
CREATE TABLE "_prisma_migrations" ("id" VARCHAR(36) PRIMARY KEY NOT NULL, "checksum" VARCHAR(64) NOT NULL, "finished_at" TIMESTAMPTZ, "migration_name" VARCHAR(255) NOT NULL, "logs" TEXT, "rolled_back_at" TIMESTAMPTZ, "started_at" TIMESTAMPTZ NOT NULL DEFAULT now(), "applied_steps_count" INTEGER NOT NULL DEFAULT 0);
SET migration_guard.expected_head = '20240201000000_orders';
INSERT INTO "_prisma_migrations" ("id", "checksum", "migration_name", "started_at", "applied_steps_count") VALUES ('p1', 'c1', '20240201000000_orders', now(), 0);
SELECT current_heads, state, detail FROM migration_guard.head();
UPDATE "_prisma_migrations" SET "finished_at" = now(), "applied_steps_count" = 1 WHERE "id" = 'p1';
SELECT current_heads, state FROM migration_guard.head();
-- the next migration's start marker is beyond the head
INSERT INTO "_prisma_migrations" ("id", "checksum", "migration_name", "started_at", "applied_steps_count") VALUES ('p2', 'c2', '20240301000000_refunds', now(), 0);
\echo :LAST_ERROR_SQLSTATE
RESET migration_guard.expected_head;
DROP TABLE "_prisma_migrations";

-- clean up
RESET migration_guard.expected_head;
DROP TABLE account, invoice;
SELECT count(*) AS history_rows FROM migration_guard.head_history;
DELETE FROM migration_guard.head_history;
DROP ROLE heads_migrator;
RESET ALL;
