/*-------------------------------------------------------------------------
 *
 * rules_alter.c
 *	  ALTER TABLE and ALTER DOMAIN: dispatches each subcommand to the rules
 *	  that concern it, and owns the rules about rewrites and data movement:
 *	  alter_column_type, add_column_volatile_default, set_logged,
 *	  set_tablespace, attach_partition, detach_partition and
 *	  alter_domain_add_constraint.  Constraint rules live in
 *	  rules_constraints.c.
 *
 *	  Each rule decides the way tablecmds.c does, from the catalog, so that
 *	  a change PostgreSQL performs without a rewrite or scan passes and one
 *	  it performs with one is caught.  Nothing here takes a lock the
 *	  statement would wait for: relations are opened only when ACCESS SHARE
 *	  is free at once, and released again.
 *
 * IDENTIFICATION
 *	  src/rules_alter.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/genam.h"
#include "access/htup_details.h"
#include "access/table.h"
#include "catalog/catalog.h"
#include "catalog/dependency.h"
#include "catalog/index.h"
#include "catalog/indexing.h"
#include "catalog/namespace.h"
#include "catalog/partition.h"
#include "catalog/pg_am.h"
#include "catalog/pg_class.h"
#include "catalog/pg_constraint.h"
#include "catalog/pg_depend.h"
#include "catalog/pg_index.h"
#include "catalog/pg_inherits.h"
#include "catalog/pg_opclass.h"
#include "catalog/pg_partitioned_table.h"
#include "catalog/pg_rewrite.h"
#include "catalog/pg_tablespace.h"
#include "catalog/pg_type.h"
#include "commands/defrem.h"
#include "commands/tablecmds.h"
#include "commands/tablespace.h"
#include "miscadmin.h"
#include "nodes/makefuncs.h"
#include "nodes/nodeFuncs.h"
#include "optimizer/optimizer.h"
#include "parser/parse_coerce.h"
#include "parser/parse_collate.h"
#include "parser/parse_expr.h"
#include "parser/parse_relation.h"
#include "parser/parse_type.h"
#include "parser/parse_utilcmd.h"
#include "partitioning/partbounds.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/fmgroids.h"
#include "utils/lsyscache.h"
#include "utils/partcache.h"
#include "utils/rel.h"
#include "utils/ruleutils.h"
#include "utils/syscache.h"
#include "utils/timestamp.h"
#include "utils/typcache.h"

#include "migration_guard.h"
#include "lockinfo.h"
#include "relfacts.h"
#include "rules_alter.h"

/* How many names a message lists before "and N more". */
#define MAX_LISTED 3

/* Tables whose rows the rewrite and scan rules are about. */
bool
mg_alter_rel_has_storage_rules(const MGAlterContext *ctx)
{
	return ctx->relkind == RELKIND_RELATION ||
		ctx->relkind == RELKIND_PARTITIONED_TABLE;
}

/* "a", "a, b" or "a, b, c and 4 more" from a list of C strings. */
static char *
list_names(List *names)
{
	StringInfoData buf;
	ListCell   *lc;
	int			n = 0;

	initStringInfo(&buf);
	foreach(lc, names)
	{
		if (n == MAX_LISTED)
		{
			appendStringInfo(&buf, " and %d more", list_length(names) - n);
			break;
		}
		appendStringInfo(&buf, "%s%s", n > 0 ? ", " : "", (char *) lfirst(lc));
		n++;
	}
	return buf.data;
}

/* ---------------------------------------------------------------------
 * alter_column_type
 * ---------------------------------------------------------------------
 */

/*
 * The same test as tablecmds.c's ATColumnChangeRequiresRewrite(), applied
 * to the planned transform expression: the column is rewritten unless the
 * expression is the old value itself, relabelled, coerced to a domain
 * without constraints, or timestamp <-> timestamptz while the session time
 * zone is UTC.
 */
static bool
column_change_requires_rewrite(Node *expr, AttrNumber varattno)
{
	for (;;)
	{
		if (IsA(expr, Var) && ((Var *) expr)->varattno == varattno)
			return false;
		else if (IsA(expr, RelabelType))
			expr = (Node *) ((RelabelType *) expr)->arg;
		else if (IsA(expr, CoerceToDomain))
		{
			CoerceToDomain *d = (CoerceToDomain *) expr;

			if (DomainHasConstraints(d->resulttype))
				return true;
			expr = (Node *) d->arg;
		}
		else if (IsA(expr, FuncExpr))
		{
			FuncExpr   *f = (FuncExpr *) expr;

			if ((f->funcid == F_TIMESTAMPTZ_TIMESTAMP ||
				 f->funcid == F_TIMESTAMP_TIMESTAMPTZ) &&
				!TimestampTimestampTzRequiresRewrite())
				expr = linitial(f->args);
			else
				return true;
		}
		else
			return true;
	}
}

typedef struct ColumnTypeChange
{
	AttrNumber	attnum;
	Oid			oldtype;
	int32		oldtypmod;
	Oid			oldcoll;
	Oid			newtype;
	int32		newtypmod;
	Oid			newcoll;
} ColumnTypeChange;

/*
 * Builds the expression ALTER COLUMN TYPE stores into the column, exactly
 * as ATPrepAlterColumnType() does, and reports whether it rewrites.  A
 * USING clause has to be analyzed against the table; if the table cannot
 * be opened without waiting, the change is assumed to rewrite.
 */
static bool
type_change_rewrites(MGStatement *st, Oid relid, ColumnDef *def,
					 const ColumnTypeChange *chg, bool *castable)
{
	ParseState *pstate = make_parsestate(NULL);
	Relation	rel = NULL;
	Node	   *transform;
	bool		rewrites;

	pstate->p_sourcetext = st->query_string;
	if (def->raw_default != NULL)
	{
		ParseNamespaceItem *nsitem;

		rel = mg_rel_open_nowait(relid);
		*castable = true;
		if (rel == NULL)
			return true;
		nsitem = addRangeTableEntryForRelation(pstate, rel, AccessShareLock,
											   NULL, false, true);
		addNSItemToQuery(pstate, nsitem, false, true, true);
		transform = transformExpr(pstate, copyObject(def->raw_default),
								  EXPR_KIND_ALTER_COL_TRANSFORM);
	}
	else
		transform = (Node *) makeVar(1, chg->attnum, chg->oldtype, chg->oldtypmod,
									 chg->oldcoll, 0);

	transform = coerce_to_target_type(pstate, transform, exprType(transform),
									  chg->newtype, chg->newtypmod,
									  COERCION_ASSIGNMENT, COERCE_IMPLICIT_CAST, -1);
	*castable = transform != NULL;
	if (transform == NULL)
		rewrites = false;		/* PostgreSQL reports the impossible cast */
	else
	{
		assign_expr_collations(pstate, transform);
		transform = (Node *) expression_planner((Expr *) transform);
		rewrites = column_change_requires_rewrite(transform, chg->attnum);
	}
	if (rel != NULL)
		mg_rel_close_nowait(rel);
	free_parsestate(pstate);
	return rewrites;
}

/* Does the expression or predicate text of an index use the column? */
static bool
node_text_uses_attnum(HeapTuple tuple, int attno, AttrNumber attnum)
{
	bool		isnull;
	Datum		d = SysCacheGetAttr(INDEXRELID, tuple, attno, &isnull);
	Bitmapset  *attrs = NULL;

	if (isnull)
		return false;
	pull_varattnos(stringToNode(TextDatumGetCString(d)), 1, &attrs);
	return bms_is_member(attnum - FirstLowInvalidHeapAttributeNumber, attrs) ||
		bms_is_member(0 - FirstLowInvalidHeapAttributeNumber, attrs);
}

static Oid
index_access_method(Oid indexoid)
{
	HeapTuple	tuple = SearchSysCache1(RELOID, ObjectIdGetDatum(indexoid));
	Oid			am = InvalidOid;

	if (HeapTupleIsValid(tuple))
	{
		am = ((Form_pg_class) GETSTRUCT(tuple))->relam;
		ReleaseSysCache(tuple);
	}
	return am;
}

/*
 * Would ALTER COLUMN TYPE (without a rewrite) keep this index, or build it
 * again?  PostgreSQL re-creates every dependent index from its definition
 * and keeps the old one only if CheckIndexCompatible() finds the same
 * operator classes, collations and exclusion operators; expression and
 * partial indexes are never kept.  The definition names an operator class
 * or collation only when it is not the old column's default, so a default
 * one follows the new type and an explicit one stays.  Returns NULL when
 * the index is kept, else why it is rebuilt.
 */
static const char *
index_rebuild_reason(HeapTuple tuple, const ColumnTypeChange *chg)
{
	Form_pg_index index = (Form_pg_index) GETSTRUCT(tuple);
	bool		uses = false;
	bool		isnull;
	oidvector  *indclass;
	oidvector  *indcoll;
	Oid			am;

	for (int i = 0; i < index->indnatts; i++)
	{
		if (index->indkey.values[i] == chg->attnum)
			uses = true;
	}
	if (node_text_uses_attnum(tuple, Anum_pg_index_indexprs, chg->attnum) ||
		node_text_uses_attnum(tuple, Anum_pg_index_indpred, chg->attnum))
		return "it is an expression or partial index";
	if (!uses)
		return NULL;
	if (!heap_attisnull(tuple, Anum_pg_index_indexprs, NULL) ||
		!heap_attisnull(tuple, Anum_pg_index_indpred, NULL))
		return "it is an expression or partial index";
	if (!index->indisvalid)
		return "it is invalid";

	indclass = (oidvector *) DatumGetPointer(SysCacheGetAttr(INDEXRELID, tuple,
															 Anum_pg_index_indclass, &isnull));
	indcoll = (oidvector *) DatumGetPointer(SysCacheGetAttr(INDEXRELID, tuple,
															Anum_pg_index_indcollation, &isnull));
	am = index_access_method(index->indexrelid);

	for (int i = 0; i < index->indnkeyatts; i++)
	{
		Oid			oldopc = indclass->values[i];
		Oid			newopc = oldopc;
		Oid			oldidxcoll = indcoll->values[i];
		Oid			newidxcoll;

		if (index->indkey.values[i] != chg->attnum)
			continue;
		if (GetDefaultOpClass(chg->oldtype, am) == oldopc)
			newopc = GetDefaultOpClass(chg->newtype, am);
		if (newopc != oldopc)
			return "its operator class changes";

		if (OidIsValid(oldidxcoll) && oldidxcoll != chg->oldcoll)
			newidxcoll = oldidxcoll;	/* written out in the definition */
		else
			newidxcoll = chg->newcoll;
		if (newidxcoll != oldidxcoll)
			return "its collation changes";

		if (IsPolymorphicType(get_opclass_input_type(newopc)) &&
			chg->newtype != chg->oldtype)
			return "its operator class is polymorphic and the type changes";

		if (index->indisexclusion && chg->newtype != chg->oldtype)
			return "its exclusion operators are looked up again for the new type";
	}
	return NULL;
}

/*
 * Indexes of the table that ALTER COLUMN TYPE would build again, as
 * "name (reason)" strings.
 */
static List *
indexes_rebuilt(Oid relid, const ColumnTypeChange *chg)
{
	Relation	pg_index;
	SysScanDesc scan;
	ScanKeyData key;
	HeapTuple	tuple;
	List	   *result = NIL;

	pg_index = table_open(IndexRelationId, AccessShareLock);
	ScanKeyInit(&key, Anum_pg_index_indrelid, BTEqualStrategyNumber,
				F_OIDEQ, ObjectIdGetDatum(relid));
	scan = systable_beginscan(pg_index, IndexIndrelidIndexId, true, NULL, 1, &key);
	while (HeapTupleIsValid(tuple = systable_getnext(scan)))
	{
		Oid			indexoid = ((Form_pg_index) GETSTRUCT(tuple))->indexrelid;
		HeapTuple	cached = SearchSysCache1(INDEXRELID, ObjectIdGetDatum(indexoid));
		const char *reason;

		if (!HeapTupleIsValid(cached))
			continue;
		reason = index_rebuild_reason(cached, chg);
		ReleaseSysCache(cached);
		if (reason != NULL)
			result = lappend(result, psprintf("\"%s\" (%s)", get_rel_name(indexoid), reason));
	}
	systable_endscan(scan);
	table_close(pg_index, AccessShareLock);
	return result;
}

/*
 * Validated CHECK constraints on the column.  ALTER COLUMN TYPE drops and
 * re-adds them, and the re-added constraint is checked against every row
 * (a full scan under ACCESS EXCLUSIVE) even when nothing is rewritten.
 */
static List *
check_constraints_rechecked(Oid relid, AttrNumber attnum)
{
	Relation	pg_constraint;
	SysScanDesc scan;
	ScanKeyData key;
	HeapTuple	tuple;
	List	   *result = NIL;

	pg_constraint = table_open(ConstraintRelationId, AccessShareLock);
	ScanKeyInit(&key, Anum_pg_constraint_conrelid, BTEqualStrategyNumber,
				F_OIDEQ, ObjectIdGetDatum(relid));
	scan = systable_beginscan(pg_constraint, ConstraintRelidTypidNameIndexId,
							  true, NULL, 1, &key);
	while (HeapTupleIsValid(tuple = systable_getnext(scan)))
	{
		Form_pg_constraint con = (Form_pg_constraint) GETSTRUCT(tuple);
		bool		isnull;
		Datum		d;
		ArrayType  *arr;
		int16	   *keys;
		int			nkeys;

		if (con->contype != CONSTRAINT_CHECK || !con->convalidated)
			continue;
		d = heap_getattr(tuple, Anum_pg_constraint_conkey,
						 RelationGetDescr(pg_constraint), &isnull);
		if (isnull)
			continue;
		arr = DatumGetArrayTypeP(d);
		keys = (int16 *) ARR_DATA_PTR(arr);
		nkeys = ARR_DIMS(arr)[0];
		for (int i = 0; i < nkeys; i++)
		{
			if (keys[i] == attnum)
			{
				result = lappend(result, psprintf("\"%s\"", NameStr(con->conname)));
				break;
			}
		}
	}
	systable_endscan(scan);
	table_close(pg_constraint, AccessShareLock);
	return result;
}

/* Does the int2[] column of a pg_constraint row contain attnum? */
static bool
conkey_has(HeapTuple tuple, TupleDesc desc, int attno, AttrNumber attnum)
{
	bool		isnull;
	Datum		d = heap_getattr(tuple, attno, desc, &isnull);
	ArrayType  *arr;
	int16	   *keys;

	if (isnull)
		return false;
	arr = DatumGetArrayTypeP(d);
	keys = (int16 *) ARR_DATA_PTR(arr);
	for (int i = 0; i < ARR_DIMS(arr)[0]; i++)
	{
		if (keys[i] == attnum)
			return true;
	}
	return false;
}

/*
 * Foreign keys on the column, from either side.  When either table is
 * rewritten, PostgreSQL re-adds them without reusing the old validation
 * (ATPostAlterTypeParse), so each is validated again by reading the whole
 * referencing table.  As "name" (on table) strings.
 */
static List *
foreign_keys_revalidated(Oid relid, AttrNumber attnum)
{
	Relation	pg_constraint;
	SysScanDesc scan;
	HeapTuple	tuple;
	List	   *result = NIL;

	pg_constraint = table_open(ConstraintRelationId, AccessShareLock);
	scan = systable_beginscan(pg_constraint, InvalidOid, false, NULL, 0, NULL);
	while (HeapTupleIsValid(tuple = systable_getnext(scan)))
	{
		Form_pg_constraint con = (Form_pg_constraint) GETSTRUCT(tuple);
		TupleDesc	desc = RelationGetDescr(pg_constraint);

		if (con->contype != CONSTRAINT_FOREIGN || !con->convalidated)
			continue;
		if ((con->conrelid == relid && conkey_has(tuple, desc, Anum_pg_constraint_conkey, attnum)) ||
			(con->confrelid == relid && conkey_has(tuple, desc, Anum_pg_constraint_confkey, attnum)))
			result = lappend(result, psprintf("\"%s\" (reading %s)", NameStr(con->conname),
											  mg_rel_name(con->conrelid)));
	}
	systable_endscan(scan);
	table_close(pg_constraint, AccessShareLock);
	return result;
}

/* pg_class.reloftype: is it a typed table (CREATE TABLE ... OF type)? */
static bool
rel_is_typed_table(Oid relid)
{
	FormData_pg_class row;

	return mg_rel_class_row(relid, &row) && OidIsValid(row.reloftype);
}

/* Does a view or rule use the column (a normal pg_depend entry of a rule)? */
static bool
column_used_by_rule(Oid relid, AttrNumber attnum)
{
	Relation	depRel;
	ScanKeyData key[3];
	SysScanDesc scan;
	HeapTuple	tuple;
	bool		used = false;

	depRel = table_open(DependRelationId, AccessShareLock);
	ScanKeyInit(&key[0], Anum_pg_depend_refclassid, BTEqualStrategyNumber,
				F_OIDEQ, ObjectIdGetDatum(RelationRelationId));
	ScanKeyInit(&key[1], Anum_pg_depend_refobjid, BTEqualStrategyNumber,
				F_OIDEQ, ObjectIdGetDatum(relid));
	ScanKeyInit(&key[2], Anum_pg_depend_refobjsubid, BTEqualStrategyNumber,
				F_INT4EQ, Int32GetDatum((int32) attnum));
	scan = systable_beginscan(depRel, DependReferenceIndexId, true, NULL, 3, key);
	while (!used && HeapTupleIsValid(tuple = systable_getnext(scan)))
	{
		Form_pg_depend dep = (Form_pg_depend) GETSTRUCT(tuple);

		used = dep->classid == RewriteRelationId;
	}
	systable_endscan(scan);
	table_close(depRel, AccessShareLock);
	return used;
}

/* Is the column a column of the table's partition key? */
static bool
is_partition_key_column(Oid relid, AttrNumber attnum)
{
	HeapTuple	tuple = SearchSysCache1(PARTRELID, ObjectIdGetDatum(relid));
	bool		found = false;
	bool		isnull;
	Datum		exprs;

	if (!HeapTupleIsValid(tuple))
		return false;
	for (int i = 0; i < ((Form_pg_partitioned_table) GETSTRUCT(tuple))->partnatts; i++)
	{
		if (((Form_pg_partitioned_table) GETSTRUCT(tuple))->partattrs.values[i] == attnum)
			found = true;
	}
	/* ... or used by a partition key expression (has_partition_attrs) */
	exprs = SysCacheGetAttr(PARTRELID, tuple, Anum_pg_partitioned_table_partexprs, &isnull);
	if (!found && !isnull)
	{
		Bitmapset  *attrs = NULL;

		pull_varattnos(stringToNode(TextDatumGetCString(exprs)), 1, &attrs);
		found = bms_is_member(attnum - FirstLowInvalidHeapAttributeNumber, attrs);
	}
	ReleaseSysCache(tuple);
	return found;
}

/*
 * Is a value of the type stored in a column of some relation, directly or
 * inside an array, domain or range over it?  find_composite_type_dependencies
 * then refuses to rewrite the table whose row type it is.
 */
static bool
type_stored_in_columns(Oid typid, int depth)
{
	ListCell   *lc;

	if (!OidIsValid(typid) || depth > 16)
		return false;
	foreach(lc, mg_type_dependents(typid))
	{
		ObjectAddress *dep = lfirst(lc);

		if (dep->classId == TypeRelationId)
		{
			if (type_stored_in_columns(dep->objectId, depth + 1))
				return true;
		}
		else if (dep->classId == RelationRelationId && dep->objectSubId > 0)
		{
			char		relkind = get_rel_relkind(dep->objectId);

			if (relkind == RELKIND_RELATION || relkind == RELKIND_MATVIEW ||
				relkind == RELKIND_PARTITIONED_TABLE || relkind == RELKIND_COMPOSITE_TYPE)
				return true;
		}
	}
	return false;
}

/* Is the table's row type stored in another relation's column? */
static bool
rowtype_stored_elsewhere(Oid relid)
{
	return type_stored_in_columns(get_rel_type_id(relid), 0);
}

/*
 * Would PostgreSQL accept the type change at all (ATPrepAlterColumnType,
 * ATExecAlterColumnType)?  Not on a typed table, not with ONLY on a table
 * with children, not of a column a view or rule uses; then its own error
 * must reach the user.
 */
static bool
column_type_can_change(MGAlterContext *ctx, AttrNumber attnum)
{
	if (rel_is_typed_table(ctx->relid))
		return false;
	if (is_partition_key_column(ctx->relid, attnum))
		return false;
	if (!ctx->stmt->relation->inh &&
		find_inheritance_children(ctx->relid, NoLock) != NIL)
		return false;
	return !column_used_by_rule(ctx->relid, attnum);
}

static void
check_alter_column_type(MGAlterContext *ctx, AlterTableCmd *cmd)
{
	ColumnDef  *def = castNode(ColumnDef, cmd->def);
	ColumnTypeChange chg;
	HeapTuple	tuple;
	Form_pg_attribute att;
	Type		newtyp;
	List	   *rebuilt;
	List	   *rechecked;
	MGFinding	f = {0};
	char	   *relname;
	char	   *colname = cmd->name;
	char	   *change;
	const char *hint_swap;
	bool		rewrites;
	bool		castable;

	if (!mg_alter_rel_has_storage_rules(ctx) || def == NULL || def->typeName == NULL)
		return;
	if (!mg_rule_applies(MG_RULE_ALTER_COLUMN_TYPE, ctx->relid))
		return;

	tuple = SearchSysCacheAttName(ctx->relid, colname);
	if (!HeapTupleIsValid(tuple))
		return;					/* added by this statement, or PostgreSQL reports it */
	att = (Form_pg_attribute) GETSTRUCT(tuple);
	chg.attnum = att->attnum;
	chg.oldtype = att->atttypid;
	chg.oldtypmod = att->atttypmod;
	chg.oldcoll = att->attcollation;
	ReleaseSysCache(tuple);
	if (chg.attnum <= 0)
		return;

	newtyp = LookupTypeName(NULL, def->typeName, &chg.newtypmod, true);
	if (newtyp == NULL)
		return;
	chg.newtype = typeTypeId(newtyp);
	ReleaseSysCache(newtyp);
	chg.newcoll = GetColumnDefCollation(NULL, def, chg.newtype);

	relname = get_rel_name(ctx->relid);
	change = psprintf("Changing column \"%s\" from %s to %s",
					  colname, format_type_with_typemod(chg.oldtype, chg.oldtypmod),
					  format_type_with_typemod(chg.newtype, chg.newtypmod));
	hint_swap = psprintf("Use expand, migrate, contract: ALTER TABLE %s ADD COLUMN %s %s; backfill it in batches while a trigger keeps it in sync; then, in one short transaction, drop or rename the old column and rename the new one to %s.",
						 mg_rel_name(ctx->relid),
						 quote_identifier(psprintf("%s_new", colname)),
						 format_type_with_typemod(chg.newtype, chg.newtypmod),
						 quote_identifier(colname));

	f.rule = MG_RULE_ALTER_COLUMN_TYPE;
	f.relid = ctx->relid;
	f.column = colname;
	f.lockmode = ctx->lockmode;

	rewrites = type_change_rewrites(ctx->st, ctx->relid, def, &chg, &castable);
	if (!castable)
		return;					/* PostgreSQL reports the impossible cast */
	if (rewrites && rowtype_stored_elsewhere(ctx->relid))
		return;					/* PostgreSQL refuses to rewrite it */
	if (rewrites)
	{
		List	   *fks = foreign_keys_revalidated(ctx->relid, chg.attnum);

		f.rewrites = true;
		f.message = psprintf("ALTER COLUMN TYPE would rewrite table \"%s\"", relname);
		f.detail = psprintf("%s%s rewrites every row and rebuilds every index of the table while holding an %s lock, %s.%s  %s",
							change, def->raw_default ? " with this USING expression" : "",
							mg_lockmode_name(ctx->lockmode), mg_lock_blocks(ctx->lockmode),
							fks ? psprintf("  Foreign key %s is validated again as well.", list_names(fks)) : "",
							mg_rel_describe(ctx->relid));
		f.hint = pstrdup(hint_swap);
		mg_report(&f);
		return;
	}

	rebuilt = indexes_rebuilt(ctx->relid, &chg);
	rechecked = check_constraints_rechecked(ctx->relid, chg.attnum);
	if (rebuilt != NIL)
	{
		f.message = list_length(rebuilt) == 1 ?
			psprintf("ALTER COLUMN TYPE would rebuild an index of table \"%s\"", relname) :
			psprintf("ALTER COLUMN TYPE would rebuild %d indexes of table \"%s\"",
					 list_length(rebuilt), relname);
		f.detail = psprintf("%s needs no rewrite, but PostgreSQL builds index %s again while holding an %s lock, %s.%s  %s",
							change, list_names(rebuilt),
							mg_lockmode_name(ctx->lockmode), mg_lock_blocks(ctx->lockmode),
							rechecked ? psprintf("  It also scans the table to check constraint %s again.", list_names(rechecked)) : "",
							mg_rel_describe(ctx->relid));
		f.hint = psprintf("Drop the index with DROP INDEX CONCURRENTLY first and build it again with CREATE INDEX CONCURRENTLY after the change, if queries can do without it meanwhile.  Otherwise: %s", hint_swap);
		mg_report(&f);
	}
	else if (rechecked != NIL)
	{
		f.message = psprintf("ALTER COLUMN TYPE would scan table \"%s\" to check its constraints again", relname);
		f.detail = psprintf("%s needs no rewrite, but PostgreSQL re-adds constraint %s and checks it against every row while holding an %s lock, %s.  %s",
							change, list_names(rechecked),
							mg_lockmode_name(ctx->lockmode), mg_lock_blocks(ctx->lockmode),
							mg_rel_describe(ctx->relid));
		f.hint = pstrdup("Drop the constraint, change the type, and add the constraint back with NOT VALID; then run ALTER TABLE ... VALIDATE CONSTRAINT in a separate transaction, which does not block reads or writes.");
		mg_report(&f);
	}
}

/* ---------------------------------------------------------------------
 * add_column_volatile_default
 * ---------------------------------------------------------------------
 */

/*
 * The default as ATExecAddColumn() evaluates it: cooked like a stored
 * default (transformed, coerced to the column type, collations assigned)
 * and planned.  NULL if it cannot be built; PostgreSQL then reports why.
 */
static Node *
cook_default(MGStatement *st, Node *raw, Oid typid, int32 typmod)
{
	ParseState *pstate = make_parsestate(NULL);
	Node	   *expr;

	pstate->p_sourcetext = st->query_string;
	expr = transformExpr(pstate, copyObject(raw), EXPR_KIND_COLUMN_DEFAULT);
	expr = coerce_to_target_type(pstate, expr, exprType(expr), typid, typmod,
								 COERCION_ASSIGNMENT, COERCE_IMPLICIT_CAST, -1);
	if (expr != NULL)
	{
		assign_expr_collations(pstate, expr);
		expr = (Node *) expression_planner((Expr *) expr);
	}
	free_parsestate(pstate);
	return expr;
}

/*
 * Why ADD COLUMN rewrites the table, or NULL if it does not.  Since
 * PostgreSQL 11 a non-volatile default is stored once in the catalog
 * (attmissingval); a volatile one, identity, serial, a stored generated
 * column, or a domain with constraints (checked row by row) means every
 * row is written again.
 */
static char *
add_column_rewrite_reason(MGStatement *st, ColumnDef *def)
{
	Node	   *raw_default = def->raw_default;
	bool		identity = def->identity != 0;
	bool		generated = def->generated != 0;
	bool		virtual_generated = false;
	ListCell   *lc;
	Type		typ;
	Oid			typid;
	int32		typmod;
	Node	   *expr;

	foreach(lc, def->constraints)
	{
		Constraint *con = lfirst_node(Constraint, lc);

		if (con->contype == CONSTR_DEFAULT)
			raw_default = con->raw_expr;
		else if (con->contype == CONSTR_IDENTITY)
			identity = true;
		else if (con->contype == CONSTR_GENERATED)
		{
			generated = true;
			virtual_generated = compat_generated_virtual(con);
		}
	}

	if (identity)
		return pstrdup("an identity column fills every row from its sequence");
	if (mg_serial_type_name(def->typeName) != NULL)
		return pstrdup("a serial column's default nextval() is volatile, so every row gets its own value");
	if (generated)
		return virtual_generated ? NULL :
			pstrdup("a stored generated column is computed and written for every row");

	if (def->typeName == NULL)
		return NULL;
	typ = LookupTypeName(NULL, def->typeName, &typmod, true);
	if (typ == NULL)
		return NULL;
	typid = typeTypeId(typ);
	ReleaseSysCache(typ);

	if (DomainHasConstraints(typid))
		return psprintf("the domain %s has constraints, which PostgreSQL checks by rewriting every row",
						format_type_be(typid));

	if (raw_default != NULL)
		expr = cook_default(st, raw_default, typid, typmod);
	else
		expr = get_typdefault(typid);	/* a domain's default applies */
	if (expr != NULL && contain_volatile_functions(expr))
		return pstrdup(raw_default != NULL ?
					   "its default is volatile, so it is evaluated and written for every row" :
					   "the default of its domain is volatile, so it is evaluated and written for every row");
	return NULL;
}

static void
check_add_column(MGAlterContext *ctx, ColumnDef *def)
{
	char	   *reason;
	MGFinding	f = {0};

	ListCell   *lc;

	if (!mg_alter_rel_has_storage_rules(ctx))
		return;
	/* A generation expression naming a missing column: PostgreSQL reports it. */
	foreach(lc, def->constraints)
	{
		Constraint *con = lfirst_node(Constraint, lc);

		if (con->contype == CONSTR_GENERATED &&
			!mg_expr_columns_exist(ctx->relid, con->raw_expr, ctx->added_columns))
			return;
	}
	if (mg_rule_applies(MG_RULE_ADD_COLUMN_VOLATILE_DEFAULT, ctx->relid) &&
		(reason = add_column_rewrite_reason(ctx->st, def)) != NULL &&
		!rowtype_stored_elsewhere(ctx->relid))
	{
		f.rule = MG_RULE_ADD_COLUMN_VOLATILE_DEFAULT;
		f.relid = ctx->relid;
		f.column = def->colname;
		f.lockmode = ctx->lockmode;
		f.rewrites = true;
		f.message = psprintf("ADD COLUMN \"%s\" would rewrite table \"%s\"",
							 def->colname, get_rel_name(ctx->relid));
		f.detail = psprintf("The column cannot be added as a catalog-only change: %s.  The rewrite holds an %s lock, %s, and rebuilds every index.  %s",
							reason, mg_lockmode_name(ctx->lockmode),
							mg_lock_blocks(ctx->lockmode), mg_rel_describe(ctx->relid));
		f.hint = psprintf("Add the column without a default (or with a constant one): ALTER TABLE %s ADD COLUMN %s ...; then set the volatile default with ALTER COLUMN ... SET DEFAULT, which applies to new rows only, and fill existing rows in batches.  For identity or serial, add a plain bigint, backfill it, make it NOT NULL without a scan (a validated CHECK (... IS NOT NULL) first), then ALTER COLUMN ... ADD GENERATED BY DEFAULT AS IDENTITY and move the sequence past the existing values with setval().",
							mg_rel_name(ctx->relid), quote_identifier(def->colname));
		mg_report(&f);
	}
	mg_check_column_constraints(ctx, def);
}

/* ---------------------------------------------------------------------
 * set_logged, set_tablespace
 * ---------------------------------------------------------------------
 */

/*
 * Would ATPrepChangePersistence refuse the change?  SET LOGGED: a foreign
 * key of the table references an unlogged table.  SET UNLOGGED: a
 * permanent table references this one.  Self-references do not count.
 */
static bool
persistence_change_refused(Oid relid, bool logged)
{
	Relation	conRel;
	ScanKeyData key;
	SysScanDesc scan;
	HeapTuple	tuple;
	bool		refused = false;

	conRel = table_open(ConstraintRelationId, AccessShareLock);
	ScanKeyInit(&key, logged ? Anum_pg_constraint_conrelid : Anum_pg_constraint_confrelid,
				BTEqualStrategyNumber, F_OIDEQ, ObjectIdGetDatum(relid));
	scan = systable_beginscan(conRel, InvalidOid, false, NULL, 1, &key);
	while (!refused && HeapTupleIsValid(tuple = systable_getnext(scan)))
	{
		Form_pg_constraint con = (Form_pg_constraint) GETSTRUCT(tuple);
		Oid			other = logged ? con->confrelid : con->conrelid;

		if (con->contype != CONSTRAINT_FOREIGN || other == relid)
			continue;
		refused = logged ? mg_rel_persistence(other) == RELPERSISTENCE_UNLOGGED :
			mg_rel_persistence(other) == RELPERSISTENCE_PERMANENT;
	}
	systable_endscan(scan);
	table_close(conRel, AccessShareLock);
	return refused;
}

static void
check_set_logged(MGAlterContext *ctx, bool logged)
{
	char		persistence = mg_rel_persistence(ctx->relid);
	MGFinding	f = {0};

	/* Partitioned tables have no data; no change means no rewrite. */
	if (ctx->relkind != RELKIND_RELATION)
		return;
	if (persistence == (logged ? RELPERSISTENCE_PERMANENT : RELPERSISTENCE_UNLOGGED))
		return;
	if (!mg_rule_applies(MG_RULE_SET_LOGGED, ctx->relid))
		return;
	if (persistence_change_refused(ctx->relid, logged))
		return;					/* PostgreSQL reports the foreign key */

	f.rule = MG_RULE_SET_LOGGED;
	f.relid = ctx->relid;
	f.lockmode = ctx->lockmode;
	f.rewrites = true;
	f.message = psprintf("SET %s would rewrite table \"%s\"",
						 logged ? "LOGGED" : "UNLOGGED", get_rel_name(ctx->relid));
	f.detail = psprintf("Changing persistence copies the table and its indexes into new files%s while holding an %s lock, %s.  %s",
						logged ? " and writes all of it to the WAL" : "",
						mg_lockmode_name(ctx->lockmode), mg_lock_blocks(ctx->lockmode),
						mg_rel_describe(ctx->relid));
	f.hint = pstrdup("There is no online form.  Create a new table with the wanted persistence, copy the rows in batches while a trigger keeps it in sync, and swap the names in one short transaction; or run it in a maintenance window.");
	mg_report(&f);
}

/* For errdetail: "Index public.i is 16 kB; table public.t is ..." */
static char *
describe_index(Oid indexoid)
{
	int64		bytes;
	Oid			tableoid = IndexGetRelation(indexoid, true);
	char	   *size;

	if (mg_rel_size(indexoid, &bytes))
		size = text_to_cstring(DatumGetTextPP(DirectFunctionCall1(pg_size_pretty, Int64GetDatum(bytes))));
	else
		size = pstrdup("of unknown size (its lock was not free)");
	return psprintf("Index %s is %s, on table %s.", mg_rel_name(indexoid), size,
					OidIsValid(tableoid) ? mg_rel_name(tableoid) : "?");
}

static void
check_set_tablespace(MGAlterContext *ctx, const char *tblspc)
{
	Oid			newspc;
	Oid			oldspc;
	MGFinding	f = {0};
	bool		is_index;

	/* Partitioned relations only change the default for new partitions. */
	if (ctx->relkind != RELKIND_RELATION && ctx->relkind != RELKIND_MATVIEW &&
		ctx->relkind != RELKIND_INDEX)
		return;
	newspc = get_tablespace_oid(tblspc, true);
	if (!OidIsValid(newspc) || newspc == GLOBALTABLESPACE_OID)
		return;					/* PostgreSQL reports it (pg_global is for shared relations) */
	oldspc = get_rel_tablespace(ctx->relid);
	if (!OidIsValid(oldspc))
		oldspc = MyDatabaseTableSpace;
	if (newspc == oldspc || (newspc == MyDatabaseTableSpace && oldspc == MyDatabaseTableSpace))
		return;					/* nothing moves */
	if (!mg_rule_applies(MG_RULE_SET_TABLESPACE, ctx->relid))
		return;

	is_index = ctx->relkind == RELKIND_INDEX;
	f.rule = MG_RULE_SET_TABLESPACE;
	f.relid = ctx->relid;
	f.lockmode = ctx->lockmode;
	f.message = psprintf("SET TABLESPACE would copy %s \"%s\" under an %s lock",
						 is_index ? "index" : (ctx->relkind == RELKIND_MATVIEW ? "materialized view" : "table"),
						 get_rel_name(ctx->relid), mg_lockmode_name(ctx->lockmode));
	f.detail = psprintf("Every block is copied to tablespace \"%s\" while the lock is held, %s%s.  %s",
						tblspc, mg_lock_blocks(ctx->lockmode),
						is_index ? "; queries on the table wait for it, because planning opens every index" : "",
						is_index ? describe_index(ctx->relid) : mg_rel_describe(ctx->relid));
	if (is_index)
		f.hint = psprintf("Move it without blocking: REINDEX (TABLESPACE %s) INDEX CONCURRENTLY %s, outside a transaction block.",
						  quote_identifier(tblspc), mg_rel_name(ctx->relid));
	else
		f.hint = pstrdup("Move the indexes with REINDEX (TABLESPACE ...) INDEX CONCURRENTLY; move the table itself with a copy-and-swap (for example pg_repack --tablespace) or in a maintenance window.");
	mg_report(&f);
}

/*
 * ALTER TABLE | INDEX | MATERIALIZED VIEW ALL IN TABLESPACE ... SET
 * TABLESPACE: the relations AlterTableMoveAll() would move, chosen as it
 * chooses them, that are not exempt by size.
 */
static List *
move_all_relations(AlterTableMoveAllStmt *stmt, Oid origspc)
{
	Relation	pg_class;
	SysScanDesc scan;
	HeapTuple	tuple;
	List	   *roles = NIL;
	List	   *result = NIL;
	ListCell   *lc;

	foreach(lc, stmt->roles)
	{
		Oid			role = get_rolespec_oid(lfirst(lc), true);

		if (!OidIsValid(role))
			return NIL;			/* PostgreSQL reports it */
		roles = lappend_oid(roles, role);
	}

	pg_class = table_open(RelationRelationId, AccessShareLock);
	scan = systable_beginscan(pg_class, InvalidOid, false, NULL, 0, NULL);
	while (HeapTupleIsValid(tuple = systable_getnext(scan)))
	{
		Form_pg_class rel = (Form_pg_class) GETSTRUCT(tuple);
		char		want = stmt->objtype == OBJECT_INDEX ? RELKIND_INDEX :
			stmt->objtype == OBJECT_MATVIEW ? RELKIND_MATVIEW : RELKIND_RELATION;

		/* Partitioned relations are moved too, but copy nothing. */
		if (rel->reltablespace != origspc || rel->relkind != want ||
			IsCatalogNamespace(rel->relnamespace) || rel->relisshared ||
			isAnyTempNamespace(rel->relnamespace) || IsToastNamespace(rel->relnamespace))
			continue;
		if (roles != NIL && !list_member_oid(roles, rel->relowner))
			continue;
		if (mg_rule_applies(MG_RULE_SET_TABLESPACE, rel->oid))
			result = lappend_oid(result, rel->oid);
	}
	systable_endscan(scan);
	table_close(pg_class, AccessShareLock);
	return result;
}

void
mg_check_alter_table_move_all(MGStatement *st, AlterTableMoveAllStmt *stmt)
{
	Oid			origspc;
	Oid			newspc;
	List	   *rels;
	List	   *names = NIL;
	ListCell   *lc;
	MGFinding	f = {0};

	if (!mg_rule_applies(MG_RULE_SET_TABLESPACE, InvalidOid))
		return;
	origspc = get_tablespace_oid(stmt->orig_tablespacename, true);
	newspc = get_tablespace_oid(stmt->new_tablespacename, true);
	if (!OidIsValid(origspc) || !OidIsValid(newspc))
		return;					/* PostgreSQL reports it */
	if (origspc == MyDatabaseTableSpace)
		origspc = InvalidOid;
	if (newspc == MyDatabaseTableSpace)
		newspc = InvalidOid;
	if (origspc == newspc)
		return;

	rels = move_all_relations(stmt, origspc);
	if (rels == NIL)
		return;
	foreach(lc, rels)
		names = lappend(names, mg_rel_name(lfirst_oid(lc)));

	f.rule = MG_RULE_SET_TABLESPACE;
	f.relid = linitial_oid(rels);
	f.lockmode = AccessExclusiveLock;
	f.message = psprintf("ALTER %s ALL IN TABLESPACE would copy %d %s under ACCESS EXCLUSIVE locks",
						 stmt->objtype == OBJECT_INDEX ? "INDEX" :
						 stmt->objtype == OBJECT_MATVIEW ? "MATERIALIZED VIEW" : "TABLE",
						 list_length(rels), list_length(rels) == 1 ? "relation" : "relations");
	f.detail = psprintf("Every relation it moves (%s) is locked ACCESS EXCLUSIVE, which blocks all reads and writes, and copied block by block to tablespace \"%s\"; the locks are held until the transaction ends, so the first relation stays blocked until the last one is copied.  %s",
						list_names(names), stmt->new_tablespacename,
						stmt->objtype == OBJECT_INDEX ? describe_index(linitial_oid(rels)) :
						mg_rel_describe(linitial_oid(rels)));
	f.hint = pstrdup("Move the relations one at a time, each in its own transaction: indexes without blocking with REINDEX (TABLESPACE ...) INDEX CONCURRENTLY, tables with a copy-and-swap (for example pg_repack --tablespace) or in a maintenance window.");
	mg_report(&f);
}

/* ---------------------------------------------------------------------
 * attach_partition, detach_partition
 * ---------------------------------------------------------------------
 */

/*
 * Would the partition's own validated constraints prove the constraint,
 * so that ATTACH skips the scan (QueuePartitionConstraintValidation)?  A
 * partitioned partition is proven as a whole or else leaf by leaf; a
 * foreign table is never scanned.
 * constraint is in the Vars of "from"; NULL means unknown (a lock was not
 * free) and counts as not proven.
 */
static bool
partition_constraint_proven(Oid partid, List *constraint, Relation from)
{
	Relation	part;
	List	   *mapped;
	bool		proven;

	/* PostgreSQL does not scan foreign tables to check the bound. */
	if (get_rel_relkind(partid) == RELKIND_FOREIGN_TABLE)
		return true;
	part = mg_rel_open_nowait(partid);
	if (part == NULL)
		return false;
	mapped = map_partition_varattnos(copyObject(constraint), 1, part, from);
	proven = PartConstraintImpliedByRelConstraint(part, mapped);
	if (!proven && part->rd_rel->relkind == RELKIND_PARTITIONED_TABLE)
	{
		List	   *children = find_inheritance_children(partid, NoLock);
		ListCell   *lc;

		proven = true;
		foreach(lc, children)
		{
			if (!partition_constraint_proven(lfirst_oid(lc), constraint, from))
			{
				proven = false;
				break;
			}
		}
	}
	mg_rel_close_nowait(part);
	return proven;
}

/*
 * Would ATExecAttachPartition get as far as its scan?  It first refuses a
 * relation that is not a table, already a partition, typed, part of an
 * inheritance tree, an ancestor of the parent, of the other persistence,
 * or whose columns differ from the parent's in name, type, typmod,
 * collation or NOT NULL (MergeAttributesIntoExisting).  Those statements
 * get PostgreSQL's own error; mapping the bound onto a partition whose
 * columns differ would even fail inside the guard.
 */
static bool
partition_can_attach(Relation parent, Relation part)
{
	TupleDesc	pdesc = RelationGetDescr(parent);
	TupleDesc	cdesc = RelationGetDescr(part);
	char		relkind = part->rd_rel->relkind;
	Oid			partid = RelationGetRelid(part);
	int			ncols = 0;

	if (relkind != RELKIND_RELATION && relkind != RELKIND_PARTITIONED_TABLE &&
		relkind != RELKIND_FOREIGN_TABLE)
		return false;
	if (part->rd_rel->relispartition || OidIsValid(part->rd_rel->reloftype))
		return false;
	if (has_superclass(partid) ||
		(relkind == RELKIND_RELATION && find_inheritance_children(partid, NoLock) != NIL))
		return false;
	if (partid == RelationGetRelid(parent) ||
		list_member_oid(get_partition_ancestors(RelationGetRelid(parent)), partid))
		return false;
	if ((parent->rd_rel->relpersistence == RELPERSISTENCE_TEMP) !=
		(part->rd_rel->relpersistence == RELPERSISTENCE_TEMP))
		return false;
	for (int i = 0; i < cdesc->natts; i++)
	{
		if (!TupleDescAttr(cdesc, i)->attisdropped)
			ncols++;
	}
	for (int i = 0; i < pdesc->natts; i++)
	{
		Form_pg_attribute patt = TupleDescAttr(pdesc, i);
		HeapTuple	tuple;
		Form_pg_attribute catt;
		bool		same;

		if (patt->attisdropped)
			continue;
		tuple = SearchSysCacheAttName(partid, NameStr(patt->attname));
		if (!HeapTupleIsValid(tuple))
			return false;
		catt = (Form_pg_attribute) GETSTRUCT(tuple);
		same = catt->atttypid == patt->atttypid &&
			catt->atttypmod == patt->atttypmod &&
			catt->attcollation == patt->attcollation &&
			(catt->attnotnull || !patt->attnotnull);
		ReleaseSysCache(tuple);
		if (!same)
			return false;
		ncols--;
	}
	if (ncols != 0)
		return false;			/* a column the parent lacks */
	/* The parent's inherited CHECK constraints must exist in the partition. */
	if (pdesc->constr != NULL)
	{
		for (int i = 0; i < pdesc->constr->num_check; i++)
		{
			ConstrCheck *check = &pdesc->constr->check[i];

			if (!check->ccnoinherit &&
				!OidIsValid(get_relation_constraint_oid(partid, check->ccname, true)))
				return false;
		}
	}
	return true;
}

/*
 * ATTACH PARTITION builds, on the partition and under its ACCESS EXCLUSIVE
 * lock, every index of the parent that the partition has no matching index
 * for (AttachPartitionEnsureIndexes).  Each partition index matches at
 * most one parent index, so a partition with fewer indexes than the parent
 * gets at least the difference built; that lower bound is what is judged.
 */
static void
check_attach_index_builds(MGAlterContext *ctx, Oid partid)
{
	int			nparent = list_length(mg_table_index_oids(ctx->relid));
	int			npart;
	MGFinding	f = {0};

	if (nparent == 0 || get_rel_relkind(partid) == RELKIND_FOREIGN_TABLE ||
		!mg_rule_applies(MG_RULE_ATTACH_PARTITION, partid))
		return;
	npart = list_length(mg_table_index_oids(partid));
	if (npart >= nparent)
		return;
	f.rule = MG_RULE_ATTACH_PARTITION;
	f.relid = partid;
	f.lockmode = AccessExclusiveLock;
	f.message = psprintf(ngettext("ATTACH PARTITION would build %d index on \"%s\" under an ACCESS EXCLUSIVE lock",
								  "ATTACH PARTITION would build %d indexes on \"%s\" under an ACCESS EXCLUSIVE lock",
								  nparent - npart),
						 nparent - npart, get_rel_name(partid));
	f.detail = psprintf("\"%s\" has %d indexes and \"%s\" %d: every index of the parent without a matching index on the partition is built during ATTACH, while the partition is locked ACCESS EXCLUSIVE (%s).  %s",
						get_rel_name(ctx->relid), nparent, get_rel_name(partid), npart,
						mg_lock_blocks(AccessExclusiveLock), mg_rel_describe(partid));
	f.hint = psprintf("Build the matching indexes on %s first with CREATE INDEX CONCURRENTLY (the same columns, method, uniqueness and predicate as each index of %s); ATTACH PARTITION then only attaches them.",
					  mg_rel_name(partid), mg_rel_name(ctx->relid));
	mg_report(&f);
}

/*
 * CREATE TABLE ... PARTITION OF parent FOR VALUES ... checks the parent's
 * default partition for rows of the new bound (check_default_partition_contents)
 * under ACCESS EXCLUSIVE, exactly as ATTACH PARTITION does.
 */
void
mg_check_create_partition(MGStatement *st, CreateStmt *stmt)
{
	Oid			parentid;
	Oid			defaultid;
	Relation	parent;
	bool		scanned = true;
	MGFinding	f = {0};

	if (stmt->partbound == NULL || stmt->partbound->is_default ||
		list_length(stmt->inhRelations) != 1)
		return;
	parentid = RangeVarGetRelid(linitial(stmt->inhRelations), NoLock, true);
	if (!OidIsValid(parentid) || get_rel_relkind(parentid) != RELKIND_PARTITIONED_TABLE)
		return;
	defaultid = get_default_partition_oid(parentid);
	if (!OidIsValid(defaultid) || !mg_rule_applies(MG_RULE_ATTACH_PARTITION, defaultid))
		return;
	parent = mg_rel_open_nowait(parentid);
	if (parent != NULL)
	{
		ParseState *pstate = make_parsestate(NULL);
		PartitionBoundSpec *bound;

		pstate->p_sourcetext = st->query_string;
		bound = transformPartitionBound(pstate, parent, copyObject(stmt->partbound));
		/* an overlapping bound: PostgreSQL's own error, as DefineRelation raises next */
		check_new_partition_bound(stmt->relation->relname, parent, bound, pstate);
		scanned = !partition_constraint_proven(defaultid,
											   get_proposed_default_constraint(get_qual_from_partbound(parent, bound)),
											   parent);
		free_parsestate(pstate);
		mg_rel_close_nowait(parent);
	}
	if (!scanned)
		return;
	f.rule = MG_RULE_ATTACH_PARTITION;
	f.relid = defaultid;
	f.lockmode = AccessExclusiveLock;
	f.message = psprintf("CREATE TABLE ... PARTITION OF would scan default partition \"%s\" under an ACCESS EXCLUSIVE lock",
						 get_rel_name(defaultid));
	f.detail = psprintf("Creating a partition next to a default partition checks every row of the default partition for rows of the new bound, holding ACCESS EXCLUSIVE on it (%s) and on the parent.  %s",
						mg_lock_blocks(AccessExclusiveLock), mg_rel_describe(defaultid));
	f.hint = pstrdup("Add a validated CHECK constraint to the default partition that excludes the new bound (ADD ... NOT VALID, then VALIDATE CONSTRAINT), or move the default partition's rows out first.");
	mg_report(&f);
}

static void
check_attach_partition(MGAlterContext *ctx, PartitionCmd *pc)
{
	Oid			partid;
	Oid			defaultid;
	Relation	parent;
	ParseState *pstate;
	PartitionBoundSpec *bound;
	List	   *boundqual = NIL;
	List	   *partqual = NIL;
	bool		part_scanned = true;
	bool		default_scanned;
	char	   *check_sql = NULL;
	MGFinding	f = {0};

	if (ctx->relkind != RELKIND_PARTITIONED_TABLE || pc->bound == NULL)
		return;
	partid = RangeVarGetRelid(pc->name, NoLock, true);
	if (!OidIsValid(partid))
		return;
	defaultid = pc->bound->is_default ? InvalidOid : get_default_partition_oid(ctx->relid);
	default_scanned = OidIsValid(defaultid);

	if (!mg_rule_applies(MG_RULE_ATTACH_PARTITION, partid) &&
		!(default_scanned && mg_rule_applies(MG_RULE_ATTACH_PARTITION, defaultid)))
		return;

	/* The partition constraint, as ATExecAttachPartition builds it. */
	parent = mg_rel_open_nowait(ctx->relid);
	if (parent != NULL)
	{
		Relation	part = mg_rel_open_nowait(partid);
		bool		attachable = part != NULL && partition_can_attach(parent, part);

		if (part != NULL)
			mg_rel_close_nowait(part);
		if (!attachable)
		{
			mg_rel_close_nowait(parent);
			return;
		}
		pstate = make_parsestate(NULL);
		pstate->p_sourcetext = ctx->st->query_string;
		bound = transformPartitionBound(pstate, parent, copyObject(pc->bound));

		/*
		 * A bound that overlaps another partition (or breaks the hash
		 * moduli) is refused before any scan: this raises PostgreSQL's own
		 * error, exactly as ATExecAttachPartition would next.
		 */
		check_new_partition_bound(get_rel_name(partid), parent, bound, pstate);
		boundqual = get_qual_from_partbound(parent, bound);
		partqual = list_concat(list_copy(boundqual), RelationGetPartitionQual(parent));
		if (partqual == NIL)
			part_scanned = false;
		else
		{
			partqual = (List *) eval_const_expressions(NULL, (Node *) partqual);
			partqual = list_make1(make_ands_explicit(partqual));
			part_scanned = !partition_constraint_proven(partid, partqual, parent);
			if (part_scanned)
			{
				List	   *ctxt = deparse_context_for(get_rel_name(ctx->relid), ctx->relid);

				check_sql = deparse_expression(linitial(partqual), ctxt, false, false);
			}
		}
		if (default_scanned)
			default_scanned = !partition_constraint_proven(defaultid,
														   get_proposed_default_constraint(boundqual),
														   parent);
		free_parsestate(pstate);
		mg_rel_close_nowait(parent);
	}

	/* (after PostgreSQL's own refusals above) */
	check_attach_index_builds(ctx, partid);
	if (part_scanned && !mg_rule_applies(MG_RULE_ATTACH_PARTITION, partid))
		part_scanned = false;
	if (default_scanned && !mg_rule_applies(MG_RULE_ATTACH_PARTITION, defaultid))
		default_scanned = false;
	if (!part_scanned && !default_scanned)
		return;

	f.rule = MG_RULE_ATTACH_PARTITION;
	f.relid = part_scanned ? partid : defaultid;
	f.lockmode = AccessExclusiveLock;
	if (part_scanned)
	{
		f.message = psprintf("ATTACH PARTITION would scan \"%s\" under an ACCESS EXCLUSIVE lock",
							 get_rel_name(partid));
		f.detail = psprintf("No validated CHECK constraint of \"%s\" proves the partition bound, so every row is checked while the partition is locked ACCESS EXCLUSIVE (%s) and the parent SHARE UPDATE EXCLUSIVE.%s  %s",
							get_rel_name(partid), mg_lock_blocks(AccessExclusiveLock),
							default_scanned ? psprintf("  The default partition \"%s\" is also scanned under ACCESS EXCLUSIVE, to prove it holds no rows of the new bound.", get_rel_name(defaultid)) : "",
							mg_rel_describe(partid));
		if (check_sql != NULL)
			f.hint = psprintf("Prove the bound first without blocking: ALTER TABLE %s ADD CONSTRAINT %s CHECK (%s) NOT VALID; ALTER TABLE %s VALIDATE CONSTRAINT %s; then ATTACH PARTITION skips the scan, and the CHECK can be dropped afterwards.",
							  mg_rel_name(partid), quote_identifier(psprintf("%s_bound", get_rel_name(partid))),
							  check_sql, mg_rel_name(partid),
							  quote_identifier(psprintf("%s_bound", get_rel_name(partid))));
		else
			f.hint = pstrdup("Prove the bound first without blocking: add a CHECK constraint matching the partition bound with NOT VALID and VALIDATE it; then ATTACH PARTITION skips the scan, and the CHECK can be dropped afterwards.");
	}
	else
	{
		f.message = psprintf("ATTACH PARTITION would scan default partition \"%s\" under an ACCESS EXCLUSIVE lock",
							 get_rel_name(defaultid));
		f.detail = psprintf("Attaching a partition next to a default partition checks every row of the default partition for rows of the new bound, holding ACCESS EXCLUSIVE on it (%s).  %s",
							mg_lock_blocks(AccessExclusiveLock), mg_rel_describe(defaultid));
		f.hint = pstrdup("Add a validated CHECK constraint to the default partition that excludes the new bound (ADD ... NOT VALID, then VALIDATE CONSTRAINT), or move the default partition's rows out first.");
	}
	mg_report(&f);
}

static void
check_detach_partition(MGAlterContext *ctx, PartitionCmd *pc)
{
	Oid			partid;
	MGFinding	f = {0};
	bool		has_default;

	if (ctx->relkind != RELKIND_PARTITIONED_TABLE || pc->concurrent)
		return;
	partid = RangeVarGetRelid(pc->name, NoLock, true);
	if (!OidIsValid(partid))
		return;
	/* PostgreSQL reports a relation that is not a partition of this table. */
	if (!get_rel_relispartition(partid) || get_partition_parent(partid, true) != ctx->relid)
		return;
	if (!mg_rule_applies(MG_RULE_DETACH_PARTITION, ctx->relid))
		return;
	has_default = OidIsValid(get_default_partition_oid(ctx->relid));

	f.rule = MG_RULE_DETACH_PARTITION;
	f.relid = ctx->relid;
	f.lockmode = ctx->lockmode;
	f.message = psprintf("DETACH PARTITION would lock table \"%s\" ACCESS EXCLUSIVE",
						 get_rel_name(ctx->relid));
	f.detail = psprintf("Detaching \"%s\" without CONCURRENTLY waits for every query on the partitioned table to finish and then holds an %s lock on it and the partition, %s; queries queue behind it.  %s",
						get_rel_name(partid), mg_lockmode_name(ctx->lockmode),
						mg_lock_blocks(ctx->lockmode), mg_rel_describe(ctx->relid));
	if (has_default)
		f.hint = psprintf("DETACH PARTITION ... CONCURRENTLY is not possible while %s has a default partition; detach it in a quiet moment with a short lock_timeout and retry.",
						  mg_rel_name(ctx->relid));
	else
		f.hint = psprintf("ALTER TABLE %s DETACH PARTITION %s CONCURRENTLY, outside a transaction block; if it is interrupted, finish it with DETACH PARTITION ... FINALIZE.",
						  mg_rel_name(ctx->relid), mg_rel_name(partid));
	mg_report(&f);
}

/* ---------------------------------------------------------------------
 * The ALTER TABLE dispatcher
 * ---------------------------------------------------------------------
 */

/*
 * Does the column definition give the column a default (DEFAULT, even
 * DEFAULT NULL; serial; a generation expression)?  PostgreSQL transforms
 * each ADD COLUMN on its own (ATParseTransformCmd) and validates the
 * column's inline foreign key only then: without a default the new column
 * is all NULL, and transformFKConstraints() marks the key valid unscanned.
 */
bool
mg_column_def_has_default(ColumnDef *def)
{
	ListCell   *lc;

	if (def->raw_default != NULL || mg_serial_type_name(def->typeName) != NULL)
		return true;
	foreach(lc, def->constraints)
	{
		Constraint *con = lfirst_node(Constraint, lc);

		if (con->contype == CONSTR_DEFAULT || con->contype == CONSTR_GENERATED)
			return true;
	}
	return false;
}

static bool
is_table_relkind(char relkind)
{
	return relkind == RELKIND_RELATION || relkind == RELKIND_PARTITIONED_TABLE ||
		relkind == RELKIND_FOREIGN_TABLE;
}

/* Does one ALTER TABLE change the type of a column twice?  PostgreSQL refuses. */
static bool
alters_column_type_twice(AlterTableStmt *stmt)
{
	List	   *seen = NIL;
	ListCell   *lc;

	foreach(lc, stmt->cmds)
	{
		AlterTableCmd *cmd = lfirst_node(AlterTableCmd, lc);
		ListCell   *ls;

		if (cmd->subtype != AT_AlterColumnType || cmd->name == NULL)
			continue;
		foreach(ls, seen)
		{
			if (strcmp(strVal(lfirst(ls)), cmd->name) == 0)
				return true;
		}
		seen = lappend(seen, makeString(cmd->name));
	}
	return false;
}

void
mg_check_alter_table_stmt(MGStatement *st, AlterTableStmt *stmt)
{
	MGAlterContext ctx;
	ListCell   *lc;

	ctx.st = st;
	ctx.stmt = stmt;
	ctx.relid = RangeVarGetRelid(stmt->relation, NoLock, true);
	if (!OidIsValid(ctx.relid))
		return;					/* PostgreSQL reports the missing relation */
	ctx.relkind = get_rel_relkind(ctx.relid);
	if (!is_table_relkind(ctx.relkind) && ctx.relkind != RELKIND_MATVIEW &&
		ctx.relkind != RELKIND_INDEX && ctx.relkind != RELKIND_PARTITIONED_INDEX)
		return;
	if (mg_rel_is_protected_catalog(ctx.relid))
		return;					/* PostgreSQL refuses to alter a system catalog */
	if (!mg_caller_owns_relation(ctx.relid))
		return;					/* PostgreSQL reports "must be owner" */
	if (alters_column_type_twice(stmt))
		return;					/* PostgreSQL refuses it */
	ctx.lockmode = AlterTableGetLockLevel(stmt->cmds);
	ctx.added_columns = NIL;
	foreach(lc, stmt->cmds)
	{
		AlterTableCmd *cmd = lfirst_node(AlterTableCmd, lc);

		if (cmd->subtype == AT_AddColumn && IsA(cmd->def, ColumnDef))
		{
			char	   *colname = ((ColumnDef *) cmd->def)->colname;

			/* A column that exists (or is added twice): PostgreSQL refuses it. */
			if (!cmd->missing_ok &&
				mg_column_exists(ctx.relid, colname, ctx.added_columns))
				return;
			ctx.added_columns = lappend(ctx.added_columns, makeString(colname));
		}
		/* A type change PostgreSQL refuses fails the whole statement. */
		if (cmd->subtype == AT_AlterColumnType && cmd->name != NULL &&
			mg_alter_rel_has_storage_rules(&ctx))
		{
			AttrNumber	attnum = get_attnum(ctx.relid, cmd->name);

			if (attnum > 0 && !column_type_can_change(&ctx, attnum))
				return;
		}
	}

	foreach(lc, stmt->cmds)
	{
		AlterTableCmd *cmd = lfirst_node(AlterTableCmd, lc);

		switch (cmd->subtype)
		{
			case AT_AddColumn:
				if (!is_table_relkind(ctx.relkind) || !IsA(cmd->def, ColumnDef))
					break;
				/* ADD COLUMN IF NOT EXISTS of an existing column does nothing. */
				if (cmd->missing_ok &&
					get_attnum(ctx.relid, ((ColumnDef *) cmd->def)->colname) != InvalidAttrNumber)
					break;
				mg_check_add_column_required(st, ctx.relid, (ColumnDef *) cmd->def);
				mg_check_column_design(st, ctx.relid, (ColumnDef *) cmd->def);
				check_add_column(&ctx, (ColumnDef *) cmd->def);
				break;
			case AT_DropColumn:
				if (is_table_relkind(ctx.relkind))
					mg_check_drop_column(st, ctx.relid, cmd);
				break;
			case AT_AlterColumnType:
				if (!is_table_relkind(ctx.relkind) || !IsA(cmd->def, ColumnDef))
					break;
				mg_check_column_type_design(st, ctx.relid, cmd->name,
											((ColumnDef *) cmd->def)->typeName);
				check_alter_column_type(&ctx, cmd);
				break;
			case AT_SetNotNull:
				if (mg_alter_rel_has_storage_rules(&ctx))
					mg_check_set_not_null(&ctx, cmd->name);
				break;
			case AT_AddConstraint:
				if (mg_alter_rel_has_storage_rules(&ctx) && IsA(cmd->def, Constraint))
					mg_check_add_constraint(&ctx, (Constraint *) cmd->def);
				break;
			case AT_ValidateConstraint:
				if (mg_alter_rel_has_storage_rules(&ctx))
					mg_check_validate_constraint(&ctx, cmd->name);
				break;
			case AT_SetLogged:
			case AT_SetUnLogged:
				check_set_logged(&ctx, cmd->subtype == AT_SetLogged);
				break;
			case AT_SetTableSpace:
				check_set_tablespace(&ctx, cmd->name);
				break;
			case AT_AttachPartition:
				check_attach_partition(&ctx, castNode(PartitionCmd, cmd->def));
				break;
			case AT_DetachPartition:
				check_detach_partition(&ctx, castNode(PartitionCmd, cmd->def));
				break;
#ifdef MG_HAVE_SET_EXPRESSION
			case AT_SetExpression:
				mg_check_set_expression(&ctx, cmd->name);
				break;
#endif
#ifdef MG_HAVE_ALTER_CONSTRAINT_ENFORCED
			case AT_AlterConstraint:
				if (IsA(cmd->def, ATAlterConstraint))
					mg_check_alter_constraint(&ctx, (ATAlterConstraint *) cmd->def);
				break;
#endif
			default:
				break;
		}
	}
}

/* ---------------------------------------------------------------------
 * alter_domain_add_constraint
 * ---------------------------------------------------------------------
 */

/*
 * Is the domain (or a domain over it) inside a container type, an array,
 * composite or range, that a column stores?  get_rels_with_domain then
 * refuses the statement ("cannot alter type ... because column ... uses it").
 */
static bool
domain_in_stored_container(Oid domainoid, int depth)
{
	ListCell   *lc;

	if (depth > 16)
		return false;
	foreach(lc, mg_type_dependents(domainoid))
	{
		ObjectAddress *dep = lfirst(lc);

		if (dep->classId != TypeRelationId)
			continue;
		if (get_typtype(dep->objectId) == TYPTYPE_DOMAIN ?
			domain_in_stored_container(dep->objectId, depth + 1) :
			type_stored_in_columns(dep->objectId, 0))
			return true;
	}
	return false;
}

/* Is the domain's constraint of that name validated already (or absent)? */
static bool
domain_constraint_validated(Oid domainoid, const char *conname)
{
	Oid			conoid = get_domain_constraint_oid(domainoid, conname, true);
	HeapTuple	tuple;
	bool		validated = true;

	if (!OidIsValid(conoid))
		return true;
	tuple = SearchSysCache1(CONSTROID, ObjectIdGetDatum(conoid));
	if (HeapTupleIsValid(tuple))
	{
		validated = ((Form_pg_constraint) GETSTRUCT(tuple))->convalidated;
		ReleaseSysCache(tuple);
	}
	return validated;
}

void
mg_check_alter_domain_stmt(MGStatement *st, AlterDomainStmt *stmt)
{
	Constraint *con = NULL;
	Type		typ;
	Oid			domainoid;
	List	   *tables = NIL;
	List	   *names = NIL;
	ListCell   *lc;
	MGFinding	f = {0};
	bool		notnull;

	if (stmt->subtype == 'C')
	{
		if (stmt->def == NULL || !IsA(stmt->def, Constraint))
			return;
		con = (Constraint *) stmt->def;
		if (con->skip_validation || !compat_constraint_enforced(con))
			return;
		if (con->contype != CONSTR_CHECK && con->contype != CONSTR_NOTNULL)
			return;
		/* A CHECK may name only VALUE: PostgreSQL reports anything else. */
		if (con->contype == CONSTR_CHECK &&
			!mg_expr_columns_exist(InvalidOid, con->raw_expr, list_make1(makeString("value"))))
			return;
	}
	else if (stmt->subtype != 'O' && stmt->subtype != 'V')
		return;
	if (!mg_rule_applies(MG_RULE_ALTER_DOMAIN_ADD_CONSTRAINT, InvalidOid))
		return;

	typ = LookupTypeName(NULL, makeTypeNameFromNameList(stmt->typeName), NULL, true);
	if (typ == NULL)
		return;
	domainoid = typeTypeId(typ);
	ReleaseSysCache(typ);
	if (get_typtype(domainoid) != TYPTYPE_DOMAIN)
		return;
	if (!compat_type_ownercheck(domainoid, GetUserId()))
		return;					/* PostgreSQL reports "must be owner" */
	if (stmt->subtype == 'V' && domain_constraint_validated(domainoid, stmt->name))
		return;					/* nothing to validate */
	if (domain_in_stored_container(domainoid, 0))
		return;					/* PostgreSQL refuses it */

	foreach(lc, mg_tables_using_domain(domainoid))
	{
		if (!mg_rel_exempt_from_size_rules(lfirst_oid(lc)))
			tables = lappend_oid(tables, lfirst_oid(lc));
	}
	if (tables == NIL)
		return;
	foreach(lc, tables)
		names = lappend(names, mg_rel_name(lfirst_oid(lc)));

	notnull = stmt->subtype == 'O' || (con != NULL && con->contype == CONSTR_NOTNULL);
	f.rule = MG_RULE_ALTER_DOMAIN_ADD_CONSTRAINT;
	f.relid = linitial_oid(tables);
	f.lockmode = ShareLock;
	f.message = psprintf("ALTER DOMAIN %s would scan %d %s under a SHARE lock",
						 stmt->subtype == 'V' ? "VALIDATE CONSTRAINT" :
						 notnull ? "SET NOT NULL" : "ADD CONSTRAINT",
						 list_length(tables), list_length(tables) == 1 ? "table" : "tables");
	f.detail = psprintf("Every column of domain %s is checked against the new constraint, holding a SHARE lock on %s, which blocks INSERT, UPDATE and DELETE until the scan ends.  %s",
						format_type_be(domainoid), list_names(names),
						mg_rel_describe(linitial_oid(tables)));
	/*
	 * Unlike ALTER TABLE, ALTER DOMAIN VALIDATE CONSTRAINT also holds SHARE
	 * on every table while it scans (validateDomainCheckConstraint), so
	 * NOT VALID helps only until the validation.
	 */
	f.hint = psprintf("ALTER DOMAIN %s ADD CONSTRAINT ... %sNOT VALID checks only new values and scans nothing.  To prove the existing rows without blocking writes, add the same condition to each table as a CHECK constraint NOT VALID and run ALTER TABLE ... VALIDATE CONSTRAINT, which takes only SHARE UPDATE EXCLUSIVE; ALTER DOMAIN ... VALIDATE CONSTRAINT takes SHARE on every table again.",
					  format_type_be(domainoid), notnull ? "CHECK (VALUE IS NOT NULL) " : "");
	mg_report(&f);
}
