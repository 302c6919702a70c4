/*-------------------------------------------------------------------------
 *
 * commit_checks.c
 *	  Findings decided at commit: statements that are unsafe alone but safe
 *	  in combination with later statements of the same transaction.
 *
 *	  The textbook case is the compatibility view of a rename: ALTER TABLE
 *	  t RENAME TO t2; CREATE VIEW t AS SELECT * FROM t2 in one transaction
 *	  keeps every query of the running release working.  When the rename is
 *	  judged the view does not exist yet, so inside a transaction block the
 *	  rule hands its finding here with a test ("does the old name still
 *	  resolve to something readable?") and the pre-commit callback reports
 *	  the finding only if the test fails, exactly as heads.c judges the
 *	  migration head at commit.  A finding of a statement rolled back to a
 *	  savepoint is forgotten with it.
 *
 *	  Any rule can use mg_defer_finding() for a combination it accepts.
 *
 * IDENTIFICATION
 *	  src/commit_checks.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "compat.h"

#include "access/xact.h"
#include "catalog/namespace.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"

#include "commit_checks.h"
#include "finding.h"
#include "relfacts.h"
#include "report.h"
#include "statement.h"

typedef struct DeferredFinding
{
	MGFinding	finding;
	MGCommitTest safe_at_commit;
	void	   *arg;
	char	   *statement;		/* for directive comments */
	SubTransactionId subid;
} DeferredFinding;

/* In TopTransactionContext. */
static List *deferred = NIL;

static char *
copy_or_null(const char *s)
{
	return s ? pstrdup(s) : NULL;
}

static void
judge_deferred(void)
{
	List	   *todo = deferred;
	ListCell   *lc;

	deferred = NIL;
	foreach(lc, todo)
	{
		DeferredFinding *d = lfirst(lc);
		MGStatement st = {0};
		MGStatement *saved = mg_current_statement;

		if (d->safe_at_commit(d->arg))
			continue;
		st.query_string = d->statement;
		st.location = -1;
		mg_current_statement = &st;
		PG_TRY();
		{
			mg_report(&d->finding);
		}
		PG_FINALLY();
		{
			mg_current_statement = saved;
		}
		PG_END_TRY();
	}
}

void
mg_commit_checks_xact_event(XactEvent event)
{
	switch (event)
	{
		case XACT_EVENT_PRE_COMMIT:
		case XACT_EVENT_PRE_PREPARE:
			if (deferred != NIL)
				judge_deferred();
			break;
		case XACT_EVENT_COMMIT:
		case XACT_EVENT_ABORT:
		case XACT_EVENT_PREPARE:
		case XACT_EVENT_PARALLEL_COMMIT:
		case XACT_EVENT_PARALLEL_ABORT:
			deferred = NIL;
			break;
		default:
			break;
	}
}

void
mg_commit_checks_subxact_event(SubXactEvent event, SubTransactionId mySubid,
							   SubTransactionId parentSubid)
{
	ListCell   *lc;

	foreach(lc, deferred)
	{
		DeferredFinding *d = lfirst(lc);

		if (d->subid != mySubid)
			continue;
		if (event == SUBXACT_EVENT_ABORT_SUB)
			deferred = foreach_delete_current(deferred, lc);
		else if (event == SUBXACT_EVENT_COMMIT_SUB)
			d->subid = parentSubid;
	}
}

/*
 * A client's statement in a transaction block: more client statements can
 * follow before COMMIT.  Statements inside functions and DO blocks are
 * judged at once (a test harness such as pgTAP's throws_ok() runs them in a
 * subtransaction and expects the answer now); migration tools send the
 * compatibility view as a statement of its own.
 */
static bool
deferrable_here(void)
{
	return IsTransactionBlock() && mg_collector == NULL && !mg_check_simulating &&
		mg_current_statement != NULL &&
		mg_current_statement->context == PROCESS_UTILITY_TOPLEVEL;
}

/*
 * Hands a finding over to be reported at commit unless safe_at_commit(arg)
 * says the transaction made it safe.  Returns false (the caller reports it
 * now) outside a transaction block, where nothing can follow, and while
 * check() collects findings.  arg must live in TopTransactionContext (or
 * be NULL); the finding is copied there.
 */
bool
mg_defer_finding(const MGFinding *f, MGCommitTest safe_at_commit, void *arg)
{
	MemoryContext old;
	DeferredFinding *d;

	if (!deferrable_here())
		return false;
	old = MemoryContextSwitchTo(TopTransactionContext);
	d = palloc0(sizeof(DeferredFinding));
	d->finding = *f;
	d->finding.message = copy_or_null(f->message);
	d->finding.detail = copy_or_null(f->detail);
	d->finding.hint = copy_or_null(f->hint);
	d->safe_at_commit = safe_at_commit;
	d->arg = arg;
	d->statement = mg_current_statement ? mg_statement_text(mg_current_statement) : pstrdup("");
	d->subid = GetCurrentSubTransactionId();
	deferred = lappend(deferred, d);
	MemoryContextSwitchTo(old);
	return true;
}

/* ---------- the compatibility view of a rename ---------- */

typedef struct OldName
{
	Oid			nspid;
	char	   *relname;
} OldName;

/* Does the old name still resolve to a relation queries can read? */
static bool
old_name_still_readable(void *arg)
{
	OldName    *old = arg;
	Oid			relid = get_relname_relid(old->relname, old->nspid);

	return OidIsValid(relid) && mg_relkind_queried_by_name(get_rel_relkind(relid));
}

/*
 * For rename_table (and SET SCHEMA): in a transaction block, the finding
 * waits for commit, where it is dropped if the old name (nspid, relname)
 * then resolves to a view, table or other readable relation.
 */
bool
mg_defer_rename_until_commit(MGFinding *f, Oid nspid, const char *relname)
{
	MemoryContext oldcxt;
	OldName    *old;

	if (!deferrable_here())
		return false;
	oldcxt = MemoryContextSwitchTo(TopTransactionContext);
	old = palloc(sizeof(OldName));
	old->nspid = nspid;
	old->relname = pstrdup(relname);
	mg_finding_add_detail(f, "Judged at commit: the transaction did not leave a view or table under the old name %s.",
						  quote_qualified_identifier(get_namespace_name(nspid), relname));
	MemoryContextSwitchTo(oldcxt);
	return mg_defer_finding(f, old_name_still_readable, old);
}
