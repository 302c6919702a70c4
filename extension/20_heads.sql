/* migration_guard install script: migration heads (head, assert_head, head_history) */

CREATE FUNCTION @extschema@.head(
    OUT tool text,
    OUT migration_table text,
    OUT current_heads text[],
    OUT expected_heads text[],
    OUT state text,
    OUT detail text)
RETURNS record
LANGUAGE C VOLATILE
AS 'MODULE_PATHNAME', 'mg_head';

COMMENT ON FUNCTION @extschema@.head() IS
'The migration tool and table, the current and expected heads, and the state: at_head, behind, ahead, unknown, failed, no_migration_table or unset';

CREATE FUNCTION @extschema@.assert_head()
RETURNS void
LANGUAGE C VOLATILE
AS 'MODULE_PATHNAME', 'mg_assert_head';

COMMENT ON FUNCTION @extschema@.assert_head() IS
'Raises an error (SQLSTATE MG011-MG016, MG010) unless the database is at the expected migration head';

-- Every change of the migration head, written by the guard in the
-- migrating transaction itself.  A configuration table of the extension,
-- so pg_dump keeps its rows.
CREATE SEQUENCE @extschema@.head_history_id_seq;

CREATE TABLE @extschema@.head_history (
    id bigint PRIMARY KEY DEFAULT pg_catalog.nextval('@extschema@.head_history_id_seq'),
    recorded_at timestamptz NOT NULL DEFAULT pg_catalog.clock_timestamp(),
    tool text,
    migration_table text,
    from_heads text[] NOT NULL,
    to_heads text[] NOT NULL,
    state text NOT NULL,
    role_name text NOT NULL,
    session_role text NOT NULL,
    application_name text,
    txid xid8 NOT NULL
);

COMMENT ON TABLE @extschema@.head_history IS
'Every change of the migration head: from, to, tool, roles, application_name, transaction id and time';

ALTER SEQUENCE @extschema@.head_history_id_seq OWNED BY @extschema@.head_history.id;

SELECT pg_catalog.pg_extension_config_dump('@extschema@.head_history', '');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.head_history_id_seq', '');

REVOKE ALL ON @extschema@.head_history FROM PUBLIC;
