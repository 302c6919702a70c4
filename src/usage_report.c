/*-------------------------------------------------------------------------
 *
 * usage_report.c
 *	  The SQL view of the usage counters (usage_shmem.c):
 *	  deprecated_usage(), deprecation_tracking() and
 *	  reset_deprecated_usage().  They read this server's shared memory, so
 *	  they answer on a hot standby too, for the queries the standby ran.
 *
 * IDENTIFICATION
 *	  src/usage_report.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "compat.h"

#include "access/xlog.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/json.h"
#include "utils/lsyscache.h"
#include "utils/timestamp.h"

#include "deprecation.h"
#include "policy.h"

/* [{"role": ..., "application_name": ..., "query_id": ..., "last_use": ...}, ...] */
static Datum
users_json(const MGUsage *u)
{
	StringInfoData buf;

	initStringInfo(&buf);
	appendStringInfoChar(&buf, '[');
	for (int i = 0; i < MG_USAGE_USERS && OidIsValid(u->users[i].roleid); i++)
	{
		const MGUsageUser *x = &u->users[i];
		char	   *role = GetUserNameFromId(x->roleid, true);

		appendStringInfoString(&buf, i == 0 ? "{\"role\": " : ", {\"role\": ");
		if (role)
			escape_json(&buf, role);
		else
			appendStringInfoString(&buf, "null");
		appendStringInfoString(&buf, ", \"application_name\": ");
		escape_json(&buf, x->appname);
		appendStringInfo(&buf, ", \"query_id\": %lld, \"last_use\": ",
						 (long long) (int64) x->queryid);
		escape_json(&buf, timestamptz_to_str(x->last_use));
		appendStringInfoChar(&buf, '}');
	}
	appendStringInfoChar(&buf, ']');
	return DirectFunctionCall1(jsonb_in, CStringGetDatum(buf.data));
}

PG_FUNCTION_INFO_V1(mg_deprecated_usage);

/*
 * migration_guard.deprecated_usage(): this server's counters for the
 * objects of this database, on a primary or a standby.  Objects dropped
 * since are left out.
 */
Datum
mg_deprecated_usage(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	TimestampTz since = mg_usage_tracking_since();
	ListCell   *lc;

	InitMaterializedSRF(fcinfo, 0);
	foreach(lc, mg_usage_rows())
	{
		MGUsageRow *r = lfirst(lc);
		Datum		values[8];
		bool		nulls[8] = {0};
		char	   *attname = NULL;

		if (get_rel_relkind(r->relid) == '\0')
			continue;
		if (r->attnum != 0)
		{
			attname = get_attname(r->relid, r->attnum, true);
			if (attname == NULL)
				continue;
		}
		values[0] = ObjectIdGetDatum(r->relid);
		if (attname)
			values[1] = DirectFunctionCall1(namein, CStringGetDatum(attname));
		else
			nulls[1] = true;
		values[2] = TimestampTzGetDatum(r->usage.first_use);
		nulls[2] = r->usage.first_use == 0;
		values[3] = TimestampTzGetDatum(r->usage.last_use);
		nulls[3] = r->usage.last_use == 0;
		values[4] = Int64GetDatum(r->usage.uses);
		values[5] = users_json(&r->usage);
		values[6] = TimestampTzGetDatum(r->usage.reset_at);
		nulls[6] = r->usage.reset_at == 0;
		values[7] = TimestampTzGetDatum(since);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	return (Datum) 0;
}

PG_FUNCTION_INFO_V1(mg_deprecation_tracking);

/*
 * migration_guard.deprecation_tracking(): is usage counted on this server,
 * since when, were the previous run's counters restored, was a use lost,
 * and is this a standby.
 */
Datum
mg_deprecation_tracking(PG_FUNCTION_ARGS)
{
	TupleDesc	tupdesc;
	Datum		values[5];
	bool		nulls[5] = {0};

	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "return type must be a row type");
	values[0] = BoolGetDatum(mg_usage_available());
	if (mg_usage_available())
	{
		TimestampTz overflow = mg_usage_overflow_at();

		values[1] = TimestampTzGetDatum(mg_usage_tracking_since());
		values[2] = BoolGetDatum(mg_usage_restored());
		values[3] = TimestampTzGetDatum(overflow);
		nulls[3] = overflow == 0;
	}
	else
		nulls[1] = nulls[2] = nulls[3] = true;
	values[4] = BoolGetDatum(RecoveryInProgress());
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(tupdesc, values, nulls)));
}

PG_FUNCTION_INFO_V1(mg_reset_deprecated_usage);

/*
 * migration_guard.reset_deprecated_usage(relation regclass DEFAULT NULL,
 * column name DEFAULT NULL) returns bigint: the number of counters reset.
 * NULL relation: every object of this database (a column then is an
 * error); NULL column: the relation's own counters.  A reset restarts the
 * quiet period of what it resets (the evidence is gone), and it hides who
 * used the object, so it takes the privilege to loosen the policy, like
 * deprecate().  It works on a standby, for the standby's counters.
 */
Datum
mg_reset_deprecated_usage(PG_FUNCTION_ARGS)
{
	Oid			relid = PG_ARGISNULL(0) ? InvalidOid : PG_GETARG_OID(0);
	AttrNumber	attnum = 0;

	if (!mg_role_may_loosen_policy())
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("permission denied for reset_deprecated_usage()"),
				 errdetail("Resetting the counters hides past use of deprecated objects from the drop rules."),
				 errhint("Ask a superuser, or a role granted SET ON PARAMETER migration_guard.allow, to run it.")));
	if (!OidIsValid(relid) && !PG_ARGISNULL(1))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("relation must not be null when a column is given")));
	if (!PG_ARGISNULL(1))
	{
		char	   *attname = NameStr(*PG_GETARG_NAME(1));

		attnum = get_attnum(relid, attname);
		if (attnum == InvalidAttrNumber)
			ereport(ERROR,
					(errcode(ERRCODE_UNDEFINED_COLUMN),
					 errmsg("column \"%s\" of relation \"%s\" does not exist",
							attname, get_rel_name(relid))));
	}
	PG_RETURN_INT64(mg_usage_reset(relid, attnum));
}
