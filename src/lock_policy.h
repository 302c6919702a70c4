/*-------------------------------------------------------------------------
 *
 * lock_policy.h
 *	  Lock safety: the lock_timeout rule and the automatic lock_timeout
 *	  (lock_policy.c), running a statement under that policy with retries
 *	  (lock_retry.c), and lock tracing (lock_trace.c).
 *
 * IDENTIFICATION
 *	  src/lock_policy.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef MG_LOCK_POLICY_H
#define MG_LOCK_POLICY_H

#include "lockinfo.h"
#include "statement.h"

/* Runs a utility statement down the rest of the hook chain (pipeline.c). */
typedef void (*MGChainFunction) (MGUtilityCall *call);

/*
 * For a statement executed without having been judged (mode off): does
 * the policy run it under migration_guard.lock_timeout?
 */
extern bool mg_lock_timeout_applies(const MGLockPlan *plan);

/*
 * Runs the statement through chain: under the automatic lock_timeout when
 * apply_timeout, retried on lock timeouts (migration_guard.lock_retries),
 * a lock timeout explained.  tag is the statement's command tag, read
 * before it runs.
 */
extern void mg_lock_policy_execute(MGUtilityCall *call, const char *tag,
								   MGLockPlan *plan, bool apply_timeout,
								   MGChainFunction chain);

/* migration_guard.trace_locks: state before, NOTICE after the statement. */
extern List *mg_lock_trace_before(MGLockPlan *plan);
extern void mg_lock_trace_after(const char *tag, List *before);

extern void mg_check_lock_timeout(MGStatement *st);

#endif							/* MG_LOCK_POLICY_H */
