-- The foundation: loading, status(), the rule registry and policy GUCs.
SET client_min_messages = 'warning';
CREATE EXTENSION IF NOT EXISTS migration_guard;
RESET client_min_messages;

-- Preloaded through shared_preload_libraries by the test cluster.
SELECT hook_active, loaded_via, preloaded, mode, version
  FROM migration_guard.status();

-- The registry: stable names, families, SQLSTATEs; one docs page each.
SELECT name, family, default_severity, severity, sqlstate
  FROM migration_guard.rules() ORDER BY family, name;

-- Policy values are validated when set, never silently ignored.
SET migration_guard.mode = 'loud';
SET migration_guard.rules = 'rename_column=warn, prefer_text=off';
SHOW migration_guard.rules;
SELECT name, severity FROM migration_guard.rules()
 WHERE name IN ('rename_column', 'prefer_text', 'create_index');
SET migration_guard.rules = 'no_such_rule=warn';
SET migration_guard.rules = 'create_index=loud';
SET migration_guard.rules = 'create_index';
SET migration_guard.allow = 'create_index, drop_colum';
SET migration_guard.lock_timeout = 'soon';
SET migration_guard.lock_timeout = '2s';
RESET migration_guard.lock_timeout;
RESET migration_guard.rules;

-- The prefix is reserved: a typo is an error, not a placeholder.
SET migration_guard.mdoe = 'off';

-- warn mode lowers enforce rules to warnings; per-rule overrides win.
SET migration_guard.mode = 'warn';
SET migration_guard.rules = 'create_index=enforce';
SELECT name, severity FROM migration_guard.rules()
 WHERE name IN ('create_index', 'drop_index', 'prefer_text');
SET migration_guard.mode = 'off';
SELECT count(*) FILTER (WHERE severity <> 'off') AS active
  FROM migration_guard.rules();
RESET migration_guard.mode;
RESET migration_guard.rules;
SELECT note FROM migration_guard.status();
