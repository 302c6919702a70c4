
-- NULL behaviour (issue 9): a NULL job name or script is an error, not a
-- silent no-op.  STRICT made assert_backfill_done(NULL) pass and
-- statement_locks(NULL) return no rows; the C functions raise 22004 now.
ALTER FUNCTION @extschema@.backfill_pause(text) CALLED ON NULL INPUT;
ALTER FUNCTION @extschema@.backfill_resume(text) CALLED ON NULL INPUT;
ALTER FUNCTION @extschema@.backfill_cancel(text) CALLED ON NULL INPUT;
ALTER FUNCTION @extschema@.backfill_forget(text) CALLED ON NULL INPUT;
ALTER FUNCTION @extschema@.assert_backfill_done(text) CALLED ON NULL INPUT;
ALTER FUNCTION @extschema@.statement_locks(text) CALLED ON NULL INPUT;
