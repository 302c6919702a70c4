-- Design rules, behaviour: each rule fires on its types however they are
-- spelled, is quiet on the preferred types, applies to new tables, and is a
-- warning by default (migration_guard.rules can make it enforce).
SET client_min_messages = error;
CREATE TABLE existing (id bigint PRIMARY KEY, n int, code int UNIQUE, s text, t timestamptz);
CREATE TYPE pair AS (a int, b int);
CREATE DOMAIN short_text AS varchar(10);
SET client_min_messages = warning;
-- Every design rule refuses, so that each firing is observable.
SET migration_guard.rules = 'prefer_bigint=enforce, prefer_identity=enforce, prefer_text=enforce, prefer_timestamptz=enforce, prefer_jsonb=enforce, ban_char=enforce';

CREATE FUNCTION rel_exists(name) RETURNS boolean LANGUAGE sql AS
  $$ SELECT EXISTS (SELECT FROM pg_class WHERE relname = $1) $$;

SELECT plan(45);

-- prefer_identity and prefer_bigint on serials
SELECT throws_ok('CREATE TABLE a1 (id bigserial)', 'MG004', NULL, 'prefer_identity: bigserial');
SELECT throws_ok('CREATE TABLE a1 (id serial8)', 'MG004', NULL, 'prefer_identity: serial8');
SET migration_guard.rules = 'prefer_identity=off, prefer_bigint=enforce';
SELECT throws_ok('CREATE TABLE a1 (id serial)', 'MG004', NULL, 'prefer_bigint: serial');
SELECT throws_ok('CREATE TABLE a1 (id smallserial)', 'MG004', NULL, 'prefer_bigint: smallserial');
SELECT lives_ok('CREATE TABLE a1 (id bigserial)', 'prefer_bigint: bigserial is wide enough');
SET migration_guard.rules = 'prefer_bigint=enforce, prefer_identity=enforce, prefer_text=enforce, prefer_timestamptz=enforce, prefer_jsonb=enforce, ban_char=enforce';

-- prefer_bigint: keys only
SELECT throws_ok('CREATE TABLE a2 (id int PRIMARY KEY)', 'MG004', NULL, 'prefer_bigint: integer primary key');
SELECT throws_ok('CREATE TABLE a2 (id int4, PRIMARY KEY (id))', 'MG004', NULL, 'prefer_bigint: table-level primary key, int4');
SELECT throws_ok('CREATE TABLE a2 (id pg_catalog.int2 UNIQUE)', 'MG004', NULL, 'prefer_bigint: schema-qualified int2 unique');
SELECT throws_ok('CREATE TABLE a2 (id int GENERATED ALWAYS AS IDENTITY)', 'MG004', NULL, 'prefer_bigint: integer identity');
SELECT throws_ok('CREATE TABLE a2 (e int REFERENCES existing)', 'MG004', NULL, 'prefer_bigint: integer foreign key');
SELECT throws_ok('CREATE TABLE a2 (e int, FOREIGN KEY (e) REFERENCES existing)', 'MG004', NULL, 'prefer_bigint: table-level foreign key');
SELECT lives_ok('CREATE TABLE a2 (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, qty int, small smallint, valid int)',
                'prefer_bigint: non-key integers pass');
SELECT throws_ok('ALTER TABLE existing ALTER COLUMN code TYPE smallint', 'MG004', NULL, 'prefer_bigint: ALTER COLUMN TYPE of a unique column');
SELECT lives_ok('ALTER TABLE existing ALTER COLUMN n TYPE smallint', 'prefer_bigint: ALTER COLUMN TYPE of a plain column');

-- prefer_text
SELECT throws_ok('CREATE TABLE a3 (s varchar(20))', 'MG004', NULL, 'prefer_text: varchar(n)');
SELECT ok(NOT rel_exists('a3'), 'prefer_text: refused, nothing created');
SELECT throws_ok('CREATE TABLE a3 (s character varying(20))', 'MG004', NULL, 'prefer_text: character varying(n)');
SELECT throws_ok('CREATE TABLE a3 (s varchar(20)[])', 'MG004', NULL, 'prefer_text: varchar(n)[]');
SELECT throws_ok('ALTER TABLE existing ADD COLUMN v varchar(5)', 'MG004', NULL, 'prefer_text: ADD COLUMN');
SELECT ok(NOT EXISTS (SELECT FROM pg_attribute WHERE attrelid = 'existing'::regclass AND attname = 'v'),
          'prefer_text: refused, no column added');
SELECT throws_ok('ALTER TABLE existing ALTER COLUMN s TYPE varchar(5)', 'MG004', NULL, 'prefer_text: ALTER COLUMN TYPE');
SELECT lives_ok('CREATE TABLE a3 (s varchar, t text, d short_text)', 'prefer_text: varchar without length, text, a domain pass');

-- ban_char
SELECT throws_ok('CREATE TABLE a4 (c char(2))', 'MG004', NULL, 'ban_char: char(n)');
SELECT throws_ok('CREATE TABLE a4 (c character)', 'MG004', NULL, 'ban_char: character');
SELECT throws_ok('CREATE TABLE a4 (c bpchar)', 'MG004', NULL, 'ban_char: bpchar');
SELECT lives_ok('CREATE TABLE a4 (c "char")', 'ban_char: the one-byte "char" type passes');

-- prefer_timestamptz
SELECT throws_ok('CREATE TABLE a5 (t timestamp)', 'MG004', NULL, 'prefer_timestamptz: timestamp');
SELECT throws_ok('CREATE TABLE a5 (t timestamp(0) without time zone)', 'MG004', NULL, 'prefer_timestamptz: timestamp(0) without time zone');
SELECT throws_ok('CREATE TABLE a5 (t pg_catalog."timestamp")', 'MG004', NULL, 'prefer_timestamptz: quoted, qualified');
SELECT throws_ok('ALTER TABLE existing ALTER COLUMN t TYPE timestamp', 'MG004', NULL, 'prefer_timestamptz: ALTER COLUMN TYPE');
SELECT lives_ok('CREATE TABLE a5 (t timestamptz, u timestamp with time zone, d date)', 'prefer_timestamptz: timestamptz passes');

-- prefer_jsonb
SELECT throws_ok('CREATE TABLE a6 (j json)', 'MG004', NULL, 'prefer_jsonb: json');
SELECT throws_ok('ALTER TABLE existing ADD COLUMN j json', 'MG004', NULL, 'prefer_jsonb: ADD COLUMN');
SELECT lives_ok('CREATE TABLE a6 (j jsonb)', 'prefer_jsonb: jsonb passes');

-- Not judged: temporary tables, partitions, typed tables.
SELECT lives_ok('CREATE TEMP TABLE tmp (a varchar(5), b timestamp, c json)', 'temporary tables are not judged');
SELECT lives_ok('CREATE TABLE typed OF pair', 'typed tables are not judged');

-- Nothing applied when refused; overrides; default severity is warn.
SELECT lives_ok('CREATE TABLE a7 (j json) /* migration_guard:allow prefer_jsonb */', 'prefer_jsonb: directive comment');
SELECT lives_ok('CREATE TABLE a9 (id int PRIMARY KEY) /* migration_guard:allow prefer_bigint */', 'prefer_bigint: directive comment');
SELECT lives_ok('CREATE TABLE a10 (id bigserial) /* migration_guard:allow prefer_identity */', 'prefer_identity: directive comment');
SELECT lives_ok($$SET LOCAL migration_guard.allow = 'prefer_text'; CREATE TABLE a11 (s varchar(3))$$, 'prefer_text: SET LOCAL allow');
SELECT lives_ok($$SET LOCAL migration_guard.allow = 'ban_char'; CREATE TABLE a12 (c char(3))$$, 'ban_char: SET LOCAL allow');
SELECT lives_ok('CREATE TABLE a13 (t timestamp) /* migration_guard:allow prefer_timestamptz */', 'prefer_timestamptz: directive comment');
SELECT throws_ok('CREATE TABLE a14 (t timestamp, j json) /* migration_guard:allow prefer_timestamptz */', 'MG004', NULL,
                 'a directive for one rule leaves the others in force');
RESET migration_guard.rules;
SELECT lives_ok('CREATE TABLE a8 (id serial PRIMARY KEY, s varchar(5), c char(1), t timestamp, j json)',
                'default severity: warnings, the table is created');
SELECT ok(rel_exists('a8'), 'created under warnings');

SELECT * FROM finish();
