/*-------------------------------------------------------------------------
 *
 * rules.c
 *	  The rule registry, generated from rules_list.h, and what is derived
 *	  from it alone: name lookup, families and their SQLSTATEs, severity
 *	  names, and the check that the list is complete.
 *
 *	  Base layer: reads no setting.  A rule's effective severity under the
 *	  session's policy, and the migration_guard.rules() listing, are
 *	  policy.c's.
 *
 * IDENTIFICATION
 *	  src/rules.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "compat.h"

#include "rules.h"

/*
 * The registry, generated from rules_list.h and indexed by MGRuleId.  A
 * name that is not a string literal, or a family or severity that does not
 * exist, does not compile.
 */
#define MG_RULE(id, name, family, severity, size_exempt, summary) \
	[MG_RULE_##id] = {name, MG_FAMILY_##family, MG_SEV_##severity, size_exempt, \
	summary, "docs/rules/" name ".md"},
const MGRule mg_rules[MG_NUM_RULES] = {
#include "rules_list.h"
};
#undef MG_RULE

/* Every rule has a name and a summary; an empty one does not compile. */
#define MG_RULE(id, name, family, severity, size_exempt, summary) \
	StaticAssertDecl(sizeof(name) > 1 && sizeof(summary) > 1, \
					 "rule " #id " in rules_list.h needs a name and a summary");
#include "rules_list.h"
#undef MG_RULE

static bool rules_verified = false;

static const char *const family_names[MG_NUM_FAMILIES] = {
	[MG_FAMILY_BLOCKING] = "blocking",
	[MG_FAMILY_REWRITE] = "rewrite",
	[MG_FAMILY_BREAKING] = "breaking",
	[MG_FAMILY_DESIGN] = "design",
	[MG_FAMILY_LOCKING] = "locking",
	[MG_FAMILY_BACKSTOP] = "backstop",
};

/* One SQLSTATE per family, in class MG (implementation-defined); docs/sqlstates.md */
static const int family_sqlstates[MG_NUM_FAMILIES] = {
	[MG_FAMILY_BLOCKING] = MAKE_SQLSTATE('M', 'G', '0', '0', '1'),
	[MG_FAMILY_REWRITE] = MAKE_SQLSTATE('M', 'G', '0', '0', '2'),
	[MG_FAMILY_BREAKING] = MAKE_SQLSTATE('M', 'G', '0', '0', '3'),
	[MG_FAMILY_DESIGN] = MAKE_SQLSTATE('M', 'G', '0', '0', '4'),
	[MG_FAMILY_LOCKING] = MAKE_SQLSTATE('M', 'G', '0', '0', '5'),
	[MG_FAMILY_BACKSTOP] = MAKE_SQLSTATE('M', 'G', '0', '0', '6'),
};

static const char *const severity_names[] = {
	[MG_SEV_OFF] = "off",
	[MG_SEV_WARN] = "warn",
	[MG_SEV_ENFORCE] = "enforce",
};

/* Is name a non-empty snake_case identifier: [a-z][a-z0-9_]* ? */
static bool
is_rule_name(const char *name)
{
	if (name == NULL || !(name[0] >= 'a' && name[0] <= 'z'))
		return false;
	for (const char *c = name; *c; c++)
	{
		if (!((*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') || *c == '_'))
			return false;
	}
	return true;
}

/*
 * Checks what the compiler cannot: every rule's name is lower-case
 * snake_case and unique (lookups and the GUCs depend on it), every rule
 * has a valid family, severity, summary and docs page.  Called when the
 * library loads, and before the registry's first lookup, so that a broken
 * rules_list.h fails loudly instead of misreporting.  A broken list is a
 * build mistake, not a user error: elog, untranslated.
 */
void
mg_rules_verify(void)
{
	if (rules_verified)
		return;
	for (int i = 0; i < MG_NUM_RULES; i++)
	{
		const MGRule *r = &mg_rules[i];

		if (!is_rule_name(r->name))
			elog(ERROR, "migration_guard: rule %d in rules_list.h has no valid name (lower-case snake_case)", i);
		if ((int) r->family < 0 || r->family >= MG_NUM_FAMILIES ||
			family_names[r->family] == NULL || family_sqlstates[r->family] == 0)
			elog(ERROR, "migration_guard: rule \"%s\" has no valid family", r->name);
		if (r->default_severity < MG_SEV_OFF || r->default_severity > MG_SEV_ENFORCE)
			elog(ERROR, "migration_guard: rule \"%s\" has no valid default severity", r->name);
		if (r->summary == NULL || r->summary[0] == '\0')
			elog(ERROR, "migration_guard: rule \"%s\" has no summary", r->name);
		if (r->docs == NULL || r->docs[0] == '\0')
			elog(ERROR, "migration_guard: rule \"%s\" has no docs page", r->name);
		for (int j = 0; j < i; j++)
		{
			if (strcmp(mg_rules[j].name, r->name) == 0)
				elog(ERROR, "migration_guard: rule name \"%s\" appears twice in rules_list.h", r->name);
		}
	}
	rules_verified = true;
}

/*
 * Returns the MGRuleId of a rule name, or -1.  Matching is exact: names are
 * lower case, and the GUC and directive parsers fold case before calling.
 */
int
mg_rule_lookup(const char *name)
{
	mg_rules_verify();
	for (int i = 0; i < MG_NUM_RULES; i++)
	{
		if (strcmp(mg_rules[i].name, name) == 0)
			return i;
	}
	return -1;
}

const char *
mg_family_name(MGFamily family)
{
	return family_names[family];
}

int
mg_family_sqlstate(MGFamily family)
{
	return family_sqlstates[family];
}

const char *
mg_severity_name(MGSeverity sev)
{
	return severity_names[sev];
}

bool
mg_parse_severity(const char *value, MGSeverity *sev)
{
	for (int i = MG_SEV_OFF; i <= MG_SEV_ENFORCE; i++)
	{
		if (pg_strcasecmp(value, severity_names[i]) == 0)
		{
			*sev = (MGSeverity) i;
			return true;
		}
	}
	return false;
}
