-- Attacks on deprecation by ordinary roles (a table owner, the migration
-- role, an application role): take an object off the list, write the
-- list, reset or read the counters, loosen the signal or the quiet period,
-- and use a deprecated column without being counted.  Every assertion
-- checks that the attack fails and that nothing changed.
SET client_min_messages = warning;
SET migration_guard.deprecated_use = off;

DO $$ BEGIN CREATE ROLE dep_owner; EXCEPTION WHEN duplicate_object THEN NULL; END $$;
DO $$ BEGIN CREATE ROLE dep_attacker; EXCEPTION WHEN duplicate_object THEN NULL; END $$;
GRANT CREATE ON SCHEMA public TO dep_owner, dep_attacker;
SET ROLE dep_owner;
CREATE TABLE public.accounts (id bigint PRIMARY KEY, email text, old_email text);
INSERT INTO accounts VALUES (1, 'a@x', 'a@old');
GRANT SELECT, INSERT, UPDATE ON accounts TO dep_attacker;
RESET ROLE;
SELECT migration_guard.deprecate('accounts', 'old_email', 'replaced by email');

CREATE FUNCTION uses() RETURNS bigint LANGUAGE sql SECURITY DEFINER SET search_path = pg_catalog
  AS $$SELECT uses FROM migration_guard.deprecations
        WHERE relation = 'public.accounts'::regclass AND column_name = 'old_email'$$;
GRANT EXECUTE ON FUNCTION uses() TO PUBLIC;
CREATE FUNCTION listed() RETURNS bigint LANGUAGE sql SECURITY DEFINER SET search_path = pg_catalog
  AS $$SELECT count(*) FROM migration_guard.deprecated_objects$$;
GRANT EXECUTE ON FUNCTION listed() TO PUBLIC;

SELECT plan(32);

-- Taking it off the list, or writing the list directly
SET ROLE dep_owner;
SELECT throws_ok($$SELECT migration_guard.undeprecate('accounts', 'old_email')$$, '42501', NULL,
                 'the table owner cannot undeprecate its column');
SELECT throws_ok($$SELECT migration_guard.deprecate('accounts', 'email')$$, '42501', NULL,
                 'the table owner cannot deprecate either (it changes what drops are allowed)');
SELECT throws_ok($$DELETE FROM migration_guard.deprecated_objects$$, '42501', NULL, 'no DELETE on the list');
SELECT throws_ok($$UPDATE migration_guard.deprecated_objects SET deprecated_at = now() - interval '1 year'$$, '42501', NULL,
                 'no UPDATE of the list (back-dating the deprecation)');
SELECT throws_ok($$INSERT INTO migration_guard.deprecated_objects VALUES ('accounts', 'email', NULL, 'x', now(), NULL)$$, '42501', NULL,
                 'no INSERT into the list');
-- (in enforce the truncate rule may speak before the permission check)
SELECT throws_ok($$TRUNCATE migration_guard.deprecated_objects$$, NULL, NULL, 'no TRUNCATE of the list');
SELECT throws_ok($$CREATE TABLE migration_guard.deprecated_objects2 (x int)$$, '42501', NULL,
                 'no table of its own in the extension schema');
SELECT throws_ok($$SELECT migration_guard._deprecations_changed()$$, '42501', NULL,
                 'the list''s trigger function is not callable');
-- a directive comment does not carry the privilege
SELECT throws_ok($$/* migration_guard:allow drop_column */ ALTER TABLE accounts DROP COLUMN old_email$$, 'MG003', NULL,
                 'a directive comment of an ordinary role does not let the drop of a used deprecated column through');
RESET ROLE;
SELECT is(listed(), 1::bigint, 'the list is unchanged');

-- Resetting or reading the counters, loosening the settings
SELECT old_email FROM accounts;
SET ROLE dep_attacker;
SELECT throws_ok($$SELECT migration_guard.reset_deprecated_usage()$$, '42501', NULL, 'no reset of all counters');
SELECT throws_ok($$SELECT migration_guard.reset_deprecated_usage('accounts', 'old_email')$$, '42501', NULL, 'no reset of one object');
SELECT throws_ok($$SELECT * FROM migration_guard.deprecations$$, '42501', NULL, 'the usage view names roles: not for PUBLIC');
SELECT throws_ok($$SELECT * FROM migration_guard.deprecated_usage()$$, '42501', NULL, 'nor the usage function');
SELECT throws_ok($$SET migration_guard.deprecated_use = off$$, '42501', NULL, 'the signal cannot be switched off');
SELECT throws_ok($$SET migration_guard.deprecation_quiet_period = 0$$, '42501', NULL, 'the quiet period cannot be shortened');
SELECT is(uses(), 1::bigint, 'the counters are unchanged');

-- Using the column without being counted
SELECT count(*) FROM (SELECT old_email FROM accounts) s;
SELECT is(uses(), 2::bigint, 'a subquery counts');
WITH c AS MATERIALIZED (SELECT * FROM accounts) SELECT count(*) FROM c;
SELECT is(uses(), 3::bigint, 'SELECT * in a CTE counts');
SELECT count(row_to_json(a)) FROM accounts a;
SELECT is(uses(), 4::bigint, 'a whole-row reference counts');
CREATE TEMP VIEW hide AS SELECT id, old_email FROM public.accounts;
SELECT count(*) FROM hide;
SELECT is(uses(), 5::bigint, 'a temporary view over it counts');
CREATE FUNCTION public.sneak() RETURNS bigint LANGUAGE sql SECURITY DEFINER
  AS $$SELECT count(old_email) FROM public.accounts$$;
SELECT sneak();
SELECT is(uses(), 6::bigint, 'a security-definer function counts');
COPY (SELECT old_email FROM accounts) TO STDOUT;
SELECT is(uses(), 7::bigint, 'COPY (query) TO counts');
UPDATE accounts SET old_email = old_email WHERE false;
SELECT is(uses(), 8::bigint, 'an UPDATE that changes no row counts');
RESET ROLE;
SET ROLE dep_owner;
SET ROLE dep_attacker;
SELECT old_email FROM accounts WHERE false;
RESET ROLE;
SELECT is((SELECT recent_users -> 0 ->> 'role' FROM migration_guard.deprecations WHERE object = 'accounts.old_email'),
          'dep_attacker', 'SET ROLE: the use is recorded under the role acting');

-- A long-running statement (a loop in a procedure or DO block) that uses
-- the column late: the use is dated when it happens, not when its client
-- statement started, or a drop would see it as long quiet.
CREATE TEMP TABLE mark AS SELECT clock_timestamp() AS t;
DO $$ BEGIN PERFORM pg_sleep(1.2); PERFORM old_email FROM public.accounts; END $$;
SELECT ok((SELECT last_use FROM migration_guard.deprecations WHERE object = 'accounts.old_email')
          >= (SELECT t + interval '1 second' FROM mark),
          'a use late in a long statement is dated when it happens');
SELECT ok((SELECT (recent_users -> 0 ->> 'last_use')::timestamptz FROM migration_guard.deprecations
            WHERE object = 'accounts.old_email') >= (SELECT t + interval '1 second' FROM mark),
          'and so is its recent user');

-- A query using more deprecated columns than some fixed limit: every one
-- counts, or the columns past the limit would look unused.
DO $$ BEGIN
  EXECUTE 'CREATE TABLE public.wide (' ||
    (SELECT string_agg(format('c%s int', i), ', ') FROM generate_series(1, 40) i) || ')';
  PERFORM migration_guard.deprecate('public.wide', format('c%s', i)) FROM generate_series(1, 40) i;
END $$;
GRANT SELECT ON public.wide TO dep_attacker;
SET ROLE dep_attacker;
SELECT * FROM public.wide;
SELECT * FROM public.wide a, public.wide b;
RESET ROLE;
SELECT is((SELECT count(*) FILTER (WHERE uses = 2) || ' of ' || count(*)
             FROM migration_guard.deprecations WHERE relation = 'public.wide'::regclass),
          '40 of 40', 'SELECT * of 40 deprecated columns counts each, once per query (even self-joined)');

-- A deprecated table attached afterwards under a parent (deprecate()
-- refuses partitions and children, ATTACH PARTITION and INHERIT come
-- later): queries through the parent name only the parent, and still count.
CREATE TABLE public.orders (id int, legacy text) PARTITION BY RANGE (id);
CREATE TABLE public.orders_old (id int, legacy text);
CREATE TABLE public.notes (id int, legacy text);
CREATE TABLE public.notes_old (id int, legacy text);
SELECT migration_guard.deprecate('public.orders_old', 'legacy');
SELECT migration_guard.deprecate('public.notes_old');
ALTER TABLE public.orders ATTACH PARTITION public.orders_old FOR VALUES FROM (0) TO (100);
ALTER TABLE public.notes_old INHERIT public.notes;
GRANT SELECT ON public.orders, public.notes TO dep_attacker;
SET ROLE dep_attacker;
SELECT legacy FROM public.orders;
SELECT count(*) FROM public.notes;
RESET ROLE;
SELECT is((SELECT uses FROM migration_guard.deprecations WHERE object = 'orders_old.legacy'), 1::bigint,
          'a deprecated table attached as a partition since: a query through the parent counts');
SELECT is((SELECT uses FROM migration_guard.deprecations WHERE object = 'notes_old'), 1::bigint,
          'a deprecated table made an inheritance child since: a query through the parent counts');

-- A hostile search_path does not reach deprecate()'s own statements
CREATE FUNCTION public.now() RETURNS timestamptz LANGUAGE plpgsql AS $$BEGIN RAISE EXCEPTION 'hijacked'; END$$;
SET search_path = public, pg_catalog;
SELECT ok(migration_guard.deprecate('accounts', 'email'), 'deprecate() runs none of the caller''s search_path');
RESET search_path;
SELECT is(listed(), 44::bigint, 'and wrote its row');

SELECT * FROM finish();
