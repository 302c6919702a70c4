/*-------------------------------------------------------------------------
 *
 * objfacts.c
 *	  Catalog facts about objects of any kind, for the statements that
 *	  reach data through a dependency or a type (rules_cascade.c and its
 *	  lock plan, lockplan_cascade.c, and rules_values.c): whether running
 *	  code can know an object (created in this transaction, temporary),
 *	  the relation an object belongs to, the typed tables of a composite
 *	  type, the relations of a schema, and the objects a DROP or DROP
 *	  OWNED names.  Read from the catalogs without taking locks on user
 *	  objects, except where noted.
 *
 * IDENTIFICATION
 *	  src/objfacts.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "compat.h"

#include "access/genam.h"
#include "access/htup_details.h"
#include "access/relation.h"
#include "access/table.h"
#include "access/xact.h"
#include "catalog/dependency.h"
#include "catalog/indexing.h"
#include "catalog/namespace.h"
#include "catalog/objectaddress.h"
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
#include "commands/extension.h"
#include "miscadmin.h"
#include "utils/acl.h"
#include "utils/fmgroids.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/syscache.h"

#include "objfacts.h"
#include "relfacts.h"

/*
 * No running code can use a relation created in this transaction, nor a
 * temporary one; a relation that vanished has nothing to report.  An
 * extension's own scripts are the extension author's business.
 */
bool
mg_rel_private_to_xact(Oid relid)
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
			return mg_rel_private_to_xact(addr->objectId);
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
Oid
mg_object_relation(const ObjectAddress *addr)
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

/* The typed tables of a composite type (CREATE TABLE ... OF type), as pg_class says. */
static List *
typed_tables(Oid typid)
{
	Relation	rel;
	SysScanDesc scan;
	ScanKeyData key;
	HeapTuple	tup;
	List	   *relids = NIL;

	/*
	 * pg_class has no index on reloftype; find_typed_table_dependencies scans
	 * too
	 */
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
List *
mg_typed_tables_recursive(Oid typid)
{
	List	   *result = NIL;
	ListCell   *lc;

	foreach(lc, typed_tables(typid))
		result = list_concat_unique_oid(result,
										find_all_inheritors(lfirst_oid(lc), NoLock, NULL));
	return result;
}

List *
mg_shared_relations(List *relids)
{
	List	   *result = NIL;
	ListCell   *lc;

	foreach(lc, relids)
	{
		if (!mg_rel_private_to_xact(lfirst_oid(lc)))
			result = lappend_oid(result, lfirst_oid(lc));
	}
	return result;
}

/* Object kinds whose DROP ... CASCADE is judged here (not relations, schemas or parts of relations). */
bool
mg_cascade_drop_kind(ObjectType type)
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
List *
mg_drop_targets(DropStmt *stmt)
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

			if (!OidIsValid(relid) || mg_rel_private_to_xact(relid) ||
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
		 * function conflicts only with DDL on that object, which the DROP is
		 * about to do itself.
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
List *
mg_drop_owned_targets(DropOwnedStmt *stmt, List **relids)
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

				if (mg_rel_private_to_xact(addr->objectId))
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

/*
 * The tables, views, materialized views and foreign tables of a schema that
 * existed before this transaction; partitions (read through their parent)
 * only when asked for.
 */
List *
mg_schema_shared_relations(Oid nspid, bool with_partitions)
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
	return mg_shared_relations(relids);
}

/* The composite type an ALTER TYPE statement names, or InvalidOid. */
Oid
mg_composite_type_of(RangeVar *rv)
{
	Oid			relid = RangeVarGetRelid(rv, NoLock, true);

	if (!OidIsValid(relid) || get_rel_relkind(relid) != RELKIND_COMPOSITE_TYPE)
		return InvalidOid;
	return get_rel_type_id(relid);
}
