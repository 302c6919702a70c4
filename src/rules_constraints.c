/*-------------------------------------------------------------------------
 *
 * rules_constraints.c
 *	  Constraint rules of ALTER TABLE: set_not_null, add_check_constraint,
 *	  add_foreign_key, foreign_key_without_index, add_unique_constraint,
 *	  add_primary_key, add_exclusion_constraint and
 *	  validate_same_transaction.
 *
 *	  A constraint added without NOT VALID (or an index built without USING
 *	  INDEX) is checked or built against every existing row while the
 *	  statement's strong lock is held.  The safe forms split the work: the
 *	  constraint is added NOT VALID (instant; new rows are checked), and
 *	  VALIDATE CONSTRAINT then scans in its own transaction under SHARE
 *	  UPDATE EXCLUSIVE, which blocks neither reads nor writes.
 *
 * IDENTIFICATION
 *	  src/rules_constraints.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/genam.h"
#include "access/htup_details.h"
#include "access/table.h"
#include "catalog/dependency.h"
#include "catalog/indexing.h"
#include "catalog/namespace.h"
#include "catalog/pg_class.h"
#include "catalog/pg_constraint.h"
#include "catalog/pg_index.h"
#include "catalog/pg_inherits.h"
#include "catalog/pg_partitioned_table.h"
#include "commands/defrem.h"
#include "lib/stringinfo.h"
#include "utils/builtins.h"
#include "utils/fmgroids.h"
#include "utils/lsyscache.h"
#include "utils/relcache.h"
#include "utils/rel.h"
#include "utils/syscache.h"

#include "migration_guard.h"
#include "relfacts.h"
#include "rules_alter.h"
#include "xact_state.h"

/* "a, b" from a list of column names (String nodes), quoted. */
static char *
column_list(List *names)
{
	StringInfoData buf;
	ListCell   *lc;

	initStringInfo(&buf);
	foreach(lc, names)
		appendStringInfo(&buf, "%s%s", buf.len > 0 ? ", " : "",
						 quote_identifier(strVal(lfirst(lc))));
	return buf.data;
}

/* PostgreSQL's default constraint name: table_col1_col2_suffix. */
static char *
constraint_name(MGAlterContext *ctx, Constraint *con, List *cols, const char *suffix)
{
	StringInfoData buf;
	ListCell   *lc;

	if (con != NULL && con->conname != NULL)
		return pstrdup(con->conname);
	initStringInfo(&buf);
	appendStringInfoString(&buf, get_rel_name(ctx->relid));
	if (strcmp(suffix, "pkey") != 0)	/* a primary key is just table_pkey */
	{
		foreach(lc, cols)
			appendStringInfo(&buf, "_%s", strVal(lfirst(lc)));
	}
	appendStringInfo(&buf, "_%s", suffix);
	if (buf.len >= NAMEDATALEN)
		buf.data[NAMEDATALEN - 1] = '\0';
	return buf.data;
}

/* Column names a table or column constraint is about. */
static List *
constraint_columns(Constraint *con, ColumnDef *coldef)
{
	if (coldef != NULL)
		return list_make1(makeString(coldef->colname));
	if (con->contype == CONSTR_FOREIGN)
		return con->fk_attrs;
	return con->keys;
}

static void
init_finding(MGFinding *f, MGAlterContext *ctx, MGRuleId rule)
{
	memset(f, 0, sizeof(MGFinding));
	f->rule = rule;
	f->relid = ctx->relid;
	f->lockmode = ctx->lockmode;
}

/* ---------------------------------------------------------------------
 * set_not_null
 * ---------------------------------------------------------------------
 */

/*
 * Does making the column NOT NULL scan this table?  Not when it already is
 * (validated), and not when a validated CHECK constraint proves it
 * (PostgreSQL 12+).  On 18 an existing NOT VALID not-null constraint is
 * validated by SET NOT NULL; it is returned in *invalid_conoid.
 */
static bool
not_null_scans(Oid relid, const char *colname, Oid *invalid_conoid)
{
	AttrNumber	attnum = get_attnum(relid, colname);
	Relation	rel;
	bool		proven;

	*invalid_conoid = InvalidOid;
	if (attnum <= 0)
		return false;			/* PostgreSQL reports it */
	if (mg_column_not_null_validated(relid, attnum, invalid_conoid))
		return false;
	if (OidIsValid(*invalid_conoid))
		return true;
	if (get_rel_relkind(relid) == RELKIND_PARTITIONED_TABLE)
		return false;			/* no rows of its own */
	rel = mg_rel_open_nowait(relid);
	if (rel == NULL)
		return true;
	proven = mg_rel_not_null_proven(rel, attnum);
	mg_rel_close_nowait(rel);
	return !proven;
}

/*
 * The first table of the statement's tree (the table itself, then its
 * partitions or inheritance children, to which SET NOT NULL recurses) that
 * would be scanned and is not exempt by size; InvalidOid if none.
 */
static Oid
not_null_scanned_table(MGAlterContext *ctx, const char *colname, Oid *invalid_conoid)
{
	List	   *rels;
	ListCell   *lc;

	if (ctx->stmt->relation->inh)
		rels = find_all_inheritors(ctx->relid, NoLock, NULL);
	else
		rels = list_make1_oid(ctx->relid);
	foreach(lc, rels)
	{
		Oid			relid = lfirst_oid(lc);

		if (not_null_scans(relid, colname, invalid_conoid) &&
			mg_rule_applies(MG_RULE_SET_NOT_NULL, relid))
			return relid;
	}
	return InvalidOid;
}

/* The safe way to make a column NOT NULL, as SQL, for this version. */
static char *
not_null_hint(Oid relid, const char *colname, Oid invalid_conoid)
{
	char	   *table = mg_rel_name(relid);
	const char *conname;

	if (OidIsValid(invalid_conoid))
		return psprintf("Validate the existing constraint instead: ALTER TABLE %s VALIDATE CONSTRAINT %s; it takes only SHARE UPDATE EXCLUSIVE, which blocks neither reads nor writes.",
						table, quote_identifier(get_constraint_name(invalid_conoid)));
	conname = quote_identifier(psprintf("%s_%s_not_null", get_rel_name(relid), colname));
#ifdef MG_HAVE_NOT_NULL_NOT_VALID
	return psprintf("ALTER TABLE %s ADD CONSTRAINT %s NOT NULL %s NOT VALID; then, in a separate transaction, ALTER TABLE %s VALIDATE CONSTRAINT %s, which takes only SHARE UPDATE EXCLUSIVE and blocks neither reads nor writes.",
					table, conname, quote_identifier(colname), table, conname);
#else
	return psprintf("ALTER TABLE %s ADD CONSTRAINT %s CHECK (%s IS NOT NULL) NOT VALID; then, in a separate transaction, ALTER TABLE %s VALIDATE CONSTRAINT %s (SHARE UPDATE EXCLUSIVE: reads and writes go on); SET NOT NULL then skips the scan because the validated CHECK proves it, and the CHECK can be dropped afterwards.",
					table, conname, quote_identifier(colname), table, conname);
#endif
}

static void
report_not_null(MGAlterContext *ctx, const char *colname, const char *what)
{
	Oid			invalid_conoid;
	Oid			scanned;
	MGFinding	f;

	if (!mg_rule_applies(MG_RULE_SET_NOT_NULL, InvalidOid))
		return;
	scanned = not_null_scanned_table(ctx, colname, &invalid_conoid);
	if (!OidIsValid(scanned))
		return;

	init_finding(&f, ctx, MG_RULE_SET_NOT_NULL);
	f.relid = scanned;
	f.column = colname;
	f.message = psprintf("%s on column \"%s\" would scan table \"%s\" under an %s lock",
						 what, colname, get_rel_name(scanned), mg_lockmode_name(ctx->lockmode));
	if (OidIsValid(invalid_conoid))
		f.detail = psprintf("The column's not-null constraint \"%s\" is NOT VALID, so %s validates it by reading every row while the lock is held, %s.  %s",
							get_constraint_name(invalid_conoid), what,
							mg_lock_blocks(ctx->lockmode), mg_rel_describe(scanned));
	else
		f.detail = psprintf("No validated CHECK (%s IS NOT NULL) constraint proves that the column has no NULLs, so every row is read while the lock is held, %s.  %s",
							quote_identifier(colname), mg_lock_blocks(ctx->lockmode),
							mg_rel_describe(scanned));
	f.hint = not_null_hint(scanned, colname, invalid_conoid);
	mg_report(&f);
}

void
mg_check_set_not_null(MGAlterContext *ctx, const char *colname)
{
	if (colname != NULL)
		report_not_null(ctx, colname, "SET NOT NULL");
}

/* ---------------------------------------------------------------------
 * add_check_constraint, add_foreign_key, foreign_key_without_index
 * ---------------------------------------------------------------------
 */

/*
 * The first table a new CHECK constraint is checked against (the table,
 * then the partitions and inheritance children it recurses to unless NO
 * INHERIT) that is not exempt by size; InvalidOid if none.  A small parent
 * of big children scans the children.
 */
static Oid
check_scanned_table(MGAlterContext *ctx, Constraint *con)
{
	List	   *rels;
	ListCell   *lc;

	if (ctx->stmt->relation->inh && !con->is_no_inherit)
		rels = find_all_inheritors(ctx->relid, NoLock, NULL);
	else
		rels = list_make1_oid(ctx->relid);
	foreach(lc, rels)
	{
		Oid			relid = lfirst_oid(lc);

		if (get_rel_relkind(relid) == RELKIND_PARTITIONED_TABLE && relid != ctx->relid)
			continue;			/* no rows of its own */
		if (mg_rule_applies(MG_RULE_ADD_CHECK_CONSTRAINT, relid))
			return relid;
	}
	return InvalidOid;
}

static void
check_add_check(MGAlterContext *ctx, Constraint *con, ColumnDef *coldef, bool enforced)
{
	Oid			scanned;
	MGFinding	f;
	char	   *table = mg_rel_name(ctx->relid);
	const char *conname;

	if (con->skip_validation || !enforced)
		return;
	if (!mg_expr_columns_exist(ctx->relid, con->raw_expr, ctx->added_columns))
		return;					/* PostgreSQL reports the missing column */
	if (!ctx->stmt->relation->inh && !con->is_no_inherit &&
		find_inheritance_children(ctx->relid, NoLock) != NIL)
		return;					/* ONLY: "constraint must be added to child tables too" */
	scanned = check_scanned_table(ctx, con);
	if (!OidIsValid(scanned))
		return;

	conname = quote_identifier(constraint_name(ctx, con, coldef ? list_make1(makeString(coldef->colname)) : NIL, "check"));
	init_finding(&f, ctx, MG_RULE_ADD_CHECK_CONSTRAINT);
	if (coldef != NULL)
		f.message = psprintf("ADD COLUMN \"%s\" with a CHECK constraint would scan table \"%s\" under an %s lock",
							 coldef->colname, get_rel_name(ctx->relid), mg_lockmode_name(ctx->lockmode));
	else
		f.message = psprintf("ADD CONSTRAINT \"%s\" CHECK would scan table \"%s\" under an %s lock",
							 constraint_name(ctx, con, NIL, "check"), get_rel_name(ctx->relid),
							 mg_lockmode_name(ctx->lockmode));
	if (scanned == ctx->relid)
		f.detail = psprintf("A CHECK constraint added without NOT VALID is checked against every existing row while the lock is held, %s.  %s",
							mg_lock_blocks(ctx->lockmode), mg_rel_describe(ctx->relid));
	else
		f.detail = psprintf("A CHECK constraint added without NOT VALID is checked against every existing row of the table and of its partitions or inheritance children, each locked the same way, while the lock is held, %s.  %s",
							mg_lock_blocks(ctx->lockmode), mg_rel_describe(scanned));
	f.hint = psprintf("%sALTER TABLE %s ADD CONSTRAINT %s CHECK (...) NOT VALID; then, in a separate transaction, ALTER TABLE %s VALIDATE CONSTRAINT %s, which takes only SHARE UPDATE EXCLUSIVE and blocks neither reads nor writes.",
					  coldef ? "Add the column without the constraint, then: " : "",
					  table, conname, table, conname);
	mg_report(&f);
}

/*
 * Does this ALTER TABLE itself create an index whose leading columns are
 * exactly these (a UNIQUE or PRIMARY KEY constraint, inline or not)?
 */
static bool
statement_indexes_columns(MGAlterContext *ctx, List *cols)
{
	ListCell   *lc;

	foreach(lc, ctx->stmt->cmds)
	{
		AlterTableCmd *cmd = lfirst_node(AlterTableCmd, lc);
		List	   *keys = NIL;

		if (cmd->subtype == AT_AddConstraint && IsA(cmd->def, Constraint))
		{
			Constraint *con = (Constraint *) cmd->def;

			if (con->contype == CONSTR_UNIQUE || con->contype == CONSTR_PRIMARY)
				keys = con->keys;
		}
		else if (cmd->subtype == AT_AddColumn && IsA(cmd->def, ColumnDef))
		{
			ColumnDef  *def = (ColumnDef *) cmd->def;
			ListCell   *lc2;

			foreach(lc2, def->constraints)
			{
				Constraint *con = lfirst_node(Constraint, lc2);

				if (con->contype == CONSTR_UNIQUE || con->contype == CONSTR_PRIMARY)
					keys = list_make1(makeString(def->colname));
			}
		}
		if (list_length(keys) >= list_length(cols))
		{
			bool		all = true;
			ListCell   *c;

			foreach(c, cols)
			{
				bool		found = false;

				for (int i = 0; i < list_length(cols); i++)
				{
					if (strcmp(strVal(list_nth(keys, i)), strVal(lfirst(c))) == 0)
						found = true;
				}
				all = all && found;
			}
			if (all)
				return true;
		}
	}
	return false;
}

/* Does this ALTER TABLE add a UNIQUE or PRIMARY KEY constraint of its own? */
static bool
statement_adds_unique_key(MGAlterContext *ctx)
{
	ListCell   *lc;

	foreach(lc, ctx->stmt->cmds)
	{
		AlterTableCmd *cmd = lfirst_node(AlterTableCmd, lc);
		List	   *cons = NIL;
		ListCell   *lc2;

		if (cmd->subtype == AT_AddConstraint && IsA(cmd->def, Constraint))
			cons = list_make1(cmd->def);
		else if (cmd->subtype == AT_AddColumn && IsA(cmd->def, ColumnDef))
			cons = ((ColumnDef *) cmd->def)->constraints;
		foreach(lc2, cons)
		{
			Constraint *con = (Constraint *) lfirst(lc2);

			if (IsA(con, Constraint) &&
				(con->contype == CONSTR_UNIQUE || con->contype == CONSTR_PRIMARY))
				return true;
		}
	}
	return false;
}

/*
 * Does the referenced table have a valid, non-partial unique index on
 * exactly these columns (in any order), as transformFkeyCheckAttrs needs?
 * With no columns named, its primary key is meant.
 */
static bool
referenced_key_exists(Oid pkrelid, List *pk_attrs)
{
	Relation	rel = mg_rel_open_nowait(pkrelid);
	List	   *indexes;
	ListCell   *lc;
	bool		found = false;

	if (rel == NULL)
		return true;			/* cannot tell without waiting: assume so */
	indexes = RelationGetIndexList(rel);
	mg_rel_close_nowait(rel);
	foreach(lc, indexes)
	{
		HeapTuple	tuple = SearchSysCache1(INDEXRELID, ObjectIdGetDatum(lfirst_oid(lc)));
		Form_pg_index index;
		bool		match;

		if (!HeapTupleIsValid(tuple))
			continue;
		index = (Form_pg_index) GETSTRUCT(tuple);
		if (pk_attrs == NIL)
			match = index->indisprimary;
		else
		{
			match = index->indisunique && index->indisvalid && index->indimmediate &&
				index->indnkeyatts == list_length(pk_attrs) &&
				heap_attisnull(tuple, Anum_pg_index_indexprs, NULL) &&
				heap_attisnull(tuple, Anum_pg_index_indpred, NULL);
			for (int i = 0; match && i < index->indnkeyatts; i++)
			{
				char	   *attname = get_attname(pkrelid, index->indkey.values[i], true);
				ListCell   *lk;

				match = false;
				foreach(lk, pk_attrs)
				{
					if (attname != NULL && strcmp(strVal(lfirst(lk)), attname) == 0)
						match = true;
				}
			}
		}
		ReleaseSysCache(tuple);
		if (match)
		{
			found = true;
			break;
		}
	}
	return found;
}

/*
 * Would PostgreSQL accept the foreign key (ATAddForeignKeyConstraint)?
 * Both sides' columns must exist, the referenced relation must be a table
 * with a unique key on them, a permanent table may reference only
 * permanent ones, and a table (of this statement) cannot reference itself
 * before it exists.  Otherwise its own error must reach the user.
 */
static bool
fk_is_valid_statement(MGAlterContext *ctx, Constraint *con, ColumnDef *coldef)
{
	Oid			pkrelid;
	char		pkkind;
	char		persistence;
	char		pkpersistence;

	if (con->pktable == NULL)
		return false;
	if (coldef == NULL && !mg_columns_exist(ctx->relid, con->fk_attrs, ctx->added_columns))
		return false;
	pkrelid = RangeVarGetRelid(con->pktable, NoLock, true);
	if (!OidIsValid(pkrelid))
		return false;
	pkkind = get_rel_relkind(pkrelid);
	if (pkkind != RELKIND_RELATION && pkkind != RELKIND_PARTITIONED_TABLE)
		return false;
	if (!mg_columns_exist(pkrelid, con->pk_attrs,
						  pkrelid == ctx->relid ? ctx->added_columns : NIL))
		return false;
	/* A partitioned table with a foreign partition takes no foreign key. */
	if (ctx->relkind == RELKIND_PARTITIONED_TABLE)
	{
		ListCell   *lc;

		foreach(lc, find_all_inheritors(ctx->relid, NoLock, NULL))
		{
			if (get_rel_relkind(lfirst_oid(lc)) == RELKIND_FOREIGN_TABLE)
				return false;
		}
	}
	persistence = mg_rel_persistence(ctx->relid);
	pkpersistence = mg_rel_persistence(pkrelid);
	if ((persistence == RELPERSISTENCE_PERMANENT && pkpersistence != RELPERSISTENCE_PERMANENT) ||
		(persistence == RELPERSISTENCE_UNLOGGED && pkpersistence == RELPERSISTENCE_TEMP) ||
		(persistence == RELPERSISTENCE_TEMP && pkpersistence != RELPERSISTENCE_TEMP))
		return false;
	/* A key this same statement adds cannot be looked up; assume it is there. */
	if (pkrelid == ctx->relid && statement_adds_unique_key(ctx))
		return true;
	return referenced_key_exists(pkrelid, con->pk_attrs);
}

static void
check_fk_index(MGAlterContext *ctx, Constraint *con, ColumnDef *coldef)
{
	List	   *cols = constraint_columns(con, coldef);
	int			ncols = list_length(cols);
	int16	   *attnums;
	bool		existing = true;
	ListCell   *lc;
	int			i = 0;
	MGFinding	f;
	Oid			pkrelid;

	if (ncols == 0 || !mg_rule_applies(MG_RULE_FOREIGN_KEY_WITHOUT_INDEX, ctx->relid))
		return;
	if (!fk_is_valid_statement(ctx, con, coldef))
		return;					/* PostgreSQL reports it */
	attnums = palloc(sizeof(int16) * ncols);
	foreach(lc, cols)
	{
		attnums[i] = get_attnum(ctx->relid, strVal(lfirst(lc)));
		if (attnums[i] == InvalidAttrNumber)
			existing = false;	/* a column this statement adds */
		i++;
	}
	if (existing && mg_rel_has_index_leading(ctx->relid, attnums, ncols))
		return;
	if (statement_indexes_columns(ctx, cols))
		return;

	pkrelid = RangeVarGetRelid(con->pktable, NoLock, true);
	init_finding(&f, ctx, MG_RULE_FOREIGN_KEY_WITHOUT_INDEX);
	f.lockmode = NoLock;
	f.message = psprintf("foreign key on table \"%s\" (%s) has no index on its referencing columns",
						 get_rel_name(ctx->relid), column_list(cols));
	f.detail = psprintf("Every DELETE of a row of %s, and every UPDATE of its key, looks for referencing rows in \"%s\" and without an index reads the whole table each time.  %s",
						OidIsValid(pkrelid) ? psprintf("\"%s\"", get_rel_name(pkrelid)) : "the referenced table",
						get_rel_name(ctx->relid), mg_rel_describe(ctx->relid));
	f.hint = psprintf("CREATE INDEX CONCURRENTLY ON %s (%s);",
					  mg_rel_name(ctx->relid), column_list(cols));
	mg_report(&f);
}

static void
check_add_fk(MGAlterContext *ctx, Constraint *con, ColumnDef *coldef, bool validated)
{
	MGFinding	f;
	Oid			pkrelid;
	char	   *table = mg_rel_name(ctx->relid);
	const char *conname;
	char	   *pkname;
	List	   *cols = constraint_columns(con, coldef);

	if (!validated || !mg_rule_applies(MG_RULE_ADD_FOREIGN_KEY, ctx->relid))
		return;
	if (!fk_is_valid_statement(ctx, con, coldef))
		return;					/* PostgreSQL reports it */
	pkrelid = RangeVarGetRelid(con->pktable, NoLock, true);
	pkname = get_rel_name(pkrelid);
	conname = quote_identifier(constraint_name(ctx, con, cols, "fkey"));

	init_finding(&f, ctx, MG_RULE_ADD_FOREIGN_KEY);
	f.message = psprintf("%s would scan table \"%s\" while blocking writes on \"%s\" and \"%s\"",
						 coldef ? psprintf("ADD COLUMN \"%s\" REFERENCES", coldef->colname) : "ADD FOREIGN KEY",
						 get_rel_name(ctx->relid), get_rel_name(ctx->relid), pkname);
	f.detail = psprintf("%sEvery row of \"%s\" is checked against \"%s\" while \"%s\" is locked %s and \"%s\" SHARE ROW EXCLUSIVE, which blocks INSERT, UPDATE and DELETE on both tables.  %s",
						coldef ? "The new column has a default, so PostgreSQL validates its foreign key.  " : "",
						get_rel_name(ctx->relid), pkname, get_rel_name(ctx->relid),
						mg_lockmode_name(ctx->lockmode), pkname, mg_rel_describe(ctx->relid));
#ifndef MG_HAVE_PARTITIONED_FK_NOT_VALID
	if (ctx->relkind == RELKIND_PARTITIONED_TABLE)
		f.hint = psprintf("Before PostgreSQL 18 a partitioned table cannot take a NOT VALID foreign key: add it NOT VALID to each partition and VALIDATE CONSTRAINT each in its own transaction, then add it to %s, which adopts the validated partition constraints.",
						  table);
	else
#endif
		f.hint = psprintf("%sALTER TABLE %s ADD CONSTRAINT %s FOREIGN KEY (%s) REFERENCES %s ... NOT VALID; then, in a separate transaction, ALTER TABLE %s VALIDATE CONSTRAINT %s, which takes SHARE UPDATE EXCLUSIVE on %s and ROW SHARE on %s, so reads and writes go on.",
						  coldef ? "Add the column without REFERENCES, then: " : "",
						  table, conname, column_list(cols), mg_rel_name(pkrelid),
						  table, conname, table, mg_rel_name(pkrelid));
	mg_report(&f);
}

/* ---------------------------------------------------------------------
 * add_unique_constraint, add_primary_key, add_exclusion_constraint
 * ---------------------------------------------------------------------
 */

/* Columns of an existing index that SET NOT NULL would scan for. */
static List *
index_columns_needing_scan(MGAlterContext *ctx, const char *indexname)
{
	Oid			indexoid = get_relname_relid(indexname, get_rel_namespace(ctx->relid));
	HeapTuple	tuple;
	List	   *result = NIL;

	if (!OidIsValid(indexoid))
		return NIL;
	tuple = SearchSysCache1(INDEXRELID, ObjectIdGetDatum(indexoid));
	if (!HeapTupleIsValid(tuple))
		return NIL;
	for (int i = 0; i < ((Form_pg_index) GETSTRUCT(tuple))->indnkeyatts; i++)
	{
		AttrNumber	attnum = ((Form_pg_index) GETSTRUCT(tuple))->indkey.values[i];
		char	   *colname = attnum > 0 ? get_attname(ctx->relid, attnum, true) : NULL;
		Oid			invalid_conoid;

		if (colname != NULL && not_null_scans(ctx->relid, colname, &invalid_conoid))
			result = lappend(result, makeString(colname));
	}
	ReleaseSysCache(tuple);
	return result;
}

/* The tables with rows under a table: itself, or its leaf partitions. */
static List *
tables_with_rows(Oid relid)
{
	List	   *result = NIL;
	ListCell   *lc;

	if (get_rel_relkind(relid) != RELKIND_PARTITIONED_TABLE)
		return list_make1_oid(relid);
	foreach(lc, find_all_inheritors(relid, NoLock, NULL))
	{
		if (get_rel_relkind(lfirst_oid(lc)) != RELKIND_PARTITIONED_TABLE)
			result = lappend_oid(result, lfirst_oid(lc));
	}
	return result;
}

/*
 * Columns of a new PRIMARY KEY that are nullable now, so get scanned (in
 * any partition, for a partitioned table).
 */
static List *
key_columns_needing_scan(MGAlterContext *ctx, List *cols)
{
	List	   *result = NIL;
	List	   *tables = tables_with_rows(ctx->relid);
	ListCell   *lc;

	foreach(lc, cols)
	{
		ListCell   *lt;

		foreach(lt, tables)
		{
			Oid			invalid_conoid;

			if (get_attnum(lfirst_oid(lt), strVal(lfirst(lc))) != InvalidAttrNumber &&
				not_null_scans(lfirst_oid(lt), strVal(lfirst(lc)), &invalid_conoid))
			{
				result = lappend(result, lfirst(lc));
				break;
			}
		}
	}
	return result;
}

/*
 * Does the partition have a valid unique index on exactly these columns, in
 * this order, that a constraint already uses?  DefineIndex() then attaches
 * it to the new parent index instead of building one (it requires the
 * constraint when the parent index is for a constraint).
 */
static bool
partition_has_constraint_index(Oid partid, List *cols)
{
	List	   *indexes;
	ListCell   *lc;
	Relation	rel = mg_rel_open_nowait(partid);
	bool		found = false;

	if (rel == NULL)
		return false;
	indexes = RelationGetIndexList(rel);
	mg_rel_close_nowait(rel);
	foreach(lc, indexes)
	{
		Oid			indexoid = lfirst_oid(lc);
		HeapTuple	tuple = SearchSysCache1(INDEXRELID, ObjectIdGetDatum(indexoid));
		Form_pg_index index;
		bool		match;

		if (!HeapTupleIsValid(tuple))
			continue;
		index = (Form_pg_index) GETSTRUCT(tuple);
		match = index->indisunique && index->indisvalid &&
			index->indnkeyatts == list_length(cols) &&
			heap_attisnull(tuple, Anum_pg_index_indexprs, NULL) &&
			heap_attisnull(tuple, Anum_pg_index_indpred, NULL);
		for (int i = 0; match && i < index->indnkeyatts; i++)
			match = index->indkey.values[i] == get_attnum(partid, strVal(list_nth(cols, i)));
		ReleaseSysCache(tuple);
		/* It must not belong to another partitioned index already. */
		if (match && !get_rel_relispartition(indexoid) &&
			OidIsValid(get_index_constraint(indexoid)))
		{
			found = true;
			break;
		}
	}
	return found;
}

/* Would every partition's existing index be attached, so nothing is built? */
static bool
partitions_have_indexes(MGAlterContext *ctx, List *cols)
{
	List	   *leaves = tables_with_rows(ctx->relid);
	ListCell   *lc;

	if (ctx->relkind != RELKIND_PARTITIONED_TABLE || leaves == NIL)
		return false;
	foreach(lc, leaves)
	{
		if (!partition_has_constraint_index(lfirst_oid(lc), cols))
			return false;
	}
	return true;
}

/* Has the table a primary key constraint already?  (pg_constraint) */
static bool
rel_has_primary_key(Oid relid)
{
	Relation	conRel;
	ScanKeyData key;
	SysScanDesc scan;
	HeapTuple	tuple;
	bool		found = false;

	conRel = table_open(ConstraintRelationId, AccessShareLock);
	ScanKeyInit(&key, Anum_pg_constraint_conrelid, BTEqualStrategyNumber,
				F_OIDEQ, ObjectIdGetDatum(relid));
	scan = systable_beginscan(conRel, ConstraintRelidTypidNameIndexId, true, NULL, 1, &key);
	while (!found && HeapTupleIsValid(tuple = systable_getnext(scan)))
		found = ((Form_pg_constraint) GETSTRUCT(tuple))->contype == CONSTRAINT_PRIMARY;
	systable_endscan(scan);
	table_close(conRel, AccessShareLock);
	return found;
}

/*
 * On a partitioned table, does a unique key include every partition key
 * column, and has the table no foreign partition?  DefineIndex refuses the
 * constraint otherwise.
 */
static bool
partitioned_unique_key_allowed(MGAlterContext *ctx, List *cols)
{
	HeapTuple	tuple;
	Form_pg_partitioned_table form;
	bool		ok = true;
	ListCell   *lc;

	if (ctx->relkind != RELKIND_PARTITIONED_TABLE)
		return true;
	tuple = SearchSysCache1(PARTRELID, ObjectIdGetDatum(ctx->relid));
	if (!HeapTupleIsValid(tuple))
		return false;
	form = (Form_pg_partitioned_table) GETSTRUCT(tuple);
	for (int i = 0; ok && i < form->partnatts; i++)
	{
		AttrNumber	attnum = form->partattrs.values[i];
		char	   *attname = attnum > 0 ? get_attname(ctx->relid, attnum, true) : NULL;

		ok = attname != NULL && mg_column_exists(InvalidOid, attname, cols);
	}
	ReleaseSysCache(tuple);
	foreach(lc, tables_with_rows(ctx->relid))
	{
		if (get_rel_relkind(lfirst_oid(lc)) == RELKIND_FOREIGN_TABLE)
			ok = false;
	}
	return ok;
}

static void
check_add_unique_or_pk(MGAlterContext *ctx, Constraint *con, ColumnDef *coldef)
{
	bool		pk = con->contype == CONSTR_PRIMARY;
	MGRuleId	rule = pk ? MG_RULE_ADD_PRIMARY_KEY : MG_RULE_ADD_UNIQUE_CONSTRAINT;
	const char *kind = pk ? "PRIMARY KEY" : "UNIQUE";
	List	   *cols = constraint_columns(con, coldef);
	List	   *nullable;
	char	   *table = mg_rel_name(ctx->relid);
	const char *conname;
	MGFinding	f;

	if (!mg_rule_applies(rule, ctx->relid))
		return;
	/* Statements PostgreSQL refuses get its own error. */
	if (pk && rel_has_primary_key(ctx->relid))
		return;
	if (con->indexname == NULL &&
		(!mg_columns_exist(ctx->relid, cols, ctx->added_columns) ||
		 !mg_columns_exist(ctx->relid, con->including, ctx->added_columns) ||
		 !partitioned_unique_key_allowed(ctx, cols)))
		return;
	conname = quote_identifier(constraint_name(ctx, con, cols, pk ? "pkey" : "key"));
	init_finding(&f, ctx, rule);

	if (con->indexname != NULL)
	{
		/* USING INDEX: no build; a primary key may still need SET NOT NULL. */
		if (!pk)
			return;
		nullable = index_columns_needing_scan(ctx, con->indexname);
		if (nullable == NIL)
			return;
		f.message = psprintf("ADD PRIMARY KEY USING INDEX would scan table \"%s\" to set NOT NULL on column \"%s\"",
							 get_rel_name(ctx->relid), strVal(linitial(nullable)));
		f.detail = psprintf("The index needs no build, but nullable column %s is not proven NOT NULL by a validated CHECK (... IS NOT NULL), so PostgreSQL runs SET NOT NULL, reading every row under an %s lock, %s.  %s",
							column_list(nullable), mg_lockmode_name(ctx->lockmode),
							mg_lock_blocks(ctx->lockmode), mg_rel_describe(ctx->relid));
		f.hint = psprintf("Make each column NOT NULL without a scan first: %s  Then add the primary key USING INDEX.",
						  not_null_hint(ctx->relid, strVal(linitial(nullable)), InvalidOid));
		mg_report(&f);
		return;
	}

	nullable = pk && coldef == NULL ? key_columns_needing_scan(ctx, cols) : NIL;
	if (coldef == NULL && partitions_have_indexes(ctx, cols))
	{
		/* Nothing is built; a primary key may still scan for NULLs. */
		if (nullable == NIL)
			return;
		f.message = psprintf("ADD PRIMARY KEY would scan table \"%s\" to set NOT NULL on column \"%s\"",
							 get_rel_name(ctx->relid), strVal(linitial(nullable)));
		f.detail = psprintf("Every partition's unique index is attached, not built, but nullable column %s is not proven NOT NULL by a validated CHECK (... IS NOT NULL) in every partition, so PostgreSQL runs SET NOT NULL, reading their rows under an %s lock, %s.  %s",
							column_list(nullable), mg_lockmode_name(ctx->lockmode),
							mg_lock_blocks(ctx->lockmode), mg_rel_describe(ctx->relid));
		f.hint = psprintf("Make each column NOT NULL without a scan in every partition first: %s  Then add the primary key.",
						  not_null_hint(ctx->relid, strVal(linitial(nullable)), InvalidOid));
		mg_report(&f);
		return;
	}
	if (coldef != NULL)
		f.message = psprintf("ADD COLUMN \"%s\" %s would build an index on table \"%s\" under an %s lock",
							 coldef->colname, kind, get_rel_name(ctx->relid),
							 mg_lockmode_name(ctx->lockmode));
	else
		f.message = psprintf("ADD CONSTRAINT \"%s\" %s would build an index on table \"%s\" under an %s lock",
							 constraint_name(ctx, con, cols, pk ? "pkey" : "key"), kind,
							 get_rel_name(ctx->relid), mg_lockmode_name(ctx->lockmode));
	f.detail = psprintf("Without USING INDEX the %s index is built while the lock is held, %s, for the whole build.%s  %s",
						pk ? "primary key" : "unique", mg_lock_blocks(ctx->lockmode),
						nullable ? psprintf("  Column %s is nullable, so SET NOT NULL also reads every row.", column_list(nullable)) : "",
						mg_rel_describe(ctx->relid));
	if (ctx->relkind == RELKIND_PARTITIONED_TABLE && coldef == NULL)
		f.hint = psprintf("A partitioned table takes no USING INDEX.  In each partition, CREATE UNIQUE INDEX CONCURRENTLY on (%s) and ALTER TABLE partition ADD CONSTRAINT ... %s USING INDEX;%s then ALTER TABLE %s ADD CONSTRAINT %s %s (%s) attaches those indexes instead of building.",
						  column_list(cols), kind,
						  nullable ? psprintf(" make %s NOT NULL without a scan (a validated CHECK (... IS NOT NULL) first);", column_list(nullable)) : "",
						  table, conname, kind, column_list(cols));
	else
		f.hint = psprintf("%sCREATE UNIQUE INDEX CONCURRENTLY %s ON %s (%s); then%s ALTER TABLE %s ADD CONSTRAINT %s %s USING INDEX %s, which needs only a brief lock.",
						  coldef ? "Add the column without the constraint, then: " : "",
						  conname, table, column_list(cols),
						  nullable ? psprintf(" make %s NOT NULL without a scan (a validated CHECK (... IS NOT NULL) first), and", column_list(nullable)) : "",
						  table, conname, kind, conname);
	mg_report(&f);
}

static void
check_add_exclusion(MGAlterContext *ctx, Constraint *con)
{
	MGFinding	f;
	ListCell   *lc;
	List	   *cols = NIL;

	if (!mg_rule_applies(MG_RULE_ADD_EXCLUSION_CONSTRAINT, ctx->relid))
		return;
	/* Statements PostgreSQL refuses get its own error. */
#ifndef MG_HAVE_PARTITIONED_EXCLUSION
	if (ctx->relkind == RELKIND_PARTITIONED_TABLE)
		return;
#endif
	if (con->access_method != NULL && !OidIsValid(get_index_am_oid(con->access_method, true)))
		return;
	foreach(lc, con->exclusions)
	{
		List	   *pair = (List *) lfirst(lc);
		IndexElem  *elem = (IndexElem *) linitial(pair);

		if (!IsA(elem, IndexElem) ||
			(elem->name != NULL && !mg_column_exists(ctx->relid, elem->name, ctx->added_columns)) ||
			(elem->expr != NULL && !mg_expr_columns_exist(ctx->relid, elem->expr, ctx->added_columns)))
			return;
		if (elem->name != NULL)
			cols = lappend(cols, makeString(elem->name));
	}
	/* On a partitioned table the partition key must be among the columns. */
	if (!partitioned_unique_key_allowed(ctx, cols))
		return;
	if (con->where_clause != NULL &&
		!mg_expr_columns_exist(ctx->relid, con->where_clause, ctx->added_columns))
		return;
	init_finding(&f, ctx, MG_RULE_ADD_EXCLUSION_CONSTRAINT);
	f.message = psprintf("ADD CONSTRAINT%s%s%s EXCLUDE would build an index on table \"%s\" under an %s lock",
						 con->conname ? " \"" : "", con->conname ? con->conname : "",
						 con->conname ? "\"" : "",
						 get_rel_name(ctx->relid), mg_lockmode_name(ctx->lockmode));
	f.detail = psprintf("The exclusion constraint's index is built and every row checked while the lock is held, %s, for the whole build.  %s",
						mg_lock_blocks(ctx->lockmode), mg_rel_describe(ctx->relid));
	f.hint = pstrdup("PostgreSQL cannot attach an exclusion constraint to an index built CONCURRENTLY.  Add it while the table is still small, or in a maintenance window with a short lock_timeout; where plain equality is enough, use CREATE UNIQUE INDEX CONCURRENTLY and ADD CONSTRAINT ... UNIQUE USING INDEX instead.");
	mg_report(&f);
}

/* ---------------------------------------------------------------------
 * Entry points from the dispatcher
 * ---------------------------------------------------------------------
 */

/*
 * Would PostgreSQL refuse the constraint before doing any work: a name
 * taken by another constraint of the table (or, for a constraint with an
 * index, by a relation of its schema), or NO INHERIT on a partitioned
 * table?  Then its own error must reach the user.
 */
static bool
constraint_refused(MGAlterContext *ctx, Constraint *con)
{
	if (con->contype == CONSTR_CHECK && con->is_no_inherit &&
		ctx->relkind == RELKIND_PARTITIONED_TABLE)
		return true;
	if (con->conname == NULL)
		return false;
	if (OidIsValid(get_relation_constraint_oid(ctx->relid, con->conname, true)))
		return true;
	return (con->contype == CONSTR_UNIQUE || con->contype == CONSTR_PRIMARY ||
			con->contype == CONSTR_EXCLUSION) && con->indexname == NULL &&
		OidIsValid(get_relname_relid(con->conname, get_rel_namespace(ctx->relid)));
}

void
mg_check_add_constraint(MGAlterContext *ctx, Constraint *con)
{
	bool		enforced = compat_constraint_enforced(con);
	ListCell   *lc;

	if (constraint_refused(ctx, con))
		return;

	switch (con->contype)
	{
		case CONSTR_CHECK:
			check_add_check(ctx, con, NULL, enforced);
			break;
		case CONSTR_FOREIGN:
			if (enforced)
				check_fk_index(ctx, con, NULL);
			check_add_fk(ctx, con, NULL, enforced && !con->skip_validation);
			break;
		case CONSTR_UNIQUE:
		case CONSTR_PRIMARY:
			check_add_unique_or_pk(ctx, con, NULL);
			break;
		case CONSTR_EXCLUSION:
			check_add_exclusion(ctx, con);
			break;
		case CONSTR_NOTNULL:
			/* ADD CONSTRAINT ... NOT NULL col (PostgreSQL 18) */
			if (con->skip_validation)
				break;
			foreach(lc, con->keys)
				report_not_null(ctx, strVal(lfirst(lc)), "ADD CONSTRAINT ... NOT NULL");
			break;
		default:
			break;
	}
}

/*
 * Constraints written inline in ADD COLUMN.  A NOT ENFORCED attribute
 * (PostgreSQL 18) arrives as its own list item after the constraint.
 */
void
mg_check_column_constraints(MGAlterContext *ctx, ColumnDef *def)
{
	int			n = list_length(def->constraints);

	for (int i = 0; i < n; i++)
	{
		Constraint *con = list_nth_node(Constraint, def->constraints, i);
		bool		enforced = true;

		if (constraint_refused(ctx, con))
			continue;

#ifdef MG_HAVE_NOT_ENFORCED
		for (int j = i + 1; j < n; j++)
		{
			Constraint *attr = list_nth_node(Constraint, def->constraints, j);

			if (attr->contype == CONSTR_ATTR_NOT_ENFORCED)
				enforced = false;
			else if (attr->contype == CONSTR_ATTR_ENFORCED)
				enforced = true;
			else if (attr->contype != CONSTR_ATTR_DEFERRABLE &&
					 attr->contype != CONSTR_ATTR_NOT_DEFERRABLE &&
					 attr->contype != CONSTR_ATTR_DEFERRED &&
					 attr->contype != CONSTR_ATTR_IMMEDIATE)
				break;
		}
#endif
		switch (con->contype)
		{
			case CONSTR_CHECK:
				check_add_check(ctx, con, def, enforced);
				break;
			case CONSTR_FOREIGN:
				if (enforced)
					check_fk_index(ctx, con, def);
				check_add_fk(ctx, con, def, enforced && mg_column_def_has_default(def));
				break;
			case CONSTR_UNIQUE:
			case CONSTR_PRIMARY:
				check_add_unique_or_pk(ctx, con, def);
				break;
			default:
				break;
		}
	}
}

/* ---------------------------------------------------------------------
 * validate_same_transaction
 * ---------------------------------------------------------------------
 */

void
mg_check_validate_constraint(MGAlterContext *ctx, const char *conname)
{
	Oid			conoid;
	HeapTuple	tuple;
	char		contype;
	bool		validated;
	LOCKMODE	held;
	MGFinding	f;

	if (conname == NULL || !mg_rule_applies(MG_RULE_VALIDATE_SAME_TRANSACTION, ctx->relid))
		return;
	conoid = get_relation_constraint_oid(ctx->relid, conname, true);
	if (!OidIsValid(conoid))
	{
		/* check(): added NOT VALID by a statement it judged without running */
		MGXactConstraint *nv = mg_xact_find_not_valid(ctx->relid, conname);

		if (nv == NULL || mg_xact_was_validated(ctx->relid, conname))
			return;
		contype = nv->contype == CONSTR_FOREIGN ? CONSTRAINT_FOREIGN : CONSTRAINT_CHECK;
	}
	else
	{
		tuple = SearchSysCache1(CONSTROID, ObjectIdGetDatum(conoid));
		if (!HeapTupleIsValid(tuple))
			return;
		contype = ((Form_pg_constraint) GETSTRUCT(tuple))->contype;
		validated = ((Form_pg_constraint) GETSTRUCT(tuple))->convalidated;
		ReleaseSysCache(tuple);
		if (validated || !mg_constraint_created_in_xact(conoid))
			return;
	}

	/* The lock ADD CONSTRAINT took, which this transaction still holds. */
	held = contype == CONSTRAINT_FOREIGN ? ShareRowExclusiveLock : AccessExclusiveLock;
	init_finding(&f, ctx, MG_RULE_VALIDATE_SAME_TRANSACTION);
	f.lockmode = held;
	f.message = psprintf("VALIDATE CONSTRAINT \"%s\" would scan table \"%s\" under the %s lock of its ADD CONSTRAINT",
						 conname, get_rel_name(ctx->relid), mg_lockmode_name(held));
	f.detail = psprintf("Constraint \"%s\" was added NOT VALID earlier in this transaction, which still holds the %s lock taken then, %s; the validation scan runs under it, so splitting ADD and VALIDATE gained nothing.  %s",
						conname, mg_lockmode_name(held), mg_lock_blocks(held),
						mg_rel_describe(ctx->relid));
	f.hint = psprintf("COMMIT after ADD CONSTRAINT ... NOT VALID and run ALTER TABLE %s VALIDATE CONSTRAINT %s in a transaction of its own; alone it takes only SHARE UPDATE EXCLUSIVE, which blocks neither reads nor writes.",
					  mg_rel_name(ctx->relid), quote_identifier(conname));
	mg_report(&f);
}
