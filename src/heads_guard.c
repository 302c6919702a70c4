/*-------------------------------------------------------------------------
 *
 * heads_guard.c
 *	  The version table guarded as a whole, and the schema freeze's
 *	  backstop, both through PostgreSQL's object access hook.
 *
 *	  The head is what the tool's query over the version table returns, so
 *	  any change of that table (its rows, columns, types, name, schema,
 *	  owner, children, existence) can move it.  DML is noticed by the
 *	  ExecutorCheckPerms hook (heads.c).  Everything else fires an object
 *	  access event on the table, a column of it, or its inheritance links:
 *	  ALTER TABLE in every spelling (ALTER INDEX/VIEW/SEQUENCE on the
 *	  table, ALTER TYPE ... CASCADE of its row type), renames, SET SCHEMA,
 *	  owner changes, INHERIT and partitions, TRUNCATE, and drops, including
 *	  those through dependencies (DROP OWNED, DROP SCHEMA/TYPE ... CASCADE,
 *	  DROP EXTENSION).  Such a transaction is judged at commit by its effect
 *	  on the head, like DML (heads.c).
 *
 *	  DDL is not MVCC-safe: the head before it must be read before it runs.
 *	  mg_heads_guard_statement() predicts, before each utility statement,
 *	  whether it may reach the version table, and has the head read then
 *	  (heads_xact.c).  A change the prediction missed arrives as an object access
 *	  event with no reading before it: the statement is refused (fails
 *	  closed) rather than judged against a head read after the change.
 *
 *	  The freeze (freeze_at_head) is decided per statement in heads.c; the
 *	  same object access events catch schema objects created or changed by
 *	  paths no utility statement announces: EXPLAIN ANALYZE of CREATE TABLE
 *	  AS, SELECT INTO or CREATE MATERIALIZED VIEW, and anything else that
 *	  creates a non-temporary object while the freeze is on.
 *
 *	  Called by the module's object access hook (object_access.c) for each
 *	  event, and by heads.c before each utility statement; it calls down
 *	  only: the candidate tables, the head readings and the per-backend
 *	  state.
 *
 * IDENTIFICATION
 *	  src/heads_guard.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "compat.h"

#include "access/genam.h"
#include "access/htup_details.h"
#include "access/table.h"
#include "access/xact.h"
#include "catalog/dependency.h"
#include "catalog/namespace.h"
#include "catalog/objectaccess.h"
#include "catalog/objectaddress.h"
#include "catalog/pg_class.h"
#include "catalog/pg_inherits.h"
#include "catalog/pg_type.h"
#include "miscadmin.h"
#include "nodes/makefuncs.h"
#include "tcop/pquery.h"
#include "utils/fmgroids.h"
#include "utils/inval.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/snapmgr.h"
#include "utils/syscache.h"

#include "heads_candidates.h"
#include "heads_expected.h"
#include "heads_guard.h"
#include "heads_settings.h"
#include "heads_state.h"
#include "heads_types.h"
#include "heads_xact.h"
#include "statement.h"


/*
 * Non-temporary objects created while the freeze is on, by no statement
 * the freeze noted (EXPLAIN ANALYZE CREATE TABLE AS, ...): judged at
 * commit, when it is known whether they still exist (REFRESH MATERIALIZED
 * VIEW creates and drops a transient heap and its row type).
 */
#define MAX_PENDING_CREATED 1000
static List *pending_created = NIL; /* ObjectAddress *, TopTransactionContext */
static bool pending_overflow = false;

/* Is head enforcement or the history on, and is this no guard query? */
static bool
guard_active(void)
{
	if (IsBinaryUpgrade || mg_heads_own_query_running() || mg_check_simulating)
		return false;
	return mg_heads_watching();
}

/* Is the freeze on, and has this transaction run no frozen DDL yet? */
static bool
freeze_undecided(void)
{
	return mg_freeze_at_head && mg_heads_schema_change() == NULL &&
		!mg_heads_migration_table_written() && mg_heads_expected_set();
}

/* ---------- the relations whose change can move the head ---------- */

static bool
relid_in(Oid relid, const Oid *set, int n)
{
	for (int i = 0; i < n; i++)
		if (set[i] == relid)
			return true;
	return false;
}

/* The composite type a typed table is OF, or InvalidOid. */
static Oid
rel_oftype(Oid relid)
{
	HeapTuple	tup = SearchSysCache1(RELOID, ObjectIdGetDatum(relid));
	Oid			oftype = InvalidOid;

	if (HeapTupleIsValid(tup))
	{
		oftype = ((Form_pg_class) GETSTRUCT(tup))->reloftype;
		ReleaseSysCache(tup);
	}
	return oftype;
}

/* The direct inheritance parents of relid. */
static List *
parents_of(Oid relid)
{
	List	   *result = NIL;
	Relation	rel;
	ScanKeyData key;
	SysScanDesc scan;
	HeapTuple	tup;

	rel = table_open(InheritsRelationId, AccessShareLock);
	ScanKeyInit(&key, Anum_pg_inherits_inhrelid, BTEqualStrategyNumber, F_OIDEQ,
				ObjectIdGetDatum(relid));
	scan = systable_beginscan(rel, InheritsRelidSeqnoIndexId, true, NULL, 1, &key);
	while (HeapTupleIsValid(tup = systable_getnext(scan)))
		result = lappend_oid(result, ((Form_pg_inherits) GETSTRUCT(tup))->inhparent);
	systable_endscan(scan);
	table_close(rel, AccessShareLock);
	return result;
}

/*
 * The relations a statement may name to reach the version table: the
 * guarded ones (the candidates and their descendants), their ancestors
 * (ALTER TABLE and TRUNCATE recurse down), and the composite types of
 * typed tables among them (ALTER TYPE ... CASCADE).
 */
static List *
related_relations(const Oid *guarded, int n)
{
	List	   *result = NIL;
	List	   *queue = NIL;

	for (int i = 0; i < n; i++)
	{
		Oid			oftype;

		result = list_append_unique_oid(result, guarded[i]);
		queue = lappend_oid(queue, guarded[i]);
		oftype = rel_oftype(guarded[i]);
		if (OidIsValid(oftype) && OidIsValid(get_typ_typrelid(oftype)))
			result = list_append_unique_oid(result, get_typ_typrelid(oftype));
	}
	while (queue != NIL)
	{
		Oid			relid = linitial_oid(queue);
		ListCell   *lc;

		queue = list_delete_first(queue);
		foreach(lc, parents_of(relid))
		{
			if (list_member_oid(result, lfirst_oid(lc)))
				continue;
			result = lappend_oid(result, lfirst_oid(lc));
			queue = lappend_oid(queue, lfirst_oid(lc));
		}
	}
	return result;
}

static bool
rangevar_in(RangeVar *rv, List *relids)
{
	Oid			relid;

	if (rv == NULL)
		return false;
	relid = RangeVarGetRelid(rv, NoLock, true);
	return OidIsValid(relid) && list_member_oid(relids, relid);
}

static bool
schema_holds(const char *nspname, const Oid *guarded, int n)
{
	Oid			nspid = get_namespace_oid(nspname, true);

	if (!OidIsValid(nspid))
		return false;
	for (int i = 0; i < n; i++)
		if (get_rel_namespace(guarded[i]) == nspid)
			return true;
	return false;
}

static bool
is_relation_drop(ObjectType type)
{
	return type == OBJECT_TABLE || type == OBJECT_VIEW || type == OBJECT_MATVIEW ||
		type == OBJECT_INDEX || type == OBJECT_SEQUENCE || type == OBJECT_FOREIGN_TABLE;
}

static bool
alter_table_reaches(AlterTableStmt *stmt, List *related, const Oid *guarded, int n)
{
	ListCell   *lc;

	if (rangevar_in(stmt->relation, related))
		return true;
	foreach(lc, stmt->cmds)
	{
		AlterTableCmd *cmd = lfirst_node(AlterTableCmd, lc);

		/* ALTER TABLE child [NO] INHERIT version_table */
		if ((cmd->subtype == AT_AddInherit || cmd->subtype == AT_DropInherit) &&
			IsA(cmd->def, RangeVar) && rangevar_in((RangeVar *) cmd->def, related))
			return true;
	}
	return false;
}

/*
 * May this statement change the version table (or a relation whose rows
 * are read with it) in a way MVCC does not show?  Conservative: a false
 * "yes" costs one read of the head, a false "no" makes the statement fail
 * in the object access hook.
 */
static bool
statement_reaches(Node *parsetree, const Oid *guarded, int n, bool *mark)
{
	List	   *related;
	ListCell   *lc;

	*mark = false;
	switch (nodeTag(parsetree))
	{
		case T_DropOwnedStmt:
		case T_ReassignOwnedStmt:
		case T_AlterTableMoveAllStmt:
			return true;
		case T_DropStmt:
			{
				DropStmt   *drop = (DropStmt *) parsetree;

				if (drop->behavior == DROP_CASCADE || drop->removeType == OBJECT_EXTENSION)
					return true;
				if (drop->removeType == OBJECT_SCHEMA)
				{
					foreach(lc, drop->objects)
						if (schema_holds(strVal(lfirst(lc)), guarded, n))
						return true;
					return false;
				}
				if (!is_relation_drop(drop->removeType))
					return false;
				related = related_relations(guarded, n);
				foreach(lc, drop->objects)
					if (rangevar_in(makeRangeVarFromNameList(lfirst(lc)), related))
					return true;
				return false;
			}
		case T_TruncateStmt:
			{
				TruncateStmt *trunc = (TruncateStmt *) parsetree;

				if (trunc->behavior == DROP_CASCADE)
					return true;
				related = related_relations(guarded, n);
				foreach(lc, trunc->relations)
					if (rangevar_in(lfirst(lc), related))
					return true;
				return false;
			}
		case T_AlterTableStmt:
			return alter_table_reaches((AlterTableStmt *) parsetree,
									   related_relations(guarded, n), guarded, n);
		case T_RenameStmt:
			{
				RenameStmt *rename = (RenameStmt *) parsetree;

				/* a schema rename is an event on the schema, not the table */
				if (rename->renameType == OBJECT_SCHEMA)
				{
					*mark = schema_holds(rename->subname, guarded, n);
					return *mark;
				}
				return rangevar_in(rename->relation, related_relations(guarded, n));
			}
		case T_AlterObjectSchemaStmt:
			return rangevar_in(((AlterObjectSchemaStmt *) parsetree)->relation,
							   related_relations(guarded, n));
		case T_CreateStmt:
			/* CREATE TABLE ... INHERITS (version_table) / PARTITION OF it */
			related = related_relations(guarded, n);
			foreach(lc, ((CreateStmt *) parsetree)->inhRelations)
				if (rangevar_in(lfirst(lc), related))
				return true;
			return false;
		case T_GrantStmt:
			{
				/*
				 * Privileges are no object access event, but a REVOKE can
				 * make the table unreadable to its owner, as whom it is read.
				 */
				GrantStmt  *grant = (GrantStmt *) parsetree;

				if (grant->targtype == ACL_TARGET_ALL_IN_SCHEMA ||
					(grant->targtype == ACL_TARGET_OBJECT && grant->objtype == OBJECT_SCHEMA))
				{
					foreach(lc, grant->objects)
						if (schema_holds(strVal(lfirst(lc)), guarded, n))
						*mark = true;
				}
				else if (grant->targtype == ACL_TARGET_OBJECT && grant->objtype == OBJECT_TABLE)
				{
					related = related_relations(guarded, n);
					foreach(lc, grant->objects)
						if (rangevar_in(lfirst(lc), related))
						*mark = true;
				}
				return *mark;
			}
		case T_RuleStmt:

			/*
			 * A rule is no object access event on the table, but on 15 an ON
			 * SELECT rule turns an empty table into a view.
			 */
			if (rangevar_in(((RuleStmt *) parsetree)->relation,
							related_relations(guarded, n)))
			{
				*mark = true;
				return true;
			}
			return false;
		default:
			return false;
	}
}

/*
 * Called by heads.c before each utility statement it sees: if the
 * statement may reach the version table, the head is read now, while it
 * is still the head the transaction found.
 */
void
mg_heads_guard_statement(Node *parsetree)
{
	int			n;
	const Oid  *guarded;
	bool		mark;

	guarded = mg_heads_guarded_relids(&n, true);
	if (n == 0 || !guard_active() ||
		!statement_reaches(parsetree, guarded, n, &mark))
		return;

	/*
	 * A statement that commits on its own (DETACH PARTITION ... CONCURRENTLY)
	 * cannot be judged at a commit it shares with nothing.
	 */
	if (mg_statement_needs_own_transaction(parsetree))
		ereport(ERROR,
				(errcode(ERRCODE_MG_HEAD_CONFIG),
				 errmsg("cannot change the migration table with a statement that commits on its own"),
				 errdetail("%s would change the migration table outside a transaction, where the migration head cannot be judged.",
						   CreateCommandName(parsetree)),
				 errhint("Run the change without CONCURRENTLY, in the migration's transaction.")));
	mg_heads_take_before_reading();
	if (mark)
		mg_heads_note_table_change();
}

/* ---------- the object access hook ---------- */

/*
 * The namespace of a catalog object, read with SnapshotSelf so that an
 * object created by the current command is seen.  InvalidOid if the object
 * does not exist (any more) or its catalog has no namespace column.
 */
static Oid
object_namespace(Oid classId, Oid objectId, bool *exists)
{
	AttrNumber	nspatt;
	Relation	rel;
	ScanKeyData key;
	SysScanDesc scan;
	HeapTuple	tup;
	Oid			nspid = InvalidOid;

	*exists = false;
	if (!is_objectclass_supported(classId))
		return InvalidOid;
	nspatt = get_object_attnum_namespace(classId);
	if (nspatt == InvalidAttrNumber)
		return InvalidOid;
	rel = table_open(classId, AccessShareLock);
	ScanKeyInit(&key, get_object_attnum_oid(classId), BTEqualStrategyNumber,
				F_OIDEQ, ObjectIdGetDatum(objectId));
	scan = systable_beginscan(rel, get_object_oid_index(classId), true,
							  SnapshotSelf, 1, &key);
	if (HeapTupleIsValid(tup = systable_getnext(scan)))
	{
		bool		isnull;
		Datum		d = heap_getattr(tup, nspatt, RelationGetDescr(rel), &isnull);

		*exists = true;
		if (!isnull)
			nspid = DatumGetObjectId(d);
	}
	systable_endscan(scan);
	table_close(rel, AccessShareLock);
	return nspid;
}

/*
 * Is this a schema object the freeze is about: one that exists, lives in
 * a schema, and not in a temporary one?  Objects without a schema
 * (triggers, policies, default privileges, large objects, roles) are
 * changed by statements the freeze judges itself, or are no schema.
 */
static bool
is_frozen_object(Oid classId, Oid objectId)
{
	bool		exists;
	Oid			nspid = object_namespace(classId, objectId, &exists);

	return exists && OidIsValid(nspid) && !isAnyTempNamespace(nspid);
}

static const char *
current_command_name(void)
{
	if (ActivePortal && ActivePortal->commandTag != CMDTAG_UNKNOWN)
		return GetCommandTagName(ActivePortal->commandTag);
	return MGH_("a statement");
}

/* The freeze's backstop: a schema object created or changed. */
static void
note_schema_object(ObjectAccessType access, Oid classId, Oid objectId,
				   bool internal)
{
	MemoryContext old;
	ObjectAddress *addr;

	if (internal || !freeze_undecided())
		return;
	if (access != OAT_POST_CREATE)
	{
		/* the object's row is visible: decide now */
		if (is_frozen_object(classId, objectId))
			mg_heads_note_schema_change(current_command_name());
		return;
	}
	if (!is_frozen_object(classId, objectId))
		return;
	if (list_length(pending_created) >= MAX_PENDING_CREATED)
	{
		pending_overflow = true;
		return;
	}
	old = MemoryContextSwitchTo(TopTransactionContext);
	addr = palloc(sizeof(ObjectAddress));
	addr->classId = classId;
	addr->objectId = objectId;
	addr->objectSubId = 0;
	pending_created = lappend(pending_created, addr);
	MemoryContextSwitchTo(old);
}

/*
 * At pre-commit: did the transaction keep a non-temporary object it
 * created by a path the statement checks did not see?
 */
bool
mg_heads_guard_created_objects(void)
{
	ListCell   *lc;

	if (pending_overflow)
		return true;
	foreach(lc, pending_created)
	{
		ObjectAddress *addr = lfirst(lc);

		if (is_frozen_object(addr->classId, addr->objectId))
			return true;
	}
	return false;
}

void
mg_heads_guard_reset(void)
{
	pending_created = NIL;		/* TopTransactionContext is gone */
	pending_overflow = false;
}

/* An event on the version table, one of its columns or its inheritance. */
static void
note_version_table_event(ObjectAccessType access, bool internal)
{
	if (!guard_active())
		return;
	if (!mg_heads_before_reading_taken())
	{
		/*
		 * CLUSTER and VACUUM FULL swap the table's storage (an internal
		 * event, in transactions of their own): the rows stay the same.
		 */
		if (internal)
			return;
		ereport(ERROR,
				(errcode(ERRCODE_MG_HEAD_CONFIG),
				 errmsg("cannot judge this change of the migration table"),
				 errdetail("%s changes the migration table by a path migration_guard did not foresee, so the migration head before the change was not read.",
						   current_command_name()),
				 errhint("Change the migration table with a statement that names it (ALTER TABLE, DROP TABLE, TRUNCATE) in the migration's transaction.")));
	}
	mg_heads_note_table_change();
}

void
mg_heads_guard_object_access(ObjectAccessType access, Oid classId,
							 Oid objectId, int subId, void *arg)
{
	bool		internal = false;
	int			n;
	const Oid  *guarded;

	if (access != OAT_POST_CREATE && access != OAT_POST_ALTER &&
		access != OAT_DROP && access != OAT_TRUNCATE)
		return;
	if (IsBinaryUpgrade || mg_check_simulating || mg_heads_own_query_running() ||
		!IsTransactionState())
		return;

	if (access == OAT_POST_CREATE && arg)
		internal = ((ObjectAccessPostCreate *) arg)->is_internal;
	else if (access == OAT_POST_ALTER && arg)
		internal = ((ObjectAccessPostAlter *) arg)->is_internal;
	else if (access == OAT_DROP && arg)
		internal = (((ObjectAccessDrop *) arg)->dropflags & PERFORM_DELETION_INTERNAL) != 0;

	guarded = mg_heads_guarded_relids(&n, false);
	if (n > 0 && classId == RelationRelationId && relid_in(objectId, guarded, n))
		note_version_table_event(access, internal);
	else if (n > 0 && classId == InheritsRelationId && access == OAT_POST_ALTER && arg &&
			 relid_in(((ObjectAccessPostAlter *) arg)->auxiliary_id, guarded, n))
	{
		/*
		 * Every backend must learn that the relations read with the table
		 * changed: a second child changes no pg_class row of the parent.
		 */
		CacheInvalidateRelcacheByRelid(((ObjectAccessPostAlter *) arg)->auxiliary_id);
		note_version_table_event(access, internal);
	}

	if (access != OAT_TRUNCATE && subId == 0)
		note_schema_object(access, classId, objectId, internal);
}
