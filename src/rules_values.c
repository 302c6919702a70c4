/*-------------------------------------------------------------------------
 *
 * rules_values.c
 *	  Values the running release's statements rely on without naming a
 *	  column or table: enum labels (rename_enum_value) and what fills a NOT
 *	  NULL column an INSERT leaves out (drop_default_required).  Called from
 *	  rules_cascade.c's dispatcher.
 *
 * IDENTIFICATION
 *	  src/rules_values.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "catalog/objectaddress.h"
#include "catalog/pg_attribute.h"
#include "catalog/pg_class.h"
#include "catalog/pg_enum.h"
#include "catalog/pg_type.h"
#include "commands/extension.h"
#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "nodes/makefuncs.h"
#include "parser/parse_type.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/syscache.h"

#include "migration_guard.h"
#include "relfacts.h"
#include "rules_cascade.h"

/* How many tables a message names before "and N more". */
#define MAX_LISTED		5

/* No running code uses a relation created in this transaction or a temporary one. */
static bool
rel_is_private(Oid relid)
{
	if (creating_extension)
		return true;
	return mg_rel_persistence(relid) == '\0' || mg_rel_created_in_xact(relid);
}

/* "public.a, public.b, and 3 more" */
static char *
relation_list(List *relids)
{
	StringInfoData buf;
	ListCell   *lc;
	int			n = 0;

	initStringInfo(&buf);
	foreach(lc, relids)
	{
		if (n == MAX_LISTED)
		{
			appendStringInfo(&buf, ", and %d more", list_length(relids) - n);
			break;
		}
		appendStringInfo(&buf, "%s%s", n > 0 ? ", " : "", mg_rel_name(lfirst_oid(lc)));
		n++;
	}
	return buf.data;
}

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
			!rel_is_private(dep->objectId))
			relids = list_append_unique_oid(relids, dep->objectId);
	}
	return relids;
}

void
mg_check_rename_enum_value(AlterEnumStmt *stmt)
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
	f.message = psprintf("renaming value '%s' of enum type %s breaks queries of the running release",
						 stmt->oldVal, typname);
	if (relids != NIL)
		f.detail = psprintf(ngettext("The release running now still writes and compares '%s'; once this commits each of its statements that names it fails with \"invalid input value for enum\".  %d table stores the type: %s.",
									 "The release running now still writes and compares '%s'; once this commits each of its statements that names it fails with \"invalid input value for enum\".  %d tables store the type: %s.",
									 list_length(relids)),
							stmt->oldVal, list_length(relids), relation_list(relids));
	else
		f.detail = psprintf("The release running now may still write and compare '%s'; once this commits each of its statements that names it fails with \"invalid input value for enum\".",
							stmt->oldVal);
	f.hint = psprintf("Expand, migrate, contract: ALTER TYPE %s ADD VALUE %s; deploy code that writes %s and accepts both; move the rows over in batches (CALL migration_guard.backfill(...)); then leave %s unused.",
					  typname, quote_literal_cstr(stmt->newVal),
					  quote_literal_cstr(stmt->newVal), quote_literal_cstr(stmt->oldVal));
	mg_report(&f);
}

/* ---------- drop_default_required ---------- */

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
 * subcommand would remove: "default", "identity", "generation expression", or NULL when the subcommand removes nothing that matters.
 */
static const char *
removed_value_source(Oid relid, AlterTableCmd *cmd)
{
	HeapTuple	tup = SearchSysCacheAttName(relid, cmd->name);
	Form_pg_attribute att;
	const char *what = NULL;

	if (!HeapTupleIsValid(tup))
		return NULL;
	att = (Form_pg_attribute) GETSTRUCT(tup);
	if (att->attnum > 0 && att->attnotnull)
	{
		switch (cmd->subtype)
		{
			case AT_ColumnDefault:
				if (att->atthasdef && att->attgenerated == '\0' && att->attidentity == '\0' &&
					is_null_default(cmd->def))
					what = "default";
				break;
			case AT_DropIdentity:
				if (att->attidentity != '\0')
					what = "identity";
				break;
			case AT_DropExpression:
				if (att->attgenerated != '\0')
					what = "generation expression";
				break;
			default:
				break;
		}
	}
	ReleaseSysCache(tup);
	return what;
}

void
mg_check_drop_default_required(AlterTableStmt *stmt, Oid relid, AlterTableCmd *cmd)
{
	const char *what;
	MGFinding	f = {0};

	if (cmd->name == NULL)
		return;
	what = removed_value_source(relid, cmd);
	if (what == NULL || statement_refills_column(stmt, cmd->name) ||
		!mg_rule_applies(MG_RULE_DROP_DEFAULT_REQUIRED, relid) || rel_is_private(relid))
		return;

	f.rule = MG_RULE_DROP_DEFAULT_REQUIRED;
	f.relid = relid;
	f.lockmode = AccessExclusiveLock;
	f.message = psprintf("removing the %s of NOT NULL column \"%s\" of table \"%s\" breaks INSERTs that leave it out",
						 what, cmd->name, get_rel_name(relid));
	f.detail = psprintf("INSERT statements of the release running now that do not name \"%s\" rely on its %s; once this commits each of them fails with a not-null violation.",
						cmd->name, what);
	f.hint = psprintf("Remove it only after every running release names \"%s\" in its INSERTs; or keep a default (ALTER TABLE %s ALTER COLUMN %s SET DEFAULT ...), or make the column nullable first (DROP NOT NULL).",
					  cmd->name, mg_rel_name(relid), quote_identifier(cmd->name));
	mg_report(&f);
}
