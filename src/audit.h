/*-------------------------------------------------------------------------
 *
 * audit.h
 *	  The record of every override that lets an unsafe statement through
 *	  (audit.c), and the override mechanisms the statistics count (stats.c).
 *
 * IDENTIFICATION
 *	  src/audit.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef MG_AUDIT_H
#define MG_AUDIT_H

#include "finding.h"
#include "rules.h"

/* How an unsafe statement was let through. */
typedef enum MGOverrideMechanism
{
	MG_OVERRIDE_SET,			/* migration_guard.allow, session-wide */
	MG_OVERRIDE_SET_LOCAL,		/* migration_guard.allow, this transaction or
								 * function */
	MG_OVERRIDE_DIRECTIVE,		/* a migration_guard:allow comment */
	MG_OVERRIDE_SEVERITY,		/* migration_guard.rules or .mode lowered the
								 * rule */
	MG_NUM_OVERRIDE_MECHANISMS
} MGOverrideMechanism;

extern bool mg_require_reason;
extern char *mg_allow_reason;

extern void mg_audit_define_gucs(void);
extern MGOverrideMechanism mg_allow_mechanism(void);
extern bool mg_audit_judges_off_rule(MGRuleId rule);
extern bool mg_audit_mode_off_in_session(void);
extern bool mg_audit_override(const MGFinding *f, MGOverrideMechanism how,
							  const char **refusal);

#endif							/* MG_AUDIT_H */
