/*-------------------------------------------------------------------------
 *
 * object_access.c
 *	  The module's one object access hook: every object PostgreSQL creates,
 *	  alters, drops or truncates passes here.
 *
 *	  Two features listen.  While migration_guard.check() runs a statement
 *	  of its script, the objects it creates belong to the script's model
 *	  transaction (check_run.c); otherwise the migration-head guard watches
 *	  the migration table and the schema freeze (heads_guard.c).  The two
 *	  never both apply: the head guard leaves alone what check() runs in
 *	  its throwaway subtransaction.
 *
 * IDENTIFICATION
 *	  src/object_access.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "compat.h"

#include "catalog/objectaccess.h"

#include "check.h"
#include "heads_guard.h"
#include "object_access.h"
#include "statement.h"

static object_access_hook_type prev_object_access_hook = NULL;

static void
mg_object_access(ObjectAccessType access, Oid classId, Oid objectId,
				 int subId, void *arg)
{
	if (prev_object_access_hook)
		prev_object_access_hook(access, classId, objectId, subId, arg);

	if (mg_check_simulating)
		check_note_object_access(access, classId, objectId, subId);
	else
		mg_heads_guard_object_access(access, classId, objectId, subId, arg);
}

void
mg_object_access_init(void)
{
	prev_object_access_hook = object_access_hook;
	object_access_hook = mg_object_access;
}
