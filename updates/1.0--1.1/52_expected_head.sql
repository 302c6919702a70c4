
-- 1.1: the durable expected head (set_expected_head)

-- The release's expected head, declared once by the deploy and read by
-- every session from its next statement on.  One row at most.  A
-- configuration table of the extension, so pg_dump keeps it.
CREATE TABLE @extschema@.expected_head_setting (
    id boolean PRIMARY KEY DEFAULT true CHECK (id),
    expected_head text NOT NULL,
    known_heads text NOT NULL DEFAULT '',
    set_at timestamptz NOT NULL DEFAULT pg_catalog.clock_timestamp(),
    set_by text NOT NULL
);

COMMENT ON TABLE @extschema@.expected_head_setting IS
'The expected migration head declared by set_expected_head(); overrides migration_guard.expected_head from the configuration file, ALTER DATABASE and ALTER ROLE';

SELECT pg_catalog.pg_extension_config_dump('@extschema@.expected_head_setting', '');

REVOKE ALL ON @extschema@.expected_head_setting FROM PUBLIC;
GRANT SELECT ON @extschema@.expected_head_setting TO PUBLIC;

-- Every backend caches the row; a change must reach them all.
CREATE FUNCTION @extschema@.expected_head_changed()
RETURNS trigger
LANGUAGE C
AS 'MODULE_PATHNAME', 'mg_expected_head_changed';

REVOKE ALL ON FUNCTION @extschema@.expected_head_changed() FROM PUBLIC;

CREATE TRIGGER expected_head_changed
    AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON @extschema@.expected_head_setting
    FOR EACH STATEMENT EXECUTE FUNCTION @extschema@.expected_head_changed();

CREATE FUNCTION @extschema@.set_expected_head(head text, known_heads text DEFAULT '')
RETURNS text
LANGUAGE C VOLATILE CALLED ON NULL INPUT
AS 'MODULE_PATHNAME', 'mg_set_expected_head';

COMMENT ON FUNCTION @extschema@.set_expected_head(text, text) IS
'Declares the release''s expected migration head (and known heads) for every session, from their next statement after commit; returns the head as stored';

CREATE FUNCTION @extschema@.clear_expected_head()
RETURNS boolean
LANGUAGE C VOLATILE
AS 'MODULE_PATHNAME', 'mg_clear_expected_head';

COMMENT ON FUNCTION @extschema@.clear_expected_head() IS
'Removes the head declared by set_expected_head(), so migration_guard.expected_head applies again; returns whether one was set';
