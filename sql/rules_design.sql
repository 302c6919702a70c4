-- Design rules: warnings by default, also on new tables.
SET client_min_messages = error;
CREATE EXTENSION IF NOT EXISTS migration_guard;
SET client_min_messages = warning;

CREATE SCHEMA ds;
SET search_path = ds, public;

-- Every spelling resolves through the catalog.
CREATE TABLE t1 (
    id serial PRIMARY KEY,
    small_id smallserial,
    big_id bigserial,
    a varchar(40),
    b character varying(10),
    c varchar,
    d char(2),
    e character,
    f bpchar,
    g "char",
    h timestamp,
    i timestamp(3) without time zone,
    j pg_catalog.timestamp,
    k timestamptz,
    l json,
    m jsonb,
    n int4,
    o text[],
    p varchar(5)[]
);
SELECT count(*) AS created FROM pg_class WHERE relname = 't1';

-- Bad type modifiers are PostgreSQL's to report.
CREATE TABLE bad (a varchar(0));

-- prefer_bigint: key columns only (primary key, unique, foreign key, identity).
CREATE TABLE t2 (
    id int GENERATED ALWAYS AS IDENTITY,
    code pg_catalog.int4 UNIQUE,
    t1_id integer REFERENCES t1,
    small int2,
    qty integer,
    CONSTRAINT t2_pk PRIMARY KEY (small)
);
CREATE TABLE t3 (a int, b int, c int, UNIQUE (b), FOREIGN KEY (c) REFERENCES t1 (id));
-- Integers that are no key (yet) pass, whatever their name.
CREATE TABLE t6 (id int, user_id integer, qty int, valid smallint);

-- ADD COLUMN and ALTER COLUMN TYPE.
ALTER TABLE t3 ADD COLUMN created timestamp;
ALTER TABLE t3 ADD COLUMN doc json;
ALTER TABLE t3 ADD COLUMN IF NOT EXISTS doc json;
ALTER TABLE t3 ADD COLUMN k serial;
ALTER TABLE t3 ALTER COLUMN a TYPE varchar(20);
ALTER TABLE t3 ALTER COLUMN b TYPE smallint;
ALTER TABLE t3 ALTER COLUMN created TYPE timestamptz;

-- Tables created by CREATE SCHEMA are judged too.
CREATE SCHEMA ds_inner CREATE TABLE inner_t (created timestamp, doc jsonb);
DROP SCHEMA ds_inner CASCADE;

-- Not judged: temporary tables, partitions, typed tables, IF NOT EXISTS of an existing table.
CREATE TEMP TABLE tmp (a varchar(10), b timestamp);
CREATE TABLE parted (a int, b timestamp) PARTITION BY RANGE (a);
CREATE TABLE parted_1 PARTITION OF parted FOR VALUES FROM (0) TO (10);
CREATE TABLE IF NOT EXISTS t1 (x json);

-- Severity: enforce on request refuses; off silences; allow and directives.
SET migration_guard.rules = 'prefer_jsonb=enforce, prefer_timestamptz=off';
CREATE TABLE t4 (a json, b timestamp);
SELECT count(*) AS t4 FROM pg_class WHERE relname = 't4';
CREATE TABLE t4 (a json, b timestamp) /* migration_guard:allow prefer_jsonb */;
BEGIN;
SET LOCAL migration_guard.allow = 'prefer_jsonb';
CREATE TABLE t5 (a json);
COMMIT;
RESET migration_guard.rules;

RESET search_path;
DROP SCHEMA ds CASCADE;
