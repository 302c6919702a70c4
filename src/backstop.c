/*-------------------------------------------------------------------------
 *
 * backstop.c
 *	  The table_rewrite backstop: an event trigger that, just before
 *	  ALTER TABLE, ALTER TYPE or ALTER MATERIALIZED VIEW rewrites a table,
 *	  refuses (in enforce) a rewrite of an existing table at or above the
 *	  size threshold that no rule predicted.  The rules judge statement
 *	  shapes they know; this confirms what PostgreSQL actually does, so that
 *	  a form no rule knows cannot slip through.
 *
 *	  The ProcessUtility hook keeps the statement being judged current
 *	  while it runs; every finding with rewrites = true adds its table to
 *	  the statement's predicted_rewrites (mg_report).  A predicted rewrite
 *	  was already judged and passes here whatever the policy decided, so a
 *	  rewrite is never refused twice.
 *
 *	  The trigger fires after ALTER TABLE has its ACCESS EXCLUSIVE lock:
 *	  refusing here saves the copy and the long lock hold, not the wait in
 *	  the lock queue (that is the rules' and lock_timeout's job).
 *
 * IDENTIFICATION
 *	  src/backstop.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "compat.h"

#include "access/genam.h"
#include "access/htup_details.h"
#include "access/table.h"
#include "catalog/indexing.h"
#include "catalog/pg_class.h"
#include "catalog/pg_inherits.h"
#include "commands/event_trigger.h"
#include "fmgr.h"
#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "tcop/cmdtag.h"
#include "utils/fmgroids.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"

#include "applies.h"
#include "finding.h"
#include "policy.h"
#include "relfacts.h"
#include "report.h"
#include "rules.h"
#include "statement.h"

/* Rewrite reasons (pg_event_trigger_table_rewrite_reason() bits). */
typedef struct RewriteReason
{
	int			bit;
	const char *what;
	int			rule;			/* the rule that judges this kind, or -1 */
} RewriteReason;

static const RewriteReason rewrite_reasons[] = {
	{AT_REWRITE_ALTER_PERSISTENCE, "a change between logged and unlogged", MG_RULE_SET_LOGGED},
	{AT_REWRITE_DEFAULT_VAL, "a column default or generation expression that must be computed for every row", MG_RULE_ADD_COLUMN_VOLATILE_DEFAULT},
	{AT_REWRITE_COLUMN_REWRITE, "a column type change that is not binary-compatible", MG_RULE_ALTER_COLUMN_TYPE},
	{AT_REWRITE_ACCESS_METHOD, "a change of table access method", -1},
};

/*
 * Is the table, or a table it inherits from, among the predicted ones?  An
 * ALTER TABLE of a partitioned or inheritance parent rewrites each child
 * under its own OID, while the rule named the parent.
 */
static bool
rewrite_was_predicted(Oid relid, List *predicted, int depth)
{
	Relation	inherits;
	SysScanDesc scan;
	ScanKeyData key;
	HeapTuple	tuple;
	bool		found = false;

	if (list_member_oid(predicted, relid))
		return true;
	if (depth > 32)
		return false;			/* inheritance is acyclic; this is a safety
								 * net */

	ScanKeyInit(&key, Anum_pg_inherits_inhrelid, BTEqualStrategyNumber,
				F_OIDEQ, ObjectIdGetDatum(relid));
	inherits = table_open(InheritsRelationId, AccessShareLock);
	scan = systable_beginscan(inherits, InheritsRelidSeqnoIndexId, true,
							  NULL, 1, &key);
	while (!found && HeapTupleIsValid(tuple = systable_getnext(scan)))
	{
		Oid			parent = ((Form_pg_inherits) GETSTRUCT(tuple))->inhparent;

		found = rewrite_was_predicted(parent, predicted, depth + 1);
	}
	systable_endscan(scan);
	table_close(inherits, AccessShareLock);
	return found;
}

/*
 * Has the DBA or the migration accepted every kind of rewrite this one is?
 * Each reason bit maps to the rule that judges that kind of change; when
 * all of them are off or allowed for this statement, so is the rewrite.  A
 * reason no rule covers (a new access method) is never accepted this way:
 * the backstop's own rule must be allowed.
 */
static bool
rewrite_kind_accepted(int reason)
{
	bool		any = false;

	for (int i = 0; i < lengthof(rewrite_reasons); i++)
	{
		const RewriteReason *r = &rewrite_reasons[i];

		if ((reason & r->bit) == 0)
			continue;
		if (r->rule < 0)
			return false;
		if (mg_rule_severity((MGRuleId) r->rule) != MG_SEV_OFF &&
			!mg_rule_allowed_for_statement((MGRuleId) r->rule))
			return false;
		any = true;
	}
	return any;
}

static char *
rewrite_reason_text(int reason)
{
	StringInfoData buf;

	initStringInfo(&buf);
	for (int i = 0; i < lengthof(rewrite_reasons); i++)
	{
		if ((reason & rewrite_reasons[i].bit) == 0)
			continue;
		if (buf.len > 0)
			appendStringInfoString(&buf, " and ");
		appendStringInfoString(&buf, rewrite_reasons[i].what);
	}
	if (buf.len == 0)
		appendStringInfo(&buf, "reason code %d", reason);
	return buf.data;
}

/* "ALTER TABLE would rewrite table "t" under an ACCESS EXCLUSIVE lock" */
static void
rewrite_message(MGFinding *f, const char *command, bool matview, Oid relid)
{
	if (matview)
		mg_finding_message(f, "%s would rewrite materialized view \"%s\" under an ACCESS EXCLUSIVE lock",
						   command, get_rel_name(relid));
	else
		mg_finding_message(f, "%s would rewrite table \"%s\" under an ACCESS EXCLUSIVE lock",
						   command, get_rel_name(relid));
}

static void
rewrite_hint(MGFinding *f)
{
	mg_finding_hint(f, "Make the change without a long lock: create the new shape as a new table or column, fill it in batches, and switch over in a short transaction; or run the statement in a maintenance window.");
}

/*
 * A rewrite no rule predicted, of a kind whose rules are allowed for this
 * statement (or turned off in the session): the override lets it through,
 * so it takes the path of every other override.  Each covering rule's
 * finding goes to mg_report(), which records it in migration_guard.overrides
 * in this transaction, or refuses it (require_reason, recovery) with that
 * rule's error.  A rule off by the DBA's configuration is not judged
 * (mg_rule_applies), as everywhere else.
 */
static void
report_accepted_rewrite(EventTriggerData *trigdata, Oid relid, int reason)
{
	const char *command = GetCommandTagName(trigdata->tag);
	bool		matview = get_rel_relkind(relid) == RELKIND_MATVIEW;

	for (int i = 0; i < lengthof(rewrite_reasons); i++)
	{
		const RewriteReason *r = &rewrite_reasons[i];
		MemoryContext oldcontext;
		MGFinding	f = {0};

		if ((reason & r->bit) == 0 || r->rule < 0 ||
			!mg_rule_applies((MGRuleId) r->rule, relid))
			continue;
		f.rule = (MGRuleId) r->rule;
		f.relid = relid;
		f.lockmode = AccessExclusiveLock;
		f.rewrites = true;
		rewrite_message(&f, command, matview, relid);
		if (matview)
			mg_finding_detail(&f, "The statement rewrites the whole materialized view because of %s, which rule \"%s\" judges; no rule predicted this rewrite, and the rule is overridden for this statement.",
							  r->what, mg_rules[r->rule].name);
		else
			mg_finding_detail(&f, "The statement rewrites the whole table because of %s, which rule \"%s\" judges; no rule predicted this rewrite, and the rule is overridden for this statement.",
							  r->what, mg_rules[r->rule].name);
		mg_finding_add_detail_text(&f, mg_rel_describe(relid));
		rewrite_hint(&f);
		/* as in judge_rewrite: the predicted list must outlive this call */
		oldcontext = MemoryContextSwitchTo(TopTransactionContext);
		mg_report(&f);
		MemoryContextSwitchTo(oldcontext);
	}
}

static void
judge_rewrite(EventTriggerData *trigdata, Oid relid, int reason)
{
	const char *command = GetCommandTagName(trigdata->tag);
	bool		matview;
	MemoryContext oldcontext;
	MGFinding	f = {0};

	if (rewrite_was_predicted(relid, mg_current_statement->predicted_rewrites, 0))
		return;
	if (rewrite_kind_accepted(reason))
	{
		report_accepted_rewrite(trigdata, relid, reason);
		return;
	}
	if (!mg_rule_applies(MG_RULE_TABLE_REWRITE, relid))
		return;

	matview = get_rel_relkind(relid) == RELKIND_MATVIEW;
	f.rule = MG_RULE_TABLE_REWRITE;
	f.relid = relid;
	f.lockmode = AccessExclusiveLock;
	f.rewrites = true;
	rewrite_message(&f, command, matview, relid);
	if (matview)
		mg_finding_detail(&f, "The statement rewrites the whole materialized view because of %s, holding an ACCESS EXCLUSIVE lock that blocks every query of it until the copy and its index rebuilds finish.  No migration_guard rule recognized this form, so the table_rewrite backstop stopped it before the copy began.",
						  rewrite_reason_text(reason));
	else
		mg_finding_detail(&f, "The statement rewrites the whole table because of %s, holding an ACCESS EXCLUSIVE lock that blocks every query of it until the copy and its index rebuilds finish.  No migration_guard rule recognized this form, so the table_rewrite backstop stopped it before the copy began.",
						  rewrite_reason_text(reason));
	mg_finding_add_detail_text(&f, mg_rel_describe(relid));
	rewrite_hint(&f);

	/*
	 * mg_report() records the table among the statement's predicted rewrites,
	 * so that a warned rewrite is not reported again.  The event trigger runs
	 * in a memory context PostgreSQL deletes after each call: the list must
	 * be allocated somewhere that outlives the statement.
	 */
	oldcontext = MemoryContextSwitchTo(TopTransactionContext);
	mg_report(&f);
	MemoryContextSwitchTo(oldcontext);
}

PG_FUNCTION_INFO_V1(mg_table_rewrite_backstop);

/*
 * The event trigger function (extension/10_backstop.sql).
 *
 * It judges only statements the ProcessUtility hook saw: when the hook was
 * not active as the statement began (the library was not preloaded, and
 * this very call loaded it), the session is unguarded and the backstop
 * stays inert rather than enforcing a policy half-way; status() and
 * CREATE EXTENSION already warn about such sessions.  Binary upgrade is
 * never judged.
 */
Datum
mg_table_rewrite_backstop(PG_FUNCTION_ARGS)
{
	EventTriggerData *trigdata;
	Oid			relid;
	int			reason;

	if (!CALLED_AS_EVENT_TRIGGER(fcinfo))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_EVENT_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("function \"%s\" must be fired as an event trigger",
						"migration_guard._table_rewrite_backstop")));
	trigdata = (EventTriggerData *) fcinfo->context;
	if (strcmp(trigdata->event, "table_rewrite") != 0)
		PG_RETURN_VOID();

	if (IsBinaryUpgrade || mg_current_statement == NULL ||
		!mg_rule_applies(MG_RULE_TABLE_REWRITE, InvalidOid))
		PG_RETURN_VOID();

	relid = DatumGetObjectId(OidFunctionCall0(F_PG_EVENT_TRIGGER_TABLE_REWRITE_OID));
	reason = DatumGetInt32(OidFunctionCall0(F_PG_EVENT_TRIGGER_TABLE_REWRITE_REASON));
	judge_rewrite(trigdata, relid, reason);
	PG_RETURN_VOID();
}
