/*-------------------------------------------------------------------------
 *
 * guc.h
 *	  The policy parameters (guc.c): mode, per-rule overrides, allowed
 *	  rules, the size threshold and the lock-safety settings.
 *
 * IDENTIFICATION
 *	  src/guc.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef MG_GUC_H
#define MG_GUC_H

#include "rules.h"

extern int	mg_mode;			/* an MGSeverity: off, warn, enforce */

extern char *mg_rules_setting;

extern char *mg_allow_setting;

extern int	mg_small_table_threshold;	/* kB */

extern int	mg_max_lock_timeout;	/* ms */

extern char *mg_lock_timeout_setting;	/* "" = off, else a duration */

extern int	mg_lock_timeout_ms; /* parsed from mg_lock_timeout_setting */

extern int	mg_lock_retries;

extern int	mg_lock_retry_delay;	/* ms */

extern int	mg_lock_retry_max_delay;	/* ms */

extern bool mg_trace_locks;

extern void mg_define_gucs(void);

extern bool mg_rule_override(MGRuleId rule, MGSeverity *sev);

extern bool mg_rule_allowed_by_setting(MGRuleId rule);

#endif							/* MG_GUC_H */
