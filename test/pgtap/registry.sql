-- The rule registry (src/rules_list.h) as migration_guard.rules() shows it:
-- every rule complete, names unique, lower case and known to the settings.
-- (docs/rules/<name>.md for every rule: test/integration/core_docs.sh.)
BEGIN;
SELECT plan(9);

SELECT cmp_ok((SELECT count(*) FROM migration_guard.rules()), '>', 0::bigint,
              'the registry lists rules');
SELECT is((SELECT count(DISTINCT name) FROM migration_guard.rules()),
          (SELECT count(*) FROM migration_guard.rules()),
          'rule names are unique');
SELECT is_empty($$SELECT name FROM migration_guard.rules()
                  WHERE name IS NULL OR name !~ '^[a-z][a-z0-9_]*$'$$,
                'every rule has a lower-case snake_case name');
SELECT is_empty($$SELECT name FROM migration_guard.rules()
                  WHERE summary IS NULL OR summary = ''$$,
                'every rule has a summary');
SELECT is_empty($$SELECT name FROM migration_guard.rules()
                  WHERE doc IS DISTINCT FROM 'docs/rules/' || name || '.md'$$,
                'every rule names its page docs/rules/<name>.md');
SELECT is_empty($$SELECT name FROM migration_guard.rules()
                  WHERE (family, sqlstate) NOT IN (('blocking', 'MG001'), ('rewrite', 'MG002'),
                                                   ('breaking', 'MG003'), ('design', 'MG004'),
                                                   ('locking', 'MG005'), ('backstop', 'MG006'))
                     OR default_severity NOT IN ('enforce', 'warn')$$,
                'every rule has a family, its SQLSTATE and a default severity');

-- Every name is found by the lookup the settings use.
SELECT lives_ok(format('SET LOCAL migration_guard.rules = %L',
                       (SELECT string_agg(name || '=warn', ', ') FROM migration_guard.rules())),
                'migration_guard.rules accepts every rule name');
SELECT is_empty($$SELECT name FROM migration_guard.rules() WHERE severity <> 'warn'$$,
                'an override of every rule takes effect');
SELECT throws_ok($$SET LOCAL migration_guard.allow = 'create_indexes'$$, '22023', NULL,
                 'a name not in the registry is refused');

SELECT * FROM finish();
ROLLBACK;
