/*-------------------------------------------------------------------------
 *
 * heads_expected_sql.c
 *	  The SQL functions that declare the release's expected head for every
 *	  session: migration_guard.set_expected_head(), clear_expected_head(),
 *	  and the trigger expected_head_changed() that tells every backend to
 *	  read the durable setting again (heads_expected.c reads it).
 *
 *	  Entry points: they check who may declare the head, validate and
 *	  normalise the value (heads_formats.c), and write the setting table
 *	  as its owner.
 *
 * IDENTIFICATION
 *	  src/heads_expected_sql.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "compat.h"

#include "access/htup_details.h"
#include "catalog/pg_class.h"
#include "catalog/pg_type.h"
#include "commands/trigger.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/inval.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/syscache.h"

#include "heads_expected.h"
#include "heads_read.h"
#include "heads_types.h"

/*
 * May the current role declare the release's head?  Only those who may set
 * the GUC (superusers, GRANT SET ON PARAMETER migration_guard.expected_head).
 * SET on migration_guard.allow is not enough: it lets a migration role
 * accept a rule for its own statements, while the declaration (or '', which
 * turns head enforcement off) applies to every session of the database.
 */
static void
check_may_set_expected_head(void)
{
	if (superuser() ||
		pg_parameter_aclcheck("migration_guard.expected_head", GetUserId(), ACL_SET) == ACLCHECK_OK)
		return;
	ereport(ERROR,
			(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
			 errmsg("permission denied to set the expected migration head"),
			 errdetail("Role \"%s\" may not set \"migration_guard.expected_head\".",
					   GetUserNameFromId(GetUserId(), false)),
			 errhint("Have a superuser run GRANT SET ON PARAMETER migration_guard.expected_head TO the deploying role.")));
}

/* Validates a head list exactly as SET would (the GUC's check hook). */
static void
validate_head_list(const char *name, const char *value)
{
	(void) set_config_option(name, value, PGC_SUSET, PGC_S_TEST,
							 GUC_ACTION_SET, false, ERROR, false);
}

static void enter_as_table_owner(MGOwnQuery *own, Oid relid);

/* Writes the row as the guard's own query: the caller needs no privilege. */
static void
write_setting(Oid relid, const char *expected, const char *known)
{
	MGOwnQuery	own;
	Oid			argtypes[3] = {TEXTOID, TEXTOID, TEXTOID};
	Datum		values[3];
	char	   *sql;
	int			rc;

	values[0] = CStringGetTextDatum(expected);
	values[1] = CStringGetTextDatum(known);
	values[2] = CStringGetTextDatum(GetUserNameFromId(GetUserId(), false));
	sql = psprintf("INSERT INTO %s.%s AS s (id, expected_head, known_heads, set_by)"
				   " VALUES (true, $1, $2, $3) ON CONFLICT (id) DO UPDATE"
				   " SET expected_head = EXCLUDED.expected_head,"
				   " known_heads = EXCLUDED.known_heads,"
				   " set_at = pg_catalog.clock_timestamp(),"
				   " set_by = EXCLUDED.set_by",
				   quote_identifier(get_namespace_name(get_rel_namespace(relid))),
				   quote_identifier(MG_HEADS_SETTING_TABLE));

	enter_as_table_owner(&own, relid);
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	rc = SPI_execute_with_args(sql, 3, argtypes, values, NULL, false, 0);
	if (rc != SPI_OK_INSERT)
		elog(ERROR, "writing the expected head failed: %s", SPI_result_code_string(rc));
	SPI_finish();
	mg_heads_leave_own_query(&own);
}

/*
 * The setting table is written as its owner (whoever installed the
 * extension) with a fixed search_path, never as the bootstrap superuser:
 * the caller's right to declare the head was checked already.
 */
static void
enter_as_table_owner(MGOwnQuery *own, Oid relid)
{
	HeapTuple	tup = SearchSysCache1(RELOID, ObjectIdGetDatum(relid));
	Oid			owner;

	if (!HeapTupleIsValid(tup))
		elog(ERROR, "cache lookup failed for relation %u", relid);
	owner = ((Form_pg_class) GETSTRUCT(tup))->relowner;
	ReleaseSysCache(tup);
	mg_heads_enter_as(own, owner);
}

static Oid
setting_table_or_error(void)
{
	Oid			relid = mg_heads_setting_table();

	if (!OidIsValid(relid))
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("migration_guard's expected-head table is missing"),
				 errhint("Update the extension: ALTER EXTENSION migration_guard UPDATE.")));
	return relid;
}

PG_FUNCTION_INFO_V1(mg_set_expected_head);

/*
 * migration_guard.set_expected_head(head text, known_heads text DEFAULT ''):
 * declares the release's head for every session, from their next statement
 * on, once this transaction commits.  Returns the head as stored (values
 * written without the file extension the tool stores are normalised).
 */
Datum
mg_set_expected_head(PG_FUNCTION_ARGS)
{
	char	   *expected;
	char	   *known;
	Oid			relid;

	if (PG_ARGISNULL(0) || PG_ARGISNULL(1))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("%s must not be null", PG_ARGISNULL(0) ? "head" : "known_heads"),
				 errhint("Pass '' to turn head enforcement off; migration_guard.clear_expected_head() returns to the migration_guard.expected_head setting.")));
	check_may_set_expected_head();
	relid = setting_table_or_error();

	expected = text_to_cstring(PG_GETARG_TEXT_PP(0));
	known = text_to_cstring(PG_GETARG_TEXT_PP(1));
	validate_head_list("migration_guard.expected_head", expected);
	validate_head_list("migration_guard.known_heads", known);
	expected = mg_heads_normalise_expected(expected, "head");
	known = mg_heads_normalise_expected(known, "known_heads");

	write_setting(relid, expected, known);
	PG_RETURN_TEXT_P(cstring_to_text(expected));
}

PG_FUNCTION_INFO_V1(mg_clear_expected_head);

/*
 * migration_guard.clear_expected_head(): removes the durable setting, so
 * migration_guard.expected_head (ALTER DATABASE, ALTER ROLE, the
 * configuration file) applies again.  Returns whether a setting existed.
 */
Datum
mg_clear_expected_head(PG_FUNCTION_ARGS)
{
	MGOwnQuery	own;
	Oid			relid;
	int			rc;
	uint64		n;

	check_may_set_expected_head();
	relid = setting_table_or_error();
	enter_as_table_owner(&own, relid);
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	rc = SPI_execute(psprintf("DELETE FROM %s.%s",
							  quote_identifier(get_namespace_name(get_rel_namespace(relid))),
							  quote_identifier(MG_HEADS_SETTING_TABLE)), false, 0);
	if (rc != SPI_OK_DELETE)
		elog(ERROR, "clearing the expected head failed: %s", SPI_result_code_string(rc));
	n = SPI_processed;
	SPI_finish();
	mg_heads_leave_own_query(&own);
	PG_RETURN_BOOL(n > 0);
}

PG_FUNCTION_INFO_V1(mg_expected_head_changed);

/*
 * Statement trigger on expected_head_setting: every session must read the
 * table again.  The invalidation is transactional: other sessions receive
 * it when this transaction commits, this one at its next command.
 */
Datum
mg_expected_head_changed(PG_FUNCTION_ARGS)
{
	TriggerData *trigdata = (TriggerData *) fcinfo->context;

	if (!CALLED_AS_TRIGGER(fcinfo))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("expected_head_changed() must be called as a trigger")));
	CacheInvalidateRelcacheByRelid(RelationGetRelid(trigdata->tg_relation));
	return PointerGetDatum(NULL);
}
