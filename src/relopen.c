/*-------------------------------------------------------------------------
 *
 * relopen.c
 *	  Opening a relation to read its relcache entry without ever waiting
 *	  for a lock: a guard that judges a statement must not queue behind
 *	  the sessions the statement itself would queue behind.
 *
 * IDENTIFICATION
 *	  src/relopen.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "compat.h"

#include "access/relation.h"
#include "storage/lmgr.h"
#include "utils/rel.h"

#include "relopen.h"

/*
 * Opens a relation for reading its relcache entry, but only if ACCESS SHARE
 * is granted at once; returns NULL otherwise (or if the relation is gone).
 * The lock is released again by mg_rel_close_nowait(), so the statement's
 * own lock is never an upgrade of one we keep.
 */
Relation
mg_rel_open_nowait(Oid relid)
{
	Relation	rel;

	if (!ConditionalLockRelationOid(relid, AccessShareLock))
		return NULL;
	rel = try_relation_open(relid, NoLock);
	if (rel == NULL)
		UnlockRelationOid(relid, AccessShareLock);
	return rel;
}

void
mg_rel_close_nowait(Relation rel)
{
	Oid			relid = RelationGetRelid(rel);

	relation_close(rel, NoLock);
	UnlockRelationOid(relid, AccessShareLock);
}
