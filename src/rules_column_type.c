/*-------------------------------------------------------------------------
 *
 * rules_column_type.c
 *	  Rule alter_column_type: ALTER TABLE ... ALTER COLUMN ... TYPE, judged as
 *	  tablecmds.c performs it.  A change that rewrites the table, one that
 *	  only builds indexes again, and one that only checks constraints again
 *	  are told apart from the catalog, so that a catalog-only change passes.
 *	  Called by the ALTER TABLE dispatcher (rules_alter.c) only.
 *
 * IDENTIFICATION
 *	  src/rules_column_type.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "compat.h"

#include "access/genam.h"
#include "access/htup_details.h"
#include "access/table.h"
#include "catalog/indexing.h"
#include "catalog/pg_class.h"
#include "catalog/pg_constraint.h"
#include "catalog/pg_index.h"
#include "catalog/pg_type.h"
#include "commands/defrem.h"
#include "nodes/makefuncs.h"
#include "nodes/nodeFuncs.h"
#include "optimizer/optimizer.h"
#include "parser/parse_coerce.h"
#include "parser/parse_collate.h"
#include "parser/parse_expr.h"
#include "parser/parse_relation.h"
#include "parser/parse_type.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/fmgroids.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/syscache.h"
#include "utils/timestamp.h"
#include "utils/typcache.h"

#include "alterfacts.h"
#include "applies.h"
#include "finding.h"
#include "relfacts.h"
#include "relopen.h"
#include "report.h"
#include "rules_alter.h"
#include "statement.h"
#include "words.h"

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
		return dgettext(TEXTDOMAIN, "it is an expression or partial index");
	if (!uses)
		return NULL;
	if (!heap_attisnull(tuple, Anum_pg_index_indexprs, NULL) ||
		!heap_attisnull(tuple, Anum_pg_index_indpred, NULL))
		return dgettext(TEXTDOMAIN, "it is an expression or partial index");
	if (!index->indisvalid)
		return dgettext(TEXTDOMAIN, "it is invalid");

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
			return dgettext(TEXTDOMAIN, "its operator class changes");

		if (OidIsValid(oldidxcoll) && oldidxcoll != chg->oldcoll)
			newidxcoll = oldidxcoll;	/* written out in the definition */
		else
			newidxcoll = chg->newcoll;
		if (newidxcoll != oldidxcoll)
			return dgettext(TEXTDOMAIN, "its collation changes");

		if (IsPolymorphicType(get_opclass_input_type(newopc)) &&
			chg->newtype != chg->oldtype)
			return dgettext(TEXTDOMAIN, "its operator class is polymorphic and the type changes");

		if (index->indisexclusion && chg->newtype != chg->oldtype)
			return dgettext(TEXTDOMAIN, "its exclusion operators are looked up again for the new type");
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
			result = lappend(result, psprintf(dgettext(TEXTDOMAIN, "\"%s\" (%s)"), get_rel_name(indexoid), reason));
	}
	systable_endscan(scan);
	table_close(pg_index, AccessShareLock);
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

		if (con->contype == CONSTRAINT_CHECK && con->convalidated &&
			conkey_has(tuple, RelationGetDescr(pg_constraint),
					   Anum_pg_constraint_conkey, attnum))
			result = lappend(result, psprintf("\"%s\"", NameStr(con->conname)));
	}
	systable_endscan(scan);
	table_close(pg_constraint, AccessShareLock);
	return result;
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
			result = lappend(result, psprintf(dgettext(TEXTDOMAIN, "\"%s\" (reading %s)"), NameStr(con->conname),
											  mg_rel_name(con->conrelid)));
	}
	systable_endscan(scan);
	table_close(pg_constraint, AccessShareLock);
	return result;
}

/*
 * The safe pattern for any type change, added after the hint written so
 * far: a new column, backfilled, swapped in.  After another way out it
 * starts "Otherwise:".
 */
static void
hint_expand_contract(MGFinding *f, MGAlterContext *ctx, const char *colname,
					 const char *new_type, bool otherwise)
{
	const char *table = mg_rel_name(ctx->relid);
	const char *newcol = quote_identifier(psprintf("%s_new", colname));

	if (otherwise)
		mg_finding_add_hint(f, "Otherwise: Use expand, migrate, contract: ALTER TABLE %s ADD COLUMN %s %s; backfill it in batches while a trigger keeps it in sync; then, in one short transaction, drop or rename the old column and rename the new one to %s.",
							table, newcol, new_type, quote_identifier(colname));
	else
		mg_finding_hint(f, "Use expand, migrate, contract: ALTER TABLE %s ADD COLUMN %s %s; backfill it in batches while a trigger keeps it in sync; then, in one short transaction, drop or rename the old column and rename the new one to %s.",
						table, newcol, new_type, quote_identifier(colname));
}

void
mg_check_alter_column_type(MGAlterContext *ctx, AlterTableCmd *cmd)
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
	char	   *old_type;
	char	   *new_type;
	bool		rewrites;
	bool		castable;

	if (!mg_alter_rel_has_storage_rules(ctx) || def == NULL || def->typeName == NULL)
		return;
	if (!mg_rule_applies(MG_RULE_ALTER_COLUMN_TYPE, ctx->relid))
		return;

	tuple = SearchSysCacheAttName(ctx->relid, colname);
	if (!HeapTupleIsValid(tuple))
		return;					/* added by this statement, or PostgreSQL
								 * reports it */
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
	old_type = format_type_with_typemod(chg.oldtype, chg.oldtypmod);
	new_type = format_type_with_typemod(chg.newtype, chg.newtypmod);

	mg_alter_finding_init(&f, ctx, MG_RULE_ALTER_COLUMN_TYPE);
	f.column = colname;

	rewrites = type_change_rewrites(ctx->st, ctx->relid, def, &chg, &castable);
	if (!castable)
		return;					/* PostgreSQL reports the impossible cast */
	if (rewrites && mg_rowtype_stored_elsewhere(ctx->relid))
		return;					/* PostgreSQL refuses to rewrite it */
	if (rewrites)
	{
		List	   *fks = foreign_keys_revalidated(ctx->relid, chg.attnum);

		f.rewrites = true;
		mg_finding_message(&f, "ALTER COLUMN TYPE would rewrite table \"%s\"", relname);
		if (def->raw_default != NULL)
			mg_finding_detail(&f, "Changing column \"%s\" from %s to %s with this USING expression rewrites every row and rebuilds every index of the table while holding an %s lock, %s.",
							  colname, old_type, new_type,
							  mg_lockmode_name(ctx->lockmode), mg_lock_blocks(ctx->lockmode));
		else
			mg_finding_detail(&f, "Changing column \"%s\" from %s to %s rewrites every row and rebuilds every index of the table while holding an %s lock, %s.",
							  colname, old_type, new_type,
							  mg_lockmode_name(ctx->lockmode), mg_lock_blocks(ctx->lockmode));
		if (fks != NIL)
			mg_finding_add_detail(&f, "Foreign key %s is validated again as well.", mg_list_names(fks));
		mg_finding_add_detail_text(&f, mg_rel_describe(ctx->relid));
		hint_expand_contract(&f, ctx, colname, new_type, false);
		mg_report(&f);
		return;
	}

	rebuilt = indexes_rebuilt(ctx->relid, &chg);
	rechecked = check_constraints_rechecked(ctx->relid, chg.attnum);
	if (rebuilt != NIL)
	{
		if (list_length(rebuilt) == 1)
			mg_finding_message(&f, "ALTER COLUMN TYPE would rebuild an index of table \"%s\"", relname);
		else
			mg_finding_message_plural(&f, "ALTER COLUMN TYPE would rebuild %d index of table \"%s\"",
									  "ALTER COLUMN TYPE would rebuild %d indexes of table \"%s\"",
									  list_length(rebuilt), list_length(rebuilt), relname);
		mg_finding_detail(&f, "Changing column \"%s\" from %s to %s needs no rewrite, but PostgreSQL builds index %s again while holding an %s lock, %s.",
						  colname, old_type, new_type, mg_list_names(rebuilt),
						  mg_lockmode_name(ctx->lockmode), mg_lock_blocks(ctx->lockmode));
		if (rechecked != NIL)
			mg_finding_add_detail(&f, "It also scans the table to check constraint %s again.",
								  mg_list_names(rechecked));
		mg_finding_add_detail_text(&f, mg_rel_describe(ctx->relid));
		mg_finding_hint(&f, "Drop the index with DROP INDEX CONCURRENTLY first and build it again with CREATE INDEX CONCURRENTLY after the change, if queries can do without it meanwhile.");
		hint_expand_contract(&f, ctx, colname, new_type, true);
		mg_report(&f);
	}
	else if (rechecked != NIL)
	{
		mg_finding_message(&f, "ALTER COLUMN TYPE would scan table \"%s\" to check its constraints again", relname);
		mg_finding_detail(&f, "Changing column \"%s\" from %s to %s needs no rewrite, but PostgreSQL re-adds constraint %s and checks it against every row while holding an %s lock, %s.",
						  colname, old_type, new_type, mg_list_names(rechecked),
						  mg_lockmode_name(ctx->lockmode), mg_lock_blocks(ctx->lockmode));
		mg_finding_add_detail_text(&f, mg_rel_describe(ctx->relid));
		mg_finding_hint(&f, "Drop the constraint, change the type, and add the constraint back with NOT VALID; then run ALTER TABLE ... VALIDATE CONSTRAINT in a separate transaction, which does not block reads or writes.");
		mg_report(&f);
	}
}
