/*-------------------------------------------------------------------------
 *
 * rules_values.c
 *	  Values the running release's statements rely on without naming a
 *	  column or table: enum labels (rename_enum_value) and what fills a NOT
 *	  NULL column an INSERT leaves out, removed from an existing column
 *	  (drop_default_required) or missing from a new one
 *	  (add_column_required).
 *
 *	  mg_check_values_stmt() is this family's entry point for ALTER TYPE
 *	  ... RENAME VALUE and ALTER TABLE; rules_alter.c calls
 *	  mg_check_add_column_required() for each ADD COLUMN.
 *
 * IDENTIFICATION
 *	  src/rules_values.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "compat.h"

#include "access/htup_details.h"
#include "catalog/namespace.h"
#include "catalog/objectaddress.h"
#include "catalog/pg_attribute.h"
#include "catalog/pg_class.h"
#include "catalog/pg_enum.h"
#include "catalog/pg_type.h"
#include "commands/extension.h"
#include "miscadmin.h"
#include "nodes/makefuncs.h"
#include "parser/parse_type.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/syscache.h"

#include "alterfacts.h"
#include "applies.h"
#include "finding.h"
#include "objfacts.h"
#include "relfacts.h"
#include "rellist.h"
#include "report.h"
#include "rules_values.h"
#include "statement.h"

/* How many tables a message names before "and N more". */
#define MAX_LISTED		5

/* ---------- rename_enum_value ---------- */

static bool
enum_has_label(Oid typid, const char *label)
{
	HeapTuple	tup = SearchSysCache2(ENUMTYPOIDNAME, ObjectIdGetDatum(typid),
									  CStringGetDatum(label));

	if (!HeapTupleIsValid(tup))
		return false;
	ReleaseSysCache(tup);
	return true;
}

/* Tables (existing before this transaction) with a column of the type. */
static List *
tables_storing_type(Oid typid)
{
	List	   *relids = NIL;
	ListCell   *lc;

	foreach(lc, mg_type_dependents(typid))
	{
		ObjectAddress *dep = lfirst(lc);

		if (dep->classId == RelationRelationId && dep->objectSubId > 0 &&
			mg_relkind_queried_by_name(get_rel_relkind(dep->objectId)) &&
			!mg_rel_private_to_xact(dep->objectId))
			relids = list_append_unique_oid(relids, dep->objectId);
	}
	return relids;
}

static void
check_rename_enum_value(AlterEnumStmt *stmt)
{
	Type		tup;
	Oid			typid;
	ObjectAddress addr;
	List	   *relids;
	MGFinding	f = {0};
	char	   *typname;

	if (stmt->oldVal == NULL || stmt->newVal == NULL ||
		!mg_rule_applies(MG_RULE_RENAME_ENUM_VALUE, InvalidOid))
		return;
	tup = LookupTypeName(NULL, makeTypeNameFromNameList(stmt->typeName), NULL, true);
	if (tup == NULL)
		return;
	typid = typeTypeId(tup);
	ReleaseSysCache(tup);
	if (get_typtype(typid) != TYPTYPE_ENUM || !compat_type_ownercheck(typid, GetUserId()))
		return;					/* PostgreSQL reports it */
	if (!enum_has_label(typid, stmt->oldVal) || enum_has_label(typid, stmt->newVal))
		return;					/* PostgreSQL reports it */
	ObjectAddressSet(addr, TypeRelationId, typid);
	if (creating_extension || mg_object_created_in_xact(&addr))
		return;

	typname = format_type_be(typid);
	relids = tables_storing_type(typid);
	f.rule = MG_RULE_RENAME_ENUM_VALUE;
	f.relid = relids != NIL ? linitial_oid(relids) : InvalidOid;
	mg_finding_message(&f, "renaming value '%s' of enum type %s breaks queries of the running release",
					   stmt->oldVal, typname);
	if (relids != NIL)
		mg_finding_detail_plural(&f,
								 "The release running now still writes and compares '%s'; once this commits each of its statements that names it fails with \"invalid input value for enum\".  %d table stores the type: %s.",
								 "The release running now still writes and compares '%s'; once this commits each of its statements that names it fails with \"invalid input value for enum\".  %d tables store the type: %s.",
								 list_length(relids),
								 stmt->oldVal, list_length(relids),
								 mg_rel_list_serial(relids, MAX_LISTED));
	else
		mg_finding_detail(&f, "The release running now may still write and compare '%s'; once this commits each of its statements that names it fails with \"invalid input value for enum\".",
						  stmt->oldVal);
	mg_finding_hint(&f, "Expand, migrate, contract: ALTER TYPE %s ADD VALUE %s; deploy code that writes %s and accepts both; move the rows over in batches (CALL migration_guard.backfill(...)); then leave %s unused.",
					typname, quote_literal_cstr(stmt->newVal),
					quote_literal_cstr(stmt->newVal), quote_literal_cstr(stmt->oldVal));
	mg_report(&f);
}

/* ---------- drop_default_required ---------- */

/* What fills a NOT NULL column when an INSERT leaves it out. */
typedef enum ValueSource
{
	NO_VALUE_SOURCE,
	VALUE_FROM_DEFAULT,
	VALUE_FROM_IDENTITY,
	VALUE_FROM_GENERATION
} ValueSource;

/* DEFAULT NULL, possibly cast, is no default at all. */
static bool
is_null_default(Node *expr)
{
	while (expr != NULL && IsA(expr, TypeCast))
		expr = ((TypeCast *) expr)->arg;
	return expr == NULL || (IsA(expr, A_Const) && ((A_Const *) expr)->isnull);
}

/* Does the statement give the column a value source or drop NOT NULL again? */
static bool
statement_refills_column(AlterTableStmt *stmt, const char *colname)
{
	ListCell   *lc;

	foreach(lc, stmt->cmds)
	{
		AlterTableCmd *cmd = lfirst_node(AlterTableCmd, lc);

		if (cmd->name == NULL || strcmp(cmd->name, colname) != 0)
			continue;
		if ((cmd->subtype == AT_ColumnDefault && !is_null_default(cmd->def)) ||
			cmd->subtype == AT_DropNotNull || cmd->subtype == AT_AddIdentity ||
			cmd->subtype == AT_DropColumn)
			return true;
	}
	return false;
}

/*
 * What fills a NOT NULL column when an INSERT leaves it out, and the
 * subcommand would remove; NO_VALUE_SOURCE when the subcommand removes
 * nothing that matters.
 */
static ValueSource
removed_value_source(Oid relid, AlterTableCmd *cmd)
{
	HeapTuple	tup = SearchSysCacheAttName(relid, cmd->name);
	Form_pg_attribute att;
	ValueSource what = NO_VALUE_SOURCE;

	if (!HeapTupleIsValid(tup))
		return NO_VALUE_SOURCE;
	att = (Form_pg_attribute) GETSTRUCT(tup);
	if (att->attnum > 0 && att->attnotnull)
	{
		switch (cmd->subtype)
		{
			case AT_ColumnDefault:
				if (att->atthasdef && att->attgenerated == '\0' && att->attidentity == '\0' &&
					is_null_default(cmd->def))
					what = VALUE_FROM_DEFAULT;
				break;
			case AT_DropIdentity:
				if (att->attidentity != '\0')
					what = VALUE_FROM_IDENTITY;
				break;
			case AT_DropExpression:
				if (att->attgenerated != '\0')
					what = VALUE_FROM_GENERATION;
				break;
			default:
				break;
		}
	}
	ReleaseSysCache(tup);
	return what;
}

static void
check_drop_default_required(AlterTableStmt *stmt, Oid relid, AlterTableCmd *cmd)
{
	ValueSource what;
	const char *relname;
	MGFinding	f = {0};

	if (cmd->name == NULL)
		return;
	what = removed_value_source(relid, cmd);
	if (what == NO_VALUE_SOURCE || statement_refills_column(stmt, cmd->name) ||
		!mg_rule_applies(MG_RULE_DROP_DEFAULT_REQUIRED, relid) ||
		mg_rel_private_to_xact(relid))
		return;

	relname = get_rel_name(relid);
	f.rule = MG_RULE_DROP_DEFAULT_REQUIRED;
	f.relid = relid;
	f.lockmode = AccessExclusiveLock;
	switch (what)
	{
		case VALUE_FROM_DEFAULT:
			mg_finding_message(&f, "removing the default of NOT NULL column \"%s\" of table \"%s\" breaks INSERTs that leave it out",
							   cmd->name, relname);
			mg_finding_detail(&f, "INSERT statements of the release running now that do not name \"%s\" rely on its default; once this commits each of them fails with a not-null violation.",
							  cmd->name);
			break;
		case VALUE_FROM_IDENTITY:
			mg_finding_message(&f, "removing the identity of NOT NULL column \"%s\" of table \"%s\" breaks INSERTs that leave it out",
							   cmd->name, relname);
			mg_finding_detail(&f, "INSERT statements of the release running now that do not name \"%s\" rely on its identity; once this commits each of them fails with a not-null violation.",
							  cmd->name);
			break;
		case VALUE_FROM_GENERATION:
			mg_finding_message(&f, "removing the generation expression of NOT NULL column \"%s\" of table \"%s\" breaks INSERTs that leave it out",
							   cmd->name, relname);
			mg_finding_detail(&f, "INSERT statements of the release running now that do not name \"%s\" rely on its generation expression; once this commits each of them fails with a not-null violation.",
							  cmd->name);
			break;
		case NO_VALUE_SOURCE:
			return;
	}
	mg_finding_hint(&f, "Remove it only after every running release names \"%s\" in its INSERTs; or keep a default (ALTER TABLE %s ALTER COLUMN %s SET DEFAULT ...), or make the column nullable first (DROP NOT NULL).",
					cmd->name, mg_rel_name(relid), quote_identifier(cmd->name));
	mg_report(&f);
}

/* The subcommands of ALTER TABLE that remove what fills a column. */
static bool
fills_column_subcommand(AlterTableCmd *cmd)
{
	return cmd->subtype == AT_ColumnDefault ||
		cmd->subtype == AT_DropIdentity ||
		cmd->subtype == AT_DropExpression;
}

/* Does the ALTER TABLE have one?  Most have not: no catalog is read then. */
static bool
removes_what_fills_a_column(AlterTableStmt *stmt)
{
	ListCell   *lc;

	foreach(lc, stmt->cmds)
	{
		if (fills_column_subcommand(lfirst_node(AlterTableCmd, lc)))
			return true;
	}
	return false;
}

/* Judges each subcommand that removes what fills a column. */
static void
check_alter_table(AlterTableStmt *stmt)
{
	Oid			relid;
	char		relkind;
	ListCell   *lc;

	if (!removes_what_fills_a_column(stmt))
		return;
	relid = RangeVarGetRelid(stmt->relation, NoLock, true);
	if (!OidIsValid(relid))
		return;
	relkind = get_rel_relkind(relid);
	if (relkind != RELKIND_RELATION && relkind != RELKIND_PARTITIONED_TABLE &&
		relkind != RELKIND_FOREIGN_TABLE)
		return;
	if (mg_rel_is_protected_catalog(relid) || !mg_caller_owns_relation(relid))
		return;					/* PostgreSQL refuses it */

	foreach(lc, stmt->cmds)
	{
		AlterTableCmd *cmd = lfirst_node(AlterTableCmd, lc);

		if (fills_column_subcommand(cmd))
			check_drop_default_required(stmt, relid, cmd);
	}
}

/* ---------- add_column_required ---------- */

/*
 * A domain type that rejects NULL and supplies no default of its own
 * (a domain's default is copied from its base domain when it is created,
 * while NOT NULL of any level applies).
 */
static bool
domain_requires_value(TypeName *typeName)
{
	Type		tup;
	Oid			typid;
	bool		notnull = false;

	if (typeName == NULL || mg_serial_type_name(typeName) != NULL)
		return false;
	tup = LookupTypeName(NULL, typeName, NULL, true);
	if (tup == NULL)
		return false;
	typid = typeTypeId(tup);
	ReleaseSysCache(tup);

	if (get_typtype(typid) != TYPTYPE_DOMAIN || get_typdefault(typid) != NULL)
		return false;
	while (OidIsValid(typid) && get_typtype(typid) == TYPTYPE_DOMAIN)
	{
		HeapTuple	ttup = SearchSysCache1(TYPEOID, ObjectIdGetDatum(typid));
		Form_pg_type form;

		if (!HeapTupleIsValid(ttup))
			break;
		form = (Form_pg_type) GETSTRUCT(ttup);
		notnull |= form->typnotnull;
		typid = form->typbasetype;
		ReleaseSysCache(ttup);
	}
	return notnull;
}

/*
 * ALTER TABLE ... ADD COLUMN ... NOT NULL (or PRIMARY KEY, or of a NOT NULL
 * domain) without a usable default: the running release's INSERTs do not
 * name the column, so each one fails.  Identity, generated and serial
 * columns fill themselves.  Reads the raw ColumnDef as the parser left it:
 * constraints are still in def->constraints.
 */
void
mg_check_add_column_required(MGStatement *st, Oid relid, ColumnDef *def)
{
	bool		not_null = def->is_not_null;
	bool		has_default = !is_null_default(def->raw_default);
	bool		fills_itself = def->identity != '\0' || def->generated != '\0' ||
		def->cooked_default != NULL || mg_serial_type_name(def->typeName) != NULL;
	bool		from_domain = false;
	ListCell   *lc;
	MGFinding	f = {0};
	char	   *type;

	if (!OidIsValid(relid) || def->colname == NULL)
		return;
	/* ADD COLUMN IF NOT EXISTS of an existing column adds nothing */
	if (get_attnum(relid, def->colname) != InvalidAttrNumber)
		return;
	foreach(lc, def->constraints)
	{
		Constraint *con = lfirst(lc);

		switch (con->contype)
		{
			case CONSTR_NOTNULL:
			case CONSTR_PRIMARY:
				not_null = true;
				break;
			case CONSTR_NULL:
				break;
			case CONSTR_DEFAULT:
				if (!is_null_default(con->raw_expr))
					has_default = true;
				break;
			case CONSTR_IDENTITY:
			case CONSTR_GENERATED:
				fills_itself = true;
				break;
			default:
				break;
		}
	}
	if (fills_itself || has_default)
		return;
	if (!not_null)
	{
		if (!domain_requires_value(def->typeName))
			return;
		from_domain = true;
	}
	if (!mg_rule_applies(MG_RULE_ADD_COLUMN_REQUIRED, relid) || mg_rel_private_to_xact(relid))
		return;

	type = def->typeName ? TypeNameToString(def->typeName) : pstrdup("...");
	f.rule = MG_RULE_ADD_COLUMN_REQUIRED;
	f.relid = relid;
	f.column = def->colname;
	f.lockmode = AccessExclusiveLock;
	mg_finding_message(&f, "adding column \"%s\" to table \"%s\" as NOT NULL without a default breaks INSERTs of the running release",
					   def->colname, get_rel_name(relid));
	if (from_domain)
		mg_finding_detail(&f, "INSERT statements of the release running now do not name \"%s\", so every one of them fails with a not-null violation once this commits (its type %s is a domain that is NOT NULL and has no default).  PostgreSQL also refuses the ADD itself while the table has rows.",
						  def->colname, type);
	else
		mg_finding_detail(&f, "INSERT statements of the release running now do not name \"%s\", so every one of them fails with a not-null violation once this commits.  PostgreSQL also refuses the ADD itself while the table has rows.",
						  def->colname);
	mg_finding_hint(&f, "Add it with a constant default, which needs no rewrite since PostgreSQL 11: ALTER TABLE %s ADD COLUMN %s %s NOT NULL DEFAULT <value>.  Or add it nullable, backfill it in batches (CALL migration_guard.backfill(...)), then enforce NOT NULL without a long lock: ADD CONSTRAINT ... CHECK (%s IS NOT NULL) NOT VALID, VALIDATE CONSTRAINT, SET NOT NULL.",
					mg_rel_name(relid), quote_identifier(def->colname), type,
					quote_identifier(def->colname));
	mg_report(&f);
}

/* ---------- entry point ---------- */

/*
 * The statements whose values running INSERTs and queries rely on: ALTER
 * TYPE ... RENAME VALUE and ALTER TABLE's DROP DEFAULT / DROP IDENTITY /
 * DROP EXPRESSION.
 */
void
mg_check_values_stmt(MGStatement *st, Node *parsetree)
{
	switch (nodeTag(parsetree))
	{
		case T_AlterEnumStmt:
			check_rename_enum_value((AlterEnumStmt *) parsetree);
			break;
		case T_AlterTableStmt:
			check_alter_table((AlterTableStmt *) parsetree);
			break;
		default:
			break;
	}
}
