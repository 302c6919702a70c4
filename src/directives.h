/*-------------------------------------------------------------------------
 *
 * directives.h
 *	  In-script directives (directives.c): "-- migration_guard:allow rule
 *	  reason" comments that accept one rule for the statement that follows.
 *
 * IDENTIFICATION
 *	  src/directives.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef MG_DIRECTIVES_H
#define MG_DIRECTIVES_H

#include "rules.h"

extern bool mg_directive_allows(MGRuleId rule);

extern char *mg_directive_reason(const char *directive);

extern char *mg_directive_reason_for(MGRuleId rule);

#endif							/* MG_DIRECTIVES_H */
