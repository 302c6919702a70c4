/* migration_guard install script: core (schema, status, rules) */

\echo Use "CREATE EXTENSION migration_guard" to load this file. \quit

CREATE FUNCTION @extschema@.status(
    OUT hook_active boolean,
    OUT loaded_via text,
    OUT preloaded boolean,
    OUT mode text,
    OUT rule_overrides text,
    OUT allow text,
    OUT small_table_threshold text,
    OUT version text,
    OUT note text)
RETURNS record
LANGUAGE C STABLE
AS 'MODULE_PATHNAME', 'mg_status';

COMMENT ON FUNCTION @extschema@.status() IS
'Whether this backend is guarded, how the library was loaded, and the policy in force';

CREATE FUNCTION @extschema@.rules(
    OUT name text,
    OUT family text,
    OUT default_severity text,
    OUT severity text,
    OUT size_exempt boolean,
    OUT sqlstate text,
    OUT summary text,
    OUT doc text)
RETURNS SETOF record
LANGUAGE C STABLE
AS 'MODULE_PATHNAME', 'mg_rules_list';

COMMENT ON FUNCTION @extschema@.rules() IS
'Every rule with its family, SQLSTATE and default and effective severity';

CREATE FUNCTION @extschema@._warn_if_not_preloaded()
RETURNS void
LANGUAGE C
AS 'MODULE_PATHNAME', 'mg_warn_if_not_preloaded';

GRANT USAGE ON SCHEMA @extschema@ TO PUBLIC;
