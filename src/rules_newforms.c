/*-------------------------------------------------------------------------
 *
 * rules_newforms.c
 *	  ALTER TABLE subcommands that PostgreSQL 17 and 18 added and that no
 *	  older rule's subcommand covers, judged as those releases perform them:
 *
 *	  - ALTER COLUMN ... SET EXPRESSION (17): a stored generated column is
 *		recomputed for every row, a rewrite under ACCESS EXCLUSIVE (the same
 *		kind of rewrite the table_rewrite event reports as a default or
 *		generation expression, so rule add_column_volatile_default judges
 *		it).  A virtual generated column (18) is computed when read: the
 *		change is catalog-only.
 *	  - ALTER CONSTRAINT ... ENFORCED (18): a foreign key that was NOT
 *		ENFORCED gets its triggers and is validated at once, scanning the
 *		referencing table (rule add_foreign_key, as for ADD CONSTRAINT).
 *	  - ALTER CONSTRAINT ... INHERIT (18) on a NO INHERIT NOT NULL
 *		constraint: each child gets it and is scanned (rule set_not_null).
 *
 *	  Forms that are catalog-only need nothing here (SET ACCESS METHOD on a
 *	  partitioned table, 17, only changes what new partitions get).  What
 *	  each form does, measured per version, is in docs/versions.md and
 *	  test/pgtap/versions_forms.sql.
 *
 * IDENTIFICATION
 *	  src/rules_newforms.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "compat.h"

#include "access/htup_details.h"
#include "catalog/pg_attribute.h"
#include "catalog/pg_constraint.h"
#include "catalog/pg_inherits.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/syscache.h"

#include "alterfacts.h"
#include "applies.h"
#include "finding.h"
#include "lockinfo.h"
#include "relfacts.h"
#include "report.h"
#include "rules_alter.h"
#include "words.h"

#ifdef MG_HAVE_SET_EXPRESSION
/*
 * ALTER TABLE ... ALTER COLUMN ... SET EXPRESSION AS (...): rewrites the
 * table when the column is stored (ATExecSetExpression queues
 * AT_REWRITE_DEFAULT_VAL), and its partitions or children with it.
 */
void
mg_check_set_expression(MGAlterContext *ctx, const char *colname)
{
	AttrNumber	attnum;
	MGFinding	f = {0};

	if (colname == NULL || !mg_alter_rel_has_storage_rules(ctx))
		return;
	attnum = get_attnum(ctx->relid, colname);
	if (attnum <= 0)
		return;					/* PostgreSQL reports the missing column */
	if (get_attgenerated(ctx->relid, attnum) != ATTRIBUTE_GENERATED_STORED)
		return;					/* virtual (18): catalog-only; else refused */
	if (!mg_rule_applies(MG_RULE_ADD_COLUMN_VOLATILE_DEFAULT, ctx->relid))
		return;

	mg_alter_finding_init(&f, ctx, MG_RULE_ADD_COLUMN_VOLATILE_DEFAULT);
	f.rewrites = true;
	mg_finding_message(&f, "SET EXPRESSION on column \"%s\" would rewrite table \"%s\"",
					   colname, get_rel_name(ctx->relid));
	mg_finding_detail(&f, "Column \"%s\" is a stored generated column: the new expression is computed and written for every row, and every index is rebuilt, while an %s lock is held, %s.",
					  colname, mg_lockmode_name(ctx->lockmode), mg_lock_blocks(ctx->lockmode));
	mg_finding_add_detail_text(&f, mg_rel_describe(ctx->relid));
	mg_finding_hint(&f, "Add a new plain column, fill it in batches, and switch readers to it; or, on PostgreSQL 18, use a virtual generated column, whose expression changes without a rewrite.");
	mg_report(&f);
}
#endif

#ifdef MG_HAVE_ALTER_CONSTRAINT_ENFORCED
/*
 * ALTER CONSTRAINT fk ENFORCED: a NOT ENFORCED foreign key becomes enforced
 * and is validated in the same statement (18 has no "ENFORCED NOT VALID"),
 * scanning the referencing table.
 */
static void
check_enforce_foreign_key(MGAlterContext *ctx, const char *conname, Oid conoid)
{
	MGFinding	f = {0};

	if (mg_constraint_created_in_xact(conoid) ||
		!mg_rule_applies(MG_RULE_ADD_FOREIGN_KEY, ctx->relid) ||
		mg_rel_exempt_from_size_rules(ctx->relid))
		return;
	mg_alter_finding_init(&f, ctx, MG_RULE_ADD_FOREIGN_KEY);
	mg_finding_message(&f, "ALTER CONSTRAINT \"%s\" ENFORCED would scan table \"%s\" under a %s lock",
					   conname, get_rel_name(ctx->relid), mg_lockmode_name(ctx->lockmode));
	mg_finding_detail(&f, "A foreign key that was NOT ENFORCED is validated against every existing row when it becomes ENFORCED, while the lock is held, %s.",
					  mg_lock_blocks(ctx->lockmode));
	mg_finding_add_detail_text(&f, mg_rel_describe(ctx->relid));
	mg_finding_hint(&f, "Drop the NOT ENFORCED key and add it again NOT VALID: ALTER TABLE %s ADD CONSTRAINT ... FOREIGN KEY ... NOT VALID; then, in a separate transaction, ALTER TABLE %s VALIDATE CONSTRAINT ..., which takes only SHARE UPDATE EXCLUSIVE on the table.",
					mg_rel_name(ctx->relid), mg_rel_name(ctx->relid));
	mg_report(&f);
}

/*
 * ALTER CONSTRAINT nn INHERIT on a NO INHERIT NOT NULL constraint: every
 * child gets the constraint, and a child whose column is not already
 * validated NOT NULL is scanned under the statement's lock.
 */
static void
check_inherit_not_null(MGAlterContext *ctx, const char *conname, AttrNumber attnum)
{
	const char *colname = get_attname(ctx->relid, attnum, true);
	List	   *children;
	ListCell   *lc;
	MGFinding	f = {0};

	if (colname == NULL || !mg_rule_applies(MG_RULE_SET_NOT_NULL, ctx->relid))
		return;
	children = find_all_inheritors(ctx->relid, NoLock, NULL);
	foreach(lc, children)
	{
		Oid			child = lfirst_oid(lc);
		AttrNumber	childatt;
		Oid			invalid_conoid;

		if (child == ctx->relid || !RELKIND_HAS_STORAGE(get_rel_relkind(child)))
			continue;
		childatt = get_attnum(child, colname);
		if (childatt <= 0 || mg_column_not_null_validated(child, childatt, &invalid_conoid) ||
			mg_rel_exempt_from_size_rules(child))
			continue;

		f.rule = MG_RULE_SET_NOT_NULL;
		f.relid = child;
		f.lockmode = ctx->lockmode;
		mg_finding_message(&f, "ALTER CONSTRAINT \"%s\" INHERIT would scan table \"%s\" under an %s lock",
						   conname, get_rel_name(child), mg_lockmode_name(ctx->lockmode));
		mg_finding_detail(&f, "The NOT NULL constraint on column \"%s\" is added to every child table, and each child is scanned to prove it while the lock is held, %s.",
						  colname, mg_lock_blocks(ctx->lockmode));
		mg_finding_add_detail_text(&f, mg_rel_describe(child));
		mg_finding_hint(&f, "Make the column NOT NULL in each child first without a scan: ALTER TABLE %s ADD CONSTRAINT ... NOT NULL %s NOT VALID; then ALTER TABLE %s VALIDATE CONSTRAINT ..., which takes only SHARE UPDATE EXCLUSIVE; the inherited constraint then merges with it.",
						mg_rel_name(child), quote_identifier(colname), mg_rel_name(child));
		mg_report(&f);
		return;					/* one finding names the first child scanned */
	}
}

void
mg_check_alter_constraint(MGAlterContext *ctx, ATAlterConstraint * cmd)
{
	Oid			conoid;
	HeapTuple	tuple;
	Form_pg_constraint con;
	bool		enforce_fk;
	bool		inherit_nn;
	AttrNumber	attnum = InvalidAttrNumber;

	if (!mg_alter_rel_has_storage_rules(ctx))
		return;
	conoid = get_relation_constraint_oid(ctx->relid, cmd->conname, true);
	if (!OidIsValid(conoid))
		return;					/* PostgreSQL reports the missing constraint */
	tuple = SearchSysCache1(CONSTROID, ObjectIdGetDatum(conoid));
	if (!HeapTupleIsValid(tuple))
		return;
	con = (Form_pg_constraint) GETSTRUCT(tuple);
	enforce_fk = cmd->alterEnforceability && cmd->is_enforced &&
		con->contype == CONSTRAINT_FOREIGN && !con->conenforced;
	inherit_nn = cmd->alterInheritability && !cmd->noinherit &&
		con->contype == CONSTRAINT_NOTNULL && con->connoinherit;
	if (inherit_nn)
		attnum = extractNotNullColumn(tuple);
	ReleaseSysCache(tuple);

	if (enforce_fk)
		check_enforce_foreign_key(ctx, cmd->conname, conoid);
	if (inherit_nn)
		check_inherit_not_null(ctx, cmd->conname, attnum);
}
#endif
