/*-------------------------------------------------------------------------
 *
 * rules_add_column.c
 *	  Rule add_column_volatile_default: ALTER TABLE ... ADD COLUMN that
 *	  cannot be a catalog-only change (a volatile default, identity, serial,
 *	  a stored generated column, a domain with constraints) and so rewrites
 *	  the table.  Called by the ALTER TABLE dispatcher (rules_alter.c) only;
 *	  the constraints written inline in the column are judged by the
 *	  constraint families, which the dispatcher calls next.
 *
 * IDENTIFICATION
 *	  src/rules_add_column.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "compat.h"

#include "catalog/pg_type.h"
#include "nodes/nodeFuncs.h"
#include "optimizer/optimizer.h"
#include "parser/parse_coerce.h"
#include "parser/parse_collate.h"
#include "parser/parse_expr.h"
#include "parser/parse_type.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/syscache.h"
#include "utils/typcache.h"

#include "alterfacts.h"
#include "applies.h"
#include "finding.h"
#include "relfacts.h"
#include "report.h"
#include "rules_alter.h"
#include "statement.h"
#include "words.h"

/* Why ADD COLUMN rewrites the table. */
typedef enum AddColumnRewrite
{
	REWRITE_NONE,
	REWRITE_IDENTITY,
	REWRITE_SERIAL,
	REWRITE_STORED_GENERATED,
	REWRITE_DOMAIN_CHECKS,
	REWRITE_VOLATILE_DEFAULT,
	REWRITE_VOLATILE_DOMAIN_DEFAULT,
} AddColumnRewrite;

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
 * Why ADD COLUMN rewrites the table, or REWRITE_NONE if it does not.  Since
 * PostgreSQL 11 a non-volatile default is stored once in the catalog
 * (attmissingval); a volatile one, identity, serial, a stored generated
 * column, or a domain with constraints (checked row by row) means every
 * row is written again.  For REWRITE_DOMAIN_CHECKS, *domain is the domain.
 */
static AddColumnRewrite
add_column_rewrite_reason(MGStatement *st, ColumnDef *def, Oid *domain)
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
		return REWRITE_IDENTITY;
	if (mg_serial_type_name(def->typeName) != NULL)
		return REWRITE_SERIAL;
	if (generated)
		return virtual_generated ? REWRITE_NONE : REWRITE_STORED_GENERATED;

	if (def->typeName == NULL)
		return REWRITE_NONE;
	typ = LookupTypeName(NULL, def->typeName, &typmod, true);
	if (typ == NULL)
		return REWRITE_NONE;
	typid = typeTypeId(typ);
	ReleaseSysCache(typ);

	if (DomainHasConstraints(typid))
	{
		*domain = typid;
		return REWRITE_DOMAIN_CHECKS;
	}

	if (raw_default != NULL)
		expr = cook_default(st, raw_default, typid, typmod);
	else
		expr = get_typdefault(typid);	/* a domain's default applies */
	if (expr != NULL && contain_volatile_functions(expr))
		return raw_default != NULL ? REWRITE_VOLATILE_DEFAULT : REWRITE_VOLATILE_DOMAIN_DEFAULT;
	return REWRITE_NONE;
}

/* Why the column cannot be added as a catalog-only change, as errdetail. */
static void
rewrite_detail(MGFinding *f, AddColumnRewrite reason, Oid domain)
{
	switch (reason)
	{
		case REWRITE_IDENTITY:
			mg_finding_detail(f, "The column cannot be added as a catalog-only change: an identity column fills every row from its sequence.");
			break;
		case REWRITE_SERIAL:
			mg_finding_detail(f, "The column cannot be added as a catalog-only change: a serial column's default nextval() is volatile, so every row gets its own value.");
			break;
		case REWRITE_STORED_GENERATED:
			mg_finding_detail(f, "The column cannot be added as a catalog-only change: a stored generated column is computed and written for every row.");
			break;
		case REWRITE_DOMAIN_CHECKS:
			mg_finding_detail(f, "The column cannot be added as a catalog-only change: the domain %s has constraints, which PostgreSQL checks by rewriting every row.",
							  format_type_be(domain));
			break;
		case REWRITE_VOLATILE_DEFAULT:
			mg_finding_detail(f, "The column cannot be added as a catalog-only change: its default is volatile, so it is evaluated and written for every row.");
			break;
		case REWRITE_VOLATILE_DOMAIN_DEFAULT:
			mg_finding_detail(f, "The column cannot be added as a catalog-only change: the default of its domain is volatile, so it is evaluated and written for every row.");
			break;
		case REWRITE_NONE:
			break;
	}
}

void
mg_check_add_column_rewrite(MGAlterContext *ctx, ColumnDef *def)
{
	AddColumnRewrite reason;
	Oid			domain = InvalidOid;
	MGFinding	f = {0};

	if (mg_rule_applies(MG_RULE_ADD_COLUMN_VOLATILE_DEFAULT, ctx->relid) &&
		(reason = add_column_rewrite_reason(ctx->st, def, &domain)) != REWRITE_NONE &&
		!mg_rowtype_stored_elsewhere(ctx->relid))
	{
		mg_alter_finding_init(&f, ctx, MG_RULE_ADD_COLUMN_VOLATILE_DEFAULT);
		f.column = def->colname;
		f.rewrites = true;
		mg_finding_message(&f, "ADD COLUMN \"%s\" would rewrite table \"%s\"",
						   def->colname, get_rel_name(ctx->relid));
		rewrite_detail(&f, reason, domain);
		mg_finding_add_detail(&f, "The rewrite holds an %s lock, %s, and rebuilds every index.",
							  mg_lockmode_name(ctx->lockmode), mg_lock_blocks(ctx->lockmode));
		mg_finding_add_detail_text(&f, mg_rel_describe(ctx->relid));
		mg_finding_hint(&f, "Add the column without a default (or with a constant one): ALTER TABLE %s ADD COLUMN %s ...; then set the volatile default with ALTER COLUMN ... SET DEFAULT, which applies to new rows only, and fill existing rows in batches.  For identity or serial, add a plain bigint, backfill it, make it NOT NULL without a scan (a validated CHECK (... IS NOT NULL) first), then ALTER COLUMN ... ADD GENERATED BY DEFAULT AS IDENTITY and move the sequence past the existing values with setval().",
						mg_rel_name(ctx->relid), quote_identifier(def->colname));
		mg_report(&f);
	}
}
