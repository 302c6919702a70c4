/*-------------------------------------------------------------------------
 *
 * heads_txmode.c
 *	  What each migration tool does in the transaction of a migration's
 *	  DDL, and which tables are the tool's own bookkeeping.
 *
 *	  The commit check (heads.c) can only keep a migration whole when the
 *	  tool writes its version row in the transaction of the DDL: refusing
 *	  the commit then rolls both back.  Tools that record a migration in a
 *	  later transaction (Django with deferred SQL and every unapply,
 *	  sqitch, yoyo, Sequelize, Liquibase) would have their DDL
 *	  committed before the version row is refused.  For those,
 *	  migration_guard.check_head_before_ddl (auto by default) refuses DDL
 *	  before it runs while the database is at or beyond the expected head:
 *	  that DDL can only be a migration past the head, or a downgrade.
 *
 *	  A tool's bookkeeping tables (its version table, its lock and log
 *	  tables beside it) see no application traffic, so lock-queue and size
 *	  rules do not judge statements on them (report.c asks here).
 *
 *	  Facts layer: knowledge of the tools, plus the detected table
 *	  (heads_candidates.c) and the setting check_head_before_ddl
 *	  (heads_settings.c, which defines it).
 *
 * IDENTIFICATION
 *	  src/heads_txmode.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "compat.h"

#include "catalog/pg_class.h"
#include "catalog/pg_inherits.h"
#include "utils/lsyscache.h"

#include "heads_candidates.h"
#include "heads_expected.h"
#include "heads_types.h"

/*
 * Tools that record a migration outside the transaction of its DDL, in
 * the default configuration (docs/migration-heads.md has the sources):
 *
 * - django: a migration with deferred SQL (any index or foreign key) is
 *   recorded after the schema editor committed it, and every unapply is
 *   recorded after its DDL (MigrationExecutor.apply_migration/unapply);
 * - sqitch: the change script runs through psql, the registry row is
 *   logged in a later transaction;
 * - yoyo: applies on one connection, records on another;
 * - sequelize: umzug logs the migration after it ran;
 * - liquibase: the change set is committed before its changelog row;
 *
 * golang-migrate and Prisma are not listed: they write an in-progress
 * marker (dirty = true, an unfinished row) in a transaction of its own
 * before the script, and the commit check refuses that marker, so the
 * script never starts and a refusal leaves nothing applied.
 */
static const char *const records_outside[] = {
	"django", "sqitch", "yoyo", "sequelize", "liquibase", NULL
};

bool
mg_tool_records_in_ddl_transaction(const MGTool *tool)
{
	if (tool == NULL)
		return true;
	for (const char *const *t = records_outside; *t; t++)
		if (strcmp(*t, tool->name) == 0)
			return false;
	return true;
}

/* Is DDL judged against the head before it runs, for this tool? */
bool
mg_heads_check_before_ddl_applies(const MGTool *tool)
{
	switch (mg_check_head_before_ddl)
	{
		case MG_BEFORE_DDL_ON:
			return true;
		case MG_BEFORE_DDL_AUTO:
			return tool != NULL && !mg_tool_records_in_ddl_transaction(tool);
		default:
			return false;
	}
}

/* ---------- bookkeeping tables ---------- */

/*
 * Tables a tool keeps beside its version table, each with a column it
 * must have: a production table that merely shares the name elsewhere,
 * or lacks the column, is no bookkeeping table.
 */
typedef struct MGCompanion
{
	const char *tool;
	const char *table;
	const char *column;
} MGCompanion;

static const MGCompanion companions[] = {
	{"rails", "ar_internal_metadata", "key"},
	{"knex", "knex_migrations_lock", "is_locked"},
	{"liquibase", "databasechangeloglock", "locked"},
	{"sqitch", "projects", "project"},
	{"sqitch", "releases", "installer_name"},
	{"sqitch", "tags", "tag_id"},
	{"sqitch", "dependencies", "dependency"},
	{"sqitch", "events", "event"},
	{"yoyo", "_yoyo_log", "migration_hash"},
	{"yoyo", "_yoyo_version", "version"},
	{"yoyo", "yoyo_lock", "locked"},
	{"graphile_migrate", "current", "filename"},
	{NULL, NULL, NULL}
};

/*
 * Is relid the detected tool's version table, or one of its companions in
 * the same schema?  Only when the guard detected exactly one migration
 * table: with none or several, nothing is exempt.
 */
bool
mg_heads_is_bookkeeping_table(Oid relid)
{
	Oid			migration_relid;
	const MGTool *tool;
	char	   *name;

	if (!OidIsValid(relid) || !mg_heads_detected(&migration_relid, &tool))
		return false;

	/*
	 * A lock on a table with inheritance children or partitions locks them
	 * too, and a statement on it recurses to them: no tool's table has any,
	 * so one that does is not the tool's business alone.
	 */
	if (has_subclass(relid))
		return false;
	if (relid == migration_relid)
		return true;
	if (get_rel_namespace(relid) != get_rel_namespace(migration_relid) ||
		get_rel_relkind(relid) != RELKIND_RELATION)
		return false;
	name = get_rel_name(relid);
	if (name == NULL)
		return false;
	for (const MGCompanion *c = companions; c->tool; c++)
		if (strcmp(c->tool, tool->name) == 0 && strcmp(c->table, name) == 0 &&
			get_attnum(relid, c->column) != InvalidAttrNumber)
			return true;
	return false;
}
