/*-------------------------------------------------------------------------
 *
 * lockheld.c
 *	  Facts about one relation lock: whether this backend already holds
 *	  it, and whether it is the kind the transaction rules count (ACCESS
 *	  EXCLUSIVE on a relation other sessions use).  The bottom of the lock
 *	  facts: the lock plans (lockinfo.c) and the transaction-state model
 *	  (xact_state.c) both ask.
 *
 * IDENTIFICATION
 *	  src/lockheld.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "compat.h"

#include "catalog/pg_class.h"
#include "miscadmin.h"
#include "storage/lock.h"

#include "lockinfo.h"

/* Does this backend hold mode, or a stronger mode, on relid? */
bool
mg_lock_held_by_me(Oid relid, LOCKMODE mode)
{
	LOCKTAG		tag;

	SET_LOCKTAG_RELATION(tag, MyDatabaseId, relid);
	for (LOCKMODE m = mode; m <= AccessExclusiveLock; m++)
	{
		if (compat_LockHeldByMe(&tag, m))
			return true;
	}
	return false;
}

/*
 * ACCESS EXCLUSIVE on a relation other sessions use: what the rules about
 * locks held across statements and on several tables count.
 */
bool
mg_lock_is_exclusive_on_shared(const MGRelLock *l)
{
	return l->mode == AccessExclusiveLock && l->shared &&
		l->relkind != RELKIND_COMPOSITE_TYPE;
}
