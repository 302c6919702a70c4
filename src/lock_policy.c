/*-------------------------------------------------------------------------
 *
 * lock_policy.c
 *	  The lock_timeout rule, and the decision to apply the automatic
 *	  lock_timeout instead (migration_guard.lock_timeout).
 *
 *	  The outage this exists to prevent is the lock queue: a statement
 *	  waiting for ACCESS EXCLUSIVE behind one long transaction makes every
 *	  later reader and writer of the table wait behind it.  So a statement
 *	  that will request a lock blocking reads or writes on a table other
 *	  sessions use must run with a short lock_timeout: the guard refuses it
 *	  otherwise (lock_timeout rule), or applies migration_guard.lock_timeout
 *	  to that statement itself, which lock_retry.c then retries when the
 *	  timeout fires (migration_guard.lock_retries).
 *
 *	  Which locks a statement takes is lockinfo.c's business; judging
 *	  leaves the plan and the decision in the statement (MGStatement
 *	  lock_plan and apply_timeout), where the pipeline finds them to run it.
 *
 * IDENTIFICATION
 *	  src/lock_policy.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "compat.h"

#include "catalog/pg_class.h"
#include "storage/lock.h"
#include "storage/proc.h"
#include "tcop/utility.h"
#include "utils/guc.h"

#include "applies.h"
#include "finding.h"
#include "guc.h"
#include "lock_policy.h"
#include "lockinfo.h"
#include "report.h"
#include "statement.h"
#include "words.h"

/* lock_timeout is set, and not above migration_guard.max_lock_timeout. */
static bool
lock_timeout_within_limit(void)
{
	return LockTimeout > 0 && LockTimeout <= mg_max_lock_timeout;
}

/*
 * migration_guard.lock_timeout applies unless migration_guard.allow names
 * the lock_timeout rule: a transaction that accepts the rule deliberately
 * (a maintenance window) waits as long as its own setting says.
 */
static bool
automatic_timeout_configured(void)
{
	return mg_lock_timeout_ms > 0 &&
		!mg_rule_allowed_by_setting(MG_RULE_LOCK_TIMEOUT);
}

bool
mg_lock_timeout_applies(const MGLockPlan *plan)
{
	return mg_plan_guarded_lock(plan) != NULL &&
		!lock_timeout_within_limit() && automatic_timeout_configured();
}

/* A setting as SHOW prints it, with its unit: "5s", "1min". */
static char *
show_setting(const char *name)
{
	return GetConfigOptionByName(name, NULL, false);
}

/* "It also needs ..." for the other locks of the plan that block reads or writes. */
static void
add_other_locks(MGFinding *f, MGLockPlan *plan, MGRelLock *judged)
{
	ListCell   *lc;

	foreach(lc, plan->locks)
	{
		MGRelLock  *other = lfirst(lc);

		if (other == judged || !other->shared || other->relkind == RELKIND_COMPOSITE_TYPE ||
			!mg_lock_blocks_reads_or_writes(other->mode))
			continue;
		if (other->role != NULL)
			mg_finding_add_detail(f, "It also needs %s lock on %s \"%s\", %s.",
								  mg_lockmode_name(other->mode),
								  mg_relkind_word(other->relkind),
								  other->relname, other->role);
		else
			mg_finding_add_detail(f, "It also needs %s lock on %s \"%s\".",
								  mg_lockmode_name(other->mode),
								  mg_relkind_word(other->relkind),
								  other->relname);
	}
}

static void
report_lock_timeout(MGStatement *st, MGLockPlan *plan, MGRelLock *l)
{
	MGFinding	f = {0};
	const char *tag = CreateCommandName(st->parsetree);
	const char *kind = mg_relkind_word(l->relkind);

	f.rule = MG_RULE_LOCK_TIMEOUT;
	f.relid = l->relid;
	f.lockmode = l->mode;
	if (LockTimeout == 0)
		mg_finding_message(&f, "%s would wait for %s lock on %s \"%s\" without a lock timeout",
						   tag, mg_lockmode_name(l->mode), kind, l->relname);
	else
		mg_finding_message(&f, "%s would wait up to %s for %s lock on %s \"%s\"",
						   tag, show_setting("lock_timeout"),
						   mg_lockmode_name(l->mode), kind, l->relname);

	if (l->mode == AccessExclusiveLock)
		mg_finding_detail(&f, "While it waits behind a transaction that uses \"%s\", %s of \"%s\" that comes after it waits too.",
						  l->relname, mg_lock_blocks_what(l->mode), l->relname);
	else
		mg_finding_detail(&f, "While it waits behind a transaction that uses \"%s\", %s on \"%s\" that comes after it waits too.",
						  l->relname, mg_lock_blocks_what(l->mode), l->relname);
	if (l->role != NULL)
		mg_finding_add_detail(&f, "\"%s\" is %s.", l->relname, l->role);
	add_other_locks(&f, plan, l);
	if (LockTimeout == 0)
		mg_finding_add_detail(&f, "\"lock_timeout\" is 0, so it would wait for as long as that transaction lasts.");
	else
		mg_finding_add_detail(&f, "\"lock_timeout\" is %s, above \"migration_guard.max_lock_timeout\" (%s).",
							  show_setting("lock_timeout"),
							  show_setting("migration_guard.max_lock_timeout"));
	mg_finding_hint(&f, "Set a short lock timeout and retry the statement when it times out: SET lock_timeout = '%s'.  Or have the DBA set \"migration_guard.lock_timeout\" (and \"migration_guard.lock_retries\"), which applies the timeout and retries for you.",
					show_setting("migration_guard.max_lock_timeout"));
	mg_report(&f);
}

/*
 * The lock the lock_timeout rule judges: the plan's guarded lock, or, when
 * the rule does not apply to that relation (a migration tool's bookkeeping
 * table), the strongest guarded lock on one it applies to.  A statement on
 * a bookkeeping table can also queue for other tables (a foreign key to a
 * production table, LOCK TABLE of a list): those are judged.
 */
static MGRelLock *
lock_timeout_judged_lock(MGLockPlan *plan, MGRelLock *guarded)
{
	ListCell   *lc;
	MGRelLock  *best = NULL;

	if (mg_rule_applies(MG_RULE_LOCK_TIMEOUT, guarded->relid))
		return guarded;
	foreach(lc, plan->locks)
	{
		MGRelLock  *l = lfirst(lc);

		if (l == guarded || !l->shared || l->relkind == RELKIND_COMPOSITE_TYPE ||
			!mg_lock_blocks_reads_or_writes(l->mode) ||
			!mg_rule_applies(MG_RULE_LOCK_TIMEOUT, l->relid))
			continue;
		if (best == NULL || l->mode > best->mode)
			best = l;
	}
	return best;
}

/*
 * The lock_timeout rule, judged for every statement (judge.c; also from
 * check()).  Plans the statement's locks and leaves the plan, and whether
 * the automatic lock_timeout applies, in the statement for its execution.
 */
void
mg_check_lock_timeout(MGStatement *st)
{
	MGLockPlan *plan = mg_statement_lock_plan(st->parsetree);
	MGRelLock  *guarded = mg_plan_guarded_lock(plan);

	st->lock_plan = plan;
	st->apply_timeout = false;
	if (guarded != NULL && !lock_timeout_within_limit())
	{
		if (automatic_timeout_configured())
			st->apply_timeout = true;
		else if ((guarded = lock_timeout_judged_lock(plan, guarded)) != NULL)
			report_lock_timeout(st, plan, guarded);
	}
}
