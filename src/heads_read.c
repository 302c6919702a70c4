/*-------------------------------------------------------------------------
 *
 * heads_read.c
 *	  Reading a migration table without lending it the guard's rights:
 *	  which relation migration_guard.migration_table names, whether that
 *	  relation may be read at all, and the identity the read runs under.
 *
 *	  The rule (docs/security-review.md): a user relation is read as its
 *	  owner, with search_path pg_catalog, pg_temp, in a restricted security
 *	  context, and only if reading it can run no code of anyone's: a plain
 *	  or partitioned table whose descendants are plain tables too, never a
 *	  view, materialized view or foreign table, never a temporary relation
 *	  unless the DBA named pg_temp.  This is what core's RI triggers do
 *	  (ri_triggers.c): the owner, SECURITY_LOCAL_USERID_CHANGE |
 *	  SECURITY_NOFORCE_RLS, quoted schema-qualified names.
 *
 *	  An unqualified migration_table is not looked up on the session's
 *	  search_path, which the attacking session controls (a temporary view
 *	  would come first): every non-system, non-temporary schema is searched,
 *	  and a name found in several is ambiguous, which fails closed.
 *
 *	  The one scan of pg_class by name of the heads family lives here
 *	  (mg_heads_relations_named()); auto-detection uses it too.
 *
 * IDENTIFICATION
 *	  src/heads_read.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "compat.h"

#include "access/genam.h"
#include "access/htup_details.h"
#include "access/table.h"
#include "catalog/catalog.h"
#include "catalog/dependency.h"
#include "catalog/indexing.h"
#include "catalog/namespace.h"
#include "catalog/pg_class.h"
#include "catalog/pg_extension.h"
#include "catalog/pg_inherits.h"
#include "catalog/pg_namespace.h"
#include "commands/extension.h"
#include "miscadmin.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/fmgroids.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/syscache.h"
#include "utils/varlena.h"

#include "heads_read.h"
#include "heads_types.h"
#include "relfacts.h"

/*
 * Relations of any selectable kind named relname, in every schema except
 * the system, TOAST, temporary and information_schema ones.  Views and the
 * like are kept: a view of the name makes the name ambiguous, it is never
 * read.  tables_only: plain and partitioned tables only (auto-detection
 * looks for the tools' tables, heads_candidates.c).
 */
List *
mg_heads_relations_named(const char *relname, bool tables_only)
{
	List	   *result = NIL;
	Relation	rel;
	ScanKeyData key;
	SysScanDesc scan;
	HeapTuple	tup;
	NameData	name;

	namestrcpy(&name, relname);
	rel = table_open(RelationRelationId, AccessShareLock);
	ScanKeyInit(&key, Anum_pg_class_relname, BTEqualStrategyNumber, F_NAMEEQ,
				NameGetDatum(&name));
	scan = systable_beginscan(rel, ClassNameNspIndexId, true, NULL, 1, &key);
	while (HeapTupleIsValid(tup = systable_getnext(scan)))
	{
		Form_pg_class form = (Form_pg_class) GETSTRUCT(tup);
		char	   *nspname;

		if (form->relkind != RELKIND_RELATION &&
			form->relkind != RELKIND_PARTITIONED_TABLE &&
			(tables_only ||
			 (form->relkind != RELKIND_VIEW &&
			  form->relkind != RELKIND_MATVIEW &&
			  form->relkind != RELKIND_FOREIGN_TABLE)))
			continue;
		if (IsCatalogNamespace(form->relnamespace) ||
			IsToastNamespace(form->relnamespace) ||
			isAnyTempNamespace(form->relnamespace))
			continue;
		/* NULL: the schema was dropped concurrently, and the table with it */
		nspname = get_namespace_name(form->relnamespace);
		if (nspname == NULL || strcmp(nspname, "information_schema") == 0)
			continue;
		result = lappend_oid(result, form->oid);
	}
	systable_endscan(scan);
	table_close(rel, AccessShareLock);
	return result;
}

/*
 * The relations a non-auto migration_guard.migration_table names: none,
 * one, or (for an unqualified name found in several schemas) all of them,
 * which the reader reports as ambiguous.
 *
 *	schema.name		that schema, looked up without privilege checks (an
 *					application role without USAGE must see the same
 *					table); another session's temporary schema, or this
 *					one's under its real name, names nothing;
 *	pg_temp.name	this session's temporary relation, the one way to make
 *					the guard read a temporary relation;
 *	name			every non-system, non-temporary schema.
 */
List *
mg_heads_resolve_table(const char *setting)
{
	char	   *raw = pstrdup(setting);
	List	   *names;
	Oid			nspid;
	Oid			relid;

	if (!SplitIdentifierString(raw, '.', &names) || names == NIL ||
		list_length(names) > 2)
		return NIL;
	if (list_length(names) == 1)
		return mg_heads_relations_named(linitial(names), false);

	if (strcmp(linitial(names), "pg_temp") == 0)
	{
		nspid = LookupExplicitNamespace("pg_temp", true);
		if (!OidIsValid(nspid) || !isTempNamespace(nspid))
			return NIL;
	}
	else
	{
		nspid = get_namespace_oid(linitial(names), true);
		if (!OidIsValid(nspid) || isAnyTempNamespace(nspid))
			return NIL;
	}
	relid = get_relname_relid(lsecond(names), nspid);
	return OidIsValid(relid) ? list_make1_oid(relid) : NIL;
}

static const char *
relkind_noun(char relkind)
{
	switch (relkind)
	{
		case RELKIND_VIEW:
			return MGH_("a view");
		case RELKIND_MATVIEW:
			return MGH_("a materialized view");
		case RELKIND_FOREIGN_TABLE:
			return MGH_("a foreign table");
		case RELKIND_SEQUENCE:
			return MGH_("a sequence");
		case RELKIND_INDEX:
		case RELKIND_PARTITIONED_INDEX:
			return MGH_("an index");
		case RELKIND_COMPOSITE_TYPE:
			return MGH_("a composite type");
		default:
			return MGH_("not a table");
	}
}

/*
 * May the guard read this relation, and as whom?  Returns NULL and sets
 * *owner if so; otherwise a sentence saying why not, which the reading
 * reports as its problem (fails closed: head() says unknown, commits that
 * write the table and the freeze refuse).
 */
char *
mg_heads_check_readable(Oid relid, Oid *owner)
{
	HeapTuple	tup;
	Form_pg_class form;
	char		relkind;
	Oid			nspid;
	List	   *descendants;
	ListCell   *lc;

	tup = SearchSysCache1(RELOID, ObjectIdGetDatum(relid));
	if (!HeapTupleIsValid(tup))
		return psprintf(MGH_("Relation %u does not exist any more."), relid);
	form = (Form_pg_class) GETSTRUCT(tup);
	relkind = form->relkind;
	nspid = form->relnamespace;
	*owner = form->relowner;
	ReleaseSysCache(tup);

	if (relkind != RELKIND_RELATION && relkind != RELKIND_PARTITIONED_TABLE)
		return psprintf(MGH_("%s is %s; migration_guard reads only tables, whose reading runs no code."),
						mg_rel_name(relid), relkind_noun(relkind));
	if (isAnyTempNamespace(nspid) && !isTempNamespace(nspid))
		return psprintf(MGH_("%s is another session's temporary table."), mg_rel_name(relid));

	/* the tools read the descendants too: each must be a plain table */
	descendants = find_all_inheritors(relid, NoLock, NULL);
	foreach(lc, descendants)
	{
		Oid			child = lfirst_oid(lc);
		char		ck = get_rel_relkind(child);

		if (child == relid)
			continue;
		if (ck != RELKIND_RELATION && ck != RELKIND_PARTITIONED_TABLE)
			return psprintf(MGH_("%s, a child of %s, is %s; migration_guard reads only tables."),
							mg_rel_name(child), mg_rel_name(relid), relkind_noun(ck));
		if (isAnyTempNamespace(get_rel_namespace(child)))
			return psprintf(MGH_("%s, a child of %s, is a temporary table."),
							mg_rel_name(child), mg_rel_name(relid));
	}

	if (compat_namespace_aclcheck(nspid, *owner, ACL_USAGE) != ACLCHECK_OK ||
		pg_class_aclcheck(relid, *owner, ACL_SELECT) != ACLCHECK_OK)
		return psprintf(MGH_("The owner of %s, role \"%s\", cannot read it, and migration_guard reads it as its owner."),
						mg_rel_name(relid), GetUserNameFromId(*owner, true) ? GetUserNameFromId(*owner, true) : "?");
	return NULL;
}

/*
 * Runs the following SPI as role, as core's RI triggers do: the owner's
 * own rights and nothing more, row security not forced on the owner, no
 * temporary objects or deferred actions, names resolved in pg_catalog
 * first.  Nothing the caller set can redirect a name.  An error on the way
 * restores identity and settings at (sub)transaction abort.
 */
void
mg_heads_enter_as(MGOwnQuery *q, Oid role)
{
	GetUserIdAndSecContext(&q->save_userid, &q->save_sec);
	SetUserIdAndSecContext(role,
						   q->save_sec | SECURITY_LOCAL_USERID_CHANGE |
						   SECURITY_NOFORCE_RLS | SECURITY_RESTRICTED_OPERATION);
	q->save_nestlevel = NewGUCNestLevel();
	(void) set_config_option("search_path", "pg_catalog, pg_temp",
							 PGC_SUSET, PGC_S_SESSION, GUC_ACTION_SAVE,
							 true, 0, false);
	/* numeric versions read the same in every session */
	(void) set_config_option("extra_float_digits", "1",
							 PGC_SUSET, PGC_S_SESSION, GUC_ACTION_SAVE,
							 true, 0, false);
}

void
mg_heads_leave_own_query(const MGOwnQuery *q)
{
	AtEOXact_GUC(true, q->save_nestlevel);
	SetUserIdAndSecContext(q->save_userid, q->save_sec);
}

/*
 * migration_guard.head_history, if it is the extension's own plain table:
 * the history is written as that table's owner (whoever installed the
 * extension), not as the migrating role, which need not be able to write
 * it.  A relation of that name that is not the extension's member, or not
 * a plain table, is never written.
 */
Oid
mg_heads_history_table(Oid *owner)
{
	Oid			extoid = get_extension_oid("migration_guard", true);
	Relation	rel;
	ScanKeyData key;
	SysScanDesc scan;
	HeapTuple	tup;
	Oid			nspid = InvalidOid;
	Oid			relid;

	if (!OidIsValid(extoid))
		return InvalidOid;
	rel = table_open(ExtensionRelationId, AccessShareLock);
	ScanKeyInit(&key, Anum_pg_extension_oid, BTEqualStrategyNumber, F_OIDEQ,
				ObjectIdGetDatum(extoid));
	scan = systable_beginscan(rel, ExtensionOidIndexId, true, NULL, 1, &key);
	if (HeapTupleIsValid(tup = systable_getnext(scan)))
		nspid = ((Form_pg_extension) GETSTRUCT(tup))->extnamespace;
	systable_endscan(scan);
	table_close(rel, AccessShareLock);

	relid = OidIsValid(nspid) ? get_relname_relid("head_history", nspid) : InvalidOid;
	if (!OidIsValid(relid) ||
		get_rel_relkind(relid) != RELKIND_RELATION ||
		getExtensionOfObject(RelationRelationId, relid) != extoid)
		return InvalidOid;
	tup = SearchSysCache1(RELOID, ObjectIdGetDatum(relid));
	if (!HeapTupleIsValid(tup))
		return InvalidOid;
	*owner = ((Form_pg_class) GETSTRUCT(tup))->relowner;
	ReleaseSysCache(tup);
	return relid;
}
