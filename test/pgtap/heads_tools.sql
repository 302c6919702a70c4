-- Every migration tool: its version table created and written the way the
-- tool does it, read back by migration_guard.head() in every state.
-- Rows are written with no expected head (nothing to refuse), then the
-- expected head is set and the state judged.
SET client_min_messages = warning;
SET migration_guard.mode = off;
SELECT no_plan();

CREATE FUNCTION h() RETURNS text LANGUAGE sql AS $$
    SELECT state || ' ' || coalesce(tool, '-') || ' [' || array_to_string(current_heads, ',') || ']'
    FROM migration_guard.head() $$;
CREATE FUNCTION hd() RETURNS text LANGUAGE sql AS $$ SELECT detail FROM migration_guard.head() $$;

-- nothing yet
SELECT is(h(), 'unset - []', 'no table, no expected head: unset');
SET migration_guard.expected_head = 'ae1027a6acf';
SELECT is(h(), 'no_migration_table - []', 'no table: no_migration_table');

----------------------------------------------------------------- alembic
RESET migration_guard.expected_head;
CREATE TABLE alembic_version (
    version_num VARCHAR(32) NOT NULL,
    CONSTRAINT alembic_version_pkc PRIMARY KEY (version_num)
);
SET migration_guard.expected_head = '1975ea83b712';
SELECT is(h(), 'behind alembic []', 'alembic: empty table is base, behind');
RESET migration_guard.expected_head;
INSERT INTO alembic_version (version_num) VALUES ('ae1027a6acf') RETURNING alembic_version.version_num;
SET migration_guard.expected_head = '1975ea83b712';
SELECT is(h(), 'unknown alembic [ae1027a6acf]', 'alembic: a revision not listed anywhere is unknown');
SET migration_guard.known_heads = 'ae1027a6acf, 27c6a30d7c24';
SELECT is(h(), 'behind alembic [ae1027a6acf]', 'alembic: a known older revision is behind');
RESET migration_guard.expected_head;
UPDATE alembic_version SET version_num='27c6a30d7c24' WHERE alembic_version.version_num = 'ae1027a6acf';
UPDATE alembic_version SET version_num='1975ea83b712' WHERE alembic_version.version_num = '27c6a30d7c24';
SET migration_guard.expected_head = '1975ea83b712';
SELECT is(h(), 'at_head alembic [1975ea83b712]', 'alembic: at head');
SELECT lives_ok('SELECT migration_guard.assert_head()', 'alembic: assert_head passes at head');
-- branches: two rows are two heads, compared as a set
RESET migration_guard.expected_head;
INSERT INTO alembic_version (version_num) VALUES ('3e1f0a2b9c8d');
SET migration_guard.expected_head = '1975ea83b712';
SELECT is(h(), 'unknown alembic [1975ea83b712,3e1f0a2b9c8d]', 'alembic: an extra branch head is not the expected set');
SET migration_guard.expected_head = '3e1f0a2b9c8d,1975ea83b712';
SELECT is(h(), 'at_head alembic [1975ea83b712,3e1f0a2b9c8d]', 'alembic: both branch heads, in any order');
SET migration_guard.expected_head = '3e1f0a2b9c8d,1975ea83b712,9f9f9f9f9f9f';
SELECT is(h(), 'behind alembic [1975ea83b712,3e1f0a2b9c8d]', 'alembic: a missing branch head is behind');
-- merge: DELETE one branch, UPDATE the other to the merge revision
RESET migration_guard.expected_head;
DELETE FROM alembic_version WHERE alembic_version.version_num = '3e1f0a2b9c8d';
UPDATE alembic_version SET version_num='5a5a5a5a5a5a' WHERE alembic_version.version_num = '1975ea83b712';
SET migration_guard.expected_head = '5a5a5a5a5a5a';
SELECT is(h(), 'at_head alembic [5a5a5a5a5a5a]', 'alembic: merged head');
RESET migration_guard.expected_head;
RESET migration_guard.known_heads;
DROP TABLE alembic_version;

----------------------------------------------------------------- flyway
CREATE TABLE "public"."flyway_schema_history" (
    "installed_rank" INT NOT NULL,
    "version" VARCHAR(50),
    "description" VARCHAR(200) NOT NULL,
    "type" VARCHAR(20) NOT NULL,
    "script" VARCHAR(1000) NOT NULL,
    "checksum" INTEGER,
    "installed_by" VARCHAR(100) NOT NULL,
    "installed_on" TIMESTAMP NOT NULL DEFAULT now(),
    "execution_time" INTEGER NOT NULL,
    "success" BOOLEAN NOT NULL
);
ALTER TABLE "public"."flyway_schema_history" ADD CONSTRAINT "flyway_schema_history_pk" PRIMARY KEY ("installed_rank");
CREATE INDEX "flyway_schema_history_s_idx" ON "public"."flyway_schema_history" ("success");
INSERT INTO "public"."flyway_schema_history" ("installed_rank", "version", "description", "type", "script", "checksum", "installed_by", "execution_time", "success")
    VALUES (1, '1', 'init', 'SQL', 'V1__init.sql', 1234, 'postgres', 12, true);
INSERT INTO "public"."flyway_schema_history" ("installed_rank", "version", "description", "type", "script", "checksum", "installed_by", "execution_time", "success")
    VALUES (2, '1.9', 'nine', 'SQL', 'V1_9__nine.sql', 99, 'postgres', 3, true);
INSERT INTO "public"."flyway_schema_history" ("installed_rank", "version", "description", "type", "script", "checksum", "installed_by", "execution_time", "success")
    VALUES (3, NULL, 'views', 'SQL', 'R__views.sql', 7, 'postgres', 3, true);
SET migration_guard.expected_head = '1.10';
SELECT is(h(), 'behind flyway [1.9]', 'flyway: 1.9 is before 1.10 (not text order)');
RESET migration_guard.expected_head;
INSERT INTO "public"."flyway_schema_history" ("installed_rank", "version", "description", "type", "script", "checksum", "installed_by", "execution_time", "success")
    VALUES (4, '1.10', 'ten', 'SQL', 'V1_10__ten.sql', 10, 'postgres', 3, true);
SET migration_guard.expected_head = '1.10';
SELECT is(h(), 'at_head flyway [1.10]', 'flyway: at 1.10');
SET migration_guard.expected_head = '1.10.0';
SELECT is(h(), 'at_head flyway [1.10]', 'flyway: 1.10.0 is the same version as 1.10');
SET migration_guard.known_heads = '1.0, 1.9';
SELECT is(h(), 'at_head flyway [1.10]', 'flyway: known_heads compares versions as Flyway does (1.0 = 1)');
RESET migration_guard.known_heads;
SET migration_guard.expected_head = '1.9';
SELECT is(h(), 'ahead flyway [1.10]', 'flyway: 1.10 is beyond 1.9');
SET migration_guard.expected_head = '2';
SELECT is(h(), 'behind flyway [1.10]', 'flyway: behind 2');
RESET migration_guard.expected_head;
-- a non-transactional migration that failed leaves success = false
INSERT INTO "public"."flyway_schema_history" ("installed_rank", "version", "description", "type", "script", "checksum", "installed_by", "execution_time", "success")
    VALUES (5, '2', 'two', 'SQL', 'V2__two.sql', 2, 'postgres', 3, false);
SET migration_guard.expected_head = '2';
SELECT is(h(), 'failed flyway [1.10]', 'flyway: a success = false row is a failed state');
SELECT matches(hd(), 'success = false', 'flyway: the detail names the failed marker');
RESET migration_guard.expected_head;
DELETE FROM "public"."flyway_schema_history" WHERE "success" = false;
INSERT INTO "public"."flyway_schema_history" ("installed_rank", "version", "description", "type", "script", "checksum", "installed_by", "execution_time", "success")
    VALUES (6, '2', 'two', 'SQL', 'V2__two.sql', 2, 'postgres', 3, true);
SET migration_guard.expected_head = '2';
SELECT is(h(), 'at_head flyway [2]', 'flyway: repaired and migrated');
RESET migration_guard.expected_head;
-- Flyway Teams undo takes the version back out
INSERT INTO "public"."flyway_schema_history" ("installed_rank", "version", "description", "type", "script", "checksum", "installed_by", "execution_time", "success")
    VALUES (7, '2', 'two', 'UNDO_SQL', 'U2__two.sql', 2, 'postgres', 3, true);
SET migration_guard.expected_head = '2';
SELECT is(h(), 'behind flyway [1.10]', 'flyway: an undo row takes the version back');
RESET migration_guard.expected_head;
DROP TABLE "public"."flyway_schema_history";

----------------------------------------------------------------- golang-migrate
CREATE TABLE IF NOT EXISTS "public"."schema_migrations" (version bigint not null primary key, dirty boolean not null);
TRUNCATE "public"."schema_migrations";
INSERT INTO "public"."schema_migrations" (version, dirty) VALUES (3, true);
SET migration_guard.expected_head = '3';
SELECT is(h(), 'failed golang_migrate [3]', 'golang-migrate: dirty = true is a failed state');
RESET migration_guard.expected_head;
TRUNCATE "public"."schema_migrations";
INSERT INTO "public"."schema_migrations" (version, dirty) VALUES (3, false);
SET migration_guard.expected_head = '3';
SELECT is(h(), 'at_head golang_migrate [3]', 'golang-migrate: clean version 3 is at head');
SET migration_guard.expected_head = '12';
SELECT is(h(), 'behind golang_migrate [3]', 'golang-migrate: 3 is before 12 (numeric order)');
SET migration_guard.expected_head = '2';
SELECT is(h(), 'ahead golang_migrate [3]', 'golang-migrate: ahead');
RESET migration_guard.expected_head;
DROP TABLE "public"."schema_migrations";

----------------------------------------------------------------- rails
CREATE TABLE "schema_migrations" ("version" character varying NOT NULL PRIMARY KEY);
CREATE TABLE "ar_internal_metadata" ("key" character varying NOT NULL PRIMARY KEY, "value" character varying, "created_at" timestamp(6) NOT NULL, "updated_at" timestamp(6) NOT NULL);
INSERT INTO "schema_migrations" ("version") VALUES ('20240101000000') RETURNING "version";
INSERT INTO "schema_migrations" ("version") VALUES ('20240315093000') RETURNING "version";
SET migration_guard.expected_head = '20240315093000';
SELECT is(h(), 'at_head rails [20240315093000]', 'rails: the greatest version is the head');
SET migration_guard.known_heads = '20240101000000,20240201000000,20240315093000';
SELECT is(h(), 'behind rails [20240315093000]', 'rails: a known version missing below the head is pending');
RESET migration_guard.known_heads;
SET migration_guard.expected_head = '20240401000000';
SELECT is(h(), 'behind rails [20240315093000]', 'rails: behind');
SET migration_guard.expected_head = '20240101000000';
SELECT is(h(), 'ahead rails [20240315093000]', 'rails: ahead');
RESET migration_guard.expected_head;
DELETE FROM "schema_migrations" WHERE "schema_migrations"."version" = '20240315093000';
SET migration_guard.expected_head = '20240101000000';
SELECT is(h(), 'at_head rails [20240101000000]', 'rails: down deletes the row');
RESET migration_guard.expected_head;
DROP TABLE "ar_internal_metadata";
SET migration_guard.expected_head = '20240101000000';
SELECT is(h(), 'at_head dbmate [20240101000000]', 'without ar_internal_metadata the same table reads as dbmate');
RESET migration_guard.expected_head;
DROP TABLE "schema_migrations";

----------------------------------------------------------------- dbmate
create table if not exists public.schema_migrations (version varchar(128) primary key);
insert into public.schema_migrations (version) values ('20230901120000');
insert into public.schema_migrations (version) values ('20231001120000');
SET migration_guard.expected_head = '20231001120000';
SELECT is(h(), 'at_head dbmate [20231001120000]', 'dbmate: at head');
SET migration_guard.expected_head = '20231101120000';
SELECT is(h(), 'behind dbmate [20231001120000]', 'dbmate: behind');
RESET migration_guard.expected_head;
DROP TABLE public.schema_migrations;

----------------------------------------------------------------- django
CREATE TABLE "django_migrations" ("id" bigint NOT NULL PRIMARY KEY GENERATED BY DEFAULT AS IDENTITY, "app" varchar(255) NOT NULL, "name" varchar(255) NOT NULL, "applied" timestamp with time zone NOT NULL);
INSERT INTO "django_migrations" ("app", "name", "applied") VALUES ('contenttypes', '0001_initial', now()) RETURNING "django_migrations"."id";
INSERT INTO "django_migrations" ("app", "name", "applied") VALUES ('billing', '0001_initial', now()) RETURNING "django_migrations"."id";
INSERT INTO "django_migrations" ("app", "name", "applied") VALUES ('billing', '0002_invoice_due', now()) RETURNING "django_migrations"."id";
INSERT INTO "django_migrations" ("app", "name", "applied") VALUES ('shop', '0001_initial', now()) RETURNING "django_migrations"."id";
SET migration_guard.expected_head = 'billing:0002_invoice_due,shop:0001_initial';
SELECT is(h(), 'at_head django [billing:0002_invoice_due,contenttypes:0001_initial,shop:0001_initial]', 'django: per-app heads');
SET migration_guard.expected_head = 'billing:0002_invoice_due,shop:0002_cart';
SELECT is(h(), 'behind django [billing:0002_invoice_due,contenttypes:0001_initial,shop:0001_initial]', 'django: one app behind');
SET migration_guard.expected_head = 'billing:0001_initial,shop:0001_initial';
SELECT is(h(), 'ahead django [billing:0002_invoice_due,contenttypes:0001_initial,shop:0001_initial]', 'django: one app ahead');
SET migration_guard.expected_head = '0002_invoice_due';
SELECT is(h(), 'unknown django [billing:0002_invoice_due,contenttypes:0001_initial,shop:0001_initial]', 'django: a head without its app cannot be judged');
SELECT matches(hd(), 'app:0002_invoice_due', 'django: the detail says how to write it');
RESET migration_guard.expected_head;
DELETE FROM "django_migrations" WHERE ("django_migrations"."app" = 'billing' AND "django_migrations"."name" = '0002_invoice_due');
SET migration_guard.expected_head = 'billing:0002_invoice_due';
SELECT is(h(), 'behind django [billing:0001_initial,contenttypes:0001_initial,shop:0001_initial]', 'django: unapplied migration is behind');
RESET migration_guard.expected_head;
DROP TABLE "django_migrations";

----------------------------------------------------------------- goose
CREATE TABLE goose_db_version (
    id integer PRIMARY KEY GENERATED BY DEFAULT AS IDENTITY,
    version_id bigint NOT NULL,
    is_applied boolean NOT NULL,
    tstamp timestamp NOT NULL DEFAULT now()
);
INSERT INTO goose_db_version (version_id, is_applied) VALUES (0, true);
INSERT INTO goose_db_version (version_id, is_applied) VALUES (20240101000001, true);
INSERT INTO goose_db_version (version_id, is_applied) VALUES (20240101000002, true);
SET migration_guard.expected_head = '20240101000002';
SELECT is(h(), 'at_head goose [20240101000002]', 'goose: max(version_id)');
RESET migration_guard.expected_head;
-- legacy store: a down is a row with is_applied = false
INSERT INTO goose_db_version (version_id, is_applied) VALUES (20240101000002, false);
SET migration_guard.expected_head = '20240101000002';
SELECT is(h(), 'behind goose [20240101000001]', 'goose: a later is_applied = false row takes the version back');
RESET migration_guard.expected_head;
DELETE FROM goose_db_version WHERE version_id = 20240101000001;
SET migration_guard.expected_head = '20240101000002';
SELECT is(h(), 'behind goose [0]', 'goose: down deletes the row');
RESET migration_guard.expected_head;
DROP TABLE goose_db_version;

----------------------------------------------------------------- sqitch
CREATE SCHEMA sqitch;
CREATE TABLE sqitch.projects (project TEXT PRIMARY KEY, uri TEXT NULL UNIQUE, created_at TIMESTAMPTZ NOT NULL DEFAULT clock_timestamp(), creator_name TEXT NOT NULL, creator_email TEXT NOT NULL);
CREATE TABLE sqitch.changes (
    change_id TEXT PRIMARY KEY, script_hash TEXT NULL, change TEXT NOT NULL,
    project TEXT NOT NULL REFERENCES sqitch.projects(project) ON UPDATE CASCADE,
    note TEXT NOT NULL DEFAULT '', committed_at TIMESTAMPTZ NOT NULL DEFAULT clock_timestamp(),
    committer_name TEXT NOT NULL, committer_email TEXT NOT NULL,
    planned_at TIMESTAMPTZ NOT NULL, planner_name TEXT NOT NULL, planner_email TEXT NOT NULL,
    UNIQUE(project, script_hash));
INSERT INTO sqitch.projects (project, uri, creator_name, creator_email) VALUES ('flipr', NULL, 'Marge', 'marge@example.com');
INSERT INTO sqitch.changes (change_id, script_hash, change, project, note, committer_name, committer_email, planned_at, planner_name, planner_email)
    VALUES ('a1', 'h1', 'appschema', 'flipr', '', 'Marge', 'marge@example.com', now(), 'Marge', 'marge@example.com');
INSERT INTO sqitch.changes (change_id, script_hash, change, project, note, committer_name, committer_email, planned_at, planner_name, planner_email)
    VALUES ('a2', 'h2', 'users', 'flipr', '', 'Marge', 'marge@example.com', now(), 'Marge', 'marge@example.com');
SET migration_guard.expected_head = 'flipr:users';
SELECT is(h(), 'at_head sqitch [flipr:users]', 'sqitch: latest committed change of the project');
SET migration_guard.expected_head = 'flipr:flips';
SELECT is(h(), 'behind sqitch [flipr:users]', 'sqitch: the expected change is not deployed');
SET migration_guard.expected_head = 'flipr:appschema';
SELECT is(h(), 'ahead sqitch [flipr:users]', 'sqitch: a change deployed after the expected one');
SET migration_guard.known_heads = 'flipr:appschema';
SET migration_guard.expected_head = 'flipr:flips';
SELECT is(h(), 'unknown sqitch [flipr:users]', 'sqitch: with known_heads, an unlisted change is unknown');
RESET migration_guard.known_heads;
RESET migration_guard.expected_head;
DROP SCHEMA sqitch CASCADE;

----------------------------------------------------------------- prisma
CREATE TABLE "_prisma_migrations" (
    "id" VARCHAR(36) PRIMARY KEY NOT NULL, "checksum" VARCHAR(64) NOT NULL,
    "finished_at" TIMESTAMPTZ, "migration_name" VARCHAR(255) NOT NULL, "logs" TEXT,
    "rolled_back_at" TIMESTAMPTZ, "started_at" TIMESTAMPTZ NOT NULL DEFAULT now(),
    "applied_steps_count" INTEGER NOT NULL DEFAULT 0);
INSERT INTO "_prisma_migrations" ("id", "checksum", "migration_name", "started_at", "applied_steps_count") VALUES ('p1', 'c1', '20240101000000_init', now(), 0);
UPDATE "_prisma_migrations" SET "applied_steps_count" = "applied_steps_count" + 1 WHERE "id" = 'p1';
UPDATE "_prisma_migrations" SET "finished_at" = now() WHERE "id" = 'p1';
INSERT INTO "_prisma_migrations" ("id", "checksum", "migration_name", "started_at", "applied_steps_count") VALUES ('p2', 'c2', '20240201000000_orders', now() + interval '1 s', 0);
SET migration_guard.expected_head = '20240201000000_orders';
SELECT is(h(), 'failed prisma [20240101000000_init]', 'prisma: an unfinished row is a failed state');
RESET migration_guard.expected_head;
UPDATE "_prisma_migrations" SET "rolled_back_at" = now() WHERE "id" = 'p2';
SET migration_guard.expected_head = '20240201000000_orders';
SELECT is(h(), 'behind prisma [20240101000000_init]', 'prisma: resolved as rolled back, behind');
RESET migration_guard.expected_head;
INSERT INTO "_prisma_migrations" ("id", "checksum", "migration_name", "started_at", "applied_steps_count") VALUES ('p3', 'c2', '20240201000000_orders', now() + interval '2 s', 0);
UPDATE "_prisma_migrations" SET "finished_at" = now() WHERE "id" = 'p3';
SET migration_guard.expected_head = '20240201000000_orders';
SELECT is(h(), 'at_head prisma [20240201000000_orders]', 'prisma: at head');
RESET migration_guard.expected_head;
DROP TABLE "_prisma_migrations";

----------------------------------------------------------------- liquibase
CREATE TABLE public.databasechangelog (ID VARCHAR(255) NOT NULL, AUTHOR VARCHAR(255) NOT NULL, FILENAME VARCHAR(255) NOT NULL, DATEEXECUTED TIMESTAMP WITHOUT TIME ZONE NOT NULL, ORDEREXECUTED INTEGER NOT NULL, EXECTYPE VARCHAR(10) NOT NULL, MD5SUM VARCHAR(35), DESCRIPTION VARCHAR(255), COMMENTS VARCHAR(255), TAG VARCHAR(255), LIQUIBASE VARCHAR(20), CONTEXTS VARCHAR(255), LABELS VARCHAR(255), DEPLOYMENT_ID VARCHAR(10));
CREATE TABLE public.databasechangeloglock (ID INTEGER NOT NULL, LOCKED BOOLEAN NOT NULL, LOCKGRANTED TIMESTAMP WITHOUT TIME ZONE, LOCKEDBY VARCHAR(255), CONSTRAINT databasechangeloglock_pkey PRIMARY KEY (ID));
INSERT INTO public.databasechangelog (ID, AUTHOR, FILENAME, DATEEXECUTED, ORDEREXECUTED, MD5SUM, DESCRIPTION, COMMENTS, EXECTYPE, CONTEXTS, LABELS, LIQUIBASE, DEPLOYMENT_ID)
    VALUES ('create-users', 'alice', 'db/changelog.xml', NOW(), 1, '9:aaa', 'createTable tableName=users', '', 'EXECUTED', NULL, NULL, '4.25.0', '1000000001');
INSERT INTO public.databasechangelog (ID, AUTHOR, FILENAME, DATEEXECUTED, ORDEREXECUTED, MD5SUM, DESCRIPTION, COMMENTS, EXECTYPE, CONTEXTS, LABELS, LIQUIBASE, DEPLOYMENT_ID)
    VALUES ('add-email', 'bob', 'db/changelog.xml', NOW(), 2, '9:bbb', 'addColumn tableName=users', '', 'EXECUTED', NULL, NULL, '4.25.0', '1000000001');
SET migration_guard.expected_head = 'add-email';
SELECT is(h(), 'at_head liquibase [add-email]', 'liquibase: the last change set by dateexecuted, orderexecuted');
SET migration_guard.expected_head = 'create-users';
SELECT is(h(), 'ahead liquibase [add-email]', 'liquibase: a change set ran after the expected one');
SET migration_guard.expected_head = 'add-index';
SELECT is(h(), 'behind liquibase [add-email]', 'liquibase: the expected change set has not run');
RESET migration_guard.expected_head;
INSERT INTO public.databasechangelog (ID, AUTHOR, FILENAME, DATEEXECUTED, ORDEREXECUTED, MD5SUM, DESCRIPTION, COMMENTS, EXECTYPE, CONTEXTS, LABELS, LIQUIBASE, DEPLOYMENT_ID)
    VALUES ('add-index', 'bob', 'db/changelog.xml', NOW(), 3, '9:ccc', 'createIndex', '', 'FAILED', NULL, NULL, '4.25.0', '1000000002');
SET migration_guard.expected_head = 'add-index';
SELECT is(h(), 'failed liquibase [add-email]', 'liquibase: exectype FAILED is a failed state');
RESET migration_guard.expected_head;
DROP TABLE public.databasechangelog;
DROP TABLE public.databasechangeloglock;

----------------------------------------------------------------- knex
create table "knex_migrations" ("id" serial primary key, "name" varchar(255), "batch" integer, "migration_time" timestamptz);
create table "knex_migrations_lock" ("index" serial primary key, "is_locked" integer);
insert into "knex_migrations_lock" ("is_locked") values (0);
insert into "knex_migrations" ("batch", "migration_time", "name") values (1, now(), '20240101120000_create_users.js');
insert into "knex_migrations" ("batch", "migration_time", "name") values (1, now(), '20240102120000_add_email.js');
SET migration_guard.expected_head = '20240102120000_add_email.js';
SELECT is(h(), 'at_head knex [20240102120000_add_email.js]', 'knex: at head');
SET migration_guard.expected_head = '20240103120000_add_index.js';
SELECT is(h(), 'behind knex [20240102120000_add_email.js]', 'knex: behind');
RESET migration_guard.expected_head;
delete from "knex_migrations" where "name" in ('20240102120000_add_email.js');
SET migration_guard.expected_head = '20240101120000_create_users.js';
SELECT is(h(), 'at_head knex [20240101120000_create_users.js]', 'knex: rollback deletes the batch rows');
RESET migration_guard.expected_head;
DROP TABLE "knex_migrations", "knex_migrations_lock";

----------------------------------------------------------------- node-pg-migrate
CREATE TABLE "public"."pgmigrations" ( id SERIAL PRIMARY KEY, name varchar(255) NOT NULL, run_on timestamp NOT NULL);
INSERT INTO "public"."pgmigrations" (name, run_on) VALUES ('1700000000000_init', NOW());
INSERT INTO "public"."pgmigrations" (name, run_on) VALUES ('1700000500000_users', NOW());
SET migration_guard.expected_head = '1700000500000_users';
SELECT is(h(), 'at_head node_pg_migrate [1700000500000_users]', 'node-pg-migrate: at head');
SET migration_guard.expected_head = '1700000000000_init';
SELECT is(h(), 'ahead node_pg_migrate [1700000500000_users]', 'node-pg-migrate: ahead');
RESET migration_guard.expected_head;
DROP TABLE "public"."pgmigrations";

----------------------------------------------------------------- diesel
CREATE TABLE IF NOT EXISTS __diesel_schema_migrations (version VARCHAR(50) PRIMARY KEY NOT NULL, run_on TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP);
INSERT INTO "__diesel_schema_migrations" ("version") VALUES ('20240101000000');
INSERT INTO "__diesel_schema_migrations" ("version") VALUES ('20240105000000');
SET migration_guard.expected_head = '20240105000000';
SELECT is(h(), 'at_head diesel [20240105000000]', 'diesel: at head');
SET migration_guard.expected_head = '20240201000000';
SELECT is(h(), 'behind diesel [20240105000000]', 'diesel: behind');
RESET migration_guard.expected_head;
DROP TABLE __diesel_schema_migrations;

----------------------------------------------------------------- sqlx
CREATE TABLE IF NOT EXISTS _sqlx_migrations (version BIGINT PRIMARY KEY, description TEXT NOT NULL, installed_on TIMESTAMPTZ NOT NULL DEFAULT now(), success BOOLEAN NOT NULL, checksum BYTEA NOT NULL, execution_time BIGINT NOT NULL);
INSERT INTO _sqlx_migrations ( version, description, success, checksum, execution_time ) VALUES ( 20240101000000, 'init', TRUE, '\x00'::bytea, -1 );
UPDATE _sqlx_migrations SET execution_time = 42 WHERE version = 20240101000000;
SET migration_guard.expected_head = '20240101000000';
SELECT is(h(), 'at_head sqlx [20240101000000]', 'sqlx: at head');
RESET migration_guard.expected_head;
INSERT INTO _sqlx_migrations ( version, description, success, checksum, execution_time ) VALUES ( 20240201000000, 'orders', FALSE, '\x01'::bytea, -1 );
SET migration_guard.expected_head = '20240201000000';
SELECT is(h(), 'failed sqlx [20240101000000]', 'sqlx: success = false is a failed (dirty) state');
RESET migration_guard.expected_head;
DROP TABLE _sqlx_migrations;

----------------------------------------------------------------- typeorm
CREATE TABLE "migrations" ("id" SERIAL NOT NULL, "timestamp" bigint NOT NULL, "name" character varying NOT NULL, CONSTRAINT "PK_8c82d7f526340ab734260ea46be" PRIMARY KEY ("id"));
INSERT INTO "migrations"("timestamp", "name") VALUES (1700000000000, 'CreateUsers1700000000000');
INSERT INTO "migrations"("timestamp", "name") VALUES (1700000900000, 'AddEmail1700000900000');
SET migration_guard.expected_head = 'AddEmail1700000900000';
SELECT is(h(), 'at_head typeorm [AddEmail1700000900000]', 'typeorm: ordered by the timestamp ending the name, not by the name');
SET migration_guard.expected_head = 'BackfillUsers1700000500000';
SELECT is(h(), 'ahead typeorm [AddEmail1700000900000]', 'typeorm: ahead of an older timestamp');
RESET migration_guard.expected_head;
DROP TABLE "migrations";

----------------------------------------------------------------- sequelize
CREATE TABLE IF NOT EXISTS "SequelizeMeta" ("name" VARCHAR(255) NOT NULL UNIQUE , PRIMARY KEY ("name"));
INSERT INTO "SequelizeMeta" ("name") VALUES ('20240101000000-create-user.js') RETURNING "name";
INSERT INTO "SequelizeMeta" ("name") VALUES ('20240301000000-add-email.js') RETURNING "name";
SET migration_guard.expected_head = '20240301000000-add-email.js';
SELECT is(h(), 'at_head sequelize [20240301000000-add-email.js]', 'sequelize: quoted mixed-case table, at head');
RESET migration_guard.expected_head;
DELETE FROM "SequelizeMeta" WHERE "name" = '20240301000000-add-email.js';
SET migration_guard.expected_head = '20240301000000-add-email.js';
SELECT is(h(), 'behind sequelize [20240101000000-create-user.js]', 'sequelize: undo deletes the row');
RESET migration_guard.expected_head;
DROP TABLE "SequelizeMeta";

----------------------------------------------------------------- atlas
CREATE SCHEMA "atlas_schema_revisions";
CREATE TABLE "atlas_schema_revisions"."atlas_schema_revisions" ("version" character varying NOT NULL, "description" character varying NOT NULL, "type" bigint NOT NULL DEFAULT 2, "applied" bigint NOT NULL DEFAULT 0, "total" bigint NOT NULL DEFAULT 0, "executed_at" timestamptz NOT NULL, "execution_time" bigint NOT NULL, "error" text NULL, "error_stmt" text NULL, "hash" character varying NOT NULL, "partial_hashes" jsonb NULL, "operator_version" character varying NOT NULL, PRIMARY KEY ("version"));
INSERT INTO "atlas_schema_revisions"."atlas_schema_revisions" ("version", "description", "type", "applied", "total", "executed_at", "execution_time", "hash", "operator_version")
    VALUES ('.atlas_cloud_identifier', 'x', 0, 0, 0, now(), 0, '', 'v0.20');
INSERT INTO "atlas_schema_revisions"."atlas_schema_revisions" ("version", "description", "type", "applied", "total", "executed_at", "execution_time", "hash", "operator_version")
    VALUES ('20240101000000', 'init', 2, 3, 3, now(), 10, 'h', 'v0.20');
SET migration_guard.expected_head = '20240101000000';
SELECT is(h(), 'at_head atlas [20240101000000]', 'atlas: applied = total, the identifier row ignored');
RESET migration_guard.expected_head;
INSERT INTO "atlas_schema_revisions"."atlas_schema_revisions" ("version", "description", "type", "applied", "total", "executed_at", "execution_time", "error", "hash", "operator_version")
    VALUES ('20240201000000', 'orders', 2, 1, 4, now(), 10, 'boom', 'h', 'v0.20');
SET migration_guard.expected_head = '20240201000000';
SELECT is(h(), 'failed atlas [20240101000000]', 'atlas: applied < total is a failed state');
RESET migration_guard.expected_head;
DROP SCHEMA "atlas_schema_revisions" CASCADE;

----------------------------------------------------------------- graphile-migrate
create schema if not exists graphile_migrate;
create table if not exists graphile_migrate.migrations (hash text primary key, previous_hash text references graphile_migrate.migrations, filename text not null, date timestamptz not null default now());
create table if not exists graphile_migrate.current (filename text primary key default 'current.sql', content text not null, date timestamptz not null default now());
insert into graphile_migrate.migrations(hash, previous_hash, filename) values ('sha1:aaa', null, '000001.sql');
insert into graphile_migrate.migrations(hash, previous_hash, filename) values ('sha1:bbb', 'sha1:aaa', '000002.sql');
SET migration_guard.expected_head = '000002.sql';
SELECT is(h(), 'at_head graphile_migrate [000002.sql]', 'graphile-migrate: last committed file');
SET migration_guard.expected_head = '000010.sql';
SELECT is(h(), 'behind graphile_migrate [000002.sql]', 'graphile-migrate: behind');
RESET migration_guard.expected_head;
DROP SCHEMA graphile_migrate CASCADE;

----------------------------------------------------------------- yoyo
CREATE TABLE _yoyo_migration (migration_hash VARCHAR(64), migration_id VARCHAR(255), applied_at_utc TIMESTAMP, PRIMARY KEY (migration_hash));
INSERT INTO _yoyo_migration (migration_hash, migration_id, applied_at_utc) VALUES (encode(sha256('20240101_01_abcde-create-users'), 'hex'), '20240101_01_abcde-create-users', now() at time zone 'utc');
SET migration_guard.expected_head = '20240101_01_abcde-create-users';
SELECT is(h(), 'at_head yoyo [20240101_01_abcde-create-users]', 'yoyo: at head');
SET migration_guard.expected_head = '20240202_01_fghij-orders';
SELECT is(h(), 'behind yoyo [20240101_01_abcde-create-users]', 'yoyo: behind');
RESET migration_guard.expected_head;
DROP TABLE _yoyo_migration;

----------------------------------------------------------------- db-migrate
-- as db-migrate-pg creates and writes it (names: "/" + file name without extension)
CREATE TABLE "migrations" ("id" SERIAL PRIMARY KEY, "name" VARCHAR (255) NOT NULL, "run_on" TIMESTAMP NOT NULL);
INSERT INTO "migrations" ("name", "run_on") VALUES ('/20240101000001-account', '2024-01-01 10:00:00');
INSERT INTO "migrations" ("name", "run_on") VALUES ('/20240101000002-invoice', '2024-01-01 10:00:01');
SET migration_guard.expected_head = '/20240101000002-invoice';
SELECT is(h(), 'at_head db_migrate [/20240101000002-invoice]', 'db-migrate: at head');
SET migration_guard.expected_head = '/20240101000003-note';
SELECT is(h(), 'behind db_migrate [/20240101000002-invoice]', 'db-migrate: behind');
SET migration_guard.expected_head = '/20240101000001-account';
SELECT is(h(), 'ahead db_migrate [/20240101000002-invoice]', 'db-migrate: ahead');
SET migration_guard.expected_head = '20240101000002-invoice';
SELECT matches(hd(), 'not written the way db_migrate writes its versions', 'db-migrate: a head without its "/" is named a format problem');
RESET migration_guard.expected_head;
SELECT is(migration_guard.set_expected_head('20240101000002-invoice'), '/20240101000002-invoice', 'db-migrate: set_expected_head normalises the "/"');
SELECT is(h(), 'at_head db_migrate [/20240101000002-invoice]', 'db-migrate: at the declared head');
SELECT ok(migration_guard.clear_expected_head(), 'db-migrate: declaration cleared');
DELETE FROM "migrations" WHERE name = '/20240101000002-invoice';
SET migration_guard.expected_head = '/20240101000002-invoice';
SELECT is(h(), 'behind db_migrate [/20240101000001-account]', 'db-migrate: down deletes the row');
RESET migration_guard.expected_head;
DROP TABLE "migrations";

----------------------------------------------------------------- detection
CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL PRIMARY KEY);
CREATE TABLE knex_migrations ("id" serial primary key, "name" varchar(255), "batch" integer, "migration_time" timestamptz);
SET migration_guard.expected_head = 'abc';
SELECT is(h(), 'unknown - []', 'two candidate tables: no guess');
SELECT matches(hd(), 'public.alembic_version \(alembic\) and public.knex_migrations \(knex\)', 'the detail names both candidates');
SET migration_guard.migration_tool = 'alembic';
SELECT is(h(), 'behind alembic []', 'migration_tool picks one');
RESET migration_guard.migration_tool;
SET migration_guard.migration_table = 'public.knex_migrations';
SELECT is(h(), 'behind knex []', 'migration_table picks one, its tool found by shape');
SET migration_guard.migration_table = 'public.no_such_table';
SELECT is(h(), 'no_migration_table - []', 'a configured table that does not exist');
CREATE TABLE not_a_migration_table (x int);
SET migration_guard.migration_table = 'not_a_migration_table';
SELECT is(h(), 'unknown - []', 'a configured table of no tool''s shape');
SELECT matches(hd(), 'shape', 'the detail says so');
SET migration_guard.migration_tool = 'flyway';
SET migration_guard.migration_table = 'public.alembic_version';
SELECT is(h(), 'unknown flyway []', 'a configured table without the configured tool''s columns');
SELECT matches(hd(), 'lacks column "installed_rank"', 'the detail names the missing column');
RESET migration_guard.migration_table;
RESET migration_guard.migration_tool;
CREATE SCHEMA tenant2;
DROP TABLE knex_migrations;
CREATE TABLE tenant2.alembic_version (version_num VARCHAR(32) NOT NULL PRIMARY KEY);
SELECT is(h(), 'unknown - []', 'the same tool''s table in two schemas: no guess');
SET migration_guard.migration_table = 'tenant2.alembic_version';
SELECT is(h(), 'behind alembic []', 'a schema-qualified table');
SET migration_guard.migration_tool = 'Golang-Migrate';
SELECT is(current_setting('migration_guard.migration_tool'), 'Golang-Migrate', 'tool names are accepted in the tool''s own spelling');
RESET ALL;
SET migration_guard.mode = off;
CREATE TEMP TABLE alembic_version (version_num text);
DROP TABLE tenant2.alembic_version;
SET migration_guard.expected_head = 'abc';
SELECT is(h(), 'behind alembic []', 'temporary tables are never migration tables');
RESET migration_guard.expected_head;

----------------------------------------------------------------- privileges
-- An application role with no access to the migration table or its schema
-- still reads the true head, and its own DML is not disturbed.
CREATE SCHEMA ops;
CREATE TABLE ops.alembic_version (version_num VARCHAR(32) NOT NULL PRIMARY KEY);
INSERT INTO ops.alembic_version VALUES ('ae1027a6acf');
CREATE ROLE heads_tools_app;
CREATE TABLE app_data (id int);
GRANT INSERT, SELECT ON app_data TO heads_tools_app;
ALTER TABLE ops.alembic_version ENABLE ROW LEVEL SECURITY;
SET migration_guard.migration_table = 'ops.alembic_version';
SET migration_guard.expected_head = 'ae1027a6acf';
SET ROLE heads_tools_app;
SELECT is(h(), 'at_head alembic [ae1027a6acf]', 'a role without USAGE on the schema reads the head (row security does not hide it)');
SELECT lives_ok('SELECT migration_guard.assert_head()', 'and passes assert_head');
SELECT lives_ok('INSERT INTO app_data VALUES (1)', 'its DML is not affected by the configured table');
SELECT throws_ok('SELECT count(*) FROM migration_guard.head_history', '42501', NULL, 'head_history is not readable by PUBLIC');
RESET ROLE;
RESET migration_guard.migration_table;
RESET migration_guard.expected_head;
DROP TABLE app_data;
DROP SCHEMA ops CASCADE;
DROP ROLE heads_tools_app;

SELECT * FROM finish();
