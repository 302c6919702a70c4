/*-------------------------------------------------------------------------
 *
 * report.c
 *	  Turns a rule's finding into what the DBA sees: an ERROR in enforce, a
 *	  WARNING in warn, nothing when off; applies the deliberate overrides
 *	  (migration_guard.allow and "migration_guard:allow" directive comments)
 *	  and logs every override that lets an unsafe statement through.
 *
 *	  While migration_guard.check() runs, findings are collected instead.
 *
 * IDENTIFICATION
 *	  src/report.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "compat.h"

#include "lib/stringinfo.h"
#include "mb/pg_wchar.h"
#include "miscadmin.h"
#include "storage/lock.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"

#include "audit.h"
#include "directives.h"
#include "finding.h"
#include "guc.h"
#include "policy.h"
#include "report.h"
#include "rules.h"
#include "statement.h"
#include "stats.h"

MGCollector *mg_collector = NULL;

#define MG_STATEMENT_QUOTE_LEN 200

/*
 * Statement text for a message: white space folded to one line, cut after
 * MG_STATEMENT_QUOTE_LEN bytes at a character boundary.
 */
char *
mg_quote_statement(const char *text)
{
	StringInfoData buf;
	bool		space = false;
	const char *p = text;

	initStringInfo(&buf);
	while (*p)
	{
		int			len;

		if (isspace((unsigned char) *p))
		{
			space = buf.len > 0;
			p++;
			continue;
		}
		if (space)
			appendStringInfoChar(&buf, ' ');
		space = false;
		if (buf.len >= MG_STATEMENT_QUOTE_LEN)
		{
			appendStringInfoString(&buf, "...");
			break;
		}
		/* whole characters only: the text goes into messages */
		len = pg_mblen(p);
		appendBinaryStringInfo(&buf, p, len);
		p += len;
	}
	return buf.data;
}

/*
 * Logs an override that let a finding through.  "setting" names the
 * parameter that did it (migration_guard.allow, .rules or .mode), or is
 * NULL for a directive comment: one whole sentence for each.
 */
static void
log_override(const MGFinding *f, const char *setting)
{
	const char *rule = mg_rules[f->rule].name;
	const char *role = GetUserNameFromId(GetUserId(), false);
	char	   *text = mg_current_statement ? mg_statement_text(mg_current_statement) : pstrdup("");

	if (setting != NULL)
		ereport(LOG,
				(errmsg("migration_guard: rule \"%s\" overridden by %s for role \"%s\": %s",
						rule, setting, role, text),
				 errhidestmt(true)));
	else
		ereport(LOG,
				(errmsg("migration_guard: rule \"%s\" overridden by a migration_guard:allow directive for role \"%s\": %s",
						rule, role, text),
				 errhidestmt(true)));
}

/*
 * The finding's table and column as the error's structured fields
 * (PG_DIAG_SCHEMA_NAME, _TABLE_NAME, _COLUMN_NAME), as errtable() and
 * errtablecol() set them, for drivers that act on them.  Taken from the
 * catalog by OID, without opening the relation: it may be one the
 * statement has not locked yet.
 */
static int
finding_relation_fields(const MGFinding *f)
{
	char	   *relname;
	Oid			nspid;

	if (!OidIsValid(f->relid) || (relname = get_rel_name(f->relid)) == NULL)
		return 0;
	nspid = get_rel_namespace(f->relid);
	err_generic_string(PG_DIAG_SCHEMA_NAME, get_namespace_name(nspid));
	err_generic_string(PG_DIAG_TABLE_NAME, relname);
	if (f->column != NULL)
		err_generic_string(PG_DIAG_COLUMN_NAME, f->column);
	return 0;
}

/*
 * Raises the finding at elevel.  Its message, detail and hint were
 * translated when the rule wrote them, and extra_detail when it was
 * written (report.c, audit.c), so they pass through untranslated here; the
 * hint's closing sentence on how to accept the risk is ours.
 */
static void
raise_finding(const MGFinding *f, int elevel, const char *extra_detail)
{
	const MGRule *r = &mg_rules[f->rule];
	StringInfoData detail;

	initStringInfo(&detail);
	if (f->detail)
		appendStringInfoString(&detail, f->detail);
	if (extra_detail)
		appendStringInfo(&detail, "%s%s", detail.len > 0 ? "  " : "", extra_detail);

	ereport(elevel,
			(errcode(mg_family_sqlstate(r->family)),
			 errmsg_internal("%s", f->message),
			 detail.len > 0 ? errdetail_internal("%s", detail.data) : 0,
			 f->hint ?
			 errhint("%s  To accept the risk deliberately: SET LOCAL migration_guard.allow = '%s', or the comment -- migration_guard:allow %s.",
					 f->hint, r->name, r->name) :
			 errhint("To accept the risk deliberately: SET LOCAL migration_guard.allow = '%s', or the comment -- migration_guard:allow %s.",
					 r->name, r->name),
			 finding_relation_fields(f)));
}

/* Which setting lowered a rule's severity: its own override, or the mode. */
static const char *
policy_source(MGRuleId rule)
{
	MGSeverity	ignored;

	return mg_rule_override(rule, &ignored) ? "migration_guard.rules" : "migration_guard.mode";
}

/*
 * Reports a finding according to the policy in force.
 */
void
mg_report(MGFinding *f)
{
	MGSeverity	sev;
	MGSeverity	default_sev = mg_rules[f->rule].default_severity;
	const char *extra_detail = NULL;
	const char *refusal = NULL;

	/* The table_rewrite backstop lets through rewrites a rule foresaw. */
	if (f->rewrites && OidIsValid(f->relid) && mg_current_statement != NULL)
		mg_current_statement->predicted_rewrites =
			list_append_unique_oid(mg_current_statement->predicted_rewrites, f->relid);

	if (mg_collector != NULL)
	{
		MGFinding  *copy = palloc(sizeof(MGFinding));

		*copy = *f;
		mg_collector->findings = lappend(mg_collector->findings, copy);
		return;
	}

	sev = mg_finding_severity(f);
	if (sev == MG_SEV_OFF)
	{
		if (default_sev != MG_SEV_ENFORCE)
			return;
		if (mg_audit_override(f, MG_OVERRIDE_SEVERITY, &refusal))
		{
			log_override(f, policy_source(f->rule));
			return;
		}

		/*
		 * refused (no reason given, or not recordable): the rule's own
		 * severity
		 */
		sev = MG_SEV_ENFORCE;
	}

	if (mg_rule_allowed_by_setting(f->rule) &&
		mg_audit_override(f, mg_allow_mechanism(), &refusal))
	{
		log_override(f, "migration_guard.allow");
		return;
	}
	if (mg_directive_allows(f->rule))
	{
		if (!mg_role_may_loosen_policy())
			extra_detail = psprintf(dgettext(TEXTDOMAIN, "The migration_guard:allow directive was ignored: role \"%s\" may not loosen the policy."),
									GetUserNameFromId(GetUserId(), false));
		else if (mg_audit_override(f, MG_OVERRIDE_DIRECTIVE, &refusal))
		{
			log_override(f, NULL);
			return;
		}
	}
	if (extra_detail == NULL)
		extra_detail = refusal;

	if (sev == MG_SEV_ENFORCE)
	{
		mg_stats_count_finding(f->rule, true);
		raise_finding(f, ERROR, extra_detail);
	}

	/* warn where the rule enforces: an override of the severity */
	if (default_sev == MG_SEV_ENFORCE && !f->advisory)
	{
		if (!mg_audit_override(f, MG_OVERRIDE_SEVERITY, &refusal))
		{
			mg_stats_count_finding(f->rule, true);
			raise_finding(f, ERROR, refusal);
		}
		log_override(f, policy_source(f->rule));
	}
	mg_stats_count_finding(f->rule, false);
	raise_finding(f, WARNING, extra_detail);
}
