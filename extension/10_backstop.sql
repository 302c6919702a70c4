/* migration_guard install script: the table_rewrite backstop */

-- Refuses, in enforce, a rewrite of an existing table at or above
-- migration_guard.small_table_threshold that no rule predicted
-- (docs/rules/table_rewrite.md).
--
-- Not SECURITY DEFINER, unlike most event trigger functions shipped by
-- extensions: the function reads only the catalog, and it must judge with
-- the privileges of the role running the ALTER, since whether that role may
-- use a "migration_guard:allow" directive depends on who it is.
CREATE FUNCTION @extschema@._table_rewrite_backstop()
RETURNS event_trigger
LANGUAGE C
SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'mg_table_rewrite_backstop';

COMMENT ON FUNCTION @extschema@._table_rewrite_backstop() IS
'Event trigger: refuses table rewrites no migration_guard rule predicted';

-- Event triggers call their function without an EXECUTE check; nobody needs
-- to call it directly.
REVOKE ALL ON FUNCTION @extschema@._table_rewrite_backstop() FROM PUBLIC;

-- Created by the extension script, the trigger is a member of the
-- extension: pg_dump does not dump it on its own, and DROP EXTENSION
-- removes it.
CREATE EVENT TRIGGER migration_guard_table_rewrite
    ON table_rewrite
    EXECUTE FUNCTION @extschema@._table_rewrite_backstop();
