-- check() takes the script's transaction model (issue 12): 'script' (one
-- transaction for the whole script, the 1.1 behaviour and the default),
-- 'statement' (each statement its own transaction) or 'as_written' (the
-- script's own BEGIN/COMMIT, autocommit elsewhere).  A new argument changes
-- the function's signature: drop and create it again.  The first three
-- arguments keep their names, positions and defaults, so 1.1 calls work.
DROP FUNCTION @extschema@.check(text, text, boolean);
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
