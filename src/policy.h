/*-------------------------------------------------------------------------
 *
 * policy.h
 *	  Policy decisions on a finding (policy.c): its severity under the
 *	  current or a given mode, whether a rule is allowed for this statement,
 *	  and whether the current role may loosen the policy.
 *
 * IDENTIFICATION
 *	  src/policy.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef MG_POLICY_H
#define MG_POLICY_H

#include "finding.h"
#include "rules.h"

extern bool mg_role_may_loosen_policy(void);

extern MGSeverity mg_finding_severity(const MGFinding *finding);

extern MGSeverity mg_finding_severity_in_mode(const MGFinding *finding, MGSeverity mode);

extern bool mg_rule_allowed_for_statement(MGRuleId rule);

#endif							/* MG_POLICY_H */
