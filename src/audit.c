/*-------------------------------------------------------------------------
 *
 * audit.c
 *	  The override audit: every time an override lets an unsafe statement
 *	  through, a row in migration_guard.overrides saying who, when, which
 *	  rule, by which mechanism, the statement and the reason given.
 *
 *	  The row is written in the statement's own transaction, so a migration
 *	  that rolls back (or a savepoint rolled back around the statement)
 *	  leaves none.  It is written with a direct heap insert into the table,
 *	  opened by OID after checking that it is the extension's own member
 *	  with the expected shape: no executor, no triggers, no rules, no SPI,
 *	  so nothing a user wrote runs while the guard holds the statement, and
 *	  no role needs (or gets) a privilege on the table to be audited.
 *
 *	  Reasons come from the directive ("-- migration_guard:allow rule --
 *	  reason: text") or from migration_guard.allow_reason;
 *	  migration_guard.require_reason refuses overrides made in the session
 *	  without one.  An override that cannot be recorded (a server in
 *	  recovery) is refused: the audit fails closed.
 *
 * IDENTIFICATION
 *	  src/audit.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "compat.h"

#include "access/heapam.h"
#include "access/table.h"
#include "access/xlog.h"
#include "catalog/dependency.h"
#include "catalog/namespace.h"
#include "catalog/pg_class.h"
#include "catalog/pg_type.h"
#include "commands/dbcommands.h"
#include "commands/extension.h"
#include "mb/pg_wchar.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/guc_tables.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/timestamp.h"

#include "audit.h"
#include "directives.h"
#include "finding.h"
#include "guc.h"
#include "rules.h"
#include "statement.h"
#include "stats.h"

#define DIRECTIVE_TAG "migration_guard:allow"
#define AUDIT_TABLE "overrides"
#define AUDIT_STATEMENT_MAX 2000	/* bytes of statement text kept */
#define AUDIT_REASON_MAX 1000	/* bytes of reason kept */

bool		mg_require_reason = false;
char	   *mg_allow_reason = NULL;

/* The columns of migration_guard.overrides, in order (extension/60_observe.sql). */
enum
{
	A_OVERRIDDEN_AT,
	A_SESSION_ROLE,
	A_ACTING_ROLE,
	A_BACKEND_PID,
	A_SESSION_START,
	A_APPLICATION_NAME,
	A_DATABASE,
	A_RULE,
	A_RELATION,
	A_MECHANISM,
	A_STATEMENT,
	A_REASON,
	A_NATTS
};

static const Oid audit_column_types[A_NATTS] = {
	TIMESTAMPTZOID, TEXTOID, TEXTOID, INT4OID, TIMESTAMPTZOID, TEXTOID,
	TEXTOID, TEXTOID, TEXTOID, TEXTOID, TEXTOID, TEXTOID
};

static const char *const mechanism_names[MG_NUM_OVERRIDE_MECHANISMS] = {
	[MG_OVERRIDE_SET] = "SET",
	[MG_OVERRIDE_SET_LOCAL] = "SET LOCAL",
	[MG_OVERRIDE_DIRECTIVE] = "directive",
	[MG_OVERRIDE_SEVERITY] = "severity",
};

void
mg_audit_define_gucs(void)
{
	DefineCustomStringVariable("migration_guard.allow_reason",
							   "Why the rules in migration_guard.allow are accepted; recorded in migration_guard.overrides.",
							   "A directive's own \"-- reason: ...\" takes precedence.",
							   &mg_allow_reason,
							   "",
							   PGC_USERSET,
							   0,
							   NULL, NULL, NULL);

	DefineCustomBoolVariable("migration_guard.require_reason",
							 "Refuses overrides made in the session that give no reason.",
							 "A reason is given with migration_guard.allow_reason or a directive's \"-- reason: ...\".",
							 &mg_require_reason,
							 false,
							 PGC_SUSET,
							 0,
							 NULL, NULL, NULL);
}

/* ---------- which mechanism ---------- */

#if PG_VERSION_NUM < 160000
struct config_generic *
compat_find_guc(const char *name)
{
	struct config_generic **vars = get_guc_variables();
	int			n = GetNumConfigOptions();

	for (int i = 0; i < n; i++)
		if (pg_strcasecmp(vars[i]->name, name) == 0)
			return vars[i];
	return NULL;
}
#endif

/*
 * The records of our own parameters, looked up once: they live as long as
 * the backend (PostgreSQL 15 has no lookup by name, only a linear search).
 */
static struct config_generic *
cached_guc(const char *name)
{
	static const char *names[] = {"migration_guard.allow", "migration_guard.mode",
	"migration_guard.rules"};
	static struct config_generic *records[lengthof(names)];

	for (int i = 0; i < lengthof(names); i++)
	{
		if (strcmp(names[i], name) != 0)
			continue;
		if (records[i] == NULL)
			records[i] = compat_find_guc(name);
		return records[i];
	}
	return compat_find_guc(name);
}

/*
 * Was the parameter's current value set by SET LOCAL, or by a function's
 * SET clause (both end with the transaction or the call)?  Read from the
 * GUC's stack of saved values: PostgreSQL keeps no other record of it.
 */
static bool
guc_set_locally(const char *name)
{
	struct config_generic *gconf = cached_guc(name);

	if (gconf == NULL || gconf->stack == NULL)
		return false;
	return gconf->stack->state == GUC_LOCAL ||
		gconf->stack->state == GUC_SET_LOCAL ||
		gconf->stack->state == GUC_SAVE;
}

/*
 * Was the parameter's value set in this session (SET, SET LOCAL, a
 * function's SET clause, the connection's options), rather than by the
 * DBA's configuration (postgresql.conf, ALTER ROLE/DATABASE SET)?
 */
static bool
guc_set_in_session(const char *name)
{
	struct config_generic *gconf = cached_guc(name);

	return gconf != NULL && gconf->source >= PGC_S_CLIENT;
}

/*
 * Was "off" for this rule set in the session (migration_guard.mode or
 * .rules), where the rule enforces by default?  That is an override like
 * any other, so such rules are still judged and their findings recorded;
 * an "off" from the DBA's configuration costs nothing.
 */
bool
mg_audit_judges_off_rule(MGRuleId rule)
{
	MGSeverity	sev;

	if (mg_rules[rule].default_severity != MG_SEV_ENFORCE)
		return false;
	if (mg_mode == MG_SEV_OFF)
		return guc_set_in_session("migration_guard.mode");
	return mg_rule_override(rule, &sev) && sev == MG_SEV_OFF &&
		guc_set_in_session("migration_guard.rules");
}

/* Is migration_guard.mode off by the session's own SET?  (pipeline.c) */
bool
mg_audit_mode_off_in_session(void)
{
	return mg_mode == MG_SEV_OFF && guc_set_in_session("migration_guard.mode");
}

/* SET or SET LOCAL, for an override by migration_guard.allow. */
MGOverrideMechanism
mg_allow_mechanism(void)
{
	return guc_set_locally("migration_guard.allow") ? MG_OVERRIDE_SET_LOCAL : MG_OVERRIDE_SET;
}

/* ---------- reasons ---------- */

/*
 * The reason for overriding the rule: that of a directive naming it, else
 * migration_guard.allow_reason.  NULL when none was given.
 */
static char *
override_reason(MGRuleId rule)
{
	char	   *reason = mg_directive_reason_for(rule);

	if (reason != NULL)
		return reason;
	if (mg_allow_reason != NULL && mg_allow_reason[0] != '\0')
		return pstrdup(mg_allow_reason);
	return NULL;
}

/*
 * Must this override give a reason?  Overrides made in the session do;
 * a severity lowered by the DBA's configuration is policy, not an override
 * of it, and is recorded without one.
 */
static bool
reason_required(const MGFinding *f, MGOverrideMechanism how)
{
	MGSeverity	ignored;

	if (!mg_require_reason)
		return false;
	if (how != MG_OVERRIDE_SEVERITY)
		return true;
	return guc_set_in_session(mg_rule_override(f->rule, &ignored) ?
							  "migration_guard.rules" : "migration_guard.mode");
}

/* ---------- the row ---------- */

/* Text cut at max bytes on a character boundary. */
static Datum
clipped_text(const char *s, int max)
{
	int			len = strlen(s);

	if (len > max)
		len = pg_mbcliplen(s, len, max);
	return PointerGetDatum(cstring_to_text_with_len(s, len));
}

/*
 * The extension's audit table in this database, or InvalidOid when the
 * extension is not installed here.  A table of that name that is not the
 * extension's own member, or has another shape, is an error: the row is
 * written without the executor, so it must fit exactly.
 */
static Relation
open_audit_table(void)
{
	Oid			extoid = get_extension_oid("migration_guard", true);
	Oid			nspid;
	Oid			relid;
	Relation	rel;
	TupleDesc	desc;
	bool		ok;

	if (!OidIsValid(extoid))
		return NULL;
	nspid = get_namespace_oid("migration_guard", true);
	relid = OidIsValid(nspid) ? get_relname_relid(AUDIT_TABLE, nspid) : InvalidOid;
	if (!OidIsValid(relid))
		return NULL;			/* an update to 1.1 not yet run */
	if (getExtensionOfObject(RelationRelationId, relid) != extoid)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("table \"migration_guard.%s\" is not a member of extension \"migration_guard\"", AUDIT_TABLE),
				 errhint("Reinstall the extension; overrides cannot be recorded until then.")));

	rel = table_open(relid, RowExclusiveLock);
	desc = RelationGetDescr(rel);
	ok = rel->rd_rel->relkind == RELKIND_RELATION &&
		!rel->rd_rel->relhasindex && desc->natts == A_NATTS;
	for (int i = 0; ok && i < A_NATTS; i++)
		ok = !TupleDescAttr(desc, i)->attisdropped &&
			TupleDescAttr(desc, i)->atttypid == audit_column_types[i];
	if (!ok)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("table \"migration_guard.%s\" does not have the shape the guard writes", AUDIT_TABLE),
				 errdetail("It must be a plain table without indexes, with the columns of the extension's own definition."),
				 errhint("Reinstall the extension; overrides cannot be recorded until then.")));
	return rel;
}

static void
write_audit_row(const MGFinding *f, MGOverrideMechanism how, const char *reason)
{
	Relation	rel = open_audit_table();
	Datum		values[A_NATTS];
	bool		nulls[A_NATTS] = {0};
	char	   *statement;
	char	   *dbname;
	HeapTuple	tuple;

	if (rel == NULL)
		return;

	statement = mg_current_statement ? mg_statement_text(mg_current_statement) : pstrdup("");
	dbname = get_database_name(MyDatabaseId);

	values[A_OVERRIDDEN_AT] = TimestampTzGetDatum(GetCurrentTimestamp());
	values[A_SESSION_ROLE] = CStringGetTextDatum(GetUserNameFromId(GetSessionUserId(), false));
	values[A_ACTING_ROLE] = CStringGetTextDatum(GetUserNameFromId(GetUserId(), false));
	values[A_BACKEND_PID] = Int32GetDatum(MyProcPid);
	values[A_SESSION_START] = TimestampTzGetDatum(MyStartTimestamp);
	values[A_APPLICATION_NAME] = CStringGetTextDatum(application_name ? application_name : "");
	values[A_DATABASE] = CStringGetTextDatum(dbname ? dbname : "");
	values[A_RULE] = CStringGetTextDatum(mg_rules[f->rule].name);
	if (OidIsValid(f->relid) && get_rel_name(f->relid) != NULL)
		values[A_RELATION] = CStringGetTextDatum(
												 quote_qualified_identifier(get_namespace_name(get_rel_namespace(f->relid)),
																			get_rel_name(f->relid)));
	else
		nulls[A_RELATION] = true;
	values[A_MECHANISM] = CStringGetTextDatum(mechanism_names[how]);
	values[A_STATEMENT] = clipped_text(statement, AUDIT_STATEMENT_MAX);
	if (reason != NULL)
		values[A_REASON] = clipped_text(reason, AUDIT_REASON_MAX);
	else
		nulls[A_REASON] = true;

	tuple = heap_form_tuple(RelationGetDescr(rel), values, nulls);
	simple_heap_insert(rel, tuple);
	table_close(rel, NoLock);
}

/*
 * DROP INDEX CONCURRENTLY must be the first action of its transaction
 * (index_drop() refuses to run once a transaction ID is assigned), and
 * writing the row would assign one.  Such an override is in the server log
 * only.
 */
static bool
statement_forbids_writes_before(void)
{
	Node	   *parsetree = mg_current_statement ? mg_current_statement->parsetree : NULL;

	return parsetree != NULL && IsA(parsetree, DropStmt) &&
		((DropStmt *) parsetree)->concurrent;
}

/*
 * Why an override was refused, for the finding's detail: because no reason
 * was given where one is required, or because the server is in recovery.
 * One whole sentence per mechanism; SET and SET LOCAL are SQL, not words.
 */
static char *
refusal_detail(MGOverrideMechanism how, bool in_recovery)
{
	switch (how)
	{
		case MG_OVERRIDE_SET:
		case MG_OVERRIDE_SET_LOCAL:
			if (in_recovery)
				return psprintf(dgettext(TEXTDOMAIN, "The override by %s was refused: it cannot be recorded while the server is in recovery."),
								mechanism_names[how]);
			return psprintf(dgettext(TEXTDOMAIN, "The override by %s was refused: \"migration_guard.require_reason\" is on and no reason was given."),
							mechanism_names[how]);
		case MG_OVERRIDE_DIRECTIVE:
			if (in_recovery)
				return pstrdup(dgettext(TEXTDOMAIN, "The override by a migration_guard:allow directive was refused: it cannot be recorded while the server is in recovery."));
			return pstrdup(dgettext(TEXTDOMAIN, "The override by a migration_guard:allow directive was refused: \"migration_guard.require_reason\" is on and no reason was given."));
		case MG_OVERRIDE_SEVERITY:
		case MG_NUM_OVERRIDE_MECHANISMS:
			break;
	}
	if (in_recovery)
		return pstrdup(dgettext(TEXTDOMAIN, "The override by a lowered severity was refused: it cannot be recorded while the server is in recovery."));
	return pstrdup(dgettext(TEXTDOMAIN, "The override by a lowered severity was refused: \"migration_guard.require_reason\" is on and no reason was given."));
}

/*
 * The one call where an override is granted (report.c): refuses it when a
 * reason is required and missing, or when it cannot be recorded; else
 * records it and counts it.  On refusal, *refusal says why, for the
 * finding's detail.
 */
bool
mg_audit_override(const MGFinding *f, MGOverrideMechanism how, const char **refusal)
{
	char	   *reason = override_reason(f->rule);

	if (reason == NULL && reason_required(f, how))
	{
		*refusal = refusal_detail(how, false);
		return false;
	}
	if (RecoveryInProgress())
	{
		*refusal = refusal_detail(how, true);
		return false;
	}
	if (statement_forbids_writes_before())
		ereport(LOG,
				(errmsg("migration_guard: override of rule \"%s\" not recorded in migration_guard.overrides: DROP INDEX CONCURRENTLY must be the first action of its transaction",
						mg_rules[f->rule].name),
				 errhidestmt(true)));
	else
		write_audit_row(f, how, reason);
	mg_stats_count_override(f->rule, how);
	return true;
}
