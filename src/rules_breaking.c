/*-------------------------------------------------------------------------
 *
 * rules_breaking.c
 *	  Rules about changes that break code running now: renames, required
 *	  columns, and drops of columns and tables.
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
 *	  Drops are judged from pg_depend (depends.c): a drop that something in
 *	  the database still references is refused in enforce; a drop that
 *	  nothing depends on is the contract step itself, reported as a warning
 *	  unless migration_guard.rules sets the rule's severity explicitly
 *	  (docs/rules/drop_column.md).
 *
 * IDENTIFICATION
 *	  src/rules_breaking.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/genam.h"
#include "access/htup_details.h"
#include "access/table.h"
#include "catalog/namespace.h"
#include "commands/extension.h"
#include "catalog/pg_attribute.h"
#include "catalog/pg_class.h"
#include "catalog/pg_inherits.h"
#include "catalog/pg_type.h"
#include "lib/stringinfo.h"
#include "nodes/makefuncs.h"
#include "parser/parse_type.h"
#include "utils/builtins.h"
#include "utils/fmgroids.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/syscache.h"

#include "commit_checks.h"
#include "depends.h"
#include "deprecation.h"
#include "migration_guard.h"
#include "relfacts.h"

/* How many dependents a message names before "and N more". */
#define MAX_LISTED_DEPENDENTS	5

/* "table", "view", ... for messages */
static const char *
relkind_noun(char relkind)
{
	switch (relkind)
	{
		case RELKIND_VIEW:
			return "view";
		case RELKIND_MATVIEW:
			return "materialized view";
		case RELKIND_FOREIGN_TABLE:
			return "foreign table";
		default:
			return "table";
	}
}

/*
 * No running code can use a relation created in this transaction, nor a
 * temporary one (private to this session).  A relation dropped
 * concurrently since the statement looked it up (we hold no lock on it
 * yet) counts too: there is nothing to report, PostgreSQL reports it.
 */
static bool
rel_is_private(Oid relid)
{
	/* an extension's own scripts are the extension author's business */
	if (creating_extension)
		return true;
	/* a vanished relation has no persistence; temporary ones count as created here */
	return mg_rel_persistence(relid) == '\0' || mg_rel_created_in_xact(relid);
}

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

/* ---------- drop_column and drop_table ---------- */

static void report_drop_schema(const char *nspname, List *all_schemas);

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

/*
 * One finding for dropping target ("column "email" of table "users"" or
 * "table "users"").  With dependents that the drop breaks or destroys it
 * enforces; with none, or only objects that exist for the dropped column
 * alone, it is the contract step and only advises.
 */
static void
report_drop(MGRuleId rule, Oid relid, const char *what, List *targets,
			List *deps, bool cascade)
{
	int			nrefs = mg_count_references(deps);
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
		StringInfoData detail;
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

		initStringInfo(&detail);
		appendStringInfo(&detail, "%d object%s depend%s on it: %s.",
						 list_length(deps), list_length(deps) == 1 ? "" : "s",
						 list_length(deps) == 1 ? "s" : "",
						 mg_describe_dependents(deps, MAX_LISTED_DEPENDENTS, true));
		if (partition_key)
		{
			f.message = psprintf("dropping %s would break objects that depend on it", what);
			appendStringInfoString(&detail, "  PostgreSQL never drops a column of the partition key, not even with CASCADE.");
		}
		else if (cascade)
		{
			f.message = psprintf("dropping %s with CASCADE would destroy objects that depend on it", what);
			appendStringInfoString(&detail, list_length(deps) == 1 ?
								   "  CASCADE drops it, and whatever depends on it in turn." :
								   "  CASCADE drops every one of them, and whatever depends on them in turn.");
		}
		else
		{
			f.message = psprintf("dropping %s would break objects that depend on it", what);
			if (nsilent < list_length(deps))
				appendStringInfo(&detail, "  PostgreSQL refuses the drop without CASCADE while %s, and CASCADE would destroy %s.",
								 nsilent > 0 ? "those not marked \"dropped with it\" exist" :
								 list_length(deps) == 1 ? "it exists" : "they exist",
								 nsilent > 0 || list_length(deps) > 1 ? "them" : "it");
			if (nsilent == 1 && list_length(deps) == 1)
				appendStringInfoString(&detail, nsilent_shared ?
									   "  It vanishes silently with the column, though it also serves other columns." :
									   "  It vanishes silently with the column.");
			else if (nsilent > 0)
				appendStringInfo(&detail, "  What is marked \"dropped with it\" vanishes silently%s.",
								 nsilent_shared == 0 ? "" :
								 nsilent_shared == 1 ? ", though one of them also serves other columns" :
								 ", though some of them also serve other columns");
		}
		f.detail = detail.data;
		if (partition_key)
			f.hint = pstrdup("Stop using the column in the application instead; to get rid of it, create a table partitioned another way, copy the data over in batches and switch to it.");
		else if (column)
			f.hint = pstrdup("Contract in steps: first change or drop each dependent explicitly (CREATE OR REPLACE VIEW without the column, DROP INDEX CONCURRENTLY, ALTER TABLE ... DROP CONSTRAINT), deploy a release that no longer uses the column, then drop it.");
		else
			f.hint = pstrdup("Contract in steps: first change or drop each dependent explicitly (DROP VIEW or CREATE OR REPLACE VIEW, ALTER TABLE ... DROP CONSTRAINT for foreign keys), deploy a release that no longer uses it, then drop it.");
	}
	else
	{
		f.advisory = true;
		f.message = psprintf("dropping %s breaks any running code that still uses it", what);
		if (deps == NIL)
			f.detail = pstrdup("No database object depends on it, but the database cannot see whether the release running now still reads or writes it.");
		else
			f.detail = psprintf("Nothing else depends on it; dropped with it: %s.  The database cannot see whether the release running now still reads or writes it.",
								mg_describe_dependents(deps, MAX_LISTED_DEPENDENTS, false));
		if (column)
			f.hint = pstrdup("Drop a column only as the contract step: first deploy a release that no longer reads or writes it (for example, one that lists it among the ORM's ignored columns), then drop it.");
		else
			f.hint = pstrdup("Drop it only as the contract step: first deploy a release that no longer uses it; consider renaming it aside or keeping a dump until the release has proved itself.");
		/* deprecated and unused for the quiet period: the contract step proper */
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

		/* missing, or of another kind: PostgreSQL reports it (or IF EXISTS skips it) */
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
		char	   *what;

		if (rel_is_private(relid))
		{
			group++;
			continue;
		}
		what = psprintf("%s \"%s\"", relkind_noun(get_rel_relkind(relid)),
						get_rel_name(relid));
		report_drop(MG_RULE_DROP_TABLE, relid, what, list_make1(addr),
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
	char	   *what;
	bool		cascade = cmd->behavior == DROP_CASCADE;

	if (!OidIsValid(relid) || cmd->name == NULL)
		return;
	if (!mg_rule_applies(MG_RULE_DROP_COLUMN, relid) || rel_is_private(relid))
		return;
	attnum = get_attnum(relid, cmd->name);
	if (attnum <= 0)
		return;					/* missing or a system column: PostgreSQL says so */

	/*
	 * The statement's other DROP COLUMNs go too: an index on both columns
	 * is no loss to a column that stays.
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

	what = psprintf("column \"%s\" of %s \"%s\"", cmd->name,
					relkind_noun(get_rel_relkind(relid)), get_rel_name(relid));
	report_drop(MG_RULE_DROP_COLUMN, relid, what, targets, deps, cascade);
}

/* ---------- rename_column and rename_table ---------- */

static void
report_rename_column(Oid relid, const char *oldname, const char *newname)
{
	char		relkind = get_rel_relkind(relid);
	char	   *relname = get_rel_name(relid);
	MGFinding	f = {0};
	HeapTuple	tup;
	Form_pg_attribute att;
	bool		renamed_elsewhere;
	Oid			atttype;
	int32		atttypmod;
	AttrNumber	attnum;

	if (relname == NULL || strcmp(oldname, newname) == 0 ||
		get_attnum(relid, newname) != InvalidAttrNumber)
		return;					/* PostgreSQL reports the error */
	tup = SearchSysCacheAttName(relid, oldname);
	if (!HeapTupleIsValid(tup))
		return;					/* missing or dropped: PostgreSQL says so */
	att = (Form_pg_attribute) GETSTRUCT(tup);

	/*
	 * PostgreSQL refuses to rename a system column, and an inherited column
	 * is renamed through its parent, never directly.
	 */
	renamed_elsewhere = att->attnum <= 0 || att->attinhcount > 0;
	atttype = att->atttypid;
	atttypmod = att->atttypmod;
	attnum = att->attnum;
	ReleaseSysCache(tup);
	if (renamed_elsewhere)
		return;

	f.rule = MG_RULE_RENAME_COLUMN;
	f.relid = relid;
	f.column = oldname;
	f.lockmode = AccessExclusiveLock;
	f.message = psprintf("renaming column \"%s\" of %s \"%s\" breaks queries of the running release",
						 oldname, relkind_noun(relkind), relname);
	f.detail = psprintf("The release running now still names \"%s\"; once this commits its queries fail with \"column does not exist\" until every instance runs the new code.  Views, indexes and constraints follow the rename; application queries and function bodies written as text do not.",
						oldname);
	if (relkind == RELKIND_MATVIEW)
		f.hint = psprintf("Expand, migrate, contract: a materialized view cannot be replaced in place, so create a new one with the column named \"%s\" beside %s, deploy code that reads it, then drop the old one.",
						  newname, mg_rel_name(relid));
	else if (relkind == RELKIND_VIEW)
		f.hint = psprintf("Expand, migrate, contract: CREATE OR REPLACE VIEW %s with the column under both names (the new one appended as \"%s\"), deploy code that uses \"%s\", then drop the old name.",
						  mg_rel_name(relid), newname, newname);
	else
	{
		const char *qold = quote_identifier(oldname);
		const char *qnew = quote_identifier(newname);

		f.hint = psprintf("Expand, migrate, contract: ALTER TABLE %s ADD COLUMN %s %s; keep it in step with %s by a trigger on INSERT and UPDATE; backfill existing rows in batches with CALL migration_guard.backfill(%s, %s, %s, %s); deploy code that uses %s; then drop %s.",
						  mg_rel_name(relid), qnew,
						  format_type_with_typemod(atttype, atttypmod),
						  qold, quote_literal_cstr(psprintf("rename_%s", newname)),
						  quote_literal_cstr(mg_rel_name(relid)),
						  quote_literal_cstr(psprintf("%s = %s", qnew, qold)),
						  quote_literal_cstr(psprintf("%s IS DISTINCT FROM %s", qnew, qold)),
						  qnew, qold);
	}
	/* a deprecated column unused for the quiet period may go */
	if (mg_deprecation_judge(&f, relid, attnum))
		return;
	mg_report(&f);
}

static void
report_rename_relation(Oid relid, const char *newname)
{
	char		relkind = get_rel_relkind(relid);
	const char *noun = relkind_noun(relkind);
	char	   *oldname = get_rel_name(relid);
	char	   *nspname = get_namespace_name(get_rel_namespace(relid));
	MGFinding	f = {0};

	if (oldname == NULL || strcmp(oldname, newname) == 0 ||
		OidIsValid(get_relname_relid(newname, get_rel_namespace(relid))))
		return;					/* PostgreSQL reports the error */
	/* queries read partitions through their parent; naming them is upkeep */
	if (get_rel_relispartition(relid))
		return;

	f.rule = MG_RULE_RENAME_TABLE;
	f.relid = relid;
	f.lockmode = AccessExclusiveLock;
	f.message = psprintf("renaming %s \"%s\" to \"%s\" breaks queries of the running release",
						 noun, oldname, newname);
	f.detail = psprintf("The release running now still names %s; once this commits its queries fail with \"relation does not exist\" until every instance runs the new code.  Views, foreign keys and indexes follow the rename; application queries and function bodies written as text do not.",
						mg_rel_name(relid));
	if (relkind == RELKIND_RELATION || relkind == RELKIND_PARTITIONED_TABLE)
		f.hint = psprintf("Keep the old name working through the deploy: in one transaction, ALTER TABLE %s RENAME TO %s and CREATE VIEW %s AS SELECT * FROM %s (a simple view accepts INSERT, UPDATE and DELETE); deploy code that uses the new name; then drop the view.",
						  mg_rel_name(relid), quote_identifier(newname),
						  mg_rel_name(relid), quote_qualified_identifier(nspname, newname));
	else
		f.hint = psprintf("Keep the old name working through the deploy: create the %s under the new name beside the old one, deploy code that uses the new name, then drop the old one.",
						  noun);
	/* a deprecated relation unused for the quiet period may go */
	if (mg_deprecation_judge(&f, relid, 0))
		return;
	/* a view under the old name, created before commit, makes it safe */
	if (mg_defer_rename_until_commit(&f, get_rel_namespace(relid), oldname))
		return;
	mg_report(&f);
}

static int
compare_relation_names(const ListCell *a, const ListCell *b)
{
	char	   *na = get_rel_name(lfirst_oid(a));
	char	   *nb = get_rel_name(lfirst_oid(b));

	return strcmp(na ? na : "", nb ? nb : "");
}

/*
 * The tables, views, materialized views and foreign tables of a schema that
 * running code may use (not created in this transaction, not temporary).
 * pg_class has no index on relnamespace alone; renaming or dropping a
 * schema is rare enough for a scan.
 */
static List *
schema_relations(Oid nspid)
{
	Relation	rel;
	ScanKeyData key;
	SysScanDesc scan;
	HeapTuple	tup;
	List	   *relids = NIL;

	ScanKeyInit(&key, Anum_pg_class_relnamespace, BTEqualStrategyNumber,
				F_OIDEQ, ObjectIdGetDatum(nspid));
	rel = table_open(RelationRelationId, AccessShareLock);
	scan = systable_beginscan(rel, InvalidOid, false, NULL, 1, &key);
	while (HeapTupleIsValid(tup = systable_getnext(scan)))
	{
		Form_pg_class form = (Form_pg_class) GETSTRUCT(tup);

		if (!mg_relkind_queried_by_name(form->relkind))
			continue;
		if (form->relispartition || rel_is_private(form->oid))
			continue;			/* partitions are read through their parent */
		relids = lappend_oid(relids, form->oid);
	}
	systable_endscan(scan);
	table_close(rel, AccessShareLock);
	/* a heap scan returns them in no useful order; messages list by name */
	list_sort(relids, compare_relation_names);
	return relids;
}

/* "3 tables or views: app.a, app.b, app.c" */
static char *
describe_relations(List *relids)
{
	StringInfoData buf;
	ListCell   *lc;
	int			n = 0;

	initStringInfo(&buf);
	appendStringInfo(&buf, "%d table%s or view%s: ", list_length(relids),
					 list_length(relids) == 1 ? "" : "s",
					 list_length(relids) == 1 ? "" : "s");
	foreach(lc, relids)
	{
		if (n == MAX_LISTED_DEPENDENTS)
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
 * ALTER SCHEMA ... RENAME TO: breaks every query that names a table or
 * view of the schema.  Quiet when the schema holds none that existed
 * before this transaction.
 */
static void
report_rename_schema(const char *oldname, const char *newname)
{
	Oid			nspid = get_namespace_oid(oldname, true);
	List	   *relids;
	MGFinding	f = {0};

	if (!OidIsValid(nspid) || strcmp(oldname, newname) == 0 ||
		OidIsValid(get_namespace_oid(newname, true)))
		return;					/* PostgreSQL's error, or a no-op */
	relids = schema_relations(nspid);
	if (relids == NIL)
		return;

	f.rule = MG_RULE_RENAME_TABLE;
	f.message = psprintf("renaming schema \"%s\" to \"%s\" breaks queries of the running release",
						 oldname, newname);
	f.detail = psprintf("Schema %s holds %s.  Queries that name them with the schema, and sessions whose search_path names the schema, fail once this commits.",
						quote_identifier(oldname), describe_relations(relids));
	f.hint = psprintf("Keep the old name working through the deploy: create schema %s, move new code to it (or give it a view per table), deploy, and retire %s when nothing uses it; or put both schemas on the search_path during the switch.",
					  quote_identifier(newname), quote_identifier(oldname));
	mg_report(&f);
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
	relids = schema_relations(nspid);
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
		foreach(lc2, schema_relations(other))
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
	f.message = psprintf("dropping schema \"%s\" with CASCADE would destroy objects outside it that depend on its tables",
						 nspname);
	f.detail = psprintf("Schema %s holds %s.  Outside it, %d object%s depend%s on them: %s.  CASCADE drops every one of them.",
						quote_identifier(nspname), describe_relations(relids),
						list_length(outside), list_length(outside) == 1 ? "" : "s",
						list_length(outside) == 1 ? "s" : "",
						mg_describe_dependents(outside, MAX_LISTED_DEPENDENTS, false));
	f.hint = pstrdup("Drop or repoint the dependent objects outside the schema explicitly first (ALTER TABLE ... DROP CONSTRAINT for foreign keys, DROP VIEW), in a release after the code stopped using them; then drop the schema.");
	mg_report(&f);
}

void
mg_check_rename_stmt(MGStatement *st, RenameStmt *stmt)
{
	Oid			relid;

	switch (stmt->renameType)
	{
		case OBJECT_COLUMN:
			if (stmt->relationType != OBJECT_TABLE && stmt->relationType != OBJECT_VIEW &&
				stmt->relationType != OBJECT_MATVIEW &&
				stmt->relationType != OBJECT_FOREIGN_TABLE)
				return;
			if (!mg_rule_applies(MG_RULE_RENAME_COLUMN, InvalidOid))
				return;
			relid = RangeVarGetRelid(stmt->relation, NoLock, true);
			/* ALTER TABLE also renames the columns of an expression index */
			if (!OidIsValid(relid) || !mg_relkind_queried_by_name(get_rel_relkind(relid)) ||
				rel_is_private(relid))
				return;
			report_rename_column(relid, stmt->subname, stmt->newname);
			break;

		case OBJECT_TABLE:
		case OBJECT_VIEW:
		case OBJECT_MATVIEW:
		case OBJECT_FOREIGN_TABLE:
		case OBJECT_INDEX:		/* ALTER INDEX ... RENAME renames any relation */
		case OBJECT_SEQUENCE:
			if (!mg_rule_applies(MG_RULE_RENAME_TABLE, InvalidOid))
				return;
			relid = RangeVarGetRelid(stmt->relation, NoLock, true);
			/*
			 * ALTER TABLE may rename a view, an index or a sequence; only
			 * relations queries name are ours.
			 */
			if (!OidIsValid(relid) || !mg_relkind_queried_by_name(get_rel_relkind(relid)) ||
				rel_is_private(relid))
				return;
			report_rename_relation(relid, stmt->newname);
			break;

		case OBJECT_SCHEMA:
			if (!mg_rule_applies(MG_RULE_RENAME_TABLE, InvalidOid))
				return;
			report_rename_schema(stmt->subname, stmt->newname);
			break;

		default:
			break;
	}
}

/* ALTER TABLE / VIEW / MATERIALIZED VIEW / FOREIGN TABLE ... SET SCHEMA */
void
mg_check_alter_object_schema_stmt(MGStatement *st, AlterObjectSchemaStmt *stmt)
{
	Oid			relid;
	Oid			nspid;
	char		relkind;
	char	   *relname;
	MGFinding	f = {0};

	switch (stmt->objectType)
	{
		case OBJECT_TABLE:
		case OBJECT_VIEW:
		case OBJECT_MATVIEW:
		case OBJECT_FOREIGN_TABLE:
			break;
		default:
			return;
	}
	if (!mg_rule_applies(MG_RULE_RENAME_TABLE, InvalidOid) || stmt->relation == NULL)
		return;
	relid = RangeVarGetRelid(stmt->relation, NoLock, true);
	if (!OidIsValid(relid) || rel_is_private(relid))
		return;
	relkind = get_rel_relkind(relid);
	relname = get_rel_name(relid);
	if (!mg_relkind_queried_by_name(relkind) || relname == NULL)
		return;
	nspid = get_namespace_oid(stmt->newschema, true);
	if (!OidIsValid(nspid) || nspid == get_rel_namespace(relid) ||
		OidIsValid(get_relname_relid(relname, nspid)))
		return;					/* a no-op, or PostgreSQL's error */
	if (get_rel_relispartition(relid))
		return;					/* read through its parent */

	f.rule = MG_RULE_RENAME_TABLE;
	f.relid = relid;
	f.lockmode = AccessExclusiveLock;
	f.message = psprintf("moving %s \"%s\" to schema \"%s\" breaks queries of the running release",
						 relkind_noun(relkind), relname, stmt->newschema);
	f.detail = psprintf("The release running now finds it as %s; once this commits its queries fail with \"relation does not exist\" unless the new schema is on their search_path.",
						mg_rel_name(relid));
	f.hint = psprintf("Keep the old name working through the deploy: move it and, in the same transaction, CREATE VIEW %s AS SELECT * FROM %s; deploy code that uses the new schema; then drop the view.",
					  mg_rel_name(relid),
					  quote_qualified_identifier(stmt->newschema, relname));
	if (mg_defer_rename_until_commit(&f, get_rel_namespace(relid), relname))
		return;
	mg_report(&f);
}
