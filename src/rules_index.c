/*-------------------------------------------------------------------------
 *
 * rules_index.c
 *	  Rules about index builds and drops: create_index, drop_index, reindex
 *	  and invalid_index.
 *
 *	  A plain CREATE INDEX holds a SHARE lock for the whole build, blocking
 *	  every write to the table; CONCURRENTLY trades a longer build for
 *	  never blocking writers.  A plain DROP INDEX takes ACCESS EXCLUSIVE on
 *	  the table as well as the index, and a plain REINDEX holds SHARE on the
 *	  table and ACCESS EXCLUSIVE on the index being rebuilt, which stops
 *	  every query that is planned on the table (the planner opens all of a
 *	  table's indexes).
 *
 * IDENTIFICATION
 *	  src/rules_index.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "compat.h"

#include "access/amapi.h"
#include "access/htup_details.h"
#include "access/reloptions.h"
#include "catalog/dependency.h"
#include "catalog/index.h"
#include "catalog/namespace.h"
#include "catalog/pg_class.h"
#include "catalog/pg_index.h"
#include "catalog/pg_inherits.h"
#include "catalog/pg_partitioned_table.h"
#include "commands/dbcommands.h"
#include "commands/defrem.h"
#include "commands/tablespace.h"
#include "miscadmin.h"
#include "optimizer/optimizer.h"
#include "parser/parse_utilcmd.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/syscache.h"

#include "applies.h"
#include "finding.h"
#include "relfacts.h"
#include "rellist.h"
#include "relopen.h"
#include "report.h"
#include "rules_index.h"
#include "statement.h"
#include "tablecensus.h"
#include "xact_state.h"

/* Relation kinds an index can be built on. */
static bool
relkind_has_indexes(char relkind)
{
	return relkind == RELKIND_RELATION || relkind == RELKIND_MATVIEW ||
		relkind == RELKIND_PARTITIONED_TABLE;
}

static bool
relkind_is_index(char relkind)
{
	return relkind == RELKIND_INDEX || relkind == RELKIND_PARTITIONED_INDEX;
}

/*
 * The relation that CREATE INDEX ... IF NOT EXISTS name would find already
 * there: indexes live in their table's schema.
 */
static Oid
existing_index_name(IndexStmt *stmt, Oid tableid)
{
	if (!stmt->if_not_exists || stmt->idxname == NULL)
		return InvalidOid;
	return get_relname_relid(stmt->idxname, get_rel_namespace(tableid));
}

/* pg_index.indisvalid, read from the syscache without locking the index. */
static bool
index_is_valid(Oid indexid)
{
	HeapTuple	tuple;
	bool		valid = true;

	tuple = SearchSysCache1(INDEXRELID, ObjectIdGetDatum(indexid));
	if (HeapTupleIsValid(tuple))
	{
		valid = ((Form_pg_index) GETSTRUCT(tuple))->indisvalid;
		ReleaseSysCache(tuple);
	}
	return valid;
}

/*
 * create_index: CREATE INDEX without CONCURRENTLY on an existing table.
 * CREATE INDEX ON ONLY a partitioned table builds nothing (it makes an
 * invalid parent index to attach partition indexes to), so it passes, and
 * so does a statement whose index name is taken: IF NOT EXISTS makes it a
 * no-op (invalid_index judges an INVALID leftover), otherwise PostgreSQL
 * refuses it.
 */
static void
check_create_index(MGStatement *st, IndexStmt *stmt, Oid relid)
{
	bool		partitioned;
	MGFinding	f = {0};

	if (stmt->concurrent)
		return;
	partitioned = get_rel_relkind(relid) == RELKIND_PARTITIONED_TABLE;
	if (partitioned && !stmt->relation->inh)
		return;
	if (stmt->idxname != NULL &&
		OidIsValid(get_relname_relid(stmt->idxname, get_rel_namespace(relid))))
		return;					/* IF NOT EXISTS skips; otherwise an error */
	if (!mg_rule_applies(MG_RULE_CREATE_INDEX, relid))
		return;

	f.rule = MG_RULE_CREATE_INDEX;
	f.relid = relid;
	f.lockmode = ShareLock;
	mg_finding_message(&f, "CREATE INDEX on table \"%s\" would block writes while the index is built",
					   get_rel_name(relid));
	mg_finding_detail(&f, "CREATE INDEX without CONCURRENTLY holds a SHARE lock, which blocks INSERT, UPDATE, DELETE and MERGE until the build finishes.");
	mg_finding_add_detail_text(&f, mg_rel_describe(relid));
	if (partitioned)
		mg_finding_hint(&f, "Build it without blocking: CREATE INDEX ... ON ONLY %s, then CREATE INDEX CONCURRENTLY on each partition and ALTER INDEX ... ATTACH PARTITION each one.",
						mg_rel_name(relid));
	else
		mg_finding_hint(&f, "Use CREATE INDEX CONCURRENTLY, outside a transaction block; if it fails, drop the INVALID index it leaves and run it again.");
	mg_report(&f);
}

/*
 * invalid_index: CREATE INDEX [CONCURRENTLY] IF NOT EXISTS name, when an
 * index of that name exists and is INVALID (typically left by a failed
 * CREATE INDEX CONCURRENTLY).  IF NOT EXISTS would skip, keeping an index
 * that is maintained on every write but never used by queries, and that a
 * UNIQUE index does not enforce for the rows it missed.  Not size-exempt:
 * the harm is a broken schema, not a long lock.
 *
 * A partitioned index created with ON ONLY is invalid by design until an
 * index is attached for every partition, so re-running that step of the
 * partition recipe passes.
 */
static void
check_invalid_index(MGStatement *st, IndexStmt *stmt, Oid relid)
{
	Oid			indexid = existing_index_name(stmt, relid);
	char		relkind;
	MGFinding	f = {0};
	char	   *idxname;

	if (!OidIsValid(indexid))
		return;
	relkind = get_rel_relkind(indexid);
	if (!relkind_is_index(relkind) || index_is_valid(indexid))
		return;
	if (relkind == RELKIND_PARTITIONED_INDEX && !stmt->relation->inh)
		return;
	if (!mg_rule_applies(MG_RULE_INVALID_INDEX, InvalidOid))
		return;

	idxname = mg_rel_name(indexid);
	f.rule = MG_RULE_INVALID_INDEX;
	f.relid = relid;
	f.lockmode = NoLock;
	mg_finding_message(&f, "CREATE INDEX IF NOT EXISTS would keep the INVALID index \"%s\"",
					   get_rel_name(indexid));
	if (relkind == RELKIND_PARTITIONED_INDEX)
	{
		mg_finding_detail(&f, "Index %s on table %s exists but is INVALID: some partitions have no index attached to it.  IF NOT EXISTS skips the statement, so the index stays unusable.",
						  idxname, mg_rel_name(IndexGetRelation(indexid, true)));
		mg_finding_hint(&f, "Create the missing partition indexes with CREATE INDEX CONCURRENTLY and attach each with ALTER INDEX %s ATTACH PARTITION ...; or DROP INDEX %s and create it again.",
						idxname, idxname);
	}
	else
	{
		if (stmt->unique)
			mg_finding_detail(&f, "Index %s on table %s exists but is INVALID, as a failed CREATE INDEX CONCURRENTLY leaves it: every write still maintains it, queries never use it, and it does not enforce uniqueness for the rows the failed build missed.  IF NOT EXISTS skips the statement, so the broken index would stay.",
							  idxname, mg_rel_name(IndexGetRelation(indexid, true)));
		else
			mg_finding_detail(&f, "Index %s on table %s exists but is INVALID, as a failed CREATE INDEX CONCURRENTLY leaves it: every write still maintains it, queries never use it.  IF NOT EXISTS skips the statement, so the broken index would stay.",
							  idxname, mg_rel_name(IndexGetRelation(indexid, true)));
		mg_finding_hint(&f, "Drop it and build it again: DROP INDEX CONCURRENTLY %s; then run this CREATE INDEX CONCURRENTLY again.  Or rebuild it in place: REINDEX INDEX CONCURRENTLY %s.",
						idxname, idxname);
	}
	mg_report(&f);
}

/* Every column an index element or list names exists (String names or IndexElems). */
static bool
index_elems_exist(Oid relid, List *elems)
{
	ListCell   *lc;

	foreach(lc, elems)
	{
		IndexElem  *elem = (IndexElem *) lfirst(lc);

		if (!IsA(elem, IndexElem))
			return false;
		if (elem->name != NULL)
		{
			AttrNumber	attnum = get_attnum(relid, elem->name);

			/*
			 * a system column, or one neither there nor added by check()'s
			 * script
			 */
			if (attnum < 0 ||
				(attnum == InvalidAttrNumber && !mg_xact_column_added(relid, elem->name)))
				return false;
		}
		if (elem->expr != NULL && !mg_expr_user_columns_exist(relid, elem->expr, NIL))
			return false;
	}
	return true;
}

/*
 * A unique index on a partitioned table must contain every partition key
 * column as a plain column, and no partition may be a foreign table.
 */
static bool
unique_index_allowed(IndexStmt *stmt, Oid relid)
{
	HeapTuple	tuple;
	Form_pg_partitioned_table form;
	bool		ok = true;
	ListCell   *lc;

	if (get_rel_relkind(relid) != RELKIND_PARTITIONED_TABLE)
		return true;
	tuple = SearchSysCache1(PARTRELID, ObjectIdGetDatum(relid));
	if (!HeapTupleIsValid(tuple))
		return false;
	form = (Form_pg_partitioned_table) GETSTRUCT(tuple);
	for (int i = 0; ok && i < form->partnatts; i++)
	{
		AttrNumber	attnum = form->partattrs.values[i];
		bool		found = false;

		foreach(lc, stmt->indexParams)
		{
			IndexElem  *elem = (IndexElem *) lfirst(lc);

			if (attnum > 0 && elem->name != NULL && get_attnum(relid, elem->name) == attnum)
				found = true;
		}
		ok = found;
	}
	ReleaseSysCache(tuple);
	foreach(lc, find_all_inheritors(relid, NoLock, NULL))
	{
		if (get_rel_relkind(lfirst_oid(lc)) == RELKIND_FOREIGN_TABLE)
			ok = false;
	}
	return ok;
}

/*
 * Is the transformed expression immutable, as an index requires?  Unlike
 * CheckMutability this does not plan the expression: planning folds
 * constants, which would run the table owner's functions here, as the
 * caller and outside DefineIndex's security-restricted context.
 */
static bool
index_expr_immutable(Node *expr)
{
	return expr == NULL || !contain_mutable_functions(expr);
}

/*
 * Do the index's expressions and predicate transform, with only immutable
 * functions?  transformIndexStmt is what ProcessUtility runs first on the
 * statement, so a bad expression raises PostgreSQL's own error here.  If
 * the table cannot be opened without waiting, assume they do.
 */
static bool
index_expressions_valid(MGStatement *st, IndexStmt *stmt, Oid relid)
{
	Relation	rel;
	IndexStmt  *transformed;
	bool		valid = true;
	bool		has_exprs = stmt->whereClause != NULL;
	ListCell   *lc;

	foreach(lc, stmt->indexParams)
	{
		if (((IndexElem *) lfirst(lc))->expr != NULL)
			has_exprs = true;
	}
	if (!has_exprs || stmt->transformed)
		return true;
	rel = mg_rel_open_nowait(relid);
	if (rel == NULL)
		return true;
	transformed = transformIndexStmt(relid, stmt, st->query_string);
	foreach(lc, transformed->indexParams)
		valid = valid && index_expr_immutable(((IndexElem *) lfirst(lc))->expr);
	valid = valid && index_expr_immutable(transformed->whereClause);
	mg_rel_close_nowait(rel);
	return valid;
}

/*
 * Would DefineIndex get as far as building?  Not on a system catalog, nor
 * with an unknown access method or tablespace or a missing column: then
 * PostgreSQL's own error must reach the user, not a rule's.
 */
static bool
index_stmt_is_valid(MGStatement *st, IndexStmt *stmt, Oid relid)
{
	Oid			amoid;
	IndexAmRoutine *am;
	ListCell   *lc;

	if (mg_rel_is_protected_catalog(relid))
		return false;
	if (!mg_caller_owns_relation(relid))
		return false;			/* PostgreSQL reports "must be owner" */
	amoid = get_index_am_oid(stmt->accessMethod ? stmt->accessMethod : DEFAULT_INDEX_TYPE, true);
	if (!OidIsValid(amoid))
		return false;
	/* What the access method cannot do (DefineIndex checks it first). */
	am = GetIndexAmRoutineByAmId(amoid, true);
	if (am == NULL ||
		(stmt->unique && !am->amcanunique) ||
		(list_length(stmt->indexParams) > 1 && !am->amcanmulticol) ||
		(stmt->indexIncludingParams != NIL && !am->amcaninclude))
		return false;
	/* Operator classes: named ones must exist, plain columns need a default. */
	foreach(lc, stmt->indexParams)
	{
		IndexElem  *elem = (IndexElem *) lfirst(lc);

		if (!IsA(elem, IndexElem))
			return false;
		if (elem->opclass != NIL)
		{
			if (!OidIsValid(get_opclass_oid(amoid, elem->opclass, true)))
				return false;
		}
		else if (elem->name != NULL && elem->expr == NULL)
		{
			Oid			typid = get_atttype(relid, get_attnum(relid, elem->name));

			if (OidIsValid(typid) && !OidIsValid(GetDefaultOpClass(typid, amoid)))
				return false;
		}
		/* COLLATE on a column of a type without collations */
		if (elem->collation != NIL && elem->name != NULL && elem->expr == NULL)
		{
			Oid			typid = get_atttype(relid, get_attnum(relid, elem->name));

			if (OidIsValid(typid) && !type_is_collatable(typid))
				return false;
		}
	}

	/*
	 * Storage parameters: validated as DefineIndex does, so that a bad one
	 * raises PostgreSQL's own error.
	 */
	if (stmt->options != NIL)
		(void) index_reloptions(am->amoptions,
								transformRelOptions((Datum) 0, stmt->options,
													NULL, NULL, false, false),
								true);
	if (stmt->tableSpace != NULL && !OidIsValid(get_tablespace_oid(stmt->tableSpace, true)))
		return false;
	if (!index_elems_exist(relid, stmt->indexParams) ||
		!index_elems_exist(relid, stmt->indexIncludingParams))
		return false;
	if (stmt->whereClause != NULL &&
		!mg_expr_user_columns_exist(relid, stmt->whereClause, NIL))
		return false;
	if (stmt->unique && !unique_index_allowed(stmt, relid))
		return false;
	return index_expressions_valid(st, stmt, relid);
}

void
mg_check_index_stmt(MGStatement *st, IndexStmt *stmt)
{
	Oid			relid;

	relid = RangeVarGetRelid(stmt->relation, NoLock, true);
	if (!OidIsValid(relid) || !relkind_has_indexes(get_rel_relkind(relid)))
		return;					/* PostgreSQL reports the problem */
	if (!index_stmt_is_valid(st, stmt, relid))
		return;
	check_invalid_index(st, stmt, relid);
	check_create_index(st, stmt, relid);
}

/* ---------- drop_index ---------- */

/*
 * drop_index: DROP INDEX without CONCURRENTLY locks the index's table
 * ACCESS EXCLUSIVE (RangeVarCallbackForDropRelation), so it first waits for
 * every transaction that touched the table and then stops every query of
 * it until the transaction commits.  An INVALID index is no exception: the
 * lock is the same, so it is judged the same.
 */
static void
check_drop_one_index(MGStatement *st, DropStmt *stmt, List *names)
{
	RangeVar   *rv = makeRangeVarFromNameList(names);
	Oid			indexid;
	Oid			tableid;
	Oid			constraintid;
	char		relkind;
	bool		valid;
	char	   *idxname;
	MGFinding	f = {0};

	indexid = RangeVarGetRelid(rv, NoLock, true);
	if (!OidIsValid(indexid))
		return;					/* IF EXISTS of a missing index, or an error */
	relkind = get_rel_relkind(indexid);
	if (!relkind_is_index(relkind))
		return;					/* PostgreSQL reports "is not an index" */
	tableid = IndexGetRelation(indexid, true);
	if (!OidIsValid(tableid))
		return;
	constraintid = get_index_constraint(indexid);
	if (stmt->behavior != DROP_CASCADE && OidIsValid(constraintid))
		return;					/* PostgreSQL refuses: a constraint needs it */
	if (!mg_rule_applies(MG_RULE_DROP_INDEX, tableid))
		return;

	valid = index_is_valid(indexid);
	idxname = mg_rel_name(indexid);
	f.rule = MG_RULE_DROP_INDEX;
	f.relid = tableid;
	f.lockmode = AccessExclusiveLock;
	mg_finding_message(&f, "DROP INDEX \"%s\" would block all reads and writes of table \"%s\"",
					   get_rel_name(indexid), get_rel_name(tableid));
	if (valid)
		mg_finding_detail(&f, "DROP INDEX without CONCURRENTLY takes an ACCESS EXCLUSIVE lock on the table as well as on the index: it waits for every transaction using the table to finish, and every query of the table waits behind it until this transaction commits.");
	else
		mg_finding_detail(&f, "DROP INDEX without CONCURRENTLY takes an ACCESS EXCLUSIVE lock on the table as well as on the INVALID index: it waits for every transaction using the table to finish, and every query of the table waits behind it until this transaction commits.");
	mg_finding_add_detail_text(&f, mg_rel_describe(tableid));
	if (OidIsValid(constraintid))
		mg_finding_hint(&f, "DROP INDEX CONCURRENTLY cannot drop an index that a constraint needs: drop the constraint instead, ALTER TABLE %s DROP CONSTRAINT %s, alone in its transaction with a short lock_timeout, after checking what else CASCADE would drop.",
						mg_rel_name(tableid), quote_identifier(get_constraint_name(constraintid)));
	else if (relkind == RELKIND_PARTITIONED_INDEX)
		mg_finding_hint(&f, "DROP INDEX CONCURRENTLY does not support partitioned indexes: run DROP INDEX %s alone in its transaction, with a short lock_timeout, at a quiet time.",
						idxname);
	else if (valid)
		mg_finding_hint(&f, "Use DROP INDEX CONCURRENTLY %s, outside a transaction block and one index per statement.",
						idxname);
	else
		mg_finding_hint(&f, "Use DROP INDEX CONCURRENTLY %s, outside a transaction block and one index per statement; it removes INVALID indexes too.",
						idxname);
	mg_report(&f);
}

void
mg_check_drop_index(MGStatement *st, DropStmt *stmt)
{
	ListCell   *lc;

	if (stmt->removeType != OBJECT_INDEX || stmt->concurrent)
		return;
	foreach(lc, stmt->objects)
		check_drop_one_index(st, stmt, (List *) lfirst(lc));
}

/* ---------- reindex ---------- */

/*
 * Are REINDEX's options ones PostgreSQL knows, with an existing
 * tablespace?  It refuses the statement otherwise.
 */
static bool
reindex_params_valid(ReindexStmt *stmt)
{
	ListCell   *lc;

	foreach(lc, stmt->params)
	{
		DefElem    *opt = (DefElem *) lfirst(lc);

		if (strcmp(opt->defname, "tablespace") == 0)
		{
			if (opt->arg == NULL || !IsA(opt->arg, String) ||
				!OidIsValid(get_tablespace_oid(strVal(opt->arg), true)))
				return false;
		}
		else if (strcmp(opt->defname, "verbose") != 0 &&
				 strcmp(opt->defname, "concurrently") != 0)
			return false;
	}
	return true;
}

/* REINDEX (CONCURRENTLY [boolean]) ... */
static bool
reindex_is_concurrent(ReindexStmt *stmt)
{
	ListCell   *lc;
	bool		concurrent = false;

	foreach(lc, stmt->params)
	{
		DefElem    *opt = (DefElem *) lfirst(lc);

		if (strcmp(opt->defname, "concurrently") == 0)
			concurrent = defGetBoolean(opt);
	}
	return concurrent;
}

/*
 * Does REINDEX TABLE have anything to rebuild: an index of the table, or
 * of its TOAST table?  Partitioned tables are left to their partitions.
 */
static bool
table_has_indexes_to_rebuild(Oid relid)
{
	FormData_pg_class row;

	if (!mg_rel_class_row(relid, &row) || row.relkind == RELKIND_PARTITIONED_TABLE)
		return true;
	return row.relhasindex || OidIsValid(row.reltoastrelid);
}

static void
check_reindex_relation(MGStatement *st, ReindexStmt *stmt)
{
	Oid			relid;
	Oid			tableid;
	char		relkind;
	bool		is_index = stmt->kind == REINDEX_OBJECT_INDEX;
	MGFinding	f = {0};

	relid = RangeVarGetRelid(stmt->relation, NoLock, true);
	if (!OidIsValid(relid))
		return;
	relkind = get_rel_relkind(relid);
	if (is_index)
	{
		if (!relkind_is_index(relkind))
			return;
		tableid = IndexGetRelation(relid, true);
		if (!OidIsValid(tableid))
			return;
	}
	else
	{
		if (relkind != RELKIND_RELATION && relkind != RELKIND_MATVIEW &&
			relkind != RELKIND_PARTITIONED_TABLE)
			return;
		if (!table_has_indexes_to_rebuild(relid))
			return;				/* nothing is rebuilt; the lock is momentary */
		tableid = relid;
	}
	if (!mg_rule_applies(MG_RULE_REINDEX, tableid))
		return;

	f.rule = MG_RULE_REINDEX;
	f.relid = tableid;
	f.lockmode = ShareLock;
	if (is_index)
	{
		mg_finding_message(&f, "REINDEX of index \"%s\" would block writes to table \"%s\" and queries planned on it",
						   get_rel_name(relid), get_rel_name(tableid));
		mg_finding_detail(&f, "REINDEX without CONCURRENTLY holds a SHARE lock on the table, which blocks INSERT, UPDATE, DELETE and MERGE, and an ACCESS EXCLUSIVE lock on the index, which blocks every query whose planning opens it, until the rebuild finishes.");
		mg_finding_add_detail_text(&f, mg_rel_describe(tableid));
		mg_finding_hint(&f, "Use REINDEX INDEX CONCURRENTLY %s, outside a transaction block.",
						mg_rel_name(relid));
	}
	else
	{
		mg_finding_message(&f, "REINDEX TABLE \"%s\" would block writes to the table and queries planned on it",
						   get_rel_name(relid));
		mg_finding_detail(&f, "REINDEX without CONCURRENTLY holds a SHARE lock on the table, which blocks INSERT, UPDATE, DELETE and MERGE, and takes an ACCESS EXCLUSIVE lock on each index as it is rebuilt, which blocks every query planned on the table, until the transaction ends.");
		mg_finding_add_detail_text(&f, mg_rel_describe(tableid));
		mg_finding_hint(&f, "Use REINDEX TABLE CONCURRENTLY %s, outside a transaction block.",
						mg_rel_name(relid));
	}
	mg_report(&f);
}

/*
 * REINDEX SCHEMA and REINDEX DATABASE rebuild the indexes of every table in
 * turn, each in its own transaction: each table is blocked only while its
 * own indexes are rebuilt, but every large one is blocked.  The finding
 * lists the tables at or above the threshold; none means nothing to judge.
 */
static void
check_reindex_multiple(MGStatement *st, ReindexStmt *stmt)
{
	bool		is_schema = stmt->kind == REINDEX_OBJECT_SCHEMA;
	Oid			nspid = InvalidOid;
	List	   *tables;
	Oid			largest;
	MGFinding	f = {0};

	if (!mg_rule_applies(MG_RULE_REINDEX, InvalidOid))
		return;
	if (is_schema)
	{
		nspid = get_namespace_oid(stmt->name, true);
		if (!OidIsValid(nspid))
			return;
	}
	else
	{
		if (stmt->name != NULL &&
			strcmp(stmt->name, get_database_name(MyDatabaseId)) != 0)
			return;				/* PostgreSQL refuses other databases */
	}

	tables = mg_maintained_tables(nspid, is_schema || COMPAT_REINDEX_DATABASE_INCLUDES_CATALOGS,
								  mg_rel_exempt_from_size_rules, &largest);
	if (tables == NIL)
		return;

	f.rule = MG_RULE_REINDEX;
	f.relid = largest;
	f.lockmode = ShareLock;
	if (is_schema)
		mg_finding_message_plural(&f, "REINDEX SCHEMA %s would block writes to %d large table, one at a time, while its indexes are rebuilt",
								  "REINDEX SCHEMA %s would block writes to %d large tables, one at a time, while their indexes are rebuilt",
								  list_length(tables),
								  quote_identifier(stmt->name), list_length(tables));
	else
		mg_finding_message_plural(&f, "REINDEX DATABASE would block writes to %d large table, one at a time, while its indexes are rebuilt",
								  "REINDEX DATABASE would block writes to %d large tables, one at a time, while their indexes are rebuilt",
								  list_length(tables),
								  list_length(tables));
	mg_finding_detail(&f, "Without CONCURRENTLY, each table is held under a SHARE lock, which blocks INSERT, UPDATE, DELETE and MERGE, with ACCESS EXCLUSIVE on its indexes, which blocks queries planned on it, until its indexes are rebuilt.  At or above \"migration_guard.small_table_threshold\": %s.  The largest: %s",
					  mg_rel_list_text(tables, 5), mg_rel_describe(largest));
	if (is_schema)
		mg_finding_hint(&f, "Use REINDEX SCHEMA CONCURRENTLY %s, or REINDEX TABLE CONCURRENTLY on the large tables one at a time, outside a transaction block.",
						quote_identifier(stmt->name));
	else
		mg_finding_hint(&f, "Use REINDEX DATABASE CONCURRENTLY (it skips the system catalogs), or REINDEX TABLE CONCURRENTLY on the large tables one at a time, outside a transaction block.");
	mg_report(&f);
}

/*
 * reindex: REINDEX TABLE, INDEX, SCHEMA or DATABASE without CONCURRENTLY.
 * REINDEX SYSTEM cannot run concurrently at all, so there is no safer form
 * to point to and it passes.
 */
void
mg_check_reindex_stmt(MGStatement *st, ReindexStmt *stmt)
{
	if (!reindex_params_valid(stmt))
		return;					/* PostgreSQL reports the option */
	if (reindex_is_concurrent(stmt))
		return;
	switch (stmt->kind)
	{
		case REINDEX_OBJECT_INDEX:
		case REINDEX_OBJECT_TABLE:
			check_reindex_relation(st, stmt);
			break;
		case REINDEX_OBJECT_SCHEMA:
		case REINDEX_OBJECT_DATABASE:
			check_reindex_multiple(st, stmt);
			break;
		case REINDEX_OBJECT_SYSTEM:
			break;
	}
}
