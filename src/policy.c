/*-------------------------------------------------------------------------
 *
 * policy.c
 *	  The policy in force: a rule's and a finding's effective severity
 *	  under migration_guard.mode and migration_guard.rules, whether a rule
 *	  was deliberately accepted for the statement, who may loosen the
 *	  policy, and the migration_guard.rules() listing.
 *
 *	  Reads the settings (guc.c) and the registry (rules.c); decides
 *	  nothing about a statement itself.
 *
 * IDENTIFICATION
 *	  src/policy.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "compat.h"

#include "fmgr.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/acl.h"
#include "utils/builtins.h"

#include "directives.h"
#include "finding.h"
#include "guc.h"
#include "policy.h"
#include "rules.h"

/*
 * A rule's effective severity from policy alone (mode and per-rule
 * overrides); allow lists and directive comments are applied per finding by
 * mg_report().  "off" is the kill switch; an explicit per-rule override wins
 * over the mode otherwise, so a DBA can run in warn mode yet enforce one
 * rule, or enforce everything but silence one.  In warn mode enforce-level
 * rules are reported as warnings.
 */
MGSeverity
mg_rule_severity(MGRuleId rule)
{
	return mg_rule_severity_in_mode(rule, (MGSeverity) mg_mode);
}

/* The same under a given mode, with the session's per-rule overrides. */
MGSeverity
mg_rule_severity_in_mode(MGRuleId rule, MGSeverity mode)
{
	MGSeverity	sev;

	if (mode == MG_SEV_OFF)
		return MG_SEV_OFF;
	if (mg_rule_override(rule, &sev))
		return sev;
	sev = mg_rules[rule].default_severity;
	if (sev > mode)
		sev = mode;
	return sev;
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
 * May the current role loosen the policy?  SET of the SUSET parameters is
 * checked by PostgreSQL itself; directive comments in statements come here,
 * so that a comment carries exactly the privilege a SET would need.
 */
bool
mg_role_may_loosen_policy(void)
{
	return superuser() ||
		pg_parameter_aclcheck("migration_guard.allow", GetUserId(), ACL_SET) == ACLCHECK_OK;
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

PG_FUNCTION_INFO_V1(mg_rules_list);

/*
 * migration_guard.rules(): every rule with its family, SQLSTATE, default
 * and effective severity, summary and documentation page.
 */
Datum
mg_rules_list(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;

	mg_rules_verify();
	InitMaterializedSRF(fcinfo, 0);

	for (int i = 0; i < MG_NUM_RULES; i++)
	{
		const MGRule *r = &mg_rules[i];
		Datum		values[8];
		bool		nulls[8] = {0};

		values[0] = CStringGetTextDatum(r->name);
		values[1] = CStringGetTextDatum(mg_family_name(r->family));
		values[2] = CStringGetTextDatum(mg_severity_name(r->default_severity));
		values[3] = CStringGetTextDatum(mg_severity_name(mg_rule_severity((MGRuleId) i)));
		values[4] = BoolGetDatum(r->size_exempt);
		values[5] = CStringGetTextDatum(unpack_sql_state(mg_family_sqlstate(r->family)));
		values[6] = CStringGetTextDatum(r->summary);
		values[7] = CStringGetTextDatum(r->docs);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	return (Datum) 0;
}
