/*-------------------------------------------------------------------------
 *
 * rules_drop.c
 *	  Rules about drops that break code running now: drop_table (DROP
 *	  TABLE / VIEW / MATERIALIZED VIEW / FOREIGN TABLE, and what DROP
 *	  SCHEMA ... CASCADE destroys outside the schema) and drop_column.
 *
 *	  A deploy runs the old release against the new schema for a while
 *	  (rolling restarts, long-lived workers, a rollback).  The safe way to
 *	  change a name or remove something is expand -> migrate -> contract:
 *	  add the new thing beside the old, move the code over, and remove the
 *	  old thing only when no running code uses it.  These rules catch the
 *	  steps that skip ahead, whatever the table's size; only objects created
 *	  in this transaction (or temporary ones) are exempt, since no running
 *	  code can know them.
 *
 *	  They are judged from pg_depend (depends.c): a drop that something in
 *	  the database still references is refused in enforce; a drop that
 *	  nothing depends on is the contract step itself, reported as a warning
 *	  unless migration_guard.rules sets the rule's severity explicitly
 *	  (docs/rules/drop_column.md).
 *
 * IDENTIFICATION
 *	  src/rules_drop.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "compat.h"

#include "access/genam.h"
#include "access/htup_details.h"
#include "access/table.h"
#include "catalog/namespace.h"
#include "catalog/pg_attribute.h"
#include "catalog/pg_class.h"
#include "catalog/pg_inherits.h"
#include "catalog/pg_type.h"
#include "lib/stringinfo.h"
#include "nodes/makefuncs.h"
#include "utils/builtins.h"
#include "utils/fmgroids.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/syscache.h"

#include "applies.h"
#include "depends.h"
#include "deprecation.h"
#include "finding.h"
#include "objfacts.h"
#include "relfacts.h"
#include "rellist.h"
#include "report.h"
#include "rules.h"
#include "rules_drop.h"
#include "statement.h"

/* How many dependents a message names before "and N more". */
#define MAX_LISTED_DEPENDENTS	5

/* ---------- drop_column and drop_table ---------- */

static void report_drop_schema(const char *nspname, List *all_schemas);

/* Does relkind fit the object type a statement names? */
static bool
relkind_matches(ObjectType type, char relkind)
{
	switch (type)
	{
		case OBJECT_TABLE:
			return relkind == RELKIND_RELATION || relkind == RELKIND_PARTITIONED_TABLE;
		case OBJECT_VIEW:
			return relkind == RELKIND_VIEW;
		case OBJECT_MATVIEW:
			return relkind == RELKIND_MATVIEW;
		case OBJECT_FOREIGN_TABLE:
			return relkind == RELKIND_FOREIGN_TABLE;
		default:
			return false;
	}
}

/* Is a partition key among the dependents of a column? */
static bool
partition_key_among(List *deps)
{
	ListCell   *lc;

	foreach(lc, deps)
	{
		if (((MGDependent *) lfirst(lc))->partition_key)
			return true;
	}
	return false;
}

/* The drop's first sentence: what it drops and what it does to dependents. */
typedef enum DropHarm
{
	DROP_BREAKS_DEPENDENTS,		/* they still reference it */
	DROP_DESTROYS_DEPENDENTS,	/* CASCADE takes them too */
	DROP_BREAKS_RUNNING_CODE	/* nothing depends on it in the database */
} DropHarm;

static void
drop_message(MGFinding *f, DropHarm harm, const char *colname, Oid relid)
{
	const char *noun = mg_relkind_noun(get_rel_relkind(relid));
	const char *relname = get_rel_name(relid);

	switch (harm)
	{
		case DROP_BREAKS_DEPENDENTS:
			if (colname != NULL)
				mg_finding_message(f, "dropping column \"%s\" of %s \"%s\" would break objects that depend on it",
								   colname, noun, relname);
			else
				mg_finding_message(f, "dropping %s \"%s\" would break objects that depend on it",
								   noun, relname);
			break;
		case DROP_DESTROYS_DEPENDENTS:
			if (colname != NULL)
				mg_finding_message(f, "dropping column \"%s\" of %s \"%s\" with CASCADE would destroy objects that depend on it",
								   colname, noun, relname);
			else
				mg_finding_message(f, "dropping %s \"%s\" with CASCADE would destroy objects that depend on it",
								   noun, relname);
			break;
		case DROP_BREAKS_RUNNING_CODE:
			if (colname != NULL)
				mg_finding_message(f, "dropping column \"%s\" of %s \"%s\" breaks any running code that still uses it",
								   colname, noun, relname);
			else
				mg_finding_message(f, "dropping %s \"%s\" breaks any running code that still uses it",
								   noun, relname);
			break;
	}
}

/*
 * Without CASCADE: what PostgreSQL refuses, and what vanishes silently
 * with the drop (nsilent of the dependents, nsilent_shared of them also
 * serving other columns).
 */
static void
add_refusal_detail(MGFinding *f, int ndeps, int nsilent, int nsilent_shared)
{
	if (nsilent < ndeps)
	{
		if (nsilent > 0)
			mg_finding_add_detail(f, "PostgreSQL refuses the drop without CASCADE while those not marked \"dropped with it\" exist, and CASCADE would destroy them.");
		else if (ndeps == 1)
			mg_finding_add_detail(f, "PostgreSQL refuses the drop without CASCADE while it exists, and CASCADE would destroy it.");
		else
			mg_finding_add_detail(f, "PostgreSQL refuses the drop without CASCADE while they exist, and CASCADE would destroy them.");
	}
	if (nsilent == 1 && ndeps == 1)
	{
		if (nsilent_shared)
			mg_finding_add_detail(f, "It vanishes silently with the column, though it also serves other columns.");
		else
			mg_finding_add_detail(f, "It vanishes silently with the column.");
	}
	else if (nsilent > 0)
	{
		if (nsilent_shared == 0)
			mg_finding_add_detail(f, "What is marked \"dropped with it\" vanishes silently.");
		else if (nsilent_shared == 1)
			mg_finding_add_detail(f, "What is marked \"dropped with it\" vanishes silently, though one of them also serves other columns.");
		else
			mg_finding_add_detail(f, "What is marked \"dropped with it\" vanishes silently, though some of them also serve other columns.");
	}
}

/*
 * One finding for dropping a relation, or its column colname.  With
 * dependents that the drop breaks or destroys it enforces; with none, or
 * only objects that exist for the dropped column alone, it is the
 * contract step and only advises.
 */
static void
report_drop(MGRuleId rule, Oid relid, const char *colname, List *targets,
			List *deps, bool cascade)
{
	int			nrefs = mg_count_references(deps);
	int			ndeps = list_length(deps);
	bool		column = ((ObjectAddress *) linitial(targets))->objectSubId != 0;
	bool		partition_key = partition_key_among(deps);
	MGFinding	f = {0};

	f.rule = rule;
	f.relid = relid;
	f.lockmode = AccessExclusiveLock;
	if (column)
		f.column = get_attname(relid, ((ObjectAddress *) linitial(targets))->objectSubId, true);

	if (nrefs > 0)
	{
		int			nsilent = 0;
		int			nsilent_shared = 0;
		ListCell   *lc;

		foreach(lc, deps)
		{
			MGDependent *dep = lfirst(lc);

			if (dep->dropped_with_it)
			{
				nsilent++;
				if (dep->reference)
					nsilent_shared++;
			}
		}

		mg_finding_detail_plural(&f, "%d object depends on it: %s.",
								 "%d objects depend on it: %s.", ndeps,
								 ndeps, mg_describe_dependents(deps, MAX_LISTED_DEPENDENTS, true));
		if (partition_key)
		{
			drop_message(&f, DROP_BREAKS_DEPENDENTS, colname, relid);
			mg_finding_add_detail(&f, "PostgreSQL never drops a column of the partition key, not even with CASCADE.");
		}
		else if (cascade)
		{
			drop_message(&f, DROP_DESTROYS_DEPENDENTS, colname, relid);
			if (ndeps == 1)
				mg_finding_add_detail(&f, "CASCADE drops it, and whatever depends on it in turn.");
			else
				mg_finding_add_detail(&f, "CASCADE drops every one of them, and whatever depends on them in turn.");
		}
		else
		{
			drop_message(&f, DROP_BREAKS_DEPENDENTS, colname, relid);
			add_refusal_detail(&f, ndeps, nsilent, nsilent_shared);
		}
		if (partition_key)
			mg_finding_hint(&f, "Stop using the column in the application instead; to get rid of it, create a table partitioned another way, copy the data over in batches and switch to it.");
		else if (column)
			mg_finding_hint(&f, "Contract in steps: first change or drop each dependent explicitly (CREATE OR REPLACE VIEW without the column, DROP INDEX CONCURRENTLY, ALTER TABLE ... DROP CONSTRAINT), deploy a release that no longer uses the column, then drop it.");
		else
			mg_finding_hint(&f, "Contract in steps: first change or drop each dependent explicitly (DROP VIEW or CREATE OR REPLACE VIEW, ALTER TABLE ... DROP CONSTRAINT for foreign keys), deploy a release that no longer uses it, then drop it.");
	}
	else
	{
		f.advisory = true;
		drop_message(&f, DROP_BREAKS_RUNNING_CODE, colname, relid);
		if (deps == NIL)
			mg_finding_detail(&f, "No database object depends on it, but the database cannot see whether the release running now still reads or writes it.");
		else
			mg_finding_detail(&f, "Nothing else depends on it; dropped with it: %s.  The database cannot see whether the release running now still reads or writes it.",
							  mg_describe_dependents(deps, MAX_LISTED_DEPENDENTS, false));
		if (column)
			mg_finding_hint(&f, "Drop a column only as the contract step: first deploy a release that no longer reads or writes it (for example, one that lists it among the ORM's ignored columns), then drop it.");
		else
			mg_finding_hint(&f, "Drop it only as the contract step: first deploy a release that no longer uses it; consider renaming it aside or keeping a dump until the release has proved itself.");

		/*
		 * deprecated and unused for the quiet period: the contract step
		 * proper
		 */
		if (mg_deprecation_judge(&f, relid, ((ObjectAddress *) linitial(targets))->objectSubId))
			return;
	}
	mg_report(&f);
}

/*
 * DROP TABLE / VIEW / MATERIALIZED VIEW / FOREIGN TABLE.  Each relation of
 * the statement gets its own finding; the others of the same statement are
 * not its dependents (DROP TABLE parent, child drops the foreign key with
 * both ends).
 */
void
mg_check_drop_stmt(MGStatement *st, DropStmt *stmt)
{
	List	   *relids = NIL;
	List	   *addresses = NIL;
	List	   *groups = NIL;
	MGDropSet  *set;
	int			group = 0;
	ListCell   *lc;

	switch (stmt->removeType)
	{
		case OBJECT_TABLE:
		case OBJECT_VIEW:
		case OBJECT_MATVIEW:
		case OBJECT_FOREIGN_TABLE:
			break;
		case OBJECT_SCHEMA:
			if (stmt->behavior != DROP_CASCADE ||
				!mg_rule_applies(MG_RULE_DROP_TABLE, InvalidOid))
				return;
			foreach(lc, stmt->objects)
				report_drop_schema(strVal(lfirst(lc)), stmt->objects);
			return;
		default:
			return;
	}
	if (!mg_rule_applies(MG_RULE_DROP_TABLE, InvalidOid))
		return;

	foreach(lc, stmt->objects)
	{
		RangeVar   *rv = makeRangeVarFromNameList((List *) lfirst(lc));
		Oid			relid = RangeVarGetRelid(rv, NoLock, true);
		ObjectAddress *addr;

		/*
		 * missing, or of another kind: PostgreSQL reports it (or IF EXISTS
		 * skips it)
		 */
		if (!OidIsValid(relid) ||
			!relkind_matches(stmt->removeType, get_rel_relkind(relid)))
			continue;
		relids = lappend_oid(relids, relid);
		addr = palloc(sizeof(ObjectAddress));
		ObjectAddressSet(*addr, RelationRelationId, relid);
		addresses = lappend(addresses, addr);
		groups = lappend(groups, list_make1(addr));
	}
	if (addresses == NIL)
		return;

	/* the parts of all of them, walked once for the whole statement */
	set = mg_drop_set_create(groups);
	foreach(lc, addresses)
	{
		ObjectAddress *addr = lfirst(lc);
		Oid			relid = addr->objectId;

		if (mg_rel_private_to_xact(relid))
		{
			group++;
			continue;
		}
		report_drop(MG_RULE_DROP_TABLE, relid, NULL, list_make1(addr),
					mg_dependents_of_group(set, group++, stmt->behavior == DROP_CASCADE),
					stmt->behavior == DROP_CASCADE);
	}
	mg_drop_set_free(set);
}

/*
 * The copies of a column in inheritance children and partitions that a
 * recursive DROP COLUMN drops too: as ATExecDropColumn decides, those
 * inherited from this parent alone and not also defined locally.
 */
static void
add_inherited_columns(Oid relid, const char *colname, List **targets)
{
	List	   *children = find_inheritance_children(relid, NoLock);
	ListCell   *lc;

	foreach(lc, children)
	{
		Oid			child = lfirst_oid(lc);
		HeapTuple	tup = SearchSysCacheAttName(child, colname);
		Form_pg_attribute att;
		bool		dropped_too;
		ObjectAddress *addr;

		if (!HeapTupleIsValid(tup))
			continue;
		att = (Form_pg_attribute) GETSTRUCT(tup);
		dropped_too = att->attinhcount == 1 && !att->attislocal;
		addr = palloc(sizeof(ObjectAddress));
		ObjectAddressSubSet(*addr, RelationRelationId, child, att->attnum);
		ReleaseSysCache(tup);
		if (!dropped_too || list_length(*targets) > 10000)
			continue;
		*targets = lappend(*targets, addr);
		add_inherited_columns(child, colname, targets);
	}
}

/*
 * The DROP COLUMNs of one ALTER TABLE, judged against each other: one
 * group per column (with the copies a recursive drop takes in children),
 * their parts walked once, when the dispatcher reaches the statement's
 * first DROP COLUMN.  The others reuse it, so that a statement dropping
 * hundreds of columns walks each column's parts once instead of walking
 * all the others again for each.  It lives in the memory of the statement
 * being judged; a reset callback forgets it with that memory.
 */
typedef struct DropColumns
{
	const AlterTableStmt *stmt;
	Oid			relid;
	MGDropSet  *set;
	int			ncmds;
	AlterTableCmd **cmds;		/* the DROP COLUMNs of the statement */
	int		   *group_of;		/* ... and the group of each */
	MemoryContextCallback callback;
} DropColumns;

static DropColumns *drop_columns = NULL;

static void
forget_drop_columns(void *arg)
{
	if (drop_columns == arg)
		drop_columns = NULL;
}

static bool
is_first_drop_column(AlterTableStmt *stmt, AlterTableCmd *cmd)
{
	ListCell   *lc;

	foreach(lc, stmt->cmds)
	{
		AlterTableCmd *other = lfirst_node(AlterTableCmd, lc);

		if (other->subtype == AT_DropColumn)
			return other == cmd;
	}
	return false;
}

static DropColumns *
build_drop_columns(AlterTableStmt *stmt, Oid relid)
{
	DropColumns *dc = palloc0(sizeof(DropColumns));
	int		   *group_of_attnum = palloc(sizeof(int) * (MaxHeapAttributeNumber + 1));
	List	   *groups = NIL;
	ListCell   *lc;

	for (int i = 0; i <= MaxHeapAttributeNumber; i++)
		group_of_attnum[i] = -1;
	dc->stmt = stmt;
	dc->relid = relid;
	dc->cmds = palloc(sizeof(AlterTableCmd *) * list_length(stmt->cmds));
	dc->group_of = palloc(sizeof(int) * list_length(stmt->cmds));
	foreach(lc, stmt->cmds)
	{
		AlterTableCmd *cmd = lfirst_node(AlterTableCmd, lc);
		AttrNumber	attnum;

		if (cmd->subtype != AT_DropColumn || cmd->name == NULL)
			continue;
		attnum = get_attnum(relid, cmd->name);
		if (attnum <= 0 || attnum > MaxHeapAttributeNumber)
			continue;
		if (group_of_attnum[attnum] < 0)
		{
			ObjectAddress *target = palloc(sizeof(ObjectAddress));
			List	   *targets;

			ObjectAddressSubSet(*target, RelationRelationId, relid, attnum);
			targets = list_make1(target);
			/* ALTER TABLE ONLY leaves the children's copies in place */
			if (stmt->relation->inh)
				add_inherited_columns(relid, cmd->name, &targets);
			group_of_attnum[attnum] = list_length(groups);
			groups = lappend(groups, targets);
		}
		dc->cmds[dc->ncmds] = cmd;
		dc->group_of[dc->ncmds] = group_of_attnum[attnum];
		dc->ncmds++;
	}
	pfree(group_of_attnum);
	dc->set = mg_drop_set_create(groups);
	dc->callback.func = forget_drop_columns;
	dc->callback.arg = dc;
	MemoryContextRegisterResetCallback(CurrentMemoryContext, &dc->callback);
	return dc;
}

/* The group of cmd among the statement's DROP COLUMNs, or -1. */
static int
drop_column_group(AlterTableStmt *stmt, Oid relid, AlterTableCmd *cmd)
{
	if (drop_columns == NULL || drop_columns->stmt != stmt ||
		drop_columns->relid != relid || is_first_drop_column(stmt, cmd))
		drop_columns = build_drop_columns(stmt, relid);
	for (int i = 0; i < drop_columns->ncmds; i++)
	{
		if (drop_columns->cmds[i] == cmd)
			return drop_columns->group_of[i];
	}
	return -1;
}

/* ALTER TABLE ... DROP COLUMN, called by the ALTER TABLE dispatcher. */
void
mg_check_drop_column(MGStatement *st, Oid relid, AlterTableCmd *cmd)
{
	AttrNumber	attnum;
	ObjectAddress *target;
	List	   *targets;
	List	   *deps;
	bool		cascade = cmd->behavior == DROP_CASCADE;

	if (!OidIsValid(relid) || cmd->name == NULL)
		return;
	if (!mg_rule_applies(MG_RULE_DROP_COLUMN, relid) || mg_rel_private_to_xact(relid))
		return;
	attnum = get_attnum(relid, cmd->name);
	if (attnum <= 0)
		return;					/* missing or a system column: PostgreSQL says
								 * so */

	/*
	 * The statement's other DROP COLUMNs go too: an index on both columns is
	 * no loss to a column that stays.
	 */
	if (st != NULL && IsA(st->parsetree, AlterTableStmt) &&
		list_member_ptr(((AlterTableStmt *) st->parsetree)->cmds, cmd))
	{
		AlterTableStmt *stmt = (AlterTableStmt *) st->parsetree;
		int			group = drop_column_group(stmt, relid, cmd);

		if (group < 0)
			return;
		targets = list_nth(mg_drop_set_groups(drop_columns->set), group);
		deps = mg_dependents_of_group(drop_columns->set, group, cascade);
	}
	else
	{
		target = palloc(sizeof(ObjectAddress));
		ObjectAddressSubSet(*target, RelationRelationId, relid, attnum);
		targets = list_make1(target);
		add_inherited_columns(relid, cmd->name, &targets);
		deps = mg_dependents(targets, NIL, cascade);
	}

	report_drop(MG_RULE_DROP_COLUMN, relid, cmd->name, targets, deps, cascade);
}

/*
 * DROP SCHEMA ... CASCADE drops every table and view of the schema, and
 * with them whatever outside the schema depends on them (without CASCADE
 * PostgreSQL refuses a schema that is not empty).  Dropping a schema whole
 * is as deliberate as DDL gets, so only that collateral damage is
 * reported: a foreign key, view or function in another schema that the
 * CASCADE would destroy.
 */
static void
report_drop_schema(const char *nspname, List *all_schemas)
{
	Oid			nspid = get_namespace_oid(nspname, true);
	List	   *nspids = NIL;
	List	   *relids;
	List	   *targets = NIL;
	List	   *also_dropped = NIL;
	List	   *deps;
	List	   *outside = NIL;
	ListCell   *lc;
	MGFinding	f = {0};

	if (!OidIsValid(nspid))
		return;
	relids = mg_schema_shared_relations(nspid, false);
	if (relids == NIL)
		return;
	foreach(lc, relids)
	{
		ObjectAddress *addr = palloc(sizeof(ObjectAddress));

		ObjectAddressSet(*addr, RelationRelationId, lfirst_oid(lc));
		targets = lappend(targets, addr);
	}
	/* the tables of the statement's other schemas go too */
	foreach(lc, all_schemas)
	{
		Oid			other = get_namespace_oid(strVal(lfirst(lc)), true);
		ListCell   *lc2;

		if (!OidIsValid(other))
			continue;
		nspids = lappend_oid(nspids, other);
		if (other == nspid)
			continue;
		foreach(lc2, mg_schema_shared_relations(other, false))
		{
			ObjectAddress *addr = palloc(sizeof(ObjectAddress));

			ObjectAddressSet(*addr, RelationRelationId, lfirst_oid(lc2));
			also_dropped = lappend(also_dropped, addr);
		}
	}
	deps = mg_dependents(targets, also_dropped, true);

	/* objects of the dropped schemas go with them */
	foreach(lc, deps)
	{
		MGDependent *dep = lfirst(lc);
		ObjectAddress whole = dep->address;

		whole.objectSubId = 0;
		if (dep->reference &&
			!list_member_oid(nspids, get_object_namespace(&whole)))
			outside = lappend(outside, dep);
	}
	if (outside == NIL)
		return;

	f.rule = MG_RULE_DROP_TABLE;
	f.lockmode = AccessExclusiveLock;
	mg_finding_message(&f, "dropping schema \"%s\" with CASCADE would destroy objects outside it that depend on its tables",
					   nspname);
	mg_finding_detail_plural(&f, "Schema %s holds %d table or view: %s.",
							 "Schema %s holds %d tables or views: %s.", list_length(relids),
							 quote_identifier(nspname), list_length(relids),
							 mg_rel_list_serial(relids, MAX_LISTED_DEPENDENTS));
	mg_finding_add_detail_text(&f, psprintf(dngettext(TEXTDOMAIN,
													  "Outside it, %d object depends on them: %s.",
													  "Outside it, %d objects depend on them: %s.",
													  list_length(outside)),
											list_length(outside),
											mg_describe_dependents(outside, MAX_LISTED_DEPENDENTS, false)));
	mg_finding_add_detail(&f, "CASCADE drops every one of them.");
	mg_finding_hint(&f, "Drop or repoint the dependent objects outside the schema explicitly first (ALTER TABLE ... DROP CONSTRAINT for foreign keys, DROP VIEW), in a release after the code stopped using them; then drop the schema.");
	mg_report(&f);
}
