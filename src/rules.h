/*-------------------------------------------------------------------------
 *
 * rules.h
 *	  The rule registry: every rule migration_guard knows, by stable name.
 *
 *	  A rule is declared by one line of rules_list.h, from which both the
 *	  MGRuleId enum below and mg_rules[] (rules.c) are generated; adding a
 *	  rule is that line, a check that calls mg_report(), a page
 *	  docs/rules/<name>.md and tests.
 *
 * IDENTIFICATION
 *	  src/rules.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef MG_RULES_H
#define MG_RULES_H

/* How a finding is treated; also the values of "migration_guard.mode". */
typedef enum MGSeverity
{
	MG_SEV_OFF = 0,
	MG_SEV_WARN,
	MG_SEV_ENFORCE
} MGSeverity;

/* Families share a SQLSTATE and a docs section. */
typedef enum MGFamily
{
	MG_FAMILY_BLOCKING,			/* builds and scans that block writes */
	MG_FAMILY_REWRITE,			/* rewrites and validations under strong locks */
	MG_FAMILY_BREAKING,			/* breaks code that is running now */
	MG_FAMILY_DESIGN,			/* schema design advice */
	MG_FAMILY_LOCKING,			/* lock queue safety */
	MG_FAMILY_BACKSTOP,			/* rewrites no rule predicted */
	MG_NUM_FAMILIES
} MGFamily;

/* MG_RULE_CREATE_INDEX, ...: one per line of rules_list.h, in its order. */
#define MG_RULE(id, name, family, severity, size_exempt, summary) MG_RULE_##id,
typedef enum MGRuleId
{
#include "rules_list.h"
	MG_NUM_RULES
} MGRuleId;
#undef MG_RULE

typedef struct MGRule
{
	const char *name;			/* stable snake_case name */
	MGFamily	family;
	MGSeverity	default_severity;
	bool		size_exempt;	/* quiet on new or small tables */
	const char *summary;		/* one line, lower case */
	const char *docs;			/* "docs/rules/<name>.md" */
} MGRule;

extern const MGRule mg_rules[MG_NUM_RULES];

extern void mg_rules_verify(void);
extern int	mg_rule_lookup(const char *name);
extern const char *mg_family_name(MGFamily family);
extern int	mg_family_sqlstate(MGFamily family);
extern const char *mg_severity_name(MGSeverity sev);
extern bool mg_parse_severity(const char *value, MGSeverity *sev);

/* Effective severity under the session's policy (policy.c). */
extern MGSeverity mg_rule_severity(MGRuleId rule);
extern MGSeverity mg_rule_severity_in_mode(MGRuleId rule, MGSeverity mode);

#endif							/* MG_RULES_H */
