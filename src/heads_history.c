/*-------------------------------------------------------------------------
 *
 * heads_history.c
 *	  Recording a move of the head in migration_guard.head_history, in the
 *	  transaction that moved it, as the history table's owner (the
 *	  migrating role need not be able to write it; heads_read.c finds the
 *	  table and sets the identity).  Skipped where the extension is not
 *	  installed.
 *
 * IDENTIFICATION
 *	  src/heads_history.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "compat.h"

#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/snapmgr.h"

#include "heads_history.h"
#include "heads_judge.h"
#include "heads_query.h"
#include "heads_read.h"
#include "heads_state.h"
#include "heads_types.h"
#include "heads_versions.h"
#include "relfacts.h"

/*
 * Records the change in migration_guard.head_history, in this
 * transaction, as the table's owner.
 */
void
mg_heads_record_history(const MGHeadReading *before, const MGHeadReading *after,
						MGHeadState state)
{
	MGOwnQuery	own;
	const char *role = GetUserNameFromId(GetUserId(), true);
	const char *session_role = GetUserNameFromId(GetSessionUserId(), true);
	const char *appname = GetConfigOption("application_name", true, false);
	Oid			argtypes[8] = {TEXTOID, TEXTOID, TEXTARRAYOID, TEXTARRAYOID,
	TEXTOID, TEXTOID, TEXTOID, TEXTOID};
	Datum		values[8];
	char		nulls[8] = "        ";
	Oid			relid;
	Oid			owner;
	int			rc;
	const MGTool *tool;
	const char *table;

	relid = mg_heads_history_table(&owner);
	if (!OidIsValid(relid))
		return;

	/* a dropped table is named by the reading before the drop */
	tool = after->tool ? after->tool : before ? before->tool : NULL;
	table = after->table ? after->table : before ? before->table : NULL;
	values[0] = tool ? CStringGetTextDatum(tool->name) : (Datum) 0;
	nulls[0] = tool ? ' ' : 'n';
	values[1] = table ? CStringGetTextDatum(table) : (Datum) 0;
	nulls[1] = table ? ' ' : 'n';
	values[2] = mg_heads_text_array(before ? mg_heads_current(before) : NIL);
	values[3] = mg_heads_text_array(mg_heads_current(after));
	values[4] = CStringGetTextDatum(mg_head_state_name(state));
	values[5] = CStringGetTextDatum(role ? role : "");
	values[6] = CStringGetTextDatum(session_role ? session_role : "");
	values[7] = appname ? CStringGetTextDatum(appname) : (Datum) 0;
	nulls[7] = appname ? ' ' : 'n';

	mg_heads_set_own_query(true);
	mg_heads_enter_as(&own, owner);
	PushActiveSnapshot(GetTransactionSnapshot());
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	rc = SPI_execute_with_args(psprintf("INSERT INTO %s"
										" (tool, migration_table, from_heads, to_heads, state,"
										" role_name, session_role, application_name, txid)"
										" VALUES ($1, $2, $3, $4, $5, $6, $7, $8,"
										" pg_catalog.pg_current_xact_id())",
										mg_rel_name(relid)),
							   8, argtypes, values, nulls, false, 0);
	if (rc != SPI_OK_INSERT)
		elog(ERROR, "recording the head change failed: %s", SPI_result_code_string(rc));
	SPI_finish();
	PopActiveSnapshot();
	mg_heads_leave_own_query(&own);
	mg_heads_set_own_query(false);
}
