/*-------------------------------------------------------------------------
 *
 * privileges.c
 *	  Permission errors before rule errors.
 *
 *	  A role that may not run a statement at all must get PostgreSQL's own
 *	  permission error ("must be owner of table t"), not a rule's finding
 *	  with a hint on how to accept the risk: the hint would be wrong, and it
 *	  would tell an attacker about the guard's policy.  So before a
 *	  statement is judged (by the ProcessUtility hook and by check()), the
 *	  ownership PostgreSQL is going to demand of it is checked here, the way
 *	  PostgreSQL checks it, and its error is raised with aclcheck_error().
 *
 *	  Only statements whose target PostgreSQL checks by ownership (or, for
 *	  TRUNCATE, by privilege) before doing anything are covered: ALTER
 *	  TABLE/INDEX/VIEW/SEQUENCE/MATERIALIZED VIEW, CREATE INDEX, DROP,
 *	  RENAME, SET SCHEMA, OWNER TO and TRUNCATE.  Relations and schemas are
 *	  looked up without a lock (a lock taken here, weaker than the
 *	  statement's, would be a lock upgrade later); other objects with the
 *	  ACCESS EXCLUSIVE lock PostgreSQL takes on them for these statements.
 *	  What does not exist is ignored: PostgreSQL reports that itself.
 *	  A superuser passes every check, as in PostgreSQL.
 *
 * IDENTIFICATION
 *	  src/privileges.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "compat.h"

#include "catalog/namespace.h"
#include "catalog/objectaddress.h"
#include "catalog/pg_class.h"
#include "catalog/pg_namespace.h"
#include "miscadmin.h"
#include "nodes/makefuncs.h"
#include "utils/acl.h"
#include "utils/lsyscache.h"
#include "utils/syscache.h"

#include "privileges.h"

/* The relation a RangeVar names, without locking it; InvalidOid if none. */
static Oid
relation_without_lock(RangeVar *rv)
{
	if (rv == NULL)
		return InvalidOid;
	return RangeVarGetRelidExtended(rv, NoLock, RVR_MISSING_OK, NULL, NULL);
}

/* "must be owner of table t" unless the role owns the relation. */
static void
require_relation_owner(Oid relid)
{
	char		relkind;

	if (!OidIsValid(relid) || compat_rel_ownercheck(relid, GetUserId()))
		return;
	relkind = get_rel_relkind(relid);
	if (relkind == '\0')
		return;					/* dropped meanwhile */
	aclcheck_error(ACLCHECK_NOT_OWNER, get_relkind_objtype(relkind),
				   get_rel_name(relid));
}

/*
 * DROP of a relation: its owner or its schema's owner may drop it
 * (RangeVarCallbackForDropRelation).
 */
static void
require_relation_dropper(Oid relid)
{
	Oid			nsp;

	if (!OidIsValid(relid) || compat_rel_ownercheck(relid, GetUserId()))
		return;
	nsp = get_rel_namespace(relid);
	if (OidIsValid(nsp) && compat_namespace_ownercheck(nsp, GetUserId()))
		return;
	require_relation_owner(relid);
}

static bool
is_relation_type(ObjectType type)
{
	switch (type)
	{
		case OBJECT_TABLE:
		case OBJECT_INDEX:
		case OBJECT_SEQUENCE:
		case OBJECT_VIEW:
		case OBJECT_MATVIEW:
		case OBJECT_FOREIGN_TABLE:
			return true;
		default:
			return false;
	}
}

/*
 * Objects that are not relations nor parts of one, which get_object_address
 * can find without a lock.
 */
static bool
is_standalone_object_type(ObjectType type)
{
	switch (type)
	{
		case OBJECT_SCHEMA:
		case OBJECT_TYPE:
		case OBJECT_DOMAIN:
		case OBJECT_FUNCTION:
		case OBJECT_PROCEDURE:
		case OBJECT_ROUTINE:
		case OBJECT_AGGREGATE:
		case OBJECT_EXTENSION:
		case OBJECT_COLLATION:
		case OBJECT_CONVERSION:
		case OBJECT_STATISTIC_EXT:
		case OBJECT_TSCONFIGURATION:
		case OBJECT_TSDICTIONARY:
			return true;
		default:
			return false;
	}
}

/*
 * A standalone object: check_object_ownership() is PostgreSQL's own check,
 * with its own error.  For DROP, the owner of the object's schema may drop
 * it too (RemoveObjects).
 */
static void
require_object_owner(ObjectType type, Node *object, bool dropping)
{
	ObjectAddress address;
	Relation	relation = NULL;

	/* a schema is found without a lock: RenameSchema() takes none */
	if (type == OBJECT_SCHEMA)
	{
		const char *name = strVal(object);
		Oid			nsp = get_namespace_oid(name, true);

		if (OidIsValid(nsp) && !compat_namespace_ownercheck(nsp, GetUserId()))
			aclcheck_error(ACLCHECK_NOT_OWNER, OBJECT_SCHEMA, name);
		return;
	}

	/*
	 * RENAME, SET SCHEMA and OWNER TO name a type by a list, DROP by a
	 * TypeName
	 */
	if ((type == OBJECT_TYPE || type == OBJECT_DOMAIN) && IsA(object, List))
		object = (Node *) makeTypeNameFromNameList((List *) object);

	/*
	 * Other objects with the lock the statement itself takes on them
	 * (RemoveObjects, ExecRenameStmt, ExecAlterObjectSchemaStmt and
	 * ExecAlterOwnerStmt all ask for ACCESS EXCLUSIVE): no upgrade later.
	 */
	address = get_object_address(type, object, &relation, AccessExclusiveLock, true);
	if (!OidIsValid(address.objectId))
		return;
	if (dropping)
	{
		Oid			nsp = get_object_namespace(&address);

		if (OidIsValid(nsp) && compat_namespace_ownercheck(nsp, GetUserId()))
			return;
	}
	check_object_ownership(GetUserId(), type, address, object, relation);
}

static void
check_drop(DropStmt *stmt)
{
	ListCell   *lc;

	foreach(lc, stmt->objects)
	{
		if (is_relation_type(stmt->removeType))
			require_relation_dropper(relation_without_lock(makeRangeVarFromNameList(lfirst(lc))));
		else if (is_standalone_object_type(stmt->removeType))
			require_object_owner(stmt->removeType, lfirst(lc), true);
	}
}

/* RENAME, SET SCHEMA and OWNER TO name either a relation or an object. */
static void
check_target(ObjectType type, RangeVar *relation, Node *object)
{
	if (relation != NULL)
		require_relation_owner(relation_without_lock(relation));
	else if (object != NULL && is_standalone_object_type(type))
		require_object_owner(type, object, false);
}

static void
check_truncate(TruncateStmt *stmt)
{
	ListCell   *lc;

	foreach(lc, stmt->relations)
	{
		Oid			relid = relation_without_lock(lfirst(lc));
		AclResult	aclresult;
		char		relkind;

		if (!OidIsValid(relid))
			continue;
		aclresult = pg_class_aclcheck(relid, GetUserId(), ACL_TRUNCATE);
		if (aclresult == ACLCHECK_OK)
			continue;
		relkind = get_rel_relkind(relid);
		if (relkind != '\0')
			aclcheck_error(aclresult, get_relkind_objtype(relkind), get_rel_name(relid));
	}
}

/*
 * Raises PostgreSQL's permission error if the current role may not run the
 * statement on its target.  Called before any rule judges it.
 */
void
mg_check_privileges_first(Node *parsetree)
{
	if (superuser())
		return;

	switch (nodeTag(parsetree))
	{
		case T_AlterTableStmt:
			require_relation_owner(relation_without_lock(((AlterTableStmt *) parsetree)->relation));
			break;
		case T_IndexStmt:
			require_relation_owner(relation_without_lock(((IndexStmt *) parsetree)->relation));
			break;
		case T_DropStmt:
			check_drop((DropStmt *) parsetree);
			break;
		case T_RenameStmt:
			{
				RenameStmt *stmt = (RenameStmt *) parsetree;

				/* ALTER SCHEMA s RENAME names the schema in subname */
				if (stmt->renameType == OBJECT_SCHEMA && stmt->subname != NULL)
					require_object_owner(OBJECT_SCHEMA, (Node *) makeString(stmt->subname), false);
				else
					check_target(stmt->renameType, stmt->relation, stmt->object);
				break;
			}
		case T_AlterObjectSchemaStmt:
			{
				AlterObjectSchemaStmt *stmt = (AlterObjectSchemaStmt *) parsetree;

				check_target(stmt->objectType, stmt->relation, stmt->object);
				break;
			}
		case T_AlterOwnerStmt:
			{
				AlterOwnerStmt *stmt = (AlterOwnerStmt *) parsetree;

				check_target(stmt->objectType, stmt->relation, stmt->object);
				break;
			}
		case T_TruncateStmt:
			check_truncate((TruncateStmt *) parsetree);
			break;
		default:
			break;
	}
}
