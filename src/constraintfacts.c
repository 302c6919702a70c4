/*-------------------------------------------------------------------------
 *
 * constraintfacts.c
 *	  Facts the constraint rule families share (facts layer): the columns and
 *	  default name of a constraint, whether PostgreSQL would refuse it before
 *	  any work, whether making a column NOT NULL scans a table, the tables
 *	  with rows under a table, and the safe way to make a column NOT NULL.
 *	  Nothing here reports a finding.
 *
 * IDENTIFICATION
 *	  src/constraintfacts.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "compat.h"

#include "catalog/pg_class.h"
#include "catalog/pg_constraint.h"
#include "catalog/pg_inherits.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"

#include "alterfacts.h"
#include "relfacts.h"
#include "relopen.h"

/* "a, b" from a list of column names (String nodes), quoted. */
char *
mg_quoted_column_list(List *names)
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
char *
mg_default_constraint_name(MGAlterContext *ctx, Constraint *con, List *cols,
						   const char *suffix)
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
List *
mg_constraint_columns(Constraint *con, ColumnDef *coldef)
{
	if (coldef != NULL)
		return list_make1(makeString(coldef->colname));
	if (con->contype == CONSTR_FOREIGN)
		return con->fk_attrs;
	return con->keys;
}

/*
 * Does making the column NOT NULL scan this table?  Not when it already is
 * (validated), and not when a validated CHECK constraint proves it
 * (PostgreSQL 12+).  On 18 an existing NOT VALID not-null constraint is
 * validated by SET NOT NULL; it is returned in *invalid_conoid.
 */
bool
mg_not_null_scans(Oid relid, const char *colname, Oid *invalid_conoid)
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
 * The safe way to make a column NOT NULL, as SQL, for this version: whole
 * translated sentences, for a hint.
 */
char *
mg_not_null_hint(Oid relid, const char *colname, Oid invalid_conoid)
{
	char	   *table = mg_rel_name(relid);
	const char *conname;

	if (OidIsValid(invalid_conoid))
		return psprintf(dgettext(TEXTDOMAIN, "Validate the existing constraint instead: ALTER TABLE %s VALIDATE CONSTRAINT %s; it takes only SHARE UPDATE EXCLUSIVE, which blocks neither reads nor writes."),
						table, quote_identifier(get_constraint_name(invalid_conoid)));
	conname = quote_identifier(psprintf("%s_%s_not_null", get_rel_name(relid), colname));
#ifdef MG_HAVE_NOT_NULL_NOT_VALID
	return psprintf(dgettext(TEXTDOMAIN, "ALTER TABLE %s ADD CONSTRAINT %s NOT NULL %s NOT VALID; then, in a separate transaction, ALTER TABLE %s VALIDATE CONSTRAINT %s, which takes only SHARE UPDATE EXCLUSIVE and blocks neither reads nor writes."),
					table, conname, quote_identifier(colname), table, conname);
#else
	return psprintf(dgettext(TEXTDOMAIN, "ALTER TABLE %s ADD CONSTRAINT %s CHECK (%s IS NOT NULL) NOT VALID; then, in a separate transaction, ALTER TABLE %s VALIDATE CONSTRAINT %s (SHARE UPDATE EXCLUSIVE: reads and writes go on); SET NOT NULL then skips the scan because the validated CHECK proves it, and the CHECK can be dropped afterwards."),
					table, conname, quote_identifier(colname), table, conname);
#endif
}

/* The tables with rows under a table: itself, or its leaf partitions. */
List *
mg_tables_with_rows(Oid relid)
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
 * Would PostgreSQL refuse the constraint before doing any work: a name
 * taken by another constraint of the table (or, for a constraint with an
 * index, by a relation of its schema), or NO INHERIT on a partitioned
 * table?  Then its own error must reach the user.
 */
bool
mg_constraint_refused(MGAlterContext *ctx, Constraint *con)
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
