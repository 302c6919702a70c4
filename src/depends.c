/*-------------------------------------------------------------------------
 *
 * depends.c
 *	  What depends on a column or a relation: the catalog facts behind the
 *	  drop_column and drop_table rules.
 *
 *	  The walk follows pg_depend as DROP does (dependency.c), from the
 *	  referenced side (refclassid, refobjid, refobjsubid) to the dependent
 *	  (classid, objid, objsubid):
 *
 *	  - a NORMAL dependent uses the object from elsewhere (a view, a foreign
 *		key of another table, a trigger's column list or WHEN clause, a
 *		policy, a generated column, a rule, a publication column list, an
 *		SQL-standard function body, another column's default): DROP refuses
 *		without CASCADE and destroys it with CASCADE;
 *	  - an AUTO, INTERNAL or partition dependent goes silently with the
 *		object (an index or constraint on the column, extended statistics,
 *		a partition of a partitioned table).
 *
 *	  A dependent that is an internal part of an owner (a view's _RETURN
 *	  rule, a constraint's index, a generated column's expression) is
 *	  reported as its owner, which is what a DBA knows and what DROP names.
 *
 *	  Only the catalogs are read, through their indexes, under ACCESS SHARE
 *	  on pg_depend: no lock is taken on the objects themselves, so asking
 *	  never queues behind the application's locks.
 *
 * IDENTIFICATION
 *	  src/depends.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "compat.h"

#include "access/genam.h"
#include "access/htup_details.h"
#include "access/table.h"
#include "catalog/dependency.h"
#include "catalog/indexing.h"
#include "catalog/pg_attrdef.h"
#include "catalog/pg_class.h"
#include "catalog/pg_constraint.h"
#include "catalog/pg_depend.h"
#include "catalog/pg_publication_rel.h"
#include "catalog/pg_type.h"
#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "utils/fmgroids.h"
#include "utils/hsearch.h"
#include "utils/lsyscache.h"
#include "utils/syscache.h"

#include "depends.h"
#include "relfacts.h"

/*
 * A DROP of a partitioned table with thousands of partitions reaches tens
 * of thousands of objects; past this many the walk stops, and what it found
 * is already enough to judge and to describe.
 */
#define MAX_WALK_OBJECTS	20000

/* One pg_depend row, seen from one of its two objects (depend_rows). */
typedef struct DepRow
{
	ObjectAddress dependent;	/* the row's other object */
	char		deptype;
} DepRow;

/* An object the DROP removes, and whether its dependents are worth naming. */
typedef struct WalkEntry
{
	ObjectAddress address;		/* hash key: must be first */
	bool		quiet;			/* its silent dependents are its own parts */
} WalkEntry;

/*
 * An object in the parts of a statement's drop groups (MGDropSet): the
 * first group whose walk reached it, the last one (so that each group's
 * walk expands it once), and whether more than one group reached it.
 */
typedef struct SetEntry
{
	ObjectAddress address;		/* hash key: must be first */
	int			first_group;
	int			last_group;
	bool		shared;
} SetEntry;

struct MGDropSet
{
	HTAB	   *parts;			/* SetEntry by ObjectAddress */
	List	   *groups;			/* List * of ObjectAddress * */
};

/* An object found, by address (Walk.found_index). */
typedef struct FoundEntry
{
	ObjectAddress address;		/* hash key: must be first */
	MGDependent *dep;
} FoundEntry;

typedef struct Walk
{
	HTAB	   *dropped;		/* WalkEntry by ObjectAddress */
	const MGDropSet *set;		/* the statement's other drops, or NULL */
	int			group;			/* ... and which of its groups is walked */
	HTAB	   *found_index;	/* FoundEntry by ObjectAddress */
	List	   *queue;			/* WalkEntry * still to expand */
	List	   *found;			/* MGDependent * */
	List	   *column_rels;	/* relations whose columns are the targets */
	bool		cascade;
	bool		parts_only;		/* only marking what goes silently with the
								 * objects being dropped */
	bool		unnamed;		/* ... and naming none of it */
	int			visited;
} Walk;

static bool
same_object(const ObjectAddress *a, const ObjectAddress *b)
{
	return a->classId == b->classId && a->objectId == b->objectId &&
		a->objectSubId == b->objectSubId;
}

static bool
is_relation(const ObjectAddress *addr)
{
	return addr->classId == RelationRelationId && addr->objectSubId == 0;
}

static HTAB *
address_hash(const char *name, Size entrysize)
{
	HASHCTL		ctl;

	/* ObjectAddress is three 4-byte fields, without padding */
	ctl.keysize = sizeof(ObjectAddress);
	ctl.entrysize = entrysize;
	ctl.hcxt = CurrentMemoryContext;
	return hash_create(name, 64, &ctl, HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
}

/* Does another group of the statement drop exactly this object? */
static bool
dropped_by_others(const Walk *walk, const ObjectAddress *addr)
{
	SetEntry   *entry;

	if (walk->set == NULL)
		return false;
	entry = hash_search(walk->set->parts, addr, HASH_FIND, NULL);
	return entry != NULL && (entry->shared || entry->first_group != walk->group);
}

/* Is the object, or the whole relation it is a column of, being dropped? */
static bool
is_dropped(Walk *walk, const ObjectAddress *addr)
{
	ObjectAddress whole = *addr;

	if (hash_search(walk->dropped, addr, HASH_FIND, NULL) != NULL ||
		dropped_by_others(walk, addr))
		return true;
	if (addr->objectSubId != 0)
	{
		whole.objectSubId = 0;
		if (hash_search(walk->dropped, &whole, HASH_FIND, NULL) != NULL ||
			dropped_by_others(walk, &whole))
			return true;
	}
	return false;
}

static void
add_dropped(Walk *walk, const ObjectAddress *addr, bool quiet)
{
	WalkEntry  *entry;
	bool		found;

	if (dropped_by_others(walk, addr))
		return;
	entry = hash_search(walk->dropped, addr, HASH_ENTER, &found);
	if (found)
		return;
	entry->quiet = quiet;
	walk->queue = lappend(walk->queue, entry);
}

/*
 * pg_depend rows around addr, each seen from addr: with dependents, the
 * objects that depend on addr (for a whole relation, also on any of its
 * columns); otherwise the objects addr depends on.  Either way the other
 * side of the row is in DepRow.dependent.
 */
static List *
depend_rows(const ObjectAddress *addr, bool dependents)
{
	Relation	depRel;
	ScanKeyData key[3];
	int			nkeys = 2;
	SysScanDesc scan;
	HeapTuple	tup;
	List	   *rows = NIL;

	ScanKeyInit(&key[0],
				dependents ? Anum_pg_depend_refclassid : Anum_pg_depend_classid,
				BTEqualStrategyNumber, F_OIDEQ, ObjectIdGetDatum(addr->classId));
	ScanKeyInit(&key[1],
				dependents ? Anum_pg_depend_refobjid : Anum_pg_depend_objid,
				BTEqualStrategyNumber, F_OIDEQ, ObjectIdGetDatum(addr->objectId));
	if (addr->objectSubId != 0 || !dependents)
	{
		ScanKeyInit(&key[2],
					dependents ? Anum_pg_depend_refobjsubid : Anum_pg_depend_objsubid,
					BTEqualStrategyNumber, F_INT4EQ, Int32GetDatum(addr->objectSubId));
		nkeys = 3;
	}

	depRel = table_open(DependRelationId, AccessShareLock);
	scan = systable_beginscan(depRel,
							  dependents ? DependReferenceIndexId : DependDependerIndexId,
							  true, NULL, nkeys, key);
	while (HeapTupleIsValid(tup = systable_getnext(scan)))
	{
		Form_pg_depend dep = (Form_pg_depend) GETSTRUCT(tup);
		DepRow	   *row = palloc(sizeof(DepRow));

		if (dependents)
			ObjectAddressSubSet(row->dependent, dep->classid, dep->objid, dep->objsubid);
		else
			ObjectAddressSubSet(row->dependent, dep->refclassid, dep->refobjid,
								dep->refobjsubid);
		row->deptype = dep->deptype;
		rows = lappend(rows, row);
	}
	systable_endscan(scan);
	table_close(depRel, AccessShareLock);
	return rows;
}

/*
 * The object a DBA knows: follows INTERNAL dependencies up to their owner
 * (a _RETURN rule to its view, an index to its constraint, a generated
 * column's expression to the column), and a partition's clone of an
 * index, trigger or foreign key to the partitioned table's object it
 * belongs to.  Columns are never folded into their table: a partition key
 * column is internal to its table, yet it is the column that depends on
 * something.
 */
static ObjectAddress
owner_of(const ObjectAddress *addr)
{
	ObjectAddress result = *addr;

	for (int depth = 0; depth < 4; depth++)
	{
		List	   *rows;
		ListCell   *lc;
		bool		moved = false;

		if (result.classId == RelationRelationId && result.objectSubId != 0)
			break;
		rows = depend_rows(&result, false);
		foreach(lc, rows)
		{
			DepRow	   *row = lfirst(lc);

			if (row->deptype == DEPENDENCY_INTERNAL ||
				row->deptype == DEPENDENCY_PARTITION_PRI)
			{
				result = row->dependent;
				moved = true;
				break;
			}
		}
		list_free_deep(rows);
		if (!moved)
			break;
	}
	return result;
}

/*
 * Parts of an object that nobody thinks of separately: its row type, its
 * sequences and TOAST table, a column's own default and NOT NULL
 * constraint.
 */
static bool
is_implementation_detail(const ObjectAddress *addr)
{
	if (addr->classId == TypeRelationId || addr->classId == AttrDefaultRelationId)
		return true;
	if (is_relation(addr))
	{
		char		relkind = get_rel_relkind(addr->objectId);

		return relkind == RELKIND_SEQUENCE || relkind == RELKIND_TOASTVALUE;
	}
	if (addr->classId == ConstraintRelationId)
	{
		HeapTuple	tup = SearchSysCache1(CONSTROID, ObjectIdGetDatum(addr->objectId));
		bool		notnull = false;

		if (HeapTupleIsValid(tup))
		{
			/* NOT NULL constraints are catalogued from PostgreSQL 18 on */
			notnull = ((Form_pg_constraint) GETSTRUCT(tup))->contype == 'n';
			ReleaseSysCache(tup);
		}
		return notnull;
	}
	return false;
}

/*
 * Does obj also depend on a column that stays: another column of a table
 * whose column is dropped?
 */
static bool
covers_other_columns(Walk *walk, const ObjectAddress *obj)
{
	List	   *rows = depend_rows(obj, false);
	ListCell   *lc;
	bool		result = false;

	foreach(lc, rows)
	{
		DepRow	   *row = lfirst(lc);

		if (row->dependent.classId == RelationRelationId &&
			row->dependent.objectSubId != 0 &&
			list_member_oid(walk->column_rels, row->dependent.objectId) &&
			!is_dropped(walk, &row->dependent))
		{
			result = true;
			break;
		}
	}
	list_free_deep(rows);
	return result;
}

static char *
describe_object(const ObjectAddress *addr)
{
	char	   *desc = getObjectDescription(addr, true);

	if (desc == NULL)
		return psprintf(dgettext(TEXTDOMAIN, "object %u of catalog %u"),
						addr->objectId, addr->classId);
	if (addr->classId == RelationRelationId && addr->objectSubId != 0 &&
		get_attgenerated(addr->objectId, (AttrNumber) addr->objectSubId) != '\0')
		return psprintf(dgettext(TEXTDOMAIN, "generated %s"), desc);
	return desc;
}

static void
add_found(Walk *walk, const ObjectAddress *addr, bool dropped_with_it, bool reference)
{
	FoundEntry *entry;
	MGDependent *dep;
	bool		exists;

	entry = hash_search(walk->found_index, addr, HASH_ENTER, &exists);
	if (exists)
	{
		dep = entry->dep;
		/* found both ways: a reference outweighs a silent drop */
		if (reference && !dep->reference)
		{
			dep->reference = true;
			dep->dropped_with_it = dropped_with_it;
		}
		return;
	}
	dep = palloc(sizeof(MGDependent));
	entry->dep = dep;
	dep->address = *addr;
	dep->description = describe_object(addr);
	dep->dropped_with_it = dropped_with_it;
	dep->reference = reference;
	dep->partition_key = false;
	walk->found = lappend(walk->found, dep);
}

/* A relation queries read: table, view, materialized view, foreign table. */
static bool
is_user_relation(const ObjectAddress *addr)
{
	return is_relation(addr) &&
		mg_relkind_queried_by_name(get_rel_relkind(addr->objectId));
}

/*
 * Is a silently dropped object a loss beyond the target?  For a column:
 * anything that also covers other columns (a multi-column index, unique
 * key or statistics object).  For a relation: its partitions are named
 * but are what dropping a partitioned table means.
 */
static bool
silent_drop_is_reference(Walk *walk, const ObjectAddress *obj)
{
	return walk->column_rels != NIL && covers_other_columns(walk, obj);
}

static void
expand(Walk *walk, WalkEntry *entry)
{
	List	   *rows = depend_rows(&entry->address, true);
	ListCell   *lc;

	foreach(lc, rows)
	{
		DepRow	   *row = lfirst(lc);
		ObjectAddress dependent = row->dependent;
		ObjectAddress owner;

		if (walk->visited++ > MAX_WALK_OBJECTS)
			break;
		if (is_dropped(walk, &dependent))
			continue;

		if (walk->parts_only && row->deptype == DEPENDENCY_NORMAL)
			continue;
		switch (row->deptype)
		{
			case DEPENDENCY_NORMAL:
				owner = owner_of(&dependent);
				if (is_dropped(walk, &owner))
					continue;
				add_found(walk, &owner, false, true);
				if (walk->cascade)
				{
					add_dropped(walk, &dependent, true);
					add_dropped(walk, &owner, true);
				}
				break;

			case DEPENDENCY_AUTO:
			case DEPENDENCY_INTERNAL:
			case DEPENDENCY_PARTITION_PRI:
			case DEPENDENCY_PARTITION_SEC:
				{
					bool		named;

					/*
					 * Goes with the object.  Name it unless it is just a part
					 * of a relation being dropped whole (its indexes,
					 * triggers, constraints), but do name the partitions that
					 * go with a partitioned table and the publications that
					 * stop replicating it.
					 */
					owner = owner_of(&dependent);
					named = !is_implementation_detail(&owner) &&
						(!entry->quiet ||
						 (is_relation(&entry->address) &&
						  (is_user_relation(&owner) ||
						   owner.classId == PublicationRelRelationId)));
					if (!same_object(&owner, &dependent) && is_dropped(walk, &owner))
						named = false;	/* a part of something already counted */
					add_dropped(walk, &dependent, entry->quiet || is_relation(&dependent));
					add_dropped(walk, &owner, entry->quiet || is_relation(&owner));
					if (named && !walk->unnamed)
						add_found(walk, &owner, true,
								  silent_drop_is_reference(walk, &owner));
				}
				break;

			default:
				/* extension membership: not a use of the object */
				break;
		}
	}
	list_free_deep(rows);
}

/* Expands the queue breadth-first from start; it grows while we walk it. */
static void
run_walk(Walk *walk, int start)
{
	for (int i = start; i < list_length(walk->queue); i++)
	{
		CHECK_FOR_INTERRUPTS();
		if (walk->visited > MAX_WALK_OBJECTS)
			break;
		expand(walk, (WalkEntry *) list_nth(walk->queue, i));
	}
}

/*
 * A partition key column is internally dependent on its table (heap.c,
 * StorePartitionKey): PostgreSQL refuses to drop it at all.
 */
static void
check_partition_key(Walk *walk, const ObjectAddress *column)
{
	List	   *rows = depend_rows(column, false);
	ListCell   *lc;

	foreach(lc, rows)
	{
		DepRow	   *row = lfirst(lc);

		if (row->deptype == DEPENDENCY_INTERNAL &&
			row->dependent.classId == RelationRelationId &&
			row->dependent.objectId == column->objectId &&
			row->dependent.objectSubId == 0)
		{
			MGDependent *dep = palloc(sizeof(MGDependent));

			dep->address = row->dependent;
			dep->description = psprintf(dgettext(TEXTDOMAIN, "the partition key of %s"),
										describe_object(&row->dependent));
			dep->dropped_with_it = false;
			dep->reference = true;
			dep->partition_key = true;
			walk->found = lappend(walk->found, dep);
			break;
		}
	}
	list_free_deep(rows);
}

/* ---------- the statement's drops, walked once ---------- */

/* Adds addr to group's walk; false if that walk reached it already. */
static bool
set_visit(MGDropSet *set, int group, const ObjectAddress *addr)
{
	SetEntry   *entry;
	bool		found;

	entry = hash_search(set->parts, addr, HASH_ENTER, &found);
	if (!found)
	{
		entry->first_group = entry->last_group = group;
		entry->shared = false;
		return true;
	}
	if (entry->last_group == group)
		return false;
	entry->shared = true;
	entry->last_group = group;
	return true;
}

/* Has group's walk reached the object, or the whole relation of a column? */
static bool
set_reached(MGDropSet *set, int group, const ObjectAddress *addr)
{
	ObjectAddress whole = *addr;
	SetEntry   *entry = hash_search(set->parts, addr, HASH_FIND, NULL);

	if (entry != NULL && entry->last_group == group)
		return true;
	if (addr->objectSubId == 0)
		return false;
	whole.objectSubId = 0;
	entry = hash_search(set->parts, &whole, HASH_FIND, NULL);
	return entry != NULL && entry->last_group == group;
}

/*
 * The parts of one group's objects: what goes silently with them (AUTO,
 * INTERNAL and partition dependents, and the owners of those), as the
 * expand() of a parts-only walk finds them.  Each group's walk reaches an
 * object once, so the whole build is linear in the parts of all groups.
 */
static void
set_walk_group(MGDropSet *set, int group, List *objects)
{
	List	   *queue = NIL;
	ListCell   *lc;

	foreach(lc, objects)
	{
		ObjectAddress *addr = lfirst(lc);

		if (set_visit(set, group, addr))
			queue = lappend(queue, addr);
	}
	for (int i = 0; i < list_length(queue); i++)
	{
		ObjectAddress *addr = list_nth(queue, i);
		List	   *rows = depend_rows(addr, true);
		ListCell   *lr;

		CHECK_FOR_INTERRUPTS();
		foreach(lr, rows)
		{
			DepRow	   *row = lfirst(lr);
			ObjectAddress *dependent;
			ObjectAddress *owner;

			if (row->deptype != DEPENDENCY_AUTO &&
				row->deptype != DEPENDENCY_INTERNAL &&
				row->deptype != DEPENDENCY_PARTITION_PRI &&
				row->deptype != DEPENDENCY_PARTITION_SEC)
				continue;
			if (set_reached(set, group, &row->dependent))
				continue;
			dependent = palloc(sizeof(ObjectAddress));
			*dependent = row->dependent;
			owner = palloc(sizeof(ObjectAddress));
			*owner = owner_of(dependent);
			if (set_visit(set, group, dependent))
				queue = lappend(queue, dependent);
			if (set_visit(set, group, owner))
				queue = lappend(queue, owner);
		}
		list_free_deep(rows);
	}
	list_free(queue);
}

/*
 * The objects one statement drops, in groups (List * of ObjectAddress *):
 * one group per object a finding is about (a relation of DROP TABLE, a
 * column and its inherited copies, the tables of one schema).  The parts
 * of every group are walked once here, so that judging each group against
 * all the others (mg_dependents_of_group) costs the group's own walk
 * only, and a statement naming thousands of objects is judged in linear
 * time rather than walking all the others again for each one.
 */
MGDropSet *
mg_drop_set_create(List *groups)
{
	MGDropSet  *set = palloc0(sizeof(MGDropSet));
	int			group = 0;
	ListCell   *lc;

	set->parts = address_hash("migration_guard drop set", sizeof(SetEntry));
	set->groups = groups;
	foreach(lc, groups)
		set_walk_group(set, group++, (List *) lfirst(lc));
	return set;
}

/* The groups the set was built from. */
List *
mg_drop_set_groups(MGDropSet *set)
{
	return set->groups;
}

void
mg_drop_set_free(MGDropSet *set)
{
	hash_destroy(set->parts);
	pfree(set);
}

/* ---------- the walk of one group ---------- */

static List *
walk_dependents(const MGDropSet *set, int group, List *targets, bool cascade)
{
	Walk		walk = {0};
	ListCell   *lc;
	List	   *references = NIL;
	List	   *silent = NIL;
	int			start;
	int			end;

	walk.dropped = address_hash("migration_guard dependents", sizeof(WalkEntry));
	walk.found_index = address_hash("migration_guard dependents found", sizeof(FoundEntry));
	walk.set = set;
	walk.group = group;
	walk.cascade = cascade;

	/*
	 * The other objects of the statement are dropped too: they, and the parts
	 * that go with them, are not dependents of these (DROP TABLE parent,
	 * child takes the child's foreign key with it).  The drop set knows them
	 * (dropped_by_others).
	 *
	 * So are the parts of relations dropped whole, whichever of several
	 * targets a dependent is met from first: with DROP SCHEMA, a foreign key
	 * between two of its tables is a part of one, not a dependent of the
	 * other.  Then their parts are walked again for what uses them.
	 */
	walk.parts_only = true;
	start = list_length(walk.queue);
	foreach(lc, targets)
	{
		ObjectAddress *target = lfirst(lc);

		if (is_relation(target))
			add_dropped(&walk, target, true);
	}
	run_walk(&walk, start);
	end = list_length(walk.queue);

	walk.parts_only = false;
	for (int i = start; i < end; i++)
		expand(&walk, (WalkEntry *) list_nth(walk.queue, i));

	foreach(lc, targets)
	{
		ObjectAddress *target = lfirst(lc);

		if (target->classId == RelationRelationId && target->objectSubId != 0)
			walk.column_rels = list_append_unique_oid(walk.column_rels, target->objectId);
	}
	foreach(lc, targets)
	{
		ObjectAddress *target = lfirst(lc);

		if (is_relation(target))
			continue;
		if (target->classId == RelationRelationId)
			check_partition_key(&walk, target);
		add_dropped(&walk, target, false);
	}
	run_walk(&walk, end);

	/* references first: they are why the drop is refused */
	foreach(lc, walk.found)
	{
		MGDependent *dep = lfirst(lc);

		if (dep->reference)
			references = lappend(references, dep);
		else
			silent = lappend(silent, dep);
	}
	hash_destroy(walk.dropped);
	hash_destroy(walk.found_index);
	list_free(walk.queue);
	return list_concat(references, silent);
}

/* What depends on the objects of one group of the set, as mg_dependents. */
List *
mg_dependents_of_group(MGDropSet *set, int group, bool cascade)
{
	return walk_dependents(set, group, (List *) list_nth(set->groups, group),
						   cascade);
}

List *
mg_dependents(List *targets, List *also_dropped, bool cascade)
{
	MGDropSet  *set;
	List	   *result;

	if (also_dropped == NIL)
		return walk_dependents(NULL, 0, targets, cascade);
	set = mg_drop_set_create(list_make2(targets, also_dropped));
	result = mg_dependents_of_group(set, 0, cascade);
	mg_drop_set_free(set);
	return result;
}
