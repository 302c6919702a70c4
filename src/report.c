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

#include "commands/extension.h"
#include "lib/stringinfo.h"
#include "mb/pg_wchar.h"
#include "miscadmin.h"
#include "storage/lock.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"

#include "migration_guard.h"
#include "audit.h"
#include "relfacts.h"
#include "heads_expected.h"
#include "stats.h"

MGCollector *mg_collector = NULL;

#define MG_STATEMENT_QUOTE_LEN 200

/*
 * Is the rule worth evaluating for this relation?  Rules call this before
 * building a finding, so that disabled rules and exempt tables cost only a
 * lookup.  Build, scan and rewrite rules are quiet on tables created in this
 * transaction and on tables below the size threshold.
 */
bool
mg_rule_applies(MGRuleId rule, Oid relid)
{
	if (mg_collector == NULL && mg_rule_severity(rule) == MG_SEV_OFF &&
		!mg_audit_judges_off_rule(rule))
		return false;
	/* Design advice is for migrations, not for extensions' install scripts. */
	if (creating_extension && mg_rules[rule].family == MG_FAMILY_DESIGN)
		return false;
	if (mg_rules[rule].size_exempt && OidIsValid(relid) &&
		mg_rel_exempt_from_size_rules(relid))
		return false;
	/* A migration tool's own bookkeeping tables see no application traffic. */
	if ((mg_rules[rule].size_exempt || mg_rules[rule].family == MG_FAMILY_BLOCKING ||
		 mg_rules[rule].family == MG_FAMILY_LOCKING) &&
		mg_heads_is_bookkeeping_table(relid))
		return false;
	return true;
}

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
 * Has the rule been deliberately accepted for the current statement, by
 * migration_guard.allow or by a directive comment the role may use?  For
 * checks made while the statement runs (the table_rewrite backstop).
 */
bool
mg_rule_allowed_for_statement(MGRuleId rule)
{
	if (mg_rule_allowed_by_setting(rule))
		return true;
	return mg_directive_allows(rule) && mg_role_may_loosen_policy();
}

static void
log_override(const MGFinding *f, const char *how)
{
	char	   *text = mg_current_statement ? mg_statement_text(mg_current_statement) : pstrdup("");

	ereport(LOG,
			(errmsg("migration_guard: rule \"%s\" overridden by %s for role \"%s\": %s",
					mg_rules[f->rule].name, how,
					GetUserNameFromId(GetUserId(), false), text),
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

static void
raise_finding(const MGFinding *f, int elevel, const char *extra_detail)
{
	const MGRule *r = &mg_rules[f->rule];
	StringInfoData hint;
	StringInfoData detail;

	initStringInfo(&detail);
	if (f->detail)
		appendStringInfoString(&detail, f->detail);
	if (extra_detail)
		appendStringInfo(&detail, "%s%s", detail.len > 0 ? "  " : "", extra_detail);

	initStringInfo(&hint);
	if (f->hint)
		appendStringInfo(&hint, "%s  ", f->hint);
	appendStringInfo(&hint,
					 dgettext(TEXTDOMAIN, "To accept the risk deliberately: SET LOCAL migration_guard.allow = '%s', or the comment -- migration_guard:allow %s."),
					 r->name, r->name);

	ereport(elevel,
			(errcode(mg_family_sqlstate(r->family)),
	/* the finding's texts were translated when the rule wrote them */
			 errmsg_internal("%s", f->message),
			 detail.len > 0 ? errdetail_internal("%s", detail.data) : 0,
			 errhint("%s", hint.data),
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
 * The severity a finding is reported with.  An advisory finding (say, a
 * drop nothing in the database depends on) is a warning even where its
 * rule enforces, unless migration_guard.rules names the rule explicitly.
 */
MGSeverity
mg_finding_severity(const MGFinding *f)
{
	return mg_finding_severity_in_mode(f, (MGSeverity) mg_mode);
}

/* The same under a given mode (migration_guard.check()'s mode argument). */
MGSeverity
mg_finding_severity_in_mode(const MGFinding *f, MGSeverity mode)
{
	MGSeverity	sev = mg_rule_severity_in_mode(f->rule, mode);
	MGSeverity	ignored;

	if (f->advisory && sev == MG_SEV_ENFORCE && !mg_rule_override(f->rule, &ignored))
		sev = MG_SEV_WARN;
	return sev;
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
		/* refused (no reason given, or not recordable): the rule's own severity */
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
			extra_detail = psprintf("The migration_guard:allow directive was ignored: role \"%s\" may not loosen the policy.",
									GetUserNameFromId(GetUserId(), false));
		else if (mg_audit_override(f, MG_OVERRIDE_DIRECTIVE, &refusal))
		{
			log_override(f, "a migration_guard:allow directive");
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
