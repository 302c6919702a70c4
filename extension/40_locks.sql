/* migration_guard install script: lock safety (src/locks.c, src/lockinfo.c, docs/lock-queues.md) */

-- The relation locks each statement of a script would request, at the
-- levels PostgreSQL uses, as the lock_timeout rule sees them.  Runs
-- nothing and takes no lock.  "guarded" says whether the lock_timeout rule
-- concerns the lock: it blocks reads or writes, on a relation that other
-- sessions use (not created in this transaction, not temporary).
CREATE FUNCTION @extschema@.statement_locks(
    sql text,
    OUT statement_number integer,
    OUT relation regclass,
    OUT mode text,
    OUT blocks text,
    OUT guarded boolean)
RETURNS SETOF record
LANGUAGE C CALLED ON NULL INPUT VOLATILE
AS 'MODULE_PATHNAME', 'mg_statement_locks';

COMMENT ON FUNCTION @extschema@.statement_locks(text) IS
'The relation locks each statement of a script would request, without running it';
