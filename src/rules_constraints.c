/*-------------------------------------------------------------------------
 *
 * rules_constraints.c
 *	  Constraint rules of ALTER TABLE that check rows in place: set_not_null
 *	  (SET NOT NULL, ADD CONSTRAINT ... NOT NULL), add_check_constraint and
 *	  validate_same_transaction.  Foreign keys are in rules_foreign_key.c,
 *	  UNIQUE, PRIMARY KEY and EXCLUDE in rules_unique.c.
 *
 *	  A constraint added without NOT VALID is checked against every
 *	  existing row while the statement's strong lock is held.  The safe
 *	  forms split the work: the constraint is added NOT VALID (instant; new
 *	  rows are checked), and VALIDATE CONSTRAINT then scans in its own
 *	  transaction under SHARE UPDATE EXCLUSIVE, which blocks neither reads
 *	  nor writes.
 *
 * IDENTIFICATION
 *	  src/rules_constraints.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "compat.h"

#include "access/htup_details.h"
#include "catalog/pg_class.h"
#include "catalog/pg_constraint.h"
#include "catalog/pg_inherits.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/syscache.h"

#include "alterfacts.h"
#include "applies.h"
#include "finding.h"
#include "relfacts.h"
#include "report.h"
#include "rules_alter.h"
#include "words.h"
#include "xact_state.h"

/* ---------------------------------------------------------------------
 * set_not_null
 * ---------------------------------------------------------------------
 */

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

		if (mg_not_null_scans(relid, colname, invalid_conoid) &&
			mg_rule_applies(MG_RULE_SET_NOT_NULL, relid))
			return relid;
	}
	return InvalidOid;
}

/*
 * SET NOT NULL, or ADD CONSTRAINT ... NOT NULL (PostgreSQL 18): the same
 * scan, told in the statement's own words.
 */
static void
report_not_null(MGAlterContext *ctx, const char *colname, bool add_constraint)
{
	Oid			invalid_conoid;
	Oid			scanned;
	MGFinding	f;

	if (!mg_rule_applies(MG_RULE_SET_NOT_NULL, InvalidOid))
		return;
	scanned = not_null_scanned_table(ctx, colname, &invalid_conoid);
	if (!OidIsValid(scanned))
		return;

	mg_alter_finding_init(&f, ctx, MG_RULE_SET_NOT_NULL);
	f.relid = scanned;
	f.column = colname;
	if (add_constraint)
		mg_finding_message(&f, "ADD CONSTRAINT ... NOT NULL on column \"%s\" would scan table \"%s\" under an %s lock",
						   colname, get_rel_name(scanned), mg_lockmode_name(ctx->lockmode));
	else
		mg_finding_message(&f, "SET NOT NULL on column \"%s\" would scan table \"%s\" under an %s lock",
						   colname, get_rel_name(scanned), mg_lockmode_name(ctx->lockmode));
	if (OidIsValid(invalid_conoid) && add_constraint)
		mg_finding_detail(&f, "The column's not-null constraint \"%s\" is NOT VALID, so ADD CONSTRAINT ... NOT NULL validates it by reading every row while the lock is held, %s.",
						  get_constraint_name(invalid_conoid), mg_lock_blocks(ctx->lockmode));
	else if (OidIsValid(invalid_conoid))
		mg_finding_detail(&f, "The column's not-null constraint \"%s\" is NOT VALID, so SET NOT NULL validates it by reading every row while the lock is held, %s.",
						  get_constraint_name(invalid_conoid), mg_lock_blocks(ctx->lockmode));
	else
		mg_finding_detail(&f, "No validated CHECK (%s IS NOT NULL) constraint proves that the column has no NULLs, so every row is read while the lock is held, %s.",
						  quote_identifier(colname), mg_lock_blocks(ctx->lockmode));
	mg_finding_add_detail_text(&f, mg_rel_describe(scanned));
	f.hint = mg_not_null_hint(scanned, colname, invalid_conoid);	/* translated */
	mg_report(&f);
}

void
mg_check_set_not_null(MGAlterContext *ctx, const char *colname)
{
	if (colname != NULL)
		report_not_null(ctx, colname, false);
}

void
mg_check_add_not_null(MGAlterContext *ctx, const char *colname)
{
	report_not_null(ctx, colname, true);
}

/* ---------------------------------------------------------------------
 * add_check_constraint
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

void
mg_check_add_check(MGAlterContext *ctx, Constraint *con, ColumnDef *coldef, bool enforced)
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
		return;					/* ONLY: "constraint must be added to child
								 * tables too" */
	scanned = check_scanned_table(ctx, con);
	if (!OidIsValid(scanned))
		return;

	conname = quote_identifier(mg_default_constraint_name(ctx, con, coldef ? list_make1(makeString(coldef->colname)) : NIL, "check"));
	mg_alter_finding_init(&f, ctx, MG_RULE_ADD_CHECK_CONSTRAINT);
	if (coldef != NULL)
		mg_finding_message(&f, "ADD COLUMN \"%s\" with a CHECK constraint would scan table \"%s\" under an %s lock",
						   coldef->colname, get_rel_name(ctx->relid), mg_lockmode_name(ctx->lockmode));
	else
		mg_finding_message(&f, "ADD CONSTRAINT \"%s\" CHECK would scan table \"%s\" under an %s lock",
						   mg_default_constraint_name(ctx, con, NIL, "check"), get_rel_name(ctx->relid),
						   mg_lockmode_name(ctx->lockmode));
	if (scanned == ctx->relid)
		mg_finding_detail(&f, "A CHECK constraint added without NOT VALID is checked against every existing row while the lock is held, %s.",
						  mg_lock_blocks(ctx->lockmode));
	else
		mg_finding_detail(&f, "A CHECK constraint added without NOT VALID is checked against every existing row of the table and of its partitions or inheritance children, each locked the same way, while the lock is held, %s.",
						  mg_lock_blocks(ctx->lockmode));
	mg_finding_add_detail_text(&f, mg_rel_describe(scanned));
	if (coldef != NULL)
		mg_finding_hint(&f, "Add the column without the constraint, then: ALTER TABLE %s ADD CONSTRAINT %s CHECK (...) NOT VALID; then, in a separate transaction, ALTER TABLE %s VALIDATE CONSTRAINT %s, which takes only SHARE UPDATE EXCLUSIVE and blocks neither reads nor writes.",
						table, conname, table, conname);
	else
		mg_finding_hint(&f, "ALTER TABLE %s ADD CONSTRAINT %s CHECK (...) NOT VALID; then, in a separate transaction, ALTER TABLE %s VALIDATE CONSTRAINT %s, which takes only SHARE UPDATE EXCLUSIVE and blocks neither reads nor writes.",
						table, conname, table, conname);
	mg_report(&f);
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
	mg_alter_finding_init(&f, ctx, MG_RULE_VALIDATE_SAME_TRANSACTION);
	f.lockmode = held;
	mg_finding_message(&f, "VALIDATE CONSTRAINT \"%s\" would scan table \"%s\" under the %s lock of its ADD CONSTRAINT",
					   conname, get_rel_name(ctx->relid), mg_lockmode_name(held));
	mg_finding_detail(&f, "Constraint \"%s\" was added NOT VALID earlier in this transaction, which still holds the %s lock taken then, %s; the validation scan runs under it, so splitting ADD and VALIDATE gained nothing.",
					  conname, mg_lockmode_name(held), mg_lock_blocks(held));
	mg_finding_add_detail_text(&f, mg_rel_describe(ctx->relid));
	mg_finding_hint(&f, "COMMIT after ADD CONSTRAINT ... NOT VALID and run ALTER TABLE %s VALIDATE CONSTRAINT %s in a transaction of its own; alone it takes only SHARE UPDATE EXCLUSIVE, which blocks neither reads nor writes.",
					mg_rel_name(ctx->relid), quote_identifier(conname));
	mg_report(&f);
}
