/*-------------------------------------------------------------------------
 *
 * applies.c
 *	  Is a rule worth evaluating for this relation?  The cheap test every
 *	  rule makes before it builds a finding: the rule is not switched off,
 *	  the relation is not exempt by the size-threshold policy (new and
 *	  small tables), and it is not a migration tool's bookkeeping table.
 *
 *	  Judging layer: it reads the policy, relation facts and the migration
 *	  heads' tool table, and is called by the rule families only.
 *
 * IDENTIFICATION
 *	  src/applies.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "compat.h"

#include "commands/extension.h"

#include "applies.h"
#include "audit.h"
#include "guc.h"
#include "heads_expected.h"
#include "relfacts.h"
#include "report.h"
#include "rules.h"

/*
 * Is the rule worth evaluating for this relation?  Rules call this before
 * building a finding, so that disabled rules and exempt tables cost only a
 * lookup.  Build, scan and rewrite rules are quiet on tables created in this
 * transaction and on tables below the size threshold.
 */
bool
mg_rule_applies(MGRuleId rule, Oid relid)
{
	const MGRule *r = &mg_rules[rule];

	if (mg_collector == NULL && mg_rule_severity(rule) == MG_SEV_OFF &&
		!mg_audit_judges_off_rule(rule))
		return false;
	/* Design advice is for migrations, not for extensions' install scripts. */
	if (creating_extension && r->family == MG_FAMILY_DESIGN)
		return false;
	if (r->size_exempt && OidIsValid(relid) &&
		mg_rel_exempt_from_size_rules(relid))
		return false;
	/* A migration tool's own bookkeeping tables see no application traffic. */
	if ((r->size_exempt || r->family == MG_FAMILY_BLOCKING ||
		 r->family == MG_FAMILY_LOCKING) &&
		mg_heads_is_bookkeeping_table(relid))
		return false;
	return true;
}

/*
 * The size-threshold policy.  Build, scan and rewrite rules are quiet on
 * tables created in this transaction (nobody else can see them) and on
 * tables smaller than migration_guard.small_table_threshold.  A table whose
 * size cannot be read without waiting counts as large.
 */
bool
mg_rel_exempt_from_size_rules(Oid relid)
{
	int64		bytes;

	if (mg_rel_created_in_xact(relid))
		return true;
	if (mg_small_table_threshold <= 0)
		return false;
	if (!mg_rel_size(relid, &bytes))
		return false;
	return bytes < (int64) mg_small_table_threshold * 1024;
}
