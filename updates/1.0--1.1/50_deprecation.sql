-- migration_guard 1.0 -> 1.1: deprecation (deprecate, usage, evidence for drops)

-- The deprecated columns and tables of this database.  A configuration
-- table of the extension: pg_dump keeps its rows, and standbys receive
-- them by replication.  Written only through deprecate() and
-- undeprecate(), as the table's owner.
CREATE TABLE @extschema@.deprecated_objects (
    relid regclass NOT NULL,
    attname name,                 -- NULL: the relation as a whole
    reason text,
    deprecated_by name NOT NULL,
    deprecated_at timestamptz NOT NULL,
    expected_head text            -- migration_guard.expected_head at the time, if set
);

COMMENT ON TABLE @extschema@.deprecated_objects IS
'Columns and tables deprecated with migration_guard.deprecate(): usage is tracked, and drops and renames wait for a quiet period';

CREATE UNIQUE INDEX deprecated_objects_key
    ON @extschema@.deprecated_objects (relid, (COALESCE(attname, ''::pg_catalog.name)));

SELECT pg_catalog.pg_extension_config_dump('@extschema@.deprecated_objects', '');

REVOKE ALL ON @extschema@.deprecated_objects FROM PUBLIC;

-- Every backend (on standbys too) rebuilds its cache of deprecated objects
-- once a change of the list commits.
CREATE FUNCTION @extschema@._deprecations_changed()
RETURNS trigger
LANGUAGE C
AS 'MODULE_PATHNAME', 'mg_deprecations_changed';

REVOKE ALL ON FUNCTION @extschema@._deprecations_changed() FROM PUBLIC;

CREATE TRIGGER deprecated_objects_changed
    AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON @extschema@.deprecated_objects
    FOR EACH STATEMENT EXECUTE FUNCTION @extschema@._deprecations_changed();

CREATE FUNCTION @extschema@.deprecate(
    relation regclass,
    "column" name DEFAULT NULL,
    reason text DEFAULT NULL)
RETURNS boolean
LANGUAGE C VOLATILE
AS 'MODULE_PATHNAME', 'mg_deprecate';

COMMENT ON FUNCTION @extschema@.deprecate(regclass, name, text) IS
'Marks a column (or, without one, a table or view) as on its way out: its usage is tracked, and dropping or renaming it waits until it has gone unused for migration_guard.deprecation_quiet_period.  True if it was not deprecated before';

CREATE FUNCTION @extschema@.undeprecate(
    relation regclass,
    "column" name DEFAULT NULL)
RETURNS boolean
LANGUAGE C VOLATILE
AS 'MODULE_PATHNAME', 'mg_undeprecate';

COMMENT ON FUNCTION @extschema@.undeprecate(regclass, name) IS
'Takes a column (or, without one, a table or view) off the list of deprecated objects.  True if it was on it';

-- This server's counters (a standby has its own).
CREATE FUNCTION @extschema@.deprecated_usage(
    OUT relation regclass,
    OUT column_name name,
    OUT first_use timestamptz,
    OUT last_use timestamptz,
    OUT uses bigint,
    OUT recent_users jsonb,
    OUT counters_reset_at timestamptz,
    OUT tracking_since timestamptz)
RETURNS SETOF record
LANGUAGE C VOLATILE
AS 'MODULE_PATHNAME', 'mg_deprecated_usage';

COMMENT ON FUNCTION @extschema@.deprecated_usage() IS
'This server''s usage counters of the deprecated objects of this database: first and last use, number of uses, the last distinct (role, application_name, query id)';

CREATE FUNCTION @extschema@.deprecation_tracking(
    OUT active boolean,
    OUT tracking_since timestamptz,
    OUT restored boolean,
    OUT overflow_at timestamptz,
    OUT in_recovery boolean)
RETURNS record
LANGUAGE C VOLATILE
AS 'MODULE_PATHNAME', 'mg_deprecation_tracking';

COMMENT ON FUNCTION @extschema@.deprecation_tracking() IS
'Whether this server counts uses of deprecated objects, since when (its start, unless the previous run''s counters were restored), and whether a use was ever lost';

CREATE FUNCTION @extschema@.reset_deprecated_usage(
    relation regclass DEFAULT NULL,
    "column" name DEFAULT NULL)
RETURNS bigint
LANGUAGE C VOLATILE
AS 'MODULE_PATHNAME', 'mg_reset_deprecated_usage';

COMMENT ON FUNCTION @extschema@.reset_deprecated_usage(regclass, name) IS
'Resets this server''s usage counters of one deprecated object, or of all in this database; their quiet period starts again';

CREATE VIEW @extschema@.deprecations AS
SELECT CASE WHEN d.attname IS NULL THEN d.relid::text
            ELSE d.relid::text || '.' || pg_catalog.quote_ident(d.attname) END AS object,
       d.relid AS relation,
       d.attname AS column_name,
       d.reason,
       d.deprecated_by,
       d.deprecated_at,
       d.expected_head,
       u.first_use,
       u.last_use,
       COALESCE(u.uses, 0) AS uses,
       COALESCE(u.recent_users, '[]'::jsonb) AS recent_users,
       -- the latest start of complete evidence, as the drop rules count it;
       -- infinity where this server counts nothing (no evidence at all)
       CASE WHEN t.active
            THEN GREATEST(d.deprecated_at, u.counters_reset_at, t.tracking_since, t.overflow_at)
            ELSE 'infinity'::timestamptz END AS evidence_since
  FROM @extschema@.deprecated_objects d
  CROSS JOIN @extschema@.deprecation_tracking() t
  LEFT JOIN @extschema@.deprecated_usage() u
    ON u.relation = d.relid AND u.column_name IS NOT DISTINCT FROM d.attname
 WHERE EXISTS (SELECT FROM pg_catalog.pg_class c WHERE c.oid = d.relid)
   AND (d.attname IS NULL OR
        EXISTS (SELECT FROM pg_catalog.pg_attribute a
                 WHERE a.attrelid = d.relid AND a.attname = d.attname AND NOT a.attisdropped));

COMMENT ON VIEW @extschema@.deprecations IS
'Deprecated objects with who deprecated them, why, at which migration head, and this server''s usage: first and last use, number of uses, recent users, and since when the evidence counts';

-- Usage names roles and applications: for the DBA and monitoring roles.
REVOKE ALL ON FUNCTION @extschema@.deprecated_usage() FROM PUBLIC;
REVOKE ALL ON @extschema@.deprecations FROM PUBLIC;
GRANT EXECUTE ON FUNCTION @extschema@.deprecated_usage() TO pg_read_all_stats;
GRANT SELECT ON @extschema@.deprecations TO pg_read_all_stats;
