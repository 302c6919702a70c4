/*-------------------------------------------------------------------------
 *
 * heads_sql.c
 *	  The SQL functions that read the head: migration_guard.head() (where
 *	  the database stands, and why) and assert_head() (fails unless the
 *	  database is at the expected head).
 *
 *	  Entry points: they read the head (heads_xact.c), judge it
 *	  (heads_judge.c) and say what was found.
 *
 * IDENTIFICATION
 *	  src/heads_sql.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "compat.h"

#include "access/htup_details.h"
#include "fmgr.h"
#include "funcapi.h"
#include "lib/stringinfo.h"
#include "utils/builtins.h"

#include "heads_expected.h"
#include "heads_judge.h"
#include "heads_query.h"
#include "heads_types.h"
#include "heads_versions.h"
#include "heads_xact.h"

/* The judgement's detail, with the format note for ahead and behind. */
static void
add_format_note(MGHeadJudgement *j, const MGHeadReading *r, List *expected)
{
	char	   *note;

	if (j->state != MG_HEAD_AHEAD && j->state != MG_HEAD_BEHIND)
		return;
	note = mg_heads_format_note(r, expected);
	if (note)
		j->detail = j->detail ? psprintf("%s %s", j->detail, note) : note;
}

PG_FUNCTION_INFO_V1(mg_head);

/*
 * migration_guard.head(): tool, table, current head(s), expected head(s),
 * state and a sentence explaining it.
 */
Datum
mg_head(PG_FUNCTION_ARGS)
{
	TupleDesc	tupdesc;
	Datum		values[6];
	bool		nulls[6] = {0};
	MGHeadReading *r;
	MGHeadJudgement j;
	List	   *expected = mg_heads_expected_list();

	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "return type must be a row type");

	r = mg_heads_read_now();
	j = mg_heads_judge(r, expected, mg_heads_known_list(), false);
	add_format_note(&j, r, expected);

	values[0] = r->tool ? CStringGetTextDatum(r->tool->name) : (Datum) 0;
	nulls[0] = r->tool == NULL;
	values[1] = r->table ? CStringGetTextDatum(r->table) : (Datum) 0;
	nulls[1] = r->table == NULL;
	values[2] = mg_heads_text_array(mg_heads_current(r));
	values[3] = mg_heads_text_array(expected);
	values[4] = CStringGetTextDatum(mg_head_state_name(j.state));
	values[5] = j.detail ? CStringGetTextDatum(j.detail) : (Datum) 0;
	nulls[5] = j.detail == NULL;

	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(tupdesc, values, nulls)));
}

/*
 * assert_head()'s detail: where the database is, then why it is not at
 * the expected head.  Empty if there is nothing to say.
 */
static char *
assert_detail(const MGHeadReading *r, List *expected, const char *why)
{
	StringInfoData buf;

	initStringInfo(&buf);
	if (r->tool && r->table && expected)
		appendStringInfo(&buf, MGH_("The database is at %s (%s, table %s); the release expects %s."),
						 mg_heads_text(mg_heads_current(r)), r->tool->name, r->table,
						 mg_heads_text(expected));
	else if (r->tool && r->table)
		appendStringInfo(&buf, MGH_("The database is at %s (%s, table %s); the release expects no particular head."),
						 mg_heads_text(mg_heads_current(r)), r->tool->name, r->table);
	if (why)
		appendStringInfo(&buf, "%s%s", buf.len ? " " : "", why);
	return buf.data;
}

/* errdetail for assert_head(), unless there is none */
static int
assert_errdetail(const char *detail)
{
	if (detail[0] == '\0')
		return 0;
	return errdetail_internal("%s", detail);
}

PG_FUNCTION_INFO_V1(mg_assert_head);

/*
 * migration_guard.assert_head(): fails unless the database is at the
 * expected head.  Applications call it at start-up or in their readiness
 * probe, so that a release never runs against the wrong schema.
 */
Datum
mg_assert_head(PG_FUNCTION_ARGS)
{
	MGHeadReading *r = mg_heads_read_now();
	List	   *expected = mg_heads_expected_list();
	MGHeadJudgement j = mg_heads_judge(r, expected, mg_heads_known_list(), false);
	char	   *detail;

	if (j.state == MG_HEAD_AT_HEAD)
		PG_RETURN_VOID();
	add_format_note(&j, r, expected);
	detail = assert_detail(r, expected, j.detail);

	switch (j.state)
	{
		case MG_HEAD_BEHIND:
			ereport(ERROR,
					(errcode(ERRCODE_MG_HEAD_BEHIND),
					 errmsg("database is behind the expected migration head"),
					 assert_errdetail(detail),
					 errhint("Run the release's migrations before starting it.")));
			break;
		case MG_HEAD_AHEAD:
			ereport(ERROR,
					(errcode(ERRCODE_MG_HEAD_AHEAD),
					 errmsg("database is beyond the expected migration head"),
					 assert_errdetail(detail),
					 errhint("The schema belongs to a newer release: deploy that release, or set \"migration_guard.expected_head\" to the head this database is at.")));
			break;
		case MG_HEAD_UNKNOWN:
			if (r->problem)
				ereport(ERROR,
						(errcode(ERRCODE_MG_HEAD_CONFIG),
						 errmsg("cannot tell which migration head the database is at"),
						 assert_errdetail(detail),
						 errhint("Set \"migration_guard.migration_table\" (and \"migration_guard.migration_tool\") to the release's migration table.")));
			ereport(ERROR,
					(errcode(ERRCODE_MG_HEAD_UNKNOWN),
					 errmsg("database is at a migration head this release does not know"),
					 assert_errdetail(detail),
					 errhint("Check that the release and the database belong together; list the release's revisions in \"migration_guard.known_heads\".")));
			break;
		case MG_HEAD_FAILED:
			ereport(ERROR,
					(errcode(ERRCODE_MG_HEAD_FAILED),
					 errmsg("the last migration failed"),
					 assert_errdetail(detail),
					 errhint("Repair the failed migration with the migration tool (for example flyway repair, migrate force, prisma migrate resolve), then migrate again.")));
			break;
		case MG_HEAD_NO_TABLE:
			ereport(ERROR,
					(errcode(ERRCODE_MG_HEAD_NO_TABLE),
					 errmsg("no migration table found"),
					 assert_errdetail(detail),
					 errhint("Run the release's migrations, or set \"migration_guard.migration_table\" to the table the migration tool uses.")));
			break;
		case MG_HEAD_UNSET:
			ereport(ERROR,
					(errcode(ERRCODE_MG_HEAD_UNSET),
					 errmsg("no expected migration head is set"),
					 assert_errdetail(detail),
					 errhint("Declare the release's head with SELECT migration_guard.set_expected_head('<head>').")));
			break;
		case MG_HEAD_AT_HEAD:
			break;
	}
	PG_RETURN_VOID();
}
