/*-------------------------------------------------------------------------
 *
 * statement_locks.c
 *	  SQL: migration_guard.statement_locks(sql), the relation locks each
 *	  statement of a script would request, as the guard predicts them
 *	  (lockinfo.c), without running anything.
 *
 * IDENTIFICATION
 *	  src/statement_locks.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "compat.h"

#include "catalog/pg_class.h"
#include "fmgr.h"
#include "funcapi.h"
#include "parser/parser.h"
#include "utils/builtins.h"

#include "lockinfo.h"
#include "words.h"

PG_FUNCTION_INFO_V1(mg_statement_locks);

/*
 * The relation locks each statement of a script would request, as the
 * guard predicts them, without running anything.
 */
Datum
mg_statement_locks(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	char	   *sql;
	List	   *stmts;
	ListCell   *lc;
	int			number = 0;

	/* no rows would read as "takes no locks" */
	if (PG_ARGISNULL(0))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("the script passed to migration_guard.statement_locks() must not be null")));
	sql = text_to_cstring(PG_GETARG_TEXT_PP(0));

	InitMaterializedSRF(fcinfo, 0);
	stmts = raw_parser(sql, RAW_PARSE_DEFAULT);
	foreach(lc, stmts)
	{
		RawStmt    *raw = lfirst_node(RawStmt, lc);
		MGLockPlan *plan = mg_statement_lock_plan(raw->stmt);
		ListCell   *lc2;

		number++;
		foreach(lc2, plan->locks)
		{
			MGRelLock  *l = lfirst(lc2);
			Datum		values[5];
			bool		nulls[5] = {0};

			values[0] = Int32GetDatum(number);
			values[1] = ObjectIdGetDatum(l->relid);
			values[2] = CStringGetTextDatum(mg_lockmode_name(l->mode));
			values[3] = CStringGetTextDatum(mg_lock_blocks_reads_or_writes(l->mode) ?
											mg_lock_blocks_what(l->mode) : "no reads or writes");
			values[4] = BoolGetDatum(!plan->nowait && l->shared &&
									 l->relkind != RELKIND_COMPOSITE_TYPE &&
									 mg_lock_blocks_reads_or_writes(l->mode));
			tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
		}
	}
	return (Datum) 0;
}
