/*-------------------------------------------------------------------------
 *
 * rules_cascade.c
 *	  Drops, renames and defaults that reach running code through another
 *	  door than the one the table rules watch: a dependency (DROP TYPE,
 *	  DROP DOMAIN, DROP FUNCTION ... CASCADE, DROP OWNED, DROP SCHEMA), a
 *	  type (ALTER TYPE ... DROP / RENAME ATTRIBUTE ... CASCADE on typed
 *	  tables), another object kind (ALTER INDEX / SEQUENCE ... RENAME of a
 *	  table, handled in rules_breaking.c) or a whole database.  Enum labels
 *	  and column defaults that running INSERTs rely on are rules_values.c's.
 *
 *	  What a CASCADE destroys comes from pg_depend through mg_dependents()
 *	  (depends.c), the same catalog truth drop_table and drop_column use.
 *	  Objects created in this transaction, and temporary ones, are exempt:
 *	  no running code can know them.  docs/coverage.md lists every
 *	  statement form and the rule that judges it.
 *
 * IDENTIFICATION
 *	  src/rules_cascade.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/genam.h"
#include "access/relation.h"
#include "access/htup_details.h"
#include "access/table.h"
#include "access/xact.h"
#include "catalog/dependency.h"
#include "catalog/indexing.h"
#include "catalog/namespace.h"
#include "catalog/objectaddress.h"
#include "catalog/partition.h"
#include "catalog/pg_am.h"
#include "catalog/pg_attrdef.h"
#include "catalog/pg_attribute.h"
#include "catalog/pg_authid.h"
#include "catalog/pg_cast.h"
#include "catalog/pg_class.h"
#include "catalog/pg_collation.h"
#include "catalog/pg_constraint.h"
#include "catalog/pg_conversion.h"
#include "catalog/pg_depend.h"
#include "catalog/pg_enum.h"
#include "catalog/pg_extension.h"
#include "catalog/pg_foreign_data_wrapper.h"
#include "catalog/pg_foreign_server.h"
#include "catalog/pg_inherits.h"
#include "catalog/pg_language.h"
#include "catalog/pg_namespace.h"
#include "catalog/pg_opclass.h"
#include "catalog/pg_operator.h"
#include "catalog/pg_opfamily.h"
#include "catalog/pg_policy.h"
#include "catalog/pg_proc.h"
#include "catalog/pg_rewrite.h"
#include "catalog/pg_shdepend.h"
#include "catalog/pg_statistic_ext.h"
#include "catalog/pg_transform.h"
#include "catalog/pg_trigger.h"
#include "catalog/pg_ts_config.h"
#include "catalog/pg_ts_dict.h"
#include "catalog/pg_ts_parser.h"
#include "catalog/pg_ts_template.h"
#include "catalog/pg_type.h"
#include "commands/dbcommands.h"
#include "commands/extension.h"
#include "commands/tablecmds.h"
#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "nodes/makefuncs.h"
#include "parser/parse_type.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/fmgroids.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/syscache.h"

#include "deprecation.h"

#include "depends.h"
#include "lockinfo.h"
#include "migration_guard.h"
#include "relfacts.h"
#include "rules_cascade.h"

/* How many objects a message names before "and N more". */
#define MAX_LISTED		5

/* ---------- small catalog facts ---------- */

/*
 * No running code can use a relation created in this transaction, nor a
 * temporary one; a relation that vanished has nothing to report.
 */
static bool
rel_is_private(Oid relid)
{
	if (creating_extension)
		return true;
	return mg_rel_persistence(relid) == '\0' || mg_rel_created_in_xact(relid);
}

/*
 * Was the catalog row of an object written by this transaction (created,
 * or last changed, here)?  For non-relation objects, whose catalogs keep
 * no "created in this subtransaction" mark.
 */
bool
mg_object_created_in_xact(const ObjectAddress *addr)
{
	Relation	catalog;
	HeapTuple	tup;
	bool		mine = false;

	switch (addr->classId)
	{
		case RelationRelationId:
			return rel_is_private(addr->objectId);
		case TypeRelationId:
		case ProcedureRelationId:
		case NamespaceRelationId:
		case OperatorRelationId:
		case CollationRelationId:
		case ConversionRelationId:
		case ExtensionRelationId:
		case ForeignServerRelationId:
		case ForeignDataWrapperRelationId:
		case RewriteRelationId:
		case TriggerRelationId:
		case ConstraintRelationId:
		case PolicyRelationId:
		case StatisticExtRelationId:
		case CastRelationId:
		case TransformRelationId:
		case OperatorClassRelationId:
		case OperatorFamilyRelationId:
		case AccessMethodRelationId:
		case TSConfigRelationId:
		case TSDictionaryRelationId:
		case TSParserRelationId:
		case TSTemplateRelationId:
		case LanguageRelationId:
			break;
		default:
			/* catalogs without an object property entry (pg_attrdef, ...) */
			return false;
	}
	catalog = table_open(addr->classId, AccessShareLock);
	tup = get_catalog_object_by_oid(catalog, get_object_attnum_oid(addr->classId),
									addr->objectId);
	if (HeapTupleIsValid(tup))
		mine = TransactionIdIsCurrentTransactionId(HeapTupleHeaderGetXmin(tup->t_data));
	table_close(catalog, AccessShareLock);
	return mine;
}

/* The relation an object belongs to (a column, default, constraint, trigger), or InvalidOid. */
static Oid
object_relation(const ObjectAddress *addr)
{
	Relation	catalog;
	SysScanDesc scan;
	ScanKeyData key;
	HeapTuple	tup;
	Oid			relid = InvalidOid;
	AttrNumber	attno;
	AttrNumber	oidattno;
	Oid			oidindex;

	/* by hand: pg_attrdef has no syscache nor object property entry in 15 */
	switch (addr->classId)
	{
		case RelationRelationId:
			return addr->objectId;
		case AttrDefaultRelationId:
			attno = Anum_pg_attrdef_adrelid;
			oidattno = Anum_pg_attrdef_oid;
			oidindex = AttrDefaultOidIndexId;
			break;
		case ConstraintRelationId:
			attno = Anum_pg_constraint_conrelid;
			oidattno = Anum_pg_constraint_oid;
			oidindex = ConstraintOidIndexId;
			break;
		case TriggerRelationId:
			attno = Anum_pg_trigger_tgrelid;
			oidattno = Anum_pg_trigger_oid;
			oidindex = TriggerOidIndexId;
			break;
		default:
			return InvalidOid;
	}
	ScanKeyInit(&key, oidattno, BTEqualStrategyNumber, F_OIDEQ,
				ObjectIdGetDatum(addr->objectId));
	catalog = table_open(addr->classId, AccessShareLock);
	scan = systable_beginscan(catalog, oidindex, true, NULL, 1, &key);
	tup = systable_getnext(scan);
	if (HeapTupleIsValid(tup))
	{
		bool		isnull;
		Datum		d = heap_getattr(tup, attno, RelationGetDescr(catalog), &isnull);

		if (!isnull)
			relid = DatumGetObjectId(d);
	}
	systable_endscan(scan);
	table_close(catalog, AccessShareLock);
	return relid;
}

/*
 * Dependents that running code may use: those of (or being) a relation
 * that existed before this transaction, and objects of no relation
 * (functions, types) that did.
 */
static List *
shared_dependents(List *deps, bool references_only, Oid *first_rel)
{
	List	   *result = NIL;
	ListCell   *lc;

	foreach(lc, deps)
	{
		MGDependent *dep = lfirst(lc);
		Oid			relid;

		if (references_only && !dep->reference)
			continue;
		relid = object_relation(&dep->address);
		if (OidIsValid(relid) ? rel_is_private(relid) :
			mg_object_created_in_xact(&dep->address))
			continue;
		if (OidIsValid(relid) && first_rel != NULL && !OidIsValid(*first_rel))
			*first_rel = relid;
		result = lappend(result, dep);
	}
	return result;
}

/* The typed tables of a composite type (CREATE TABLE ... OF type), as pg_class says. */
static List *
typed_tables(Oid typid)
{
	Relation	rel;
	SysScanDesc scan;
	ScanKeyData key;
	HeapTuple	tup;
	List	   *relids = NIL;

	/* pg_class has no index on reloftype; find_typed_table_dependencies scans too */
	ScanKeyInit(&key, Anum_pg_class_reloftype, BTEqualStrategyNumber,
				F_OIDEQ, ObjectIdGetDatum(typid));
	rel = table_open(RelationRelationId, AccessShareLock);
	scan = systable_beginscan(rel, InvalidOid, false, NULL, 1, &key);
	while (HeapTupleIsValid(tup = systable_getnext(scan)))
		relids = lappend_oid(relids, ((Form_pg_class) GETSTRUCT(tup))->oid);
	systable_endscan(scan);
	table_close(rel, AccessShareLock);
	return relids;
}

/* Typed tables of the type and their inheritance children: what ALTER TYPE ... CASCADE recurses to. */
static List *
typed_tables_recursive(Oid typid)
{
	List	   *result = NIL;
	ListCell   *lc;

	foreach(lc, typed_tables(typid))
		result = list_concat_unique_oid(result,
										find_all_inheritors(lfirst_oid(lc), NoLock, NULL));
	return result;
}

static List *
shared_relations(List *relids)
{
	List	   *result = NIL;
	ListCell   *lc;

	foreach(lc, relids)
	{
		if (!rel_is_private(lfirst_oid(lc)))
			result = lappend_oid(result, lfirst_oid(lc));
	}
	return result;
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

/*
 * A deprecated table or column among what the statement destroys (the
 * targets: ObjectAddress pointers or relation OIDs; the dependents:
 * MGDependent) that is not quiet for the whole quiet period makes the
 * finding non-advisory and is named with its last use
 * (deprecation_cascade.c).  Quiet ones change nothing.
 */
static void
add_deprecation_evidence(MGFinding *f, List *targets, List *relids, List *deps)
{
	List	   *destroyed = list_copy(targets);
	ListCell   *lc;
	char	   *evidence;

	foreach(lc, relids)
	{
		ObjectAddress *addr = palloc(sizeof(ObjectAddress));

		ObjectAddressSet(*addr, RelationRelationId, lfirst_oid(lc));
		destroyed = lappend(destroyed, addr);
	}
	foreach(lc, deps)
		destroyed = lappend(destroyed, &((MGDependent *) lfirst(lc))->address);
	if (!mg_deprecation_cascade_evidence(destroyed, &evidence))
		return;
	f->advisory = false;
	f->detail = f->detail ? psprintf("%s  %s", f->detail, evidence) : evidence;
}

/* ---------- drop_cascade: DROP <type, domain, function, ...> CASCADE ---------- */

/* Object kinds whose DROP ... CASCADE is judged here (not relations, schemas or parts of relations). */
static bool
drop_kind_judged_here(ObjectType type)
{
	switch (type)
	{
		case OBJECT_TYPE:
		case OBJECT_DOMAIN:
		case OBJECT_FUNCTION:
		case OBJECT_PROCEDURE:
		case OBJECT_ROUTINE:
		case OBJECT_AGGREGATE:
		case OBJECT_OPERATOR:
		case OBJECT_COLLATION:
		case OBJECT_CONVERSION:
		case OBJECT_EXTENSION:
		case OBJECT_FOREIGN_SERVER:
		case OBJECT_FDW:
		case OBJECT_LANGUAGE:
		case OBJECT_OPCLASS:
		case OBJECT_OPFAMILY:
		case OBJECT_ACCESS_METHOD:
		case OBJECT_TSCONFIGURATION:
		case OBJECT_TSDICTIONARY:
		case OBJECT_TSPARSER:
		case OBJECT_TSTEMPLATE:
		case OBJECT_CAST:
		case OBJECT_TRANSFORM:
		case OBJECT_STATISTIC_EXT:
		case OBJECT_SEQUENCE:	/* column defaults using it */
		case OBJECT_INDEX:		/* foreign keys using it */
			return true;
		default:
			return false;
	}
}

/* The members of an extension: DROP EXTENSION drops them, and their dependents with CASCADE. */
static void
add_extension_members(Oid extoid, List **targets)
{
	Relation	depRel;
	ScanKeyData key[2];
	SysScanDesc scan;
	HeapTuple	tup;

	ScanKeyInit(&key[0], Anum_pg_depend_refclassid, BTEqualStrategyNumber,
				F_OIDEQ, ObjectIdGetDatum(ExtensionRelationId));
	ScanKeyInit(&key[1], Anum_pg_depend_refobjid, BTEqualStrategyNumber,
				F_OIDEQ, ObjectIdGetDatum(extoid));
	depRel = table_open(DependRelationId, AccessShareLock);
	scan = systable_beginscan(depRel, DependReferenceIndexId, true, NULL, 2, key);
	while (HeapTupleIsValid(tup = systable_getnext(scan)))
	{
		Form_pg_depend dep = (Form_pg_depend) GETSTRUCT(tup);
		ObjectAddress *addr;

		if (dep->deptype != DEPENDENCY_EXTENSION)
			continue;
		addr = palloc(sizeof(ObjectAddress));
		ObjectAddressSubSet(*addr, dep->classid, dep->objid, dep->objsubid);
		*targets = lappend(*targets, addr);
	}
	systable_endscan(scan);
	table_close(depRel, AccessShareLock);
}

/*
 * The objects a DROP of a non-relation kind names (those that exist and
 * existed before this transaction), looked up without taking any lock.
 */
static List *
drop_targets(DropStmt *stmt)
{
	List	   *targets = NIL;
	ListCell   *lc;

	foreach(lc, stmt->objects)
	{
		Relation	rel = NULL;
		ObjectAddress addr;
		ObjectAddress *copy;

		/* sequences and indexes: looked up without a lock */
		if (stmt->removeType == OBJECT_SEQUENCE || stmt->removeType == OBJECT_INDEX)
		{
			Oid			relid = RangeVarGetRelid(makeRangeVarFromNameList(lfirst(lc)),
												 NoLock, true);
			char		relkind = get_rel_relkind(relid);

			if (!OidIsValid(relid) || rel_is_private(relid) ||
				(stmt->removeType == OBJECT_SEQUENCE ? relkind != RELKIND_SEQUENCE :
				 relkind != RELKIND_INDEX && relkind != RELKIND_PARTITIONED_INDEX))
				continue;
			copy = palloc(sizeof(ObjectAddress));
			ObjectAddressSet(*copy, RelationRelationId, relid);
			targets = lappend(targets, copy);
			continue;
		}
		/*
		 * get_object_address locks what it finds; ACCESS SHARE on a type or
		 * function conflicts only with DDL on that object, which the DROP
		 * is about to do itself.
		 */
		addr = get_object_address(stmt->removeType, lfirst(lc), &rel, AccessShareLock, true);
		if (rel != NULL)
			relation_close(rel, NoLock);
		if (!OidIsValid(addr.objectId) || mg_object_created_in_xact(&addr))
			continue;
		copy = palloc(sizeof(ObjectAddress));
		*copy = addr;
		targets = lappend(targets, copy);
		if (addr.classId == ExtensionRelationId)
			add_extension_members(addr.objectId, &targets);
	}
	return targets;
}

static void
report_drop_cascade(const char *what, List *targets, List *deps, Oid relid)
{
	MGFinding	f = {0};

	f.rule = MG_RULE_DROP_CASCADE;
	f.relid = relid;
	f.lockmode = AccessExclusiveLock;
	f.message = psprintf("dropping %s with CASCADE would destroy objects that depend on it", what);
	f.detail = psprintf(ngettext("%d object depends on it: %s.  CASCADE drops it, and whatever depends on it in turn.",
								 "%d objects depend on it: %s.  CASCADE drops every one of them, and whatever depends on them in turn.",
								 list_length(deps)),
						list_length(deps), mg_describe_dependents(deps, MAX_LISTED, false));
	f.hint = pstrdup("Contract in steps: first drop or change each dependent explicitly (ALTER TABLE ... DROP COLUMN, DROP VIEW, ALTER TABLE ... ALTER COLUMN ... DROP DEFAULT) in a release after the code stopped using it, then drop this without CASCADE, so that PostgreSQL refuses while anything still depends on it.");
	add_deprecation_evidence(&f, targets, NIL, deps);
	mg_report(&f);
}

static void
check_drop_cascade(DropStmt *stmt)
{
	List	   *targets;
	List	   *deps;
	Oid			relid = InvalidOid;
	ObjectAddress *first;

	if (stmt->behavior != DROP_CASCADE || !drop_kind_judged_here(stmt->removeType) ||
		!mg_rule_applies(MG_RULE_DROP_CASCADE, InvalidOid))
		return;
	targets = drop_targets(stmt);
	if (targets == NIL)
		return;
	deps = shared_dependents(mg_dependents(targets, NIL, true), true, &relid);
	if (deps == NIL)
		return;
	first = linitial(targets);
	report_drop_cascade(getObjectDescription(first, false), targets, deps, relid);
}

/* ---------- drop_cascade: DROP OWNED BY ---------- */

/* The objects of this database a role owns, as pg_shdepend records them. */
static List *
owned_objects(Oid roleid)
{
	Relation	sdepRel;
	ScanKeyData key[2];
	SysScanDesc scan;
	HeapTuple	tup;
	List	   *result = NIL;

	ScanKeyInit(&key[0], Anum_pg_shdepend_refclassid, BTEqualStrategyNumber,
				F_OIDEQ, ObjectIdGetDatum(AuthIdRelationId));
	ScanKeyInit(&key[1], Anum_pg_shdepend_refobjid, BTEqualStrategyNumber,
				F_OIDEQ, ObjectIdGetDatum(roleid));
	sdepRel = table_open(SharedDependRelationId, AccessShareLock);
	scan = systable_beginscan(sdepRel, SharedDependReferenceIndexId, true, NULL, 2, key);
	while (HeapTupleIsValid(tup = systable_getnext(scan)))
	{
		Form_pg_shdepend sdep = (Form_pg_shdepend) GETSTRUCT(tup);
		ObjectAddress *addr;

		if (sdep->dbid != MyDatabaseId || sdep->deptype != SHARED_DEPENDENCY_OWNER)
			continue;
		addr = palloc(sizeof(ObjectAddress));
		ObjectAddressSubSet(*addr, sdep->classid, sdep->objid, sdep->objsubid);
		result = lappend(result, addr);
	}
	systable_endscan(scan);
	table_close(sdepRel, AccessShareLock);
	return result;
}

/* The roles of DROP OWNED BY / REASSIGN OWNED BY that exist. */
static List *
owned_by_roles(List *rolespecs)
{
	List	   *roles = NIL;
	ListCell   *lc;

	foreach(lc, rolespecs)
	{
		Oid			roleid = get_rolespec_oid(lfirst(lc), true);

		if (OidIsValid(roleid))
			roles = list_append_unique_oid(roles, roleid);
	}
	return roles;
}

/* Everything DROP OWNED would drop: the roles' objects that existed before this transaction. */
static List *
drop_owned_targets(DropOwnedStmt *stmt, List **relids)
{
	List	   *targets = NIL;
	ListCell   *lc;

	foreach(lc, owned_by_roles(stmt->roles))
	{
		ListCell   *lc2;

		foreach(lc2, owned_objects(lfirst_oid(lc)))
		{
			ObjectAddress *addr = lfirst(lc2);

			if (addr->classId == RelationRelationId)
			{
				char		relkind = get_rel_relkind(addr->objectId);

				if (rel_is_private(addr->objectId))
					continue;
				if (relids != NULL && mg_relkind_queried_by_name(relkind) &&
					!get_rel_relispartition(addr->objectId))
					*relids = lappend_oid(*relids, addr->objectId);
			}
			else if (mg_object_created_in_xact(addr))
				continue;
			targets = lappend(targets, addr);
		}
	}
	return targets;
}

static void
check_drop_owned(DropOwnedStmt *stmt)
{
	List	   *relids = NIL;
	List	   *targets;
	List	   *deps = NIL;
	StringInfoData detail;
	MGFinding	f = {0};

	if (!mg_rule_applies(MG_RULE_DROP_CASCADE, InvalidOid))
		return;
	targets = drop_owned_targets(stmt, &relids);
	if (targets == NIL)
		return;
	/* without CASCADE, PostgreSQL refuses while other roles' objects depend on them */
	if (stmt->behavior == DROP_CASCADE)
		deps = shared_dependents(mg_dependents(targets, NIL, true), true, NULL);
	if (relids == NIL && deps == NIL)
		return;

	f.rule = MG_RULE_DROP_CASCADE;
	f.relid = relids != NIL ? linitial_oid(relids) : InvalidOid;
	f.lockmode = AccessExclusiveLock;
	f.advisory = deps == NIL;
	initStringInfo(&detail);
	if (relids != NIL)
		appendStringInfo(&detail,
						 ngettext("It drops %d table or view that existed before this transaction: %s.",
								  "It drops %d tables or views that existed before this transaction: %s.",
								  list_length(relids)),
						 list_length(relids), relation_list(relids));
	if (deps != NIL)
		appendStringInfo(&detail,
						 ngettext("%sCASCADE also destroys %d object of other roles that depends on them: %s.",
								  "%sCASCADE also destroys %d objects of other roles that depend on them: %s.",
								  list_length(deps)),
						 relids != NIL ? "  " : "", list_length(deps),
						 mg_describe_dependents(deps, MAX_LISTED, false));
	f.message = deps != NIL ?
		pstrdup("DROP OWNED ... CASCADE would destroy objects of other roles") :
		pstrdup("DROP OWNED drops tables or views that running code may use");
	f.detail = detail.data;
	f.hint = pstrdup("Use REASSIGN OWNED BY ... TO ... first to hand over what must stay, then drop the remaining objects by name (DROP TABLE, DROP VIEW), so that each drop is judged on its own.");
	add_deprecation_evidence(&f, targets, NIL, deps);
	mg_report(&f);
}

/* ---------- drop_schema ---------- */

/*
 * The tables, views, materialized views and foreign tables of a schema that
 * existed before this transaction; partitions (read through their parent)
 * only when asked for.
 */
static List *
schema_relations(Oid nspid, bool with_partitions)
{
	Relation	rel;
	ScanKeyData key;
	SysScanDesc scan;
	HeapTuple	tup;
	List	   *relids = NIL;

	ScanKeyInit(&key, Anum_pg_class_relnamespace, BTEqualStrategyNumber,
				F_OIDEQ, ObjectIdGetDatum(nspid));
	rel = table_open(RelationRelationId, AccessShareLock);
	scan = systable_beginscan(rel, ClassNameNspIndexId, true, NULL, 1, &key);
	while (HeapTupleIsValid(tup = systable_getnext(scan)))
	{
		Form_pg_class form = (Form_pg_class) GETSTRUCT(tup);

		if (!mg_relkind_queried_by_name(form->relkind) ||
			(form->relispartition && !with_partitions))
			continue;
		relids = lappend_oid(relids, form->oid);
	}
	systable_endscan(scan);
	table_close(rel, AccessShareLock);
	return shared_relations(relids);
}

static void
check_drop_schema(DropStmt *stmt)
{
	ListCell   *lc;

	if (stmt->removeType != OBJECT_SCHEMA || stmt->behavior != DROP_CASCADE ||
		!mg_rule_applies(MG_RULE_DROP_SCHEMA, InvalidOid))
		return;
	foreach(lc, stmt->objects)
	{
		const char *nspname = strVal(lfirst(lc));
		Oid			nspid = get_namespace_oid(nspname, true);
		List	   *relids;
		MGFinding	f = {0};

		if (!OidIsValid(nspid))
			continue;
		relids = schema_relations(nspid, false);
		if (relids == NIL)
			continue;
		f.rule = MG_RULE_DROP_SCHEMA;
		f.relid = linitial_oid(relids);
		f.lockmode = AccessExclusiveLock;
		f.advisory = true;
		f.message = psprintf("dropping schema \"%s\" with CASCADE destroys every table and view in it", nspname);
		f.detail = psprintf(ngettext("Schema %s holds %d table or view that existed before this transaction: %s.  The database cannot see whether the release running now still uses them.",
									 "Schema %s holds %d tables or views that existed before this transaction: %s.  The database cannot see whether the release running now still uses them.",
									 list_length(relids)),
							quote_identifier(nspname), list_length(relids), relation_list(relids));
		f.hint = pstrdup("Drop a schema only as the contract step, after a release that no longer uses it has proved itself; consider ALTER SCHEMA ... RENAME TO an archive name first and dropping it a release later.");
		add_deprecation_evidence(&f, NIL, relids, NIL);
		mg_report(&f);
	}
}

/* ---------- drop_database ---------- */

static void
check_drop_database(DropdbStmt *stmt)
{
	MGFinding	f = {0};
	bool		force = false;
	ListCell   *lc;

	if (!OidIsValid(get_database_oid(stmt->dbname, true)) ||
		!mg_rule_applies(MG_RULE_DROP_DATABASE, InvalidOid))
		return;
	foreach(lc, stmt->options)
	{
		if (strcmp(lfirst_node(DefElem, lc)->defname, "force") == 0)
			force = true;
	}
	f.rule = MG_RULE_DROP_DATABASE;
	f.message = psprintf("dropping database \"%s\" destroys every table in it", stmt->dbname);
	f.detail = force ?
		pstrdup("WITH (FORCE) also terminates every session connected to it.  A dropped database can only be restored from a backup.") :
		pstrdup("A dropped database can only be restored from a backup.");
	f.hint = pstrdup("A migration never drops a database: drop it by hand, once nothing connects to it and a backup exists.");
	mg_report(&f);
}

/* ---------- typed tables: ALTER TYPE ... DROP / RENAME ATTRIBUTE ... CASCADE ---------- */

/* The composite type an ALTER TYPE statement names, or InvalidOid. */
static Oid
composite_type_of(RangeVar *rv)
{
	Oid			relid = RangeVarGetRelid(rv, NoLock, true);

	if (!OidIsValid(relid) || get_rel_relkind(relid) != RELKIND_COMPOSITE_TYPE)
		return InvalidOid;
	return get_rel_type_id(relid);
}

static void
check_drop_attribute(AlterTableStmt *stmt, AlterTableCmd *cmd)
{
	Oid			typid = composite_type_of(stmt->relation);
	List	   *relids;
	List	   *targets = NIL;
	List	   *deps;
	ListCell   *lc;
	MGFinding	f = {0};

	if (!OidIsValid(typid) || cmd->behavior != DROP_CASCADE || cmd->name == NULL ||
		!mg_rule_applies(MG_RULE_DROP_CASCADE, InvalidOid))
		return;
	relids = shared_relations(typed_tables_recursive(typid));
	foreach(lc, relids)
	{
		AttrNumber	attnum = get_attnum(lfirst_oid(lc), cmd->name);
		ObjectAddress *addr;

		if (attnum <= 0)
			continue;
		addr = palloc(sizeof(ObjectAddress));
		ObjectAddressSubSet(*addr, RelationRelationId, lfirst_oid(lc), attnum);
		targets = lappend(targets, addr);
	}
	if (targets == NIL)
		return;
	deps = shared_dependents(mg_dependents(targets, NIL, true), true, NULL);

	f.rule = MG_RULE_DROP_CASCADE;
	f.relid = linitial_oid(relids);
	f.lockmode = AccessExclusiveLock;
	f.advisory = deps == NIL;
	f.message = psprintf("dropping attribute \"%s\" of type %s with CASCADE drops a column of its typed tables",
						 cmd->name, format_type_be(typid));
	if (deps == NIL)
		f.detail = psprintf(ngettext("Column \"%s\" of %d typed table goes with it: %s.  The database cannot see whether the release running now still reads or writes it.",
									 "Column \"%s\" of %d typed tables goes with it: %s.  The database cannot see whether the release running now still reads or writes it.",
									 list_length(targets)),
							cmd->name, list_length(targets), relation_list(relids));
	else
		f.detail = psprintf("Column \"%s\" of %s goes with it, and with CASCADE everything that depends on it: %s.",
							cmd->name, relation_list(relids),
							mg_describe_dependents(deps, MAX_LISTED, false));
	f.hint = pstrdup("Drop a column only as the contract step: first deploy a release that no longer reads or writes it, then drop it.");
	add_deprecation_evidence(&f, targets, NIL, deps);
	mg_report(&f);
}

static void
check_rename_attribute(RenameStmt *stmt)
{
	Oid			typid;
	List	   *relids;
	MGFinding	f = {0};

	if (stmt->renameType != OBJECT_ATTRIBUTE || stmt->behavior != DROP_CASCADE ||
		!mg_rule_applies(MG_RULE_RENAME_COLUMN, InvalidOid))
		return;
	typid = composite_type_of(stmt->relation);
	if (!OidIsValid(typid) || strcmp(stmt->subname, stmt->newname) == 0)
		return;
	relids = shared_relations(typed_tables_recursive(typid));
	if (relids == NIL || get_attnum(typeidTypeRelid(typid), stmt->subname) <= 0 ||
		get_attnum(typeidTypeRelid(typid), stmt->newname) != InvalidAttrNumber)
		return;					/* nothing to rename, or PostgreSQL's error */

	f.rule = MG_RULE_RENAME_COLUMN;
	f.relid = linitial_oid(relids);
	f.lockmode = AccessExclusiveLock;
	f.message = psprintf("renaming attribute \"%s\" of type %s with CASCADE renames a column of its typed tables",
						 stmt->subname, format_type_be(typid));
	f.detail = psprintf(ngettext("Column \"%s\" of %d typed table is renamed too: %s.  The release running now still names \"%s\"; once this commits its queries fail with \"column does not exist\".",
								 "Column \"%s\" of %d typed tables is renamed too: %s.  The release running now still names \"%s\"; once this commits its queries fail with \"column does not exist\".",
								 list_length(relids)),
						stmt->subname, list_length(relids), relation_list(relids), stmt->subname);
	f.hint = pstrdup("Expand, migrate, contract: add an attribute with the new name (ALTER TYPE ... ADD ATTRIBUTE ... CASCADE), backfill it in batches, deploy code that uses it, then drop the old one.");
	mg_report(&f);
}

static void
check_alter_table(AlterTableStmt *stmt)
{
	Oid			relid;
	char		relkind;
	ListCell   *lc;

	relid = RangeVarGetRelid(stmt->relation, NoLock, true);
	if (!OidIsValid(relid))
		return;
	relkind = get_rel_relkind(relid);
	if (mg_rel_is_protected_catalog(relid) || !mg_caller_owns_relation(relid))
		return;					/* PostgreSQL refuses it */

	foreach(lc, stmt->cmds)
	{
		AlterTableCmd *cmd = lfirst_node(AlterTableCmd, lc);

		switch (cmd->subtype)
		{
			case AT_DropColumn:
				if (relkind == RELKIND_COMPOSITE_TYPE && stmt->objtype == OBJECT_TYPE)
					check_drop_attribute(stmt, cmd);
				break;
			case AT_ColumnDefault:
			case AT_DropIdentity:
			case AT_DropExpression:
				if (relkind == RELKIND_RELATION || relkind == RELKIND_PARTITIONED_TABLE ||
					relkind == RELKIND_FOREIGN_TABLE)
					mg_check_drop_default_required(stmt, relid, cmd);
				break;
			default:
				break;
		}
	}
}

/* ---------- entry point ---------- */

/*
 * Called by hook.c (and check()) for every judged statement, after the
 * rule family of its type: the forms that reach data through another door.
 */
void
mg_check_cascade_stmt(MGStatement *st, Node *parsetree)
{
	switch (nodeTag(parsetree))
	{
		case T_DropStmt:
			check_drop_cascade((DropStmt *) parsetree);
			check_drop_schema((DropStmt *) parsetree);
			break;
		case T_DropOwnedStmt:
			check_drop_owned((DropOwnedStmt *) parsetree);
			break;
		case T_DropdbStmt:
			check_drop_database((DropdbStmt *) parsetree);
			break;
		case T_AlterEnumStmt:
			mg_check_rename_enum_value((AlterEnumStmt *) parsetree);
			break;
		case T_AlterTableStmt:
			check_alter_table((AlterTableStmt *) parsetree);
			break;
		case T_RenameStmt:
			check_rename_attribute((RenameStmt *) parsetree);
			break;
		case T_CreateStmt:
			mg_check_create_partition(st, (CreateStmt *) parsetree);
			break;
		default:
			break;
	}
}

/* ---------- locks: what these statements lock beyond their own target ---------- */

static void
lock_dependents(MGLockPlan *plan, List *deps, const char *role)
{
	ListCell   *lc;

	foreach(lc, deps)
	{
		MGDependent *dep = lfirst(lc);
		Oid			relid = object_relation(&dep->address);

		if (OidIsValid(relid))
			mg_lock_plan_add(plan, relid, AccessExclusiveLock, role);
	}
}

static void
lock_typed_tables(MGLockPlan *plan, RangeVar *rv, LOCKMODE mode)
{
	Oid			typid = composite_type_of(rv);
	ListCell   *lc;

	if (!OidIsValid(typid))
		return;
	foreach(lc, typed_tables_recursive(typid))
		mg_lock_plan_add(plan, lfirst_oid(lc), mode, "a typed table of the type");
}

/*
 * The DEFAULT partition of the parent a new partition joins: DefineRelation
 * and ATExecAttachPartition lock it ACCESS EXCLUSIVE and scan it for rows
 * of the new bound.
 */
static void
lock_default_partition(MGLockPlan *plan, RangeVar *parent)
{
	Oid			parentid = RangeVarGetRelid(parent, NoLock, true);
	Oid			defpart;

	if (!OidIsValid(parentid) || get_rel_relkind(parentid) != RELKIND_PARTITIONED_TABLE)
		return;
	defpart = get_default_partition_oid(parentid);
	if (OidIsValid(defpart))
		mg_lock_plan_add(plan, defpart, AccessExclusiveLock,
						 "the default partition of the parent, scanned for rows of the new bound");
}

/*
 * Called by mg_statement_lock_plan() (lockinfo.c): the relations the
 * statement locks through a dependency, a type or a default partition.
 */
void
mg_cascade_lock_plan(MGLockPlan *plan, Node *parsetree)
{
	switch (nodeTag(parsetree))
	{
		case T_DropStmt:
			{
				DropStmt   *stmt = (DropStmt *) parsetree;
				ListCell   *lc;

				if (stmt->behavior != DROP_CASCADE)
					break;
				if (stmt->removeType == OBJECT_SCHEMA)
				{
					foreach(lc, stmt->objects)
					{
						Oid			nspid = get_namespace_oid(strVal(lfirst(lc)), true);
						ListCell   *lc2;

						if (!OidIsValid(nspid))
							continue;
						foreach(lc2, schema_relations(nspid, true))
							mg_lock_plan_add(plan, lfirst_oid(lc2), AccessExclusiveLock,
											 "a relation of the schema");
					}
				}
				else if (drop_kind_judged_here(stmt->removeType))
				{
					List	   *targets = drop_targets(stmt);

					if (targets != NIL)
						lock_dependents(plan, mg_dependents(targets, NIL, true),
										"a relation CASCADE drops from or changes");
				}
			}
			break;
		case T_DropOwnedStmt:
			{
				DropOwnedStmt *stmt = (DropOwnedStmt *) parsetree;
				List	   *targets = drop_owned_targets(stmt, NULL);
				ListCell   *lc;

				foreach(lc, targets)
				{
					ObjectAddress *addr = lfirst(lc);

					if (addr->classId == RelationRelationId)
						mg_lock_plan_add(plan, addr->objectId, AccessExclusiveLock,
										 "a relation the role owns");
				}
				if (stmt->behavior == DROP_CASCADE && targets != NIL)
					lock_dependents(plan, mg_dependents(targets, NIL, true),
									"a relation CASCADE drops from or changes");
			}
			break;
		case T_AlterTableStmt:
			{
				AlterTableStmt *stmt = (AlterTableStmt *) parsetree;
				ListCell   *lc;

				bool		cascade = false;

				foreach(lc, stmt->cmds)
				{
					AlterTableCmd *cmd = lfirst_node(AlterTableCmd, lc);

					if (cmd->subtype == AT_AttachPartition && stmt->objtype != OBJECT_INDEX)
						lock_default_partition(plan, stmt->relation);
					cascade |= cmd->behavior == DROP_CASCADE;
				}
				/* without CASCADE PostgreSQL refuses a type that has typed tables */
				if (stmt->objtype == OBJECT_TYPE && cascade)
					lock_typed_tables(plan, stmt->relation, AlterTableGetLockLevel(stmt->cmds));
			}
			break;
		case T_RenameStmt:
			{
				RenameStmt *stmt = (RenameStmt *) parsetree;

				if (stmt->renameType == OBJECT_ATTRIBUTE && stmt->behavior == DROP_CASCADE)
					lock_typed_tables(plan, stmt->relation, AccessExclusiveLock);
			}
			break;
		case T_CreateStmt:
			{
				CreateStmt *stmt = (CreateStmt *) parsetree;

				if (stmt->partbound != NULL && list_length(stmt->inhRelations) == 1)
					lock_default_partition(plan, linitial(stmt->inhRelations));
			}
			break;
		default:
			break;
	}
}
