/*-------------------------------------------------------------------------
 *
 * rules_foreign_key.c
 *	  Foreign key rules of ALTER TABLE: add_foreign_key (a foreign key added
 *	  without NOT VALID scans the table while blocking writes on both
 *	  tables) and foreign_key_without_index (no index on the referencing
 *	  columns).
 *
 * IDENTIFICATION
 *	  src/rules_foreign_key.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "compat.h"

#include "access/htup_details.h"
#include "catalog/namespace.h"
#include "catalog/pg_class.h"
#include "catalog/pg_index.h"
#include "catalog/pg_inherits.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/relcache.h"
#include "utils/syscache.h"

#include "alterfacts.h"
#include "applies.h"
#include "finding.h"
#include "relfacts.h"
#include "relopen.h"
#include "report.h"
#include "rules_alter.h"
#include "words.h"

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

void
mg_check_fk_index(MGAlterContext *ctx, Constraint *con, ColumnDef *coldef)
{
	List	   *cols = mg_constraint_columns(con, coldef);
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
	mg_alter_finding_init(&f, ctx, MG_RULE_FOREIGN_KEY_WITHOUT_INDEX);
	f.lockmode = NoLock;
	mg_finding_message(&f, "foreign key on table \"%s\" (%s) has no index on its referencing columns",
					   get_rel_name(ctx->relid), mg_quoted_column_list(cols));
	if (OidIsValid(pkrelid))
		mg_finding_detail(&f, "Every DELETE of a row of \"%s\", and every UPDATE of its key, looks for referencing rows in \"%s\" and without an index reads the whole table each time.",
						  get_rel_name(pkrelid), get_rel_name(ctx->relid));
	else
		mg_finding_detail(&f, "Every DELETE of a row of the referenced table, and every UPDATE of its key, looks for referencing rows in \"%s\" and without an index reads the whole table each time.",
						  get_rel_name(ctx->relid));
	mg_finding_add_detail_text(&f, mg_rel_describe(ctx->relid));
	mg_finding_hint(&f, "CREATE INDEX CONCURRENTLY ON %s (%s);",
					mg_rel_name(ctx->relid), mg_quoted_column_list(cols));
	mg_report(&f);
}

void
mg_check_add_fk(MGAlterContext *ctx, Constraint *con, ColumnDef *coldef, bool validated)
{
	MGFinding	f;
	Oid			pkrelid;
	char	   *table = mg_rel_name(ctx->relid);
	const char *conname;
	char	   *pkname;
	List	   *cols = mg_constraint_columns(con, coldef);

	if (!validated || !mg_rule_applies(MG_RULE_ADD_FOREIGN_KEY, ctx->relid))
		return;
	if (!fk_is_valid_statement(ctx, con, coldef))
		return;					/* PostgreSQL reports it */
	pkrelid = RangeVarGetRelid(con->pktable, NoLock, true);
	pkname = get_rel_name(pkrelid);
	conname = quote_identifier(mg_default_constraint_name(ctx, con, cols, "fkey"));

	mg_alter_finding_init(&f, ctx, MG_RULE_ADD_FOREIGN_KEY);
	if (coldef != NULL)
	{
		mg_finding_message(&f, "ADD COLUMN \"%s\" REFERENCES would scan table \"%s\" while blocking writes on \"%s\" and \"%s\"",
						   coldef->colname, get_rel_name(ctx->relid), get_rel_name(ctx->relid), pkname);
		mg_finding_detail(&f, "The new column has a default, so PostgreSQL validates its foreign key.");
	}
	else
		mg_finding_message(&f, "ADD FOREIGN KEY would scan table \"%s\" while blocking writes on \"%s\" and \"%s\"",
						   get_rel_name(ctx->relid), get_rel_name(ctx->relid), pkname);
	mg_finding_add_detail(&f, "Every row of \"%s\" is checked against \"%s\" while \"%s\" is locked %s and \"%s\" SHARE ROW EXCLUSIVE, which blocks INSERT, UPDATE, DELETE and MERGE on both tables.",
						  get_rel_name(ctx->relid), pkname, get_rel_name(ctx->relid),
						  mg_lockmode_name(ctx->lockmode), pkname);
	mg_finding_add_detail_text(&f, mg_rel_describe(ctx->relid));
#ifndef MG_HAVE_PARTITIONED_FK_NOT_VALID
	if (ctx->relkind == RELKIND_PARTITIONED_TABLE)
	{
		mg_finding_hint(&f, "Before PostgreSQL 18 a partitioned table cannot take a NOT VALID foreign key: add it NOT VALID to each partition and VALIDATE CONSTRAINT each in its own transaction, then add it to %s, which adopts the validated partition constraints.",
						table);
		mg_report(&f);
		return;
	}
#endif
	if (coldef != NULL)
		mg_finding_hint(&f, "Add the column without REFERENCES, then: ALTER TABLE %s ADD CONSTRAINT %s FOREIGN KEY (%s) REFERENCES %s ... NOT VALID; then, in a separate transaction, ALTER TABLE %s VALIDATE CONSTRAINT %s, which takes SHARE UPDATE EXCLUSIVE on %s and ROW SHARE on %s, so reads and writes go on.",
						table, conname, mg_quoted_column_list(cols), mg_rel_name(pkrelid),
						table, conname, table, mg_rel_name(pkrelid));
	else
		mg_finding_hint(&f, "ALTER TABLE %s ADD CONSTRAINT %s FOREIGN KEY (%s) REFERENCES %s ... NOT VALID; then, in a separate transaction, ALTER TABLE %s VALIDATE CONSTRAINT %s, which takes SHARE UPDATE EXCLUSIVE on %s and ROW SHARE on %s, so reads and writes go on.",
						table, conname, mg_quoted_column_list(cols), mg_rel_name(pkrelid),
						table, conname, table, mg_rel_name(pkrelid));
	mg_report(&f);
}
