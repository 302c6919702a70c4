/*-------------------------------------------------------------------------
 *
 * relfacts.c
 *	  Relation facts for the rules: whether a relation was created in this
 *	  transaction, its size and estimated rows, and its printable name.
 *
 *	  The hook runs before the statement takes its own lock, so nothing here
 *	  may wait in a lock queue or take a lock the statement would later
 *	  upgrade: that is exactly the outage the guard exists to prevent.
 *
 * IDENTIFICATION
 *	  src/relfacts.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "compat.h"

#include "access/genam.h"
#include "access/htup_details.h"
#include "access/relation.h"
#include "access/table.h"
#include "access/xact.h"
#include "catalog/catalog.h"
#include "catalog/indexing.h"
#include "catalog/objectaddress.h"
#include "catalog/pg_class.h"
#include "catalog/pg_constraint.h"
#include "catalog/pg_depend.h"
#include "catalog/pg_index.h"
#include "catalog/pg_inherits.h"
#include "catalog/pg_type.h"
#include "miscadmin.h"
#include "nodes/makefuncs.h"
#include "nodes/nodeFuncs.h"
#include "optimizer/optimizer.h"
#include "storage/bufmgr.h"
#include "storage/lmgr.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/fmgroids.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/relcache.h"
#include "utils/syscache.h"

#include "check_facts.h"
#include "relfacts.h"
#include "words.h"
#include "xact_state.h"
#include "lockinfo.h"

/*
 * A copy of the relation's pg_class row (its fixed-size columns), or false
 * for a relation dropped meanwhile: the hook runs before the statement
 * locks anything, so that can happen, and lsyscache's get_rel_* functions
 * would raise "cache lookup failed".
 */
bool
mg_rel_class_row(Oid relid, FormData_pg_class *row)
{
	HeapTuple	tuple = SearchSysCache1(RELOID, ObjectIdGetDatum(relid));

	if (!HeapTupleIsValid(tuple))
		return false;
	memcpy(row, GETSTRUCT(tuple), CLASS_TUPLE_SIZE);
	ReleaseSysCache(tuple);
	return true;
}

/* pg_class.relpersistence, or '\0' for a relation dropped meanwhile. */
char
mg_rel_persistence(Oid relid)
{
	FormData_pg_class row;

	return mg_rel_class_row(relid, &row) ? row.relpersistence : '\0';
}

/*
 * Is the relation private to us: created by this transaction, or temporary?
 * Either way no other session can see it, so nothing we do to it can block
 * or break anyone else.
 *
 * A relation created by this transaction is ACCESS EXCLUSIVE locked by us
 * until commit (DefineRelation takes that lock), so holding the lock is a
 * cheap pre-test that also makes reading the relcache entry safe.
 */
bool
mg_rel_created_in_xact(Oid relid)
{
	/* check(): created by a transaction of the script that has committed */
	if (mg_script_created_earlier(RelationRelationId, relid))
		return false;
	return mg_rel_created_in_real_xact(relid);
}

/*
 * The same, from the catalog alone: created by the real transaction (or
 * temporary), whichever transaction of check()'s model created it.
 */
bool
mg_rel_created_in_real_xact(Oid relid)
{
	Relation	rel;
	bool		created;

	if (mg_rel_persistence(relid) == RELPERSISTENCE_TEMP)
		return true;
	if (!mg_lock_held_by_me(relid, AccessExclusiveLock))
		return false;
	rel = RelationIdGetRelation(relid);
	if (!RelationIsValid(rel))
		return false;
	created = rel->rd_createSubid != InvalidSubTransactionId;
	RelationClose(rel);
	return created;
}

/*
 * Bytes of a relation's main fork, the data a scan or rewrite reads; the
 * caller holds a lock on it.  The free space and visibility maps are left
 * out: they are not read by a scan, and whether and when they exist differs
 * between PostgreSQL versions (16 extends relations in bulk and records the
 * extra pages in the free space map).
 */
static int64
relation_bytes(Relation rel)
{
	if (!RELKIND_HAS_STORAGE(rel->rd_rel->relkind))
		return 0;
	return (int64) RelationGetNumberOfBlocks(rel) * BLCKSZ;
}

/*
 * The table's size on disk, heap and TOAST, without indexes: what a scan
 * or a rewrite has to read.
 *
 * Reading the size needs the relation open, hence a lock.  We only try for
 * ACCESS SHARE without waiting and release it at once: if anybody holds or
 * awaits a conflicting lock we would otherwise queue behind them, and
 * keeping the lock would make the statement's own lock an upgrade.  When
 * the lock is not free the size is unknown and the caller must assume the
 * table is large.
 */
bool
mg_rel_size(Oid relid, int64 *bytes)
{
	Relation	rel;
	Oid			toastrelid;
	char		relkind = get_rel_relkind(relid);

	/*
	 * A partitioned table has no storage of its own: what its DDL builds or
	 * scans is its partitions.  pg_inherits is read without locking them.
	 */
	if (relkind == RELKIND_PARTITIONED_TABLE || relkind == RELKIND_PARTITIONED_INDEX)
	{
		List	   *parts = find_all_inheritors(relid, NoLock, NULL);
		ListCell   *lc;

		*bytes = 0;
		foreach(lc, parts)
		{
			Oid			part = lfirst_oid(lc);
			int64		part_bytes;

			if (part == relid)
				continue;
			if (!mg_rel_size(part, &part_bytes))
				return false;
			*bytes += part_bytes;
		}
		return true;
	}

	if (!ConditionalLockRelationOid(relid, AccessShareLock))
		return false;
	rel = try_relation_open(relid, NoLock);
	if (rel == NULL)
	{
		UnlockRelationOid(relid, AccessShareLock);
		return false;
	}
	*bytes = relation_bytes(rel);
	toastrelid = rel->rd_rel->reltoastrelid;
	relation_close(rel, NoLock);
	UnlockRelationOid(relid, AccessShareLock);

	if (OidIsValid(toastrelid) && ConditionalLockRelationOid(toastrelid, AccessShareLock))
	{
		Relation	toast = try_relation_open(toastrelid, NoLock);

		if (toast != NULL)
		{
			*bytes += relation_bytes(toast);
			relation_close(toast, NoLock);
		}
		UnlockRelationOid(toastrelid, AccessShareLock);
	}
	return true;
}

/*
 * pg_class.reltuples: the planner's estimate; when the table has none (never
 * vacuumed or analyzed, or rewritten on 18+), estimated from its pages as the
 * planner would (relestimate.c).  A partitioned table keeps none of its own:
 * its partitions' estimates add up.  -1 if none is to be had.
 */
double
mg_rel_estimated_rows(Oid relid)
{
	FormData_pg_class row;

	if (!mg_rel_class_row(relid, &row))
		return -1;
	if (row.relkind == RELKIND_PARTITIONED_TABLE)
	{
		double		sum = -1;
		ListCell   *lc;

		foreach(lc, find_all_inheritors(relid, NoLock, NULL))
		{
			FormData_pg_class part;
			double		rows;

			if (lfirst_oid(lc) == relid || !mg_rel_class_row(lfirst_oid(lc), &part) ||
				part.relkind == RELKIND_PARTITIONED_TABLE)
				continue;
			rows = part.reltuples >= 0 ? part.reltuples :
				mg_rel_rows_from_pages(lfirst_oid(lc));
			if (rows >= 0)
				sum = (sum < 0 ? 0 : sum) + rows;
		}
		return sum;
	}
	if (row.reltuples >= 0)
		return row.reltuples;
	return mg_rel_rows_from_pages(relid);
}

/*
 * Relations that queries of the running release name: tables, views,
 * materialized views and foreign tables.  Not indexes, sequences or
 * composite types, whose names and columns no query reads rows through.
 */
bool
mg_relkind_queried_by_name(char relkind)
{
	switch (relkind)
	{
		case RELKIND_RELATION:
		case RELKIND_PARTITIONED_TABLE:
		case RELKIND_VIEW:
		case RELKIND_MATVIEW:
		case RELKIND_FOREIGN_TABLE:
			return true;
		default:
			return false;
	}
}

/* "table", "view", ... for messages: the kinds queries name, others as tables */
const char *
mg_relkind_noun(char relkind)
{
	return mg_relkind_word(mg_relkind_queried_by_name(relkind) ? relkind : RELKIND_RELATION);
}

/* Schema-qualified, quoted name of a relation. */
char *
mg_rel_name(Oid relid)
{
	char	   *relname = get_rel_name(relid);
	char	   *nspname = get_namespace_name(get_rel_namespace(relid));

	if (relname == NULL || nspname == NULL)
		return psprintf("%u", relid);
	return quote_qualified_identifier(nspname, relname);
}

/*
 * For errdetail: "Table public.orders is 1234 MB with about 12000000
 * rows.", one translated sentence (callers add it with
 * mg_finding_add_detail_text).
 */
char *
mg_rel_describe(Oid relid)
{
	int64		bytes;
	double		rows = mg_rel_estimated_rows(relid);
	char	   *size;

	if (!mg_rel_size(relid, &bytes))
	{
		if (rows >= 0)
			return psprintf(dgettext(TEXTDOMAIN, "Table %s has about %.0f rows; its size could not be read without waiting for a lock."),
							mg_rel_name(relid), rows);
		return psprintf(dgettext(TEXTDOMAIN, "Table %s has no row estimate; its size could not be read without waiting for a lock."),
						mg_rel_name(relid));
	}
	size = text_to_cstring(DatumGetTextPP(DirectFunctionCall1(pg_size_pretty,
															  Int64GetDatum(bytes))));
	if (rows >= 0)
		return psprintf(dgettext(TEXTDOMAIN, "Table %s is %s with about %.0f rows."),
						mg_rel_name(relid), size, rows);
	return psprintf(dgettext(TEXTDOMAIN, "Table %s is %s with no row estimate."),
					mg_rel_name(relid), size);
}

static bool
is_user_function(Oid funcid, void *context)
{
	return funcid >= FirstNormalObjectId;
}

/*
 * Do the relation's validated CHECK constraints prove that the column holds
 * no NULLs?  The same proof PostgreSQL makes before SET NOT NULL
 * (NotNullImpliedByRelConstraints, PostgreSQL 12+): when it succeeds, SET
 * NOT NULL skips its full-table scan.
 */
bool
mg_rel_not_null_proven(Relation rel, AttrNumber attnum)
{
	TupleDesc	desc = RelationGetDescr(rel);
	TupleConstr *constr = desc->constr;
	Form_pg_attribute attr;
	NullTest   *ntest;
	List	   *checks = NIL;
	List	   *known = NIL;
	ListCell   *lc;

	if (attnum <= 0 || attnum > desc->natts)
		return false;
	attr = TupleDescAttr(desc, attnum - 1);

	ntest = makeNode(NullTest);
	ntest->arg = (Expr *) makeVar(1, attnum, attr->atttypid, attr->atttypmod,
								  attr->attcollation, 0);
	ntest->nulltesttype = IS_NOT_NULL;
	ntest->argisrow = false;
	ntest->location = -1;

	/* A NOT VALID constraint proves nothing about existing rows. */
	for (int i = 0; constr != NULL && i < constr->num_check; i++)
	{
		if (constr->check[i].ccvalid)
			checks = lappend(checks, stringToNode(constr->check[i].ccbin));
	}
	/* check(): CHECK constraints the script validated without running */
	checks = list_concat(checks, mg_script_validated_checks(rel));

	foreach(lc, checks)
	{
		Node	   *cexpr = lfirst(lc);

		/*
		 * Constant folding runs IMMUTABLE functions: never the table owner's,
		 * as whoever runs the statement (docs/security-review.md).
		 */
		if (check_functions_in_node(cexpr, is_user_function, NULL))
			continue;
		cexpr = eval_const_expressions(NULL, cexpr);
		cexpr = (Node *) canonicalize_qual((Expr *) cexpr, true);
		known = list_concat(known, make_ands_implicit((Expr *) cexpr));
	}
	if (known == NIL)
		return false;
	/* Weak implication: CHECK constraints are known not-false. */
	return predicate_implied_by(list_make1(ntest), known, true);
}

/*
 * The objects that depend on a type, from pg_depend, in its order: the
 * types built on it (arrays, domains, ranges, composite types) and the
 * columns that store it, each an ObjectAddress.  Read by the rules and
 * lock plans that follow a type to the tables storing it.
 */
List *
mg_type_dependents(Oid typid)
{
	Relation	depRel;
	ScanKeyData key[2];
	SysScanDesc scan;
	HeapTuple	tuple;
	List	   *result = NIL;

	depRel = table_open(DependRelationId, AccessShareLock);
	ScanKeyInit(&key[0], Anum_pg_depend_refclassid, BTEqualStrategyNumber,
				F_OIDEQ, ObjectIdGetDatum(TypeRelationId));
	ScanKeyInit(&key[1], Anum_pg_depend_refobjid, BTEqualStrategyNumber,
				F_OIDEQ, ObjectIdGetDatum(typid));
	scan = systable_beginscan(depRel, DependReferenceIndexId, true, NULL, 2, key);
	while (HeapTupleIsValid(tuple = systable_getnext(scan)))
	{
		Form_pg_depend dep = (Form_pg_depend) GETSTRUCT(tuple);
		ObjectAddress *addr = palloc(sizeof(ObjectAddress));

		ObjectAddressSubSet(*addr, dep->classid, dep->objid, dep->objsubid);
		result = lappend(result, addr);
	}
	systable_endscan(scan);
	table_close(depRel, AccessShareLock);
	return result;
}

/*
 * Is there a valid, non-partial index on the relation whose leading key
 * columns are exactly the given columns, in any order?  That is the index a
 * foreign key's referencing side needs, so that a DELETE or UPDATE of the
 * referenced row does not scan the table.  Reads pg_index only.
 */
bool
mg_rel_has_index_leading(Oid relid, const int16 *attnums, int natts)
{
	Relation	pg_index;
	SysScanDesc scan;
	ScanKeyData key;
	HeapTuple	tuple;
	bool		found = false;

	pg_index = table_open(IndexRelationId, AccessShareLock);
	ScanKeyInit(&key, Anum_pg_index_indrelid, BTEqualStrategyNumber,
				F_OIDEQ, ObjectIdGetDatum(relid));
	scan = systable_beginscan(pg_index, IndexIndrelidIndexId, true, NULL, 1, &key);
	while (!found && HeapTupleIsValid(tuple = systable_getnext(scan)))
	{
		Form_pg_index index = (Form_pg_index) GETSTRUCT(tuple);
		bool		covers = true;

		if (!index->indisvalid || index->indnkeyatts < natts ||
			!heap_attisnull(tuple, Anum_pg_index_indpred, NULL))
			continue;
		for (int i = 0; i < natts && covers; i++)
		{
			bool		present = false;

			for (int j = 0; j < natts; j++)
			{
				if (index->indkey.values[j] == attnums[i])
					present = true;
			}
			covers = present;
		}
		found = covers;
	}
	systable_endscan(scan);
	table_close(pg_index, AccessShareLock);
	return found;
}

/*
 * Was the constraint created (or last changed) by this transaction?  Its
 * pg_constraint row was then written by us, and the strong lock that
 * statement took is still held.
 */
bool
mg_constraint_created_in_xact(Oid conoid)
{
	HeapTuple	tuple;
	bool		ours = false;

	/* check(): created by a transaction of the script that has committed */
	if (mg_script_created_earlier(ConstraintRelationId, conoid))
		return false;
	tuple = SearchSysCache1(CONSTROID, ObjectIdGetDatum(conoid));
	if (HeapTupleIsValid(tuple))
	{
		ours = TransactionIdIsCurrentTransactionId(HeapTupleHeaderGetXmin(tuple->t_data));
		ReleaseSysCache(tuple);
	}
	return ours;
}

/*
 * Is the column NOT NULL with nothing left to validate?  From PostgreSQL 18
 * on, attnotnull is also set by a NOT VALID not-null constraint; then
 * *invalid_conoid is set to that constraint (else InvalidOid).
 */
bool
mg_column_not_null_validated(Oid relid, AttrNumber attnum, Oid *invalid_conoid)
{
	HeapTuple	tuple;
	bool		notnull = false;

	*invalid_conoid = InvalidOid;
	tuple = SearchSysCache2(ATTNUM, ObjectIdGetDatum(relid), Int16GetDatum(attnum));
	if (HeapTupleIsValid(tuple))
	{
		notnull = ((Form_pg_attribute) GETSTRUCT(tuple))->attnotnull;
		ReleaseSysCache(tuple);
	}
#ifdef MG_HAVE_NOT_NULL_NOT_VALID
	if (notnull)
	{
		HeapTuple	contup = findNotNullConstraintAttnum(relid, attnum);

		if (HeapTupleIsValid(contup))
		{
			Form_pg_constraint con = (Form_pg_constraint) GETSTRUCT(contup);

			if (!con->convalidated)
			{
				*invalid_conoid = con->oid;
				notnull = false;
			}
			heap_freetuple(contup);
		}
	}
#endif
	return notnull;
}

/* ---------------------------------------------------------------------
 * Does the statement name things that exist?  A rule judges only
 * statements PostgreSQL would run: on a bad statement (a missing column, a
 * system catalog) PostgreSQL's own error must reach the user, not ours.
 * ---------------------------------------------------------------------
 */

/*
 * A system catalog (or TOAST table) that ALTER TABLE, CREATE INDEX and
 * TRUNCATE refuse without allow_system_table_mods.  A missing relation
 * counts as protected: there is nothing to judge.
 */
bool
mg_rel_is_protected_catalog(Oid relid)
{
	HeapTuple	tuple;
	bool		result;

	tuple = SearchSysCache1(RELOID, ObjectIdGetDatum(relid));
	if (!HeapTupleIsValid(tuple))
		return true;
	result = !allowSystemTableMods &&
		IsSystemClass(relid, (Form_pg_class) GETSTRUCT(tuple));
	ReleaseSysCache(tuple);
	return result;
}

/*
 * Does the current user own the relation, as ALTER TABLE and CREATE INDEX
 * require?  If not, PostgreSQL's "must be owner" is the error to see (in
 * check() as well: it runs the script with the caller's privileges).
 */
bool
mg_caller_owns_relation(Oid relid)
{
	return compat_rel_ownercheck(relid, GetUserId());
}

/* Is the name a column of the relation (system columns included) or one of extra? */
bool
mg_column_exists(Oid relid, const char *colname, List *extra)
{
	ListCell   *lc;

	if (colname == NULL)
		return false;
	if (get_attnum(relid, colname) != InvalidAttrNumber)
		return true;
	/* added by an earlier statement of a script check() judges */
	if (mg_xact_column_added(relid, colname))
		return true;
	foreach(lc, extra)
	{
		if (strcmp(strVal(lfirst(lc)), colname) == 0)
			return true;
	}
	return false;
}

/* Every name of a list of String nodes is a column (or one of extra). */
bool
mg_columns_exist(Oid relid, List *names, List *extra)
{
	ListCell   *lc;

	foreach(lc, names)
	{
		if (!IsA(lfirst(lc), String) ||
			!mg_column_exists(relid, strVal(lfirst(lc)), extra))
			return false;
	}
	return true;
}

typedef struct ColumnRefCheck
{
	Oid			relid;
	List	   *extra;
	bool		user_only;		/* system columns count as missing */
	bool		ok;
} ColumnRefCheck;

static bool
column_refs_exist_walker(Node *node, void *context)
{
	ColumnRefCheck *check = (ColumnRefCheck *) context;

	if (node == NULL || !check->ok)
		return false;
	/* No subquery is allowed where these expressions are used. */
	if (IsA(node, SubLink))
	{
		check->ok = false;
		return false;
	}
	if (IsA(node, ColumnRef))
	{
		ColumnRef  *ref = (ColumnRef *) node;
		Node	   *last = llast(ref->fields);

		/*
		 * col or table.col; anything longer, or a whole-row reference, we do
		 * not try to resolve.
		 */
		if (list_length(ref->fields) > 2 || !IsA(last, String) ||
			!mg_column_exists(check->relid, strVal(last), check->extra) ||
			(check->user_only && get_attnum(check->relid, strVal(last)) < 0))
			check->ok = false;
		return false;
	}
	return raw_expression_tree_walker(node, column_refs_exist_walker, context);
}

/*
 * Does every column reference of a raw (untransformed) expression name a
 * column of the relation, or one of extra (columns the same statement
 * adds)?  A reference we cannot resolve counts as missing, and so does a
 * subquery: CHECK constraints, index expressions and predicates,
 * generation expressions and domain checks may not contain one.
 */
bool
mg_expr_columns_exist(Oid relid, Node *raw_expr, List *extra)
{
	ColumnRefCheck check;

	check.relid = relid;
	check.extra = extra;
	check.user_only = false;
	check.ok = true;
	(void) column_refs_exist_walker(raw_expr, &check);
	return check.ok;
}

/*
 * The same, but a system column (ctid, xmin, ...) counts as missing: an
 * index may not use one ("index creation on system columns is not
 * supported").
 */
bool
mg_expr_user_columns_exist(Oid relid, Node *raw_expr, List *extra)
{
	ColumnRefCheck check;

	check.relid = relid;
	check.extra = extra;
	check.user_only = true;
	check.ok = true;
	(void) column_refs_exist_walker(raw_expr, &check);
	return check.ok;
}
