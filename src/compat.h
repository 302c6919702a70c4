/*-------------------------------------------------------------------------
 *
 * compat.h
 *	  Every PostgreSQL major-version difference migration_guard depends on,
 *	  in one place.  Supported: PostgreSQL 15, 16, 17 and 18.
 *
 *	  The ProcessUtility, ExecutorStart and object_access hook signatures are
 *	  identical across 15-18 and need nothing here.  Add an entry only when
 *	  the code actually touches an API that differs.
 *
 * IDENTIFICATION
 *	  src/compat.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef MG_COMPAT_H
#define MG_COMPAT_H

/*
 * Our messages live in text domain "migration_guard-NN", as PL/pgSQL's
 * live in "plpgsql-NN": elog.h sets TEXTDOMAIN to the backend's, so every
 * source file includes this header right after postgres.h.
 */
#undef TEXTDOMAIN
#define TEXTDOMAIN PG_TEXTDOMAIN("migration_guard")

#include "storage/lock.h"

#if PG_VERSION_NUM < 150000
#error "migration_guard requires PostgreSQL 15 or later"
#endif

/* LockHeldByMe() gained an "orstronger" argument in PostgreSQL 17. */
#if PG_VERSION_NUM >= 170000
#define compat_LockHeldByMe(tag, mode)	LockHeldByMe((tag), (mode), false)
#else
#define compat_LockHeldByMe(tag, mode)	LockHeldByMe((tag), (mode))
#endif

/*
 * GUC check hooks must allocate "extra" and replacement strings in
 * GUCMemoryContext from PostgreSQL 16 on (guc_malloc); before that, plain
 * malloc, with the caller reporting out-of-memory.
 */
#if PG_VERSION_NUM < 160000
extern void *compat_guc_malloc(int elevel, size_t size);
#define guc_malloc(elevel, size)	compat_guc_malloc((elevel), (size))
#define guc_free(ptr)				free(ptr)
#endif

/* _PG_init is declared by fmgr.h from PostgreSQL 16 on. */
#if PG_VERSION_NUM < 160000
extern PGDLLEXPORT void _PG_init(void);
#endif

/* PG_MODULE_MAGIC_EXT, which names the module and its version, is 18+. */
#ifdef PG_MODULE_MAGIC_EXT
#define MG_MODULE_MAGIC PG_MODULE_MAGIC_EXT(.name = "migration_guard", .version = MG_VERSION)
#else
#define MG_MODULE_MAGIC PG_MODULE_MAGIC
#endif

/*
 * The relation's "new storage in this transaction" marker was renamed with
 * the RelFileNode -> RelFileLocator refactor in PostgreSQL 16.
 */
#if PG_VERSION_NUM >= 160000
#define compat_rd_firstRelfilenodeSubid(rel)	((rel)->rd_firstRelfilelocatorSubid)
#define compat_rd_relfilenumber(rel)			((rel)->rd_locator.relNumber)
#else
#define compat_rd_firstRelfilenodeSubid(rel)	((rel)->rd_firstRelfilenodeSubid)
#define compat_rd_relfilenumber(rel)			((rel)->rd_node.relNode)
#endif

/*
 * NOT ENFORCED constraints and virtual generated columns are 18+.  A
 * column constraint's NOT ENFORCED arrives in the raw parse tree as a
 * separate CONSTR_ATTR_NOT_ENFORCED item after the constraint it modifies.
 */
#if PG_VERSION_NUM >= 180000
#define MG_HAVE_NOT_ENFORCED 1
#define compat_constraint_enforced(con)	((con)->is_enforced)
#define compat_generated_virtual(con)	((con)->generated_kind == ATTRIBUTE_GENERATED_VIRTUAL)
#else
#define compat_constraint_enforced(con)	true
#define compat_generated_virtual(con)	false
#endif

/*
 * From PostgreSQL 18 on, NOT NULL is a pg_constraint row: it can be added
 * NOT VALID and validated later, which is the safe form of SET NOT NULL.
 */
#if PG_VERSION_NUM >= 180000
#define MG_HAVE_NOT_NULL_NOT_VALID 1
#endif

/* A partitioned table takes a NOT VALID foreign key from PostgreSQL 18 on. */
#if PG_VERSION_NUM >= 180000
#define MG_HAVE_PARTITIONED_FK_NOT_VALID 1
#endif

/*
 * REINDEX DATABASE processes the system catalogs up to PostgreSQL 15; from
 * 16 on it leaves them to REINDEX SYSTEM.
 */
#if PG_VERSION_NUM >= 160000
#define COMPAT_REINDEX_DATABASE_INCLUDES_CATALOGS	false
#else
#define COMPAT_REINDEX_DATABASE_INCLUDES_CATALOGS	true
#endif

/*
 * ExecutorCheckPerms_hook: PostgreSQL 16 moved the permissions to check out
 * of the range table into a list of RTEPermissionInfo, passed as a second
 * argument.  Both element types carry relid and requiredPerms (non-relation
 * RTEs of 15 have requiredPerms 0), so a hook walks MG_PERMS_LIST.
 */
#if PG_VERSION_NUM >= 160000
#define MG_CHECK_PERMS_PARAMS	List *rangeTable, List *rtePermInfos, bool ereport_on_violation
#define MG_CHECK_PERMS_ARGS		rangeTable, rtePermInfos, ereport_on_violation
#define MG_PERMS_LIST			rtePermInfos
#define MGPermEntry				RTEPermissionInfo
#else
#define MG_CHECK_PERMS_PARAMS	List *rangeTable, bool ereport_on_violation
#define MG_CHECK_PERMS_ARGS		rangeTable, ereport_on_violation
#define MG_PERMS_LIST			rangeTable
#define MGPermEntry				RangeTblEntry
#endif

/*
 * The raw grammar's RETURNING list became a ReturningClause (with OLD/NEW
 * aliases) in PostgreSQL 18.
 */
#if PG_VERSION_NUM >= 180000
#define compat_stmt_has_returning(stmt)	((stmt)->returningClause != NULL)
#else
#define compat_stmt_has_returning(stmt)	((stmt)->returningList != NIL)
#endif

/* ALTER TABLE ... ALTER COLUMN ... SET EXPRESSION AS (...): 17 and later. */
#if PG_VERSION_NUM >= 170000
#define MG_HAVE_SET_EXPRESSION 1
#endif

/*
 * ALTER CONSTRAINT arrives as an ATAlterConstraint node from PostgreSQL 18
 * on (before: a Constraint with deferrability only), and can change a
 * constraint's enforceability and inheritability.
 */
#if PG_VERSION_NUM >= 180000
#define MG_HAVE_ALTER_CONSTRAINT_ENFORCED 1
#endif

/* Exclusion constraints on partitioned tables: PostgreSQL 17 and later. */
#if PG_VERSION_NUM >= 170000
#define MG_HAVE_PARTITIONED_EXCLUSION
#endif

/*
 * Ownership checks became object_ownercheck(classid, ...) in PostgreSQL 16.
 * Callers include utils/acl.h and catalog/pg_class.h / pg_type.h.
 */
#if PG_VERSION_NUM >= 160000
#define compat_rel_ownercheck(relid, roleid) \
	object_ownercheck(RelationRelationId, (relid), (roleid))
#define compat_type_ownercheck(typid, roleid) \
	object_ownercheck(TypeRelationId, (typid), (roleid))
#else
#define compat_rel_ownercheck(relid, roleid)	pg_class_ownercheck((relid), (roleid))
#define compat_type_ownercheck(typid, roleid)	pg_type_ownercheck((typid), (roleid))
#endif

/*
 * A parameter's internal record (for its stack of saved values, audit.c):
 * find_option() is exported from PostgreSQL 16 on; 15 has only the array.
 */
#if PG_VERSION_NUM >= 160000
#define compat_find_guc(name)	find_option((name), false, true, ERROR)
#else
struct config_generic;
extern struct config_generic *compat_find_guc(const char *name);
#endif

/*
 * PostgreSQL 16 replaced the per-catalog ACL checks (pg_namespace_aclcheck,
 * ...) by object_aclcheck(); pg_class_aclcheck stayed.
 */
#if PG_VERSION_NUM >= 160000
#define compat_namespace_aclcheck(nspid, roleid, mode) \
	object_aclcheck(NamespaceRelationId, (nspid), (roleid), (mode))
#else
#define compat_namespace_aclcheck(nspid, roleid, mode) \
	pg_namespace_aclcheck((nspid), (roleid), (mode))
#endif

/* ... and for schemas (catalog/pg_namespace.h). */
#if PG_VERSION_NUM >= 160000
#define compat_namespace_ownercheck(nspid, roleid) \
	object_ownercheck(NamespaceRelationId, (nspid), (roleid))
#else
#define compat_namespace_ownercheck(nspid, roleid)	pg_namespace_ownercheck((nspid), (roleid))
#endif

#endif							/* MG_COMPAT_H */
