/*-------------------------------------------------------------------------
 *
 * if_not_exists.c
 *	  CREATE ... IF NOT EXISTS of an object that exists, judged as what it
 *	  is: PostgreSQL raises a NOTICE and does nothing.
 *
 *	  Migration tools create their bookkeeping with IF NOT EXISTS on every
 *	  run (Graphile Migrate's migrations table references itself, so its
 *	  statement names a REFERENCES clause on an existing table).  For
 *	  CREATE TABLE, CREATE SEQUENCE, CREATE TABLE AS, CREATE SCHEMA and
 *	  CREATE EXTENSION, PostgreSQL finds the object before it takes any
 *	  table lock (transformCreateStmt, DefineSequence, ExecCreateTableAs,
 *	  CreateSchemaCommand, CreateExtension), so no rule, lock policy or
 *	  head check has anything to judge.  CREATE INDEX IF NOT EXISTS is
 *	  not one of them: DefineIndex locks the table before it finds the
 *	  index name, and an existing INVALID index of that name is what the
 *	  invalid_index rule is about, so the index rules judge it as before.
 *
 *	  The existing relation is locked in ACCESS SHARE mode, without
 *	  waiting, so that no concurrent DROP can turn the no-op into a
 *	  creation that was never judged.  If that lock is not granted at once,
 *	  or the role has no privilege on the relation, the statement is judged
 *	  as a creation.
 *
 * IDENTIFICATION
 *	  src/if_not_exists.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "compat.h"

#include "catalog/namespace.h"
#include "catalog/pg_class.h"
#include "commands/extension.h"
#include "miscadmin.h"
#include "storage/lmgr.h"
#include "utils/acl.h"
#include "utils/lsyscache.h"
#include "utils/syscache.h"

#include "if_not_exists.h"

/*
 * The schema a CREATE of rv would create in, or InvalidOid where that is
 * not certain (temporary objects, an empty search_path).
 */
static Oid
creation_namespace(RangeVar *rv)
{
	List	   *path;
	Oid			nspid;

	if (rv->relpersistence == RELPERSISTENCE_TEMP)
		return InvalidOid;
	if (rv->schemaname)
		nspid = get_namespace_oid(rv->schemaname, true);
	else
	{
		path = fetch_search_path(false);
		nspid = path ? linitial_oid(path) : InvalidOid;
	}
	if (!OidIsValid(nspid) || isAnyTempNamespace(nspid))
		return InvalidOid;
	return nspid;
}

/*
 * Is relname in nspid an existing relation, now locked so that it stays?
 */
static bool
relation_exists_pinned(const char *relname, Oid nspid)
{
	Oid			relid;

	if (!OidIsValid(nspid) || relname == NULL)
		return false;
	relid = get_relname_relid(relname, nspid);
	if (!OidIsValid(relid))
		return false;

	/*
	 * PostgreSQL takes no lock on the existing relation; the pin below does,
	 * until the transaction ends.  Only for a role with some privilege on it:
	 * else a role that may create in the schema could hold a lock on a table
	 * it cannot even read, and queue its owner's ALTER TABLE behind it.
	 * Without one the statement is judged as a creation.
	 */
	if (pg_class_aclcheck(relid, GetUserId(),
						  ACL_SELECT | ACL_INSERT | ACL_UPDATE | ACL_DELETE |
						  ACL_TRUNCATE | ACL_REFERENCES | ACL_TRIGGER) != ACLCHECK_OK)
		return false;
	if (!ConditionalLockRelationOid(relid, AccessShareLock))
		return false;
	/* dropped while we waited for nothing: re-check under the lock */
	if (!SearchSysCacheExists1(RELOID, ObjectIdGetDatum(relid)))
	{
		UnlockRelationOid(relid, AccessShareLock);
		return false;
	}
	return true;
}

static bool
rangevar_exists(RangeVar *rv)
{
	return rv != NULL && relation_exists_pinned(rv->relname, creation_namespace(rv));
}

bool
mg_statement_is_noop(Node *parsetree)
{
	switch (nodeTag(parsetree))
	{
		case T_CreateStmt:
		case T_CreateForeignTableStmt:
			{
				CreateStmt *stmt = (CreateStmt *) parsetree;

				return stmt->if_not_exists && rangevar_exists(stmt->relation);
			}
		case T_CreateSeqStmt:
			{
				CreateSeqStmt *stmt = (CreateSeqStmt *) parsetree;

				return stmt->if_not_exists && rangevar_exists(stmt->sequence);
			}
		case T_CreateTableAsStmt:
			{
				CreateTableAsStmt *stmt = (CreateTableAsStmt *) parsetree;

				return stmt->if_not_exists && rangevar_exists(stmt->into->rel);
			}
		case T_CreateSchemaStmt:
			{
				CreateSchemaStmt *stmt = (CreateSchemaStmt *) parsetree;

				return stmt->if_not_exists && stmt->schemaname &&
					stmt->schemaElts == NIL &&
					OidIsValid(get_namespace_oid(stmt->schemaname, true));
			}
		case T_CreateExtensionStmt:
			{
				CreateExtensionStmt *stmt = (CreateExtensionStmt *) parsetree;

				return stmt->if_not_exists &&
					OidIsValid(get_extension_oid(stmt->extname, true));
			}
		default:
			return false;
	}
}
