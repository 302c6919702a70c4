/* migration_guard install script: check(), the pre-deploy linter (src/check.c, docs/check.md) */

-- SECURITY INVOKER (the default): the statements check() runs in its
-- throwaway subtransaction run with the caller's own privileges.
CREATE FUNCTION @extschema@.check(
    sql text,
    mode text DEFAULT NULL,
    include_off boolean DEFAULT false,
    transactions text DEFAULT 'script',
    OUT statement integer,
    OUT statement_text text,
    OUT rule text,
    OUT severity text,
    OUT relation text,
    OUT lock_mode text,
    OUT rewrites boolean,
    OUT message text,
    OUT detail text,
    OUT hint text,
    OUT note text,
    OUT line integer,
    OUT col integer)
RETURNS SETOF record
LANGUAGE C VOLATILE PARALLEL UNSAFE
AS 'MODULE_PATHNAME', 'mg_check';

COMMENT ON FUNCTION @extschema@.check(text, text, boolean, text) IS
'The findings of a migration script against this database''s catalog, under the given transaction model; nothing the script does persists';
