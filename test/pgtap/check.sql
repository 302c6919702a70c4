-- migration_guard.check(): behaviour.  Runs outside a transaction, so the
-- tables below exist before check() is called, as in production.
SET client_min_messages = warning;
SET migration_guard.small_table_threshold = 0;
CREATE TABLE big (id bigint PRIMARY KEY, v int, note text);
INSERT INTO big SELECT g, g, 'n' FROM generate_series(1, 2000) g;
ANALYZE big;
CREATE TABLE parted (id bigint, at date) PARTITION BY RANGE (at);
CREATE TABLE kid (id bigint PRIMARY KEY, big_id bigint);
INSERT INTO kid SELECT g, g FROM generate_series(1, 2000) g;
CREATE ROLE check_nobody NOLOGIN;
GRANT USAGE ON SCHEMA migration_guard TO check_nobody;
CREATE SCHEMA check_nobody_s AUTHORIZATION check_nobody;
SET lock_timeout = '1s';

SELECT plan(61);

-- 1-3: a table the script creates, then indexes and alters: no finding
SELECT is((SELECT count(*) FROM migration_guard.check($$
    CREATE TABLE fresh (id bigint PRIMARY KEY, big_id bigint REFERENCES big, v int);
    CREATE INDEX fresh_big_id ON fresh (big_id);
    ALTER TABLE fresh ALTER COLUMN v TYPE bigint;
    ALTER TABLE fresh ADD COLUMN w text DEFAULT 'x';
    $$)), 0::bigint, 'statements on a table the script created are exempt');
SELECT is(to_regclass('fresh'), NULL, 'nothing the script created persists');
SELECT is(to_regclass('fresh_big_id'), NULL, 'nor its index');

-- 4-9: CREATE INDEX on an existing table
SELECT results_eq(
    $$SELECT statement, rule, severity, relation, lock_mode, rewrites
      FROM migration_guard.check('CREATE TABLE fresh (id bigint); CREATE INDEX big_v ON big (v);')$$,
    $$VALUES (2, 'create_index', 'enforce', 'public.big', 'SHARE', false)$$,
    'CREATE INDEX on an existing table: statement 2, rule, lock SHARE');
SELECT is(to_regclass('big_v'), NULL, 'the index was not built');
SELECT is((SELECT statement_text FROM migration_guard.check('CREATE TABLE fresh (id bigint);   CREATE INDEX big_v ON big (v)  ;')),
    'CREATE INDEX big_v ON big (v)', 'statement_text is the statement, trimmed');
SELECT ok((SELECT message IS NOT NULL AND detail LIKE '%SHARE%' AND hint LIKE '%CONCURRENTLY%'
           FROM migration_guard.check('CREATE INDEX ON big (v)')),
    'the finding carries message, detail and hint');
SELECT is((SELECT count(*) FROM migration_guard.check('CREATE INDEX CONCURRENTLY ON big (v)') WHERE rule IS NOT NULL),
    0::bigint, 'CREATE INDEX CONCURRENTLY: no finding');
SELECT matches((SELECT note FROM migration_guard.check('CREATE INDEX CONCURRENTLY ON big (v)')),
    'cannot run inside a transaction block', 'CREATE INDEX CONCURRENTLY: a note that it must run on its own');

-- 10-12: ALTER TABLE on an existing table is judged, never run
SELECT results_eq(
    $$SELECT statement, rule, lock_mode, rewrites
      FROM migration_guard.check('ALTER TABLE big ALTER COLUMN v TYPE text')$$,
    $$VALUES (1, 'alter_column_type', 'ACCESS EXCLUSIVE', true)$$,
    'ALTER COLUMN TYPE on an existing table: finding, ACCESS EXCLUSIVE, rewrites');
SELECT col_type_is('big', 'v', 'integer', 'the table is unchanged afterwards');
SELECT is((SELECT count(*) FROM migration_guard.check($$
    ALTER TABLE big ADD COLUMN extra int;
    CREATE INDEX ON big (extra);
    $$) WHERE rule = 'create_index'), 1::bigint,
    'a statement after a judged-only one is still judged, with the column it adds');
SELECT is((SELECT count(*) FROM migration_guard.check($$
    ALTER TABLE big RENAME COLUMN v TO v_renamed;
    CREATE INDEX ON big (v_renamed);
    $$) WHERE rule = 'create_index'), 1::bigint,
    'and with the column it renames');

-- 13-16: transaction control and data statements
SELECT results_eq(
    $$SELECT statement, rule IS NULL,
             coalesce(note LIKE 'ignored:%' OR note LIKE 'ends the script''s transaction:%', false)
      FROM migration_guard.check('BEGIN; CREATE INDEX ON big (v); COMMIT;')$$,
    $$VALUES (1, true, true), (2, false, false), (3, true, true)$$,
    'BEGIN is ignored and COMMIT ends the transaction, each with a note; the statement between is judged');
SELECT matches((SELECT note FROM migration_guard.check('UPDATE big SET v = 0')),
    '^not analysed', 'UPDATE: not analysed');
SELECT is((SELECT count(*) FROM big WHERE v = 0), 0::bigint, 'and not run');
SELECT matches((SELECT note FROM migration_guard.check($q$DO $do$ BEGIN EXECUTE 'CREATE INDEX ON big (v)'; END $do$$q$)),
    '^not analysed', 'DO: not analysed');

-- 17-20: bad input
SELECT throws_ok($$SELECT * FROM migration_guard.check('CREATE TABLE a (id int); CREATE TABEL b (id int);')$$,
    '42601', NULL, 'a syntax error is an error');
SELECT is((SELECT count(*) FROM migration_guard.check('')), 0::bigint, 'an empty script has no rows');
SELECT is((SELECT count(*) FROM migration_guard.check('-- nothing but a comment')), 0::bigint, 'nor has a comment');
SELECT throws_ok($$SELECT * FROM migration_guard.check('SELECT 1', mode => 'strict')$$,
    '22023', NULL, 'an unknown mode is an error');

-- 21-23: a failing statement is a row; the check goes on
SELECT results_eq(
    $$SELECT statement, rule, coalesce(note LIKE 'fails:%42P01%', false)
      FROM migration_guard.check('CREATE INDEX ON missing (v); CREATE INDEX ON big (v);')$$,
    $$VALUES (1, NULL::text, true), (2, 'create_index', false)$$,
    'a failing statement is reported, and later statements are judged');
SELECT is((SELECT count(*) FROM migration_guard.check('CREATE TABLE t1 (a int); CREATE TABLE t1 (a int);') WHERE note LIKE 'fails:%already exists%'),
    1::bigint, 'the script''s own conflicts are found by running it');
SELECT throws_ok('CREATE INDEX ON big (v)', 'MG001', NULL, 'the guard still refuses after check()');

-- 24-28: policy
SELECT is((SELECT severity FROM migration_guard.check('CREATE INDEX ON big (v)', mode => 'warn')),
    'warn', 'mode => warn');
SELECT is((SELECT count(*) FROM migration_guard.check(E'-- migration_guard:allow create_index\nCREATE INDEX ON big (v)')),
    0::bigint, 'a directive comment accepts the finding');
SELECT results_eq(
    $$SELECT severity, note FROM migration_guard.check(E'-- migration_guard:allow create_index\nCREATE INDEX ON big (v)', include_off => true)$$,
    $$VALUES ('off', 'accepted by a migration_guard:allow comment')$$,
    'include_off shows accepted findings, and why');
SET migration_guard.mode = off;
SELECT is((SELECT count(*) FROM migration_guard.check('CREATE INDEX ON big (v)')), 0::bigint,
    'the session''s mode off is honoured');
SELECT is((SELECT severity FROM migration_guard.check('CREATE INDEX ON big (v)', mode => 'enforce')),
    'enforce', 'unless a mode is given');
SELECT results_eq(
    $$SELECT severity, note FROM migration_guard.check('CREATE INDEX ON big (v)', include_off => true)$$,
    $$VALUES ('off', 'migration_guard.mode is off')$$,
    'include_off shows what the mode switched off');
RESET migration_guard.mode;
SELECT results_eq(
    $$SELECT severity, note FROM migration_guard.check('CREATE INDEX ON big (v)', mode => 'off', include_off => true)$$,
    $$VALUES ('off', 'judged with mode => ''off''')$$,
    'and what mode => off switched off');

-- 29-31: the script's own settings apply to later statements, and do not leak
SELECT is((SELECT count(*) FROM migration_guard.check($$
    SET LOCAL migration_guard.allow = 'create_index';
    CREATE INDEX ON big (v);
    $$)), 0::bigint, 'SET in the script applies to the statements after it');
SELECT is(current_setting('migration_guard.allow'), '', 'and does not leak out of check()');
SELECT is((SELECT count(*) FROM migration_guard.check($$
    SET search_path = nowhere;
    CREATE INDEX ON big (v);
    $$) WHERE note LIKE 'fails:%'), 1::bigint, 'search_path set by the script resolves later names');

-- 32-35: statements that would lock existing tables are not run
SELECT matches((SELECT note FROM migration_guard.check(
    'CREATE TABLE parted_2024 PARTITION OF parted FOR VALUES FROM (''2024-01-01'') TO (''2025-01-01'')')),
    'judged, not run', 'PARTITION OF an existing table: judged, not run');
SELECT is((SELECT count(*) FROM migration_guard.check($$
    CREATE TABLE child (id bigint PRIMARY KEY, big_id bigint REFERENCES big (id));
    ALTER TABLE child ADD COLUMN x int;
    CREATE INDEX ON child (big_id);
    $$) WHERE note IS NOT NULL), 0::bigint, 'CREATE TABLE with a foreign key to an existing table runs without it');
SELECT is((SELECT count(*) FROM migration_guard.check($$
    CREATE TABLE copy AS SELECT * FROM big;
    CREATE INDEX ON copy (v);
    $$)), 0::bigint, 'CREATE TABLE AS runs without its data; the table is new');
SELECT is(to_regclass('copy'), NULL, 'and does not persist');

-- 36-37: read-only transactions: judged, nothing run
BEGIN READ ONLY;
SELECT results_eq(
    $$SELECT statement, rule, coalesce(note LIKE 'judged, not run: the transaction is read-only%', false)
      FROM migration_guard.check('CREATE TABLE fresh (id bigint); CREATE INDEX ON fresh (id); CREATE INDEX ON big (v);')$$,
    $$VALUES (1, NULL::text, true), (2, NULL, true), (3, 'create_index', false)$$,
    'a read-only transaction (a standby): everything judged, nothing run');
SELECT is(current_setting('transaction_read_only'), 'on', 'still read-only');
COMMIT;

-- 38-40: privileges are the caller's
SET ROLE check_nobody;
SELECT matches((SELECT note FROM migration_guard.check('CREATE TABLE mine (id bigint)')),
    'fails: permission denied', 'statements run with the caller''s privileges');
SELECT is((SELECT count(*) FROM migration_guard.check(
        'CREATE TABLE check_nobody_s.t (id bigint); CREATE INDEX ON check_nobody_s.t (id);')),
    0::bigint, 'and where the caller may create, the script runs as written');
RESET ROLE;
SELECT is((SELECT count(*) FROM pg_class WHERE relname IN ('fresh', 'child', 'copy', 't1', 'mine')),
    0::bigint, 'no relation from any script persists');

-- 41-46: other rule families through check()
SELECT ok((SELECT bool_or(rule = 'prefer_identity' AND severity = 'warn')
           FROM migration_guard.check('CREATE TABLE fresh (id serial PRIMARY KEY)')),
    'design rules on a table the script creates: warn');
SELECT results_eq(
    $$SELECT rule, lock_mode, rewrites FROM migration_guard.check(
        'ALTER TABLE big ADD COLUMN seen_at timestamptz DEFAULT clock_timestamp()')
      WHERE rule = 'add_column_volatile_default'$$,
    $$VALUES ('add_column_volatile_default', 'ACCESS EXCLUSIVE', true)$$,
    'ADD COLUMN with a volatile default: rewrites under ACCESS EXCLUSIVE');
SELECT is((SELECT rule FROM migration_guard.check('ALTER TABLE big ALTER COLUMN v SET NOT NULL')
           WHERE rule = 'set_not_null'), 'set_not_null', 'SET NOT NULL on an existing table');
SELECT col_is_null('big', 'v', 'and the column is still nullable');
SELECT is((SELECT severity FROM migration_guard.check($$
    CREATE VIEW big_v AS SELECT id, v FROM big;
    ALTER TABLE big DROP COLUMN v;
    $$) WHERE rule = 'drop_column'), 'enforce',
    'a view the script creates makes the later DROP COLUMN a drop with dependents');
BEGIN READ ONLY;
SELECT isnt((SELECT severity FROM migration_guard.check($$
    CREATE VIEW big_v AS SELECT id, v FROM big;
    ALTER TABLE big DROP COLUMN v;
    $$) WHERE rule = 'drop_column'), 'enforce',
    'which it is not when the view cannot be created (read-only)');
COMMIT;

-- 47-49: a constraint added NOT VALID and validated in the same transaction
SELECT results_eq(
    $$SELECT statement, rule, lock_mode FROM migration_guard.check($s$
        ALTER TABLE big ADD CONSTRAINT big_v_positive CHECK (v > 0) NOT VALID;
        ALTER TABLE big VALIDATE CONSTRAINT big_v_positive;
      $s$) WHERE rule = 'validate_same_transaction'$$,
    $$VALUES (2, 'validate_same_transaction', 'ACCESS EXCLUSIVE')$$,
    'VALIDATE in the transaction of its ADD ... NOT VALID (CHECK)');
SELECT results_eq(
    $$SELECT statement, lock_mode FROM migration_guard.check($s$
        CREATE TABLE parent2 (id bigint PRIMARY KEY);
        ALTER TABLE big ADD CONSTRAINT big_v_fk FOREIGN KEY (v) REFERENCES big (id) NOT VALID;
        ALTER TABLE big VALIDATE CONSTRAINT big_v_fk;
      $s$) WHERE rule = 'validate_same_transaction'$$,
    $$VALUES (3, 'SHARE ROW EXCLUSIVE')$$,
    'VALIDATE in the transaction of its ADD ... NOT VALID (FOREIGN KEY)');
SELECT is((SELECT count(*) FROM migration_guard.check($s$
        BEGIN;
        ALTER TABLE big ADD CONSTRAINT big_v_positive CHECK (v > 0) NOT VALID;
        COMMIT;
        BEGIN;
        ALTER TABLE big VALIDATE CONSTRAINT big_v_positive;
        COMMIT;
      $s$) WHERE rule = 'validate_same_transaction'), 0::bigint,
    'the safe form, with a COMMIT in between, passes');

-- 50-53: locks the script's transaction holds from one statement to the next
SELECT results_eq(
    $$SELECT statement, rule FROM migration_guard.check($s$
        ALTER TABLE big ADD COLUMN flag int;
        UPDATE big SET flag = 1;
      $s$) WHERE rule IS NOT NULL$$,
    $$VALUES (2, 'lock_held_across_statements')$$,
    'an UPDATE after ALTER TABLE in the same transaction runs under its ACCESS EXCLUSIVE lock');
SELECT ok((SELECT bool_or(statement = 2 AND rule = 'multiple_exclusive_locks') FROM migration_guard.check($s$
        ALTER TABLE big ADD COLUMN flag int;
        ALTER TABLE parted ADD COLUMN flag int;
      $s$)), 'ACCESS EXCLUSIVE on two existing tables in one transaction');
SELECT is((SELECT count(*) FROM migration_guard.check($s$
        BEGIN;
        ALTER TABLE big ADD COLUMN flag int;
        COMMIT;
        UPDATE big SET flag = 1;
        ALTER TABLE parted ADD COLUMN flag int;
      $s$) WHERE rule IN ('lock_held_across_statements', 'multiple_exclusive_locks')), 0::bigint,
    'a COMMIT in between ends the locks');
SELECT is((SELECT count(*) FROM migration_guard.check($s$
        CREATE TABLE fresh (id bigint);
        ALTER TABLE fresh ADD COLUMN flag int;
        INSERT INTO fresh VALUES (1, 1);
      $s$) WHERE rule IS NOT NULL), 0::bigint,
    'locks on tables the script created count for nothing');

-- 55-57: lock_timeout as the script sets it; a foreign key on an existing table
SET lock_timeout = 0;
SELECT is((SELECT count(*) FROM migration_guard.check('ALTER TABLE big ADD COLUMN z int')
           WHERE rule = 'lock_timeout'), 1::bigint, 'no lock_timeout: the lock_timeout rule');
SELECT is((SELECT count(*) FROM migration_guard.check($s$
        SET lock_timeout = '2s';
        ALTER TABLE big ADD COLUMN z int;
      $s$) WHERE rule = 'lock_timeout'), 0::bigint, 'the script''s own SET lock_timeout counts');
SET lock_timeout = '1s';
SELECT is((SELECT lock_mode FROM migration_guard.check(
        'ALTER TABLE kid ADD CONSTRAINT kid_big_fk FOREIGN KEY (big_id) REFERENCES big (id)')
           WHERE rule = 'add_foreign_key'), 'SHARE ROW EXCLUSIVE',
    'ADD FOREIGN KEY without NOT VALID on an existing table');

-- 60-61: within the caller's transaction, after check() returns, the
-- script's statements hold no lock on the tables they judged or created
BEGIN;
SELECT count(*) FROM migration_guard.check($s$
        CREATE TABLE check_fresh (id bigint PRIMARY KEY, big_id bigint REFERENCES big);
        CREATE INDEX ON big (v);
        ALTER TABLE big ADD COLUMN z int DEFAULT 1;
        LOCK TABLE kid IN ACCESS EXCLUSIVE MODE;
        DROP TABLE kid;
      $s$) AS findings \gset
SELECT is((SELECT count(*) FROM pg_locks
           WHERE pid = pg_backend_pid() AND locktype = 'relation'
             AND relation IN ('big'::regclass, 'kid'::regclass, 'big_pkey'::regclass, 'kid_pkey'::regclass)),
          0::bigint, 'no lock on the existing tables outlives check()');
SELECT is((SELECT count(*) FROM pg_locks l
           WHERE l.pid = pg_backend_pid() AND l.locktype = 'relation'
             AND NOT EXISTS (SELECT FROM pg_class c WHERE c.oid = l.relation)),
          0::bigint, 'no lock on a relation the script created outlives check()');
COMMIT;

SELECT * FROM finish();

DROP TABLE kid, big, parted;
DROP SCHEMA check_nobody_s;
REVOKE USAGE ON SCHEMA migration_guard FROM check_nobody;
DROP ROLE check_nobody;
