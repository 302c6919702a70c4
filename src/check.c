/*-------------------------------------------------------------------------
 *
 * check.c
 *	  migration_guard.check(sql, mode, include_off, transactions): the
 *	  findings of a whole migration script against this database's real
 *	  catalog, without leaving anything behind.  This makes the guard a CI
 *	  linter that knows real table sizes.
 *
 *	  This file owns the SQL function: its arguments and the result set.
 *	  check.h lists the other pieces; docs/check.md gives the reasoning.
 *
 * IDENTIFICATION
 *	  src/check.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "compat.h"

#include "access/xact.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/acl.h"
#include "utils/builtins.h"

#include "check.h"
#include "relfacts.h"
#include "report.h"
#include "rules.h"
#include "statement.h"

#define CHECK_NUM_COLUMNS 11
/* line and col, from 1.1 on: filled only when the SQL definition has them */
#define CHECK_NUM_POSITION_COLUMNS 2

static void
emit_rows(FunctionCallInfo fcinfo, List *rows)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	ListCell   *lc;

	InitMaterializedSRF(fcinfo, 0);
	foreach(lc, rows)
	{
		CheckRow   *row = lfirst(lc);
		Datum		values[CHECK_NUM_COLUMNS + CHECK_NUM_POSITION_COLUMNS] = {0};
		bool		nulls[CHECK_NUM_COLUMNS + CHECK_NUM_POSITION_COLUMNS] = {0};
		int			i = 0;

#define TEXT_OR_NULL(s) \
		do { \
			if ((s) != NULL) values[i] = CStringGetTextDatum(s); \
			else nulls[i] = true; \
			i++; \
		} while (0)

		values[i++] = Int32GetDatum(row->stmtno);
		TEXT_OR_NULL(row->stmt_text);
		TEXT_OR_NULL(row->rule);
		TEXT_OR_NULL(row->severity);
		TEXT_OR_NULL(row->relation);
		TEXT_OR_NULL(row->lockmode);
		if (row->rule != NULL)
			values[i] = BoolGetDatum(row->rewrites);
		else
			nulls[i] = true;
		i++;
		TEXT_OR_NULL(row->message);
		TEXT_OR_NULL(row->detail);
		TEXT_OR_NULL(row->hint);
		TEXT_OR_NULL(row->note);
#undef TEXT_OR_NULL
		Assert(i == CHECK_NUM_COLUMNS);
		/* the 1.0 definition of check() has no position columns */
		if (rsinfo->setDesc->natts >= CHECK_NUM_COLUMNS + CHECK_NUM_POSITION_COLUMNS)
		{
			values[i++] = Int32GetDatum(row->line);
			values[i++] = Int32GetDatum(row->col);
		}
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
}

/*
 * The transactions argument: where the script's transactions end
 * (check_model.c).  NULL is an error, as for include_off: the caller meant
 * one of the models.
 */
static CheckTxModel
parse_transaction_model(FunctionCallInfo fcinfo)
{
	char	   *model;

	/* the 1.0 and 1.1 definitions of check() have no such argument */
	if (PG_NARGS() < 4)
		return CHECK_TX_SCRIPT;
	if (PG_ARGISNULL(3))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("transactions must not be null"),
				 errhint("Pass 'script', 'statement' or 'as_written'; the default is 'script'.")));
	model = text_to_cstring(PG_GETARG_TEXT_PP(3));
	if (strcmp(model, "script") == 0)
		return CHECK_TX_SCRIPT;
	if (strcmp(model, "statement") == 0)
		return CHECK_TX_STATEMENT;
	if (strcmp(model, "as_written") == 0)
		return CHECK_TX_AS_WRITTEN;
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("invalid transaction model \"%s\" for migration_guard.check()", model),
			 errhint("Valid models are \"script\" (one transaction for the whole script), \"statement\" (each statement its own transaction) and \"as_written\" (the script's own BEGIN and COMMIT).")));
	return CHECK_TX_SCRIPT;		/* keep compiler quiet */
}

/* The mode argument: an MGSeverity, or -1 for the session's mode (NULL). */
static int
parse_mode(FunctionCallInfo fcinfo)
{
	char	   *mode;
	MGSeverity	sev;

	if (PG_ARGISNULL(1))
		return -1;
	mode = text_to_cstring(PG_GETARG_TEXT_PP(1));
	if (!mg_parse_severity(mode, &sev))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid mode \"%s\" for migration_guard.check()", mode),
				 errhint("Valid modes are \"enforce\", \"warn\" and \"off\"; NULL uses the session's migration_guard.mode.")));
	return sev;
}

PG_FUNCTION_INFO_V1(mg_check);

/*
 * migration_guard.check(sql text, mode text DEFAULT NULL,
 *						 include_off boolean DEFAULT false,
 *						 transactions text DEFAULT 'script')
 *
 * Every argument is checked before the script is looked at.
 */
Datum
mg_check(PG_FUNCTION_ARGS)
{
	CheckState	cs = {0};
	List	   *stmts;

	/*
	 * No rows would read as "no findings": a CI gate that counts them would
	 * pass a script it never saw.
	 */
	if (PG_ARGISNULL(0))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("the script passed to migration_guard.check() must not be null")));
	if (PG_ARGISNULL(2))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("include_off must not be null"),
				 errhint("Pass true or false; the default is false.")));
	cs.script = text_to_cstring(PG_GETARG_TEXT_PP(0));
	cs.mode = parse_mode(fcinfo);
	cs.include_off = PG_GETARG_BOOL(2);
	cs.txmodel = parse_transaction_model(fcinfo);
	cs.can_run = !XactReadOnly;

	if (mg_check_simulating || mg_collector != NULL || check_running())
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("migration_guard.check() cannot be called while another check() runs")));

	stmts = check_parse_script(cs.script);
	check_run_script(&cs, stmts);
	emit_rows(fcinfo, cs.rows);
	return (Datum) 0;
}
