/*-------------------------------------------------------------------------
 *
 * rules_cascade.c
 *	  Rules about drops and renames that reach running code through another
 *	  door than the one the table rules watch: a dependency (drop_cascade:
 *	  DROP TYPE, DROP DOMAIN, DROP FUNCTION ... CASCADE and the like, DROP
 *	  OWNED; drop_schema), a type (ALTER TYPE ... DROP / RENAME ATTRIBUTE
 *	  ... CASCADE on typed tables) or a whole database (drop_database).
 *	  ALTER INDEX / SEQUENCE ... RENAME of a table is rules_rename.c's;
 *	  enum labels and column defaults that running INSERTs rely on are
 *	  rules_values.c's.
 *
 *	  What a CASCADE destroys comes from pg_depend through mg_dependents()
 *	  (depends.c), the same catalog truth drop_table and drop_column use;
 *	  what a statement names, and whether running code can know it, from
 *	  objfacts.c.  Objects created in this transaction, and temporary ones,
 *	  are exempt: no running code can know them.  What these statements
 *	  lock is lockplan_cascade.c's.  docs/coverage.md lists every statement
 *	  form and the rule that judges it.
 *
 * IDENTIFICATION
 *	  src/rules_cascade.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "compat.h"

#include "catalog/namespace.h"
#include "catalog/objectaddress.h"
#include "catalog/pg_class.h"
#include "commands/dbcommands.h"
#include "lib/stringinfo.h"
#include "parser/parse_type.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"

#include "deprecation.h"

#include "applies.h"
#include "depends.h"
#include "finding.h"
#include "objfacts.h"
#include "relfacts.h"
#include "rellist.h"
#include "report.h"
#include "rules_cascade.h"
#include "statement.h"

/* How many objects a message names before "and N more". */
#define MAX_LISTED		5

/* ---------- helpers for the messages ---------- */

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
		relid = mg_object_relation(&dep->address);
		if (OidIsValid(relid) ? mg_rel_private_to_xact(relid) :
			mg_object_created_in_xact(&dep->address))
			continue;
		if (OidIsValid(relid) && first_rel != NULL && !OidIsValid(*first_rel))
			*first_rel = relid;
		result = lappend(result, dep);
	}
	return result;
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
	mg_finding_add_detail_text(f, evidence);
}

/* ---------- drop_cascade: DROP <type, domain, function, ...> CASCADE ---------- */

static void
report_drop_cascade(const char *what, List *targets, List *deps, Oid relid)
{
	MGFinding	f = {0};

	f.rule = MG_RULE_DROP_CASCADE;
	f.relid = relid;
	f.lockmode = AccessExclusiveLock;
	mg_finding_message(&f, "dropping %s with CASCADE would destroy objects that depend on it", what);
	mg_finding_detail_plural(&f, "%d object depends on it: %s.  CASCADE drops it, and whatever depends on it in turn.",
							 "%d objects depend on it: %s.  CASCADE drops every one of them, and whatever depends on them in turn.",
							 list_length(deps),
							 list_length(deps), mg_describe_dependents(deps, MAX_LISTED, false));
	mg_finding_hint(&f, "Contract in steps: first drop or change each dependent explicitly (ALTER TABLE ... DROP COLUMN, DROP VIEW, ALTER TABLE ... ALTER COLUMN ... DROP DEFAULT) in a release after the code stopped using it, then drop this without CASCADE, so that PostgreSQL refuses while anything still depends on it.");
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

	if (stmt->behavior != DROP_CASCADE || !mg_cascade_drop_kind(stmt->removeType) ||
		!mg_rule_applies(MG_RULE_DROP_CASCADE, InvalidOid))
		return;
	targets = mg_drop_targets(stmt);
	if (targets == NIL)
		return;
	deps = shared_dependents(mg_dependents(targets, NIL, true), true, &relid);
	if (deps == NIL)
		return;
	first = linitial(targets);
	report_drop_cascade(getObjectDescription(first, false), targets, deps, relid);
}

/* ---------- drop_cascade: DROP OWNED BY ---------- */

static void
check_drop_owned(DropOwnedStmt *stmt)
{
	List	   *relids = NIL;
	List	   *targets;
	List	   *deps = NIL;
	MGFinding	f = {0};

	if (!mg_rule_applies(MG_RULE_DROP_CASCADE, InvalidOid))
		return;
	targets = mg_drop_owned_targets(stmt, &relids);
	if (targets == NIL)
		return;

	/*
	 * without CASCADE, PostgreSQL refuses while other roles' objects depend
	 * on them
	 */
	if (stmt->behavior == DROP_CASCADE)
		deps = shared_dependents(mg_dependents(targets, NIL, true), true, NULL);
	if (relids == NIL && deps == NIL)
		return;

	f.rule = MG_RULE_DROP_CASCADE;
	f.relid = relids != NIL ? linitial_oid(relids) : InvalidOid;
	f.lockmode = AccessExclusiveLock;
	f.advisory = deps == NIL;
	if (deps != NIL)
		mg_finding_message(&f, "DROP OWNED ... CASCADE would destroy objects of other roles");
	else
		mg_finding_message(&f, "DROP OWNED drops tables or views that running code may use");
	if (relids != NIL)
		mg_finding_detail_plural(&f, "It drops %d table or view that existed before this transaction: %s.",
								 "It drops %d tables or views that existed before this transaction: %s.",
								 list_length(relids),
								 list_length(relids), mg_rel_list_serial(relids, MAX_LISTED));
	if (deps != NIL)
		mg_finding_add_detail_text(&f, psprintf(dngettext(TEXTDOMAIN,
														  "CASCADE also destroys %d object of other roles that depends on them: %s.",
														  "CASCADE also destroys %d objects of other roles that depend on them: %s.",
														  list_length(deps)),
												list_length(deps),
												mg_describe_dependents(deps, MAX_LISTED, false)));
	mg_finding_hint(&f, "Use REASSIGN OWNED BY ... TO ... first to hand over what must stay, then drop the remaining objects by name (DROP TABLE, DROP VIEW), so that each drop is judged on its own.");
	add_deprecation_evidence(&f, targets, NIL, deps);
	mg_report(&f);
}

/* ---------- drop_schema ---------- */

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
		relids = mg_schema_shared_relations(nspid, false);
		if (relids == NIL)
			continue;
		f.rule = MG_RULE_DROP_SCHEMA;
		f.relid = linitial_oid(relids);
		f.lockmode = AccessExclusiveLock;
		f.advisory = true;
		mg_finding_message(&f, "dropping schema \"%s\" with CASCADE destroys every table and view in it", nspname);
		mg_finding_detail_plural(&f, "Schema %s holds %d table or view that existed before this transaction: %s.  The database cannot see whether the release running now still uses them.",
								 "Schema %s holds %d tables or views that existed before this transaction: %s.  The database cannot see whether the release running now still uses them.",
								 list_length(relids),
								 quote_identifier(nspname), list_length(relids),
								 mg_rel_list_serial(relids, MAX_LISTED));
		mg_finding_hint(&f, "Drop a schema only as the contract step, after a release that no longer uses it has proved itself; consider ALTER SCHEMA ... RENAME TO an archive name first and dropping it a release later.");
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
	mg_finding_message(&f, "dropping database \"%s\" destroys every table in it", stmt->dbname);
	if (force)
		mg_finding_detail(&f, "WITH (FORCE) also terminates every session connected to it.  A dropped database can only be restored from a backup.");
	else
		mg_finding_detail(&f, "A dropped database can only be restored from a backup.");
	mg_finding_hint(&f, "A migration never drops a database: drop it by hand, once nothing connects to it and a backup exists.");
	mg_report(&f);
}

/* ---------- typed tables: ALTER TYPE ... DROP / RENAME ATTRIBUTE ... CASCADE ---------- */

static void
check_drop_attribute(AlterTableStmt *stmt, AlterTableCmd *cmd)
{
	Oid			typid = mg_composite_type_of(stmt->relation);
	List	   *relids;
	List	   *targets = NIL;
	List	   *deps;
	ListCell   *lc;
	MGFinding	f = {0};

	if (!OidIsValid(typid) || cmd->behavior != DROP_CASCADE || cmd->name == NULL ||
		!mg_rule_applies(MG_RULE_DROP_CASCADE, InvalidOid))
		return;
	relids = mg_shared_relations(mg_typed_tables_recursive(typid));
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
	mg_finding_message(&f, "dropping attribute \"%s\" of type %s with CASCADE drops a column of its typed tables",
					   cmd->name, format_type_be(typid));
	if (deps == NIL)
		mg_finding_detail_plural(&f, "Column \"%s\" of %d typed table goes with it: %s.  The database cannot see whether the release running now still reads or writes it.",
								 "Column \"%s\" of %d typed tables goes with it: %s.  The database cannot see whether the release running now still reads or writes it.",
								 list_length(targets),
								 cmd->name, list_length(targets), mg_rel_list_serial(relids, MAX_LISTED));
	else
		mg_finding_detail(&f, "Column \"%s\" of %s goes with it, and with CASCADE everything that depends on it: %s.",
						  cmd->name, mg_rel_list_serial(relids, MAX_LISTED),
						  mg_describe_dependents(deps, MAX_LISTED, false));
	mg_finding_hint(&f, "Drop a column only as the contract step: first deploy a release that no longer reads or writes it, then drop it.");
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
	typid = mg_composite_type_of(stmt->relation);
	if (!OidIsValid(typid) || strcmp(stmt->subname, stmt->newname) == 0)
		return;
	relids = mg_shared_relations(mg_typed_tables_recursive(typid));
	if (relids == NIL || get_attnum(typeidTypeRelid(typid), stmt->subname) <= 0 ||
		get_attnum(typeidTypeRelid(typid), stmt->newname) != InvalidAttrNumber)
		return;					/* nothing to rename, or PostgreSQL's error */

	f.rule = MG_RULE_RENAME_COLUMN;
	f.relid = linitial_oid(relids);
	f.lockmode = AccessExclusiveLock;
	mg_finding_message(&f, "renaming attribute \"%s\" of type %s with CASCADE renames a column of its typed tables",
					   stmt->subname, format_type_be(typid));
	mg_finding_detail_plural(&f, "Column \"%s\" of %d typed table is renamed too: %s.  The release running now still names \"%s\"; once this commits its queries fail with \"column does not exist\".",
							 "Column \"%s\" of %d typed tables is renamed too: %s.  The release running now still names \"%s\"; once this commits its queries fail with \"column does not exist\".",
							 list_length(relids),
							 stmt->subname, list_length(relids),
							 mg_rel_list_serial(relids, MAX_LISTED), stmt->subname);
	mg_finding_hint(&f, "Expand, migrate, contract: add an attribute with the new name (ALTER TYPE ... ADD ATTRIBUTE ... CASCADE), backfill it in batches, deploy code that uses it, then drop the old one.");
	mg_report(&f);
}

/* ALTER TYPE ... DROP ATTRIBUTE ... CASCADE of a composite type with typed tables. */
static void
check_alter_type(AlterTableStmt *stmt)
{
	Oid			relid;
	ListCell   *lc;

	if (stmt->objtype != OBJECT_TYPE)
		return;
	relid = RangeVarGetRelid(stmt->relation, NoLock, true);
	if (!OidIsValid(relid) || get_rel_relkind(relid) != RELKIND_COMPOSITE_TYPE)
		return;
	if (mg_rel_is_protected_catalog(relid) || !mg_caller_owns_relation(relid))
		return;					/* PostgreSQL refuses it */

	foreach(lc, stmt->cmds)
	{
		AlterTableCmd *cmd = lfirst_node(AlterTableCmd, lc);

		if (cmd->subtype == AT_DropColumn)
			check_drop_attribute(stmt, cmd);
	}
}

/* ---------- entry point ---------- */

/*
 * Called by judge.c (and so by check()) for every judged statement, after the
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
		case T_AlterTableStmt:
			check_alter_type((AlterTableStmt *) parsetree);
			break;
		case T_RenameStmt:
			check_rename_attribute((RenameStmt *) parsetree);
			break;
		default:
			break;
	}
}
