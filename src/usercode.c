/*-------------------------------------------------------------------------
 *
 * usercode.c
 *	  While migration_guard.check() runs, no user-written function is
 *	  called.
 *
 *	  check() judges a script and runs some of its statements in a
 *	  subtransaction that is always rolled back.  Judging and running both
 *	  reach PostgreSQL code that evaluates expressions: planning a DEFAULT
 *	  folds IMMUTABLE functions with constant arguments, CREATE INDEX checks
 *	  the mutability of its expressions by planning them, a partition bound
 *	  is evaluated, an existing CHECK constraint is simplified to prove a
 *	  column NOT NULL.  A function written by another role (a table owner,
 *	  the author of the script) would then run as the caller of check(),
 *	  who expects check() to run nothing.
 *
 *	  The restriction (docs/security.md): while check() runs, a call of a
 *	  function that is not PostgreSQL's own (OID at or above
 *	  FirstNormalObjectId), not written in C or internal (which only a
 *	  superuser can create) and not owned by a superuser is refused with
 *	  SQLSTATE 42501.  The statement that needed it is reported by check()
 *	  as not judged or not run, never judged by running foreign code.
 *
 *	  The mechanism is PostgreSQL's function-manager hook (the one sepgsql
 *	  uses): needs_fmgr_hook marks such a function while the restriction is
 *	  on, which also keeps the planner from inlining it, and fmgr_hook
 *	  refuses the call.  Other modules' hooks are chained.
 *
 * IDENTIFICATION
 *	  src/usercode.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "compat.h"

#include "access/htup_details.h"
#include "access/transam.h"
#include "catalog/pg_language.h"
#include "catalog/pg_proc.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "utils/lsyscache.h"
#include "utils/regproc.h"
#include "utils/syscache.h"

#include "usercode.h"

/* > 0 while check() runs (nesting: check() refuses to nest, but be safe) */
static int	no_user_code_depth = 0;

static needs_fmgr_hook_type prev_needs_fmgr_hook = NULL;
static fmgr_hook_type prev_fmgr_hook = NULL;

/* Is the function code a role other than a superuser could have written? */
static bool
is_user_code(Oid fn_oid)
{
	HeapTuple	tup;
	Form_pg_proc proc;
	bool		result;

	if (fn_oid < FirstNormalObjectId)
		return false;
	tup = SearchSysCache1(PROCOID, ObjectIdGetDatum(fn_oid));
	if (!HeapTupleIsValid(tup))
		return false;			/* fmgr reports the missing function */
	proc = (Form_pg_proc) GETSTRUCT(tup);
	result = proc->prolang != INTERNALlanguageId &&
		proc->prolang != ClanguageId &&
		!superuser_arg(proc->proowner);
	ReleaseSysCache(tup);
	return result;
}

static bool
mg_needs_fmgr_hook(Oid fn_oid)
{
	if (prev_needs_fmgr_hook && (*prev_needs_fmgr_hook) (fn_oid))
		return true;
	return no_user_code_depth > 0 && is_user_code(fn_oid);
}

static void
mg_fmgr_hook(FmgrHookEventType event, FmgrInfo *flinfo, Datum *private)
{
	if (event == FHET_START && no_user_code_depth > 0 &&
		is_user_code(flinfo->fn_oid))
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("migration_guard.check() does not call the function %s",
						format_procedure(flinfo->fn_oid)),
				 errdetail("check() runs no code written by roles other than superusers: judging or running this statement would call it."),
				 errhint("Run the script in a test database to see its effect.")));
	if (prev_fmgr_hook)
		(*prev_fmgr_hook) (event, flinfo, private);
}

void
mg_usercode_init(void)
{
	prev_needs_fmgr_hook = needs_fmgr_hook;
	needs_fmgr_hook = mg_needs_fmgr_hook;
	prev_fmgr_hook = fmgr_hook;
	fmgr_hook = mg_fmgr_hook;
}

/* check() turns the restriction on for its whole run, and off on every exit. */
void
mg_forbid_user_code(bool on)
{
	if (on)
		no_user_code_depth++;
	else if (no_user_code_depth > 0)
		no_user_code_depth--;
}
