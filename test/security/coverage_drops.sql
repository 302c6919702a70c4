-- Attacks on the drop and rename rules (issue 13): a table owner with no
-- special rights tries every other statement form that drops, renames or
-- empties a table running code uses, hoping one passes without a finding.
-- Each attack must be refused in enforce, and the table must be unchanged.
SET client_min_messages = warning;
CREATE ROLE cov_owner LOGIN;
CREATE ROLE cov_other;
GRANT CREATE ON SCHEMA public TO cov_owner;
SET ROLE cov_owner;
SET lock_timeout = '1s';
CREATE TYPE addr AS (street text, city text);
CREATE TABLE homes OF addr;
INSERT INTO homes VALUES ('main', 'x');
CREATE DOMAIN code AS text;
CREATE TABLE codes (id int, c code);
CREATE FUNCTION f_default() RETURNS int LANGUAGE sql IMMUTABLE AS 'SELECT 1';
CREATE TABLE defs (id int NOT NULL DEFAULT f_default());
CREATE TYPE state AS ENUM ('a', 'b');
CREATE TABLE st (s state NOT NULL DEFAULT 'a');
CREATE TABLE target (id bigint PRIMARY KEY, v text);
CREATE VIEW target_v AS SELECT id FROM target;
CREATE SEQUENCE seq_for_default;
CREATE TABLE seq_user (id bigint NOT NULL DEFAULT nextval('seq_for_default'));
RESET ROLE;
CREATE VIEW other_v AS SELECT v FROM target;
ALTER VIEW other_v OWNER TO cov_other;
SET migration_guard.rules = 'multiple_exclusive_locks=off, lock_held_across_statements=off';

CREATE FUNCTION col_count(regclass) RETURNS bigint LANGUAGE sql AS
  $$ SELECT count(*) FROM pg_attribute WHERE attrelid = $1 AND attnum > 0 AND NOT attisdropped $$;

SELECT plan(26);
SET ROLE cov_owner;

-- drops through a dependency
SELECT throws_ok('DROP TYPE addr CASCADE', 'MG003', NULL, 'owner: DROP TYPE CASCADE of a typed table refused');
SELECT lives_ok('CREATE VIEW homes_city AS SELECT city FROM homes', 'setup: a view on the typed table''s column');
SELECT throws_ok('ALTER TYPE addr DROP ATTRIBUTE city CASCADE', 'MG003', NULL, 'owner: ALTER TYPE DROP ATTRIBUTE CASCADE destroying a view refused');
SELECT is(col_count('homes'), 2::bigint, 'owner: the typed table keeps its columns');
SELECT throws_ok('DROP DOMAIN code CASCADE', 'MG003', NULL, 'owner: DROP DOMAIN CASCADE of a column''s domain refused');
SELECT throws_ok('DROP FUNCTION f_default() CASCADE', 'MG003', NULL, 'owner: DROP FUNCTION CASCADE of a column default refused');
SELECT throws_ok('DROP SEQUENCE seq_for_default CASCADE', 'MG003', NULL, 'owner: DROP SEQUENCE CASCADE of a column default refused');
SELECT throws_ok('DROP OWNED BY cov_owner CASCADE', 'MG003', NULL, 'owner: DROP OWNED BY itself CASCADE destroying another role''s view refused');
SELECT ok(to_regclass('target') IS NOT NULL AND to_regclass('homes') IS NOT NULL, 'owner: nothing dropped');
-- the same, wrapped in dynamic SQL
SELECT throws_ok($q$DO $x$ BEGIN EXECUTE 'DROP TYPE addr CASCADE'; END $x$$q$, 'MG003', NULL, 'owner: DROP TYPE CASCADE in a DO block refused');
SELECT lives_ok($q$CREATE FUNCTION sneaky() RETURNS void LANGUAGE plpgsql AS $b$ BEGIN DROP DOMAIN code CASCADE; END $b$$q$, 'setup: a function that drops');
SELECT throws_ok('SELECT sneaky()', 'MG003', NULL, 'owner: DROP DOMAIN CASCADE in a function refused');

-- renames through another object kind or a type
SELECT throws_ok('ALTER INDEX target RENAME TO target2', 'MG003', NULL, 'owner: ALTER INDEX ... RENAME of a table refused');
SELECT throws_ok('ALTER INDEX target_v RENAME TO target_v2', 'MG003', NULL, 'owner: ALTER INDEX ... RENAME of a view refused');
SELECT throws_ok('ALTER SEQUENCE target RENAME TO target2', 'MG003', NULL, 'owner: ALTER SEQUENCE ... RENAME of a table refused');
SELECT throws_ok('ALTER VIEW target RENAME TO target2', 'MG003', NULL, 'owner: ALTER VIEW ... RENAME of a table refused');
SELECT throws_ok('ALTER TYPE addr RENAME ATTRIBUTE city TO town CASCADE', 'MG003', NULL, 'owner: ALTER TYPE RENAME ATTRIBUTE CASCADE refused');
SELECT throws_ok($$ALTER TYPE state RENAME VALUE 'a' TO 'z'$$, 'MG003', NULL, 'owner: ALTER TYPE RENAME VALUE refused');
SELECT ok(to_regclass('target') IS NOT NULL, 'owner: nothing renamed');

-- breaking INSERTs without a drop
SELECT throws_ok('ALTER TABLE defs ALTER COLUMN id DROP DEFAULT', 'MG003', NULL, 'owner: DROP DEFAULT of a NOT NULL column refused');
SELECT throws_ok('ALTER TABLE defs ALTER COLUMN id SET DEFAULT NULL', 'MG003', NULL, 'owner: SET DEFAULT NULL of a NOT NULL column refused');
SELECT throws_ok('ALTER TABLE st ALTER COLUMN s SET DEFAULT NULL::state', 'MG003', NULL, 'owner: SET DEFAULT NULL::type refused');

-- the owner cannot loosen the limits of the new rules
SELECT throws_ok('SET migration_guard.max_migration_rows = 0', '42501', NULL, 'owner: cannot turn unbatched_data_change off by its limit');
SELECT throws_ok('SET migration_guard.migration_roles = ''''', '42501', NULL, 'owner: cannot change migration_roles');

-- with drop_cascade enforced explicitly, the advisory forms are refused too
RESET ROLE;
SET migration_guard.rules = 'multiple_exclusive_locks=off, lock_held_across_statements=off, drop_cascade=enforce';
SET ROLE cov_owner;
SELECT throws_ok('ALTER TYPE addr DROP ATTRIBUTE street CASCADE', 'MG003', NULL, 'owner: DROP ATTRIBUTE CASCADE refused when enforced');
SELECT is(col_count('homes'), 2::bigint, 'owner: the typed table keeps its columns');

RESET ROLE;
SELECT * FROM finish();
