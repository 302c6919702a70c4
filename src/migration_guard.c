/*-------------------------------------------------------------------------
 *
 * migration_guard.c
 *	  Module entry point: defines the parameters, installs every hook, and
 *	  tells a DBA whether the guard is really active (status()).
 *
 *	  The guard is only as strong as its loading: a backend that never
 *	  loaded the library is unguarded.  The library must therefore be in
 *	  shared_preload_libraries (or session_preload_libraries set by a
 *	  superuser), and status() and CREATE EXTENSION say so when it is not.
 *
 * IDENTIFICATION
 *	  src/migration_guard.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "compat.h"

#include "fmgr.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "tcop/tcopprot.h"
#include "utils/builtins.h"
#include "utils/guc.h"

#include "audit.h"
#include "deprecation.h"
#include "guc.h"
#include "heads.h"
#include "heads_settings.h"
#include "migration_guard.h"
#include "object_access.h"
#include "pipeline.h"
#include "rules.h"
#include "rules_dml.h"
#include "shmem.h"
#include "usercode.h"
#include "xact_events.h"
#include "xact_state.h"

MG_MODULE_MAGIC;

MGLoadMethod mg_load_method = MG_LOADED_ON_DEMAND;
bool		mg_hook_installed = false;

static const char *const load_method_names[] = {
	[MG_LOADED_SHARED_PRELOAD] = "shared_preload_libraries",
	[MG_LOADED_SESSION_PRELOAD] = "session_preload_libraries",
	[MG_LOADED_ON_DEMAND] = "load",
};

/*
 * Session (and local) preloading happen at backend start, before the first
 * query; LOAD and the on-demand load of a C function happen while a query
 * runs, so debug_query_string tells them apart.
 */
static MGLoadMethod
detect_load_method(void)
{
	if (process_shared_preload_libraries_in_progress)
		return MG_LOADED_SHARED_PRELOAD;
	if (debug_query_string == NULL)
		return MG_LOADED_SESSION_PRELOAD;
	return MG_LOADED_ON_DEMAND;
}

void
_PG_init(void)
{
	mg_load_method = detect_load_method();
	pg_bindtextdomain(TEXTDOMAIN);

	/* a rule missing from rules_list.h must stop the server, not crash it */
	mg_rules_verify();

	mg_define_gucs();
	mg_heads_define_gucs();
	mg_deprecation_define_gucs();
	mg_audit_define_gucs();
	MarkGUCPrefixReserved("migration_guard");

	mg_shmem_init();
	mg_install_hooks();
	mg_executor_init();
	mg_xact_events_init();
	mg_heads_init();
	mg_object_access_init();
	mg_usercode_init();
	mg_dml_init();
	mg_hook_installed = true;
}

static bool
library_preloaded(void)
{
	return mg_load_method != MG_LOADED_ON_DEMAND;
}

PG_FUNCTION_INFO_V1(mg_status);

/*
 * migration_guard.status(): one row saying whether this backend is guarded
 * and by which policy.
 */
Datum
mg_status(PG_FUNCTION_ARGS)
{
	TupleDesc	tupdesc;
	Datum		values[9];
	bool		nulls[9] = {0};
	const char *note;

	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "return type must be a row type");

	if (!library_preloaded())
		note = "The library was loaded on demand: only this session is guarded. Add migration_guard to shared_preload_libraries.";
	else if (mg_mode == MG_SEV_OFF)
		note = "migration_guard.mode is off: no rule is checked.";
	else
		note = "Guard active.";

	values[0] = BoolGetDatum(mg_hook_installed);
	values[1] = CStringGetTextDatum(load_method_names[mg_load_method]);
	values[2] = BoolGetDatum(library_preloaded());
	values[3] = CStringGetTextDatum(mg_severity_name((MGSeverity) mg_mode));
	values[4] = CStringGetTextDatum(mg_rules_setting ? mg_rules_setting : "");
	values[5] = CStringGetTextDatum(mg_allow_setting ? mg_allow_setting : "");
	values[6] = CStringGetTextDatum(GetConfigOption("migration_guard.small_table_threshold", false, false));
	values[7] = CStringGetTextDatum(MG_VERSION);
	values[8] = CStringGetTextDatum(note);

	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(tupdesc, values, nulls)));
}

PG_FUNCTION_INFO_V1(mg_warn_if_not_preloaded);

/*
 * Called at the end of CREATE EXTENSION: a guard installed but silently
 * inactive in other sessions is the worst failure a DBA can have.
 */
Datum
mg_warn_if_not_preloaded(PG_FUNCTION_ARGS)
{
	if (!library_preloaded())
		ereport(WARNING,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("migration_guard is installed but its library is not preloaded"),
				 errdetail("Only sessions that load the library are guarded; this one loaded it on demand."),
				 errhint("Add migration_guard to \"shared_preload_libraries\" in postgresql.conf and restart, or run ALTER SYSTEM SET session_preload_libraries = 'migration_guard' and reload.")));
	PG_RETURN_VOID();
}
