/*-------------------------------------------------------------------------
 *
 * locks.c
 *	  Lock safety: the lock_timeout rule, the automatic lock_timeout,
 *	  retries on lock timeouts, lock tracing, and the rules about locks held
 *	  too long or on too many tables.
 *
 * IDENTIFICATION
 *	  src/locks.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "migration_guard.h"

void
mg_locks_init(void)
{
}

void
mg_check_lock_timeout(MGStatement *st)
{
}

void
mg_locks_execute(MGStatement *st, MGUtilityCall *call)
{
	mg_call_next_ProcessUtility(call);
}
