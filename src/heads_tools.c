/*-------------------------------------------------------------------------
 *
 * heads_tools.c
 *	  The migration tool table: what migration_guard knows about each
 *	  migration tool (Alembic, Flyway, Rails, Django, sqitch, ...): the
 *	  table it records its versions in and that table's shape, the query
 *	  with which the tool itself reads its head (including the failed,
 *	  dirty and unfinished markers), and how its versions are ordered;
 *	  finding a tool by name and telling which tool's table a table is.
 *
 *	  Every query selects the same four columns: key (Django app, sqitch
 *	  project, else NULL), version, failed (the row records a failed or
 *	  unfinished migration) and undo (the row takes the version back out
 *	  of the applied set), ordered the way the tool orders its history.
 *	  heads_query.c runs them; heads_versions.c compares versions in each
 *	  tool's order.
 *
 *	  Data and lookups only: calls no other file.
 *
 * IDENTIFICATION
 *	  src/heads_tools.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "compat.h"

#include "lib/stringinfo.h"
#include "parser/parse_coerce.h"
#include "utils/lsyscache.h"

#include "heads_tools.h"
#include "heads_types.h"

/*
 * Required columns are "name:category", the category being the type
 * category (S string, N numeric, B boolean, D date/time) or * for any.
 */
static const char *const alembic_cols[] = {"version_num:S", NULL};
static const char *const flyway_cols[] = {"installed_rank:N", "version:S", "type:S", "success:B", NULL};
static const char *const version_text_cols[] = {"version:S", NULL};
static const char *const golang_cols[] = {"version:N", "dirty:B", NULL};
static const char *const django_cols[] = {"id:N", "app:S", "name:S", "applied:D", NULL};
static const char *const goose_cols[] = {"id:N", "version_id:N", "is_applied:B", NULL};
static const char *const sqitch_cols[] = {"change_id:S", "change:S", "project:S", "committed_at:D", NULL};
static const char *const prisma_cols[] = {"id:S", "migration_name:S", "started_at:D", "finished_at:D", "rolled_back_at:D", NULL};
static const char *const liquibase_cols[] = {"id:S", "author:S", "filename:S", "dateexecuted:D", "orderexecuted:N", "exectype:S", NULL};
static const char *const knex_cols[] = {"id:N", "name:S", "batch:N", NULL};
static const char *const npm_cols[] = {"id:N", "name:S", "run_on:D", NULL};
static const char *const diesel_cols[] = {"version:S", "run_on:D", NULL};
static const char *const sqlx_cols[] = {"version:N", "success:B", "checksum:*", NULL};
static const char *const typeorm_cols[] = {"id:N", "timestamp:N", "name:S", NULL};
static const char *const sequelize_cols[] = {"name:S", NULL};
static const char *const atlas_cols[] = {"version:S", "applied:N", "total:N", NULL};
static const char *const graphile_cols[] = {"hash:S", "previous_hash:S", "filename:S", NULL};
static const char *const yoyo_cols[] = {"migration_hash:S", "migration_id:S", "applied_at_utc:D", NULL};
static const char *const db_migrate_cols[] = {"id:N", "name:S", "run_on:D", NULL};

/*
 * The registry.  When one table has the shape of several tools (a Rails
 * and a dbmate schema_migrations are identical), the first listed wins:
 * Rails is recognised by its ar_internal_metadata companion, and
 * golang-migrate's integer version plus dirty flag set it apart.
 */
static const MGTool tools[] = {
	{"alembic", "alembic_version", alembic_cols, NULL,
		"SELECT NULL::text, version_num::text, false, false FROM %s ORDER BY 2",
	MG_ORDER_NONE, true, false, NULL},
	{"flyway", "flyway_schema_history", flyway_cols, NULL,
		"SELECT NULL::text, version::text, NOT coalesce(success, false),"
		" coalesce(type LIKE 'UNDO%%' OR type = 'DELETE', false)"
		" FROM %s WHERE version IS NOT NULL AND coalesce(type, '') <> 'SCHEMA'"
		" ORDER BY installed_rank",
	MG_ORDER_FLYWAY, false, false, "success = false"},
	{"golang_migrate", "schema_migrations", golang_cols, NULL,
		"SELECT NULL::text, version::text, coalesce(dirty, true), false FROM %s",
	MG_ORDER_NATURAL, true, false, "dirty = true"},
	{"rails", "schema_migrations", version_text_cols, "ar_internal_metadata",
		"SELECT NULL::text, version::text, false, false FROM %s",
	MG_ORDER_NATURAL, false, false, NULL},
	{"dbmate", "schema_migrations", version_text_cols, NULL,
		"SELECT NULL::text, version::text, false, false FROM %s",
	MG_ORDER_NATURAL, false, false, NULL},
	{"django", "django_migrations", django_cols, NULL,
		"SELECT app::text, name::text, false, false FROM %s ORDER BY id",
	MG_ORDER_NATURAL, false, true, NULL},
	{"goose", "goose_db_version", goose_cols, NULL,
		"SELECT NULL::text, version_id::text, false, NOT coalesce(is_applied, true)"
		" FROM %s ORDER BY id",
	MG_ORDER_NATURAL, false, false, NULL},
	{"sqitch", "changes", sqitch_cols, NULL,
		"SELECT project::text, change::text, false, false FROM %s ORDER BY committed_at",
	MG_ORDER_NONE, false, true, NULL},
	{"prisma", "_prisma_migrations", prisma_cols, NULL,
		"SELECT NULL::text, migration_name::text,"
		" finished_at IS NULL AND rolled_back_at IS NULL, rolled_back_at IS NOT NULL"
		" FROM %s ORDER BY started_at, id",
	MG_ORDER_NATURAL, false, false, "finished_at and rolled_back_at both null"},
	{"liquibase", "databasechangelog", liquibase_cols, NULL,
		"SELECT NULL::text, id::text, coalesce(exectype = 'FAILED', false), false"
		" FROM %s ORDER BY dateexecuted, orderexecuted",
	MG_ORDER_NONE, false, false, "exectype = FAILED"},
	{"knex", "knex_migrations", knex_cols, NULL,
		"SELECT NULL::text, name::text, false, false FROM %s ORDER BY id",
	MG_ORDER_NATURAL, false, false, NULL},
	{"node_pg_migrate", "pgmigrations", npm_cols, NULL,
		"SELECT NULL::text, name::text, false, false FROM %s ORDER BY run_on, id",
	MG_ORDER_NATURAL, false, false, NULL},
	{"diesel", "__diesel_schema_migrations", diesel_cols, NULL,
		"SELECT NULL::text, version::text, false, false FROM %s ORDER BY version",
	MG_ORDER_NATURAL, false, false, NULL},
	{"sqlx", "_sqlx_migrations", sqlx_cols, NULL,
		"SELECT NULL::text, version::text, NOT coalesce(success, false), false"
		" FROM %s ORDER BY version",
	MG_ORDER_NATURAL, false, false, "success = false"},
	{"typeorm", "migrations", typeorm_cols, NULL,
		"SELECT NULL::text, name::text, false, false FROM %s ORDER BY id",
	MG_ORDER_TRAILING_NUMBER, false, false, NULL},
	{"sequelize", "SequelizeMeta", sequelize_cols, NULL,
		"SELECT NULL::text, name::text, false, false FROM %s ORDER BY name",
	MG_ORDER_NATURAL, false, false, NULL},
	{"atlas", "atlas_schema_revisions", atlas_cols, NULL,
		"SELECT NULL::text, version::text, coalesce(applied < total, false), false"
		" FROM %s WHERE version <> '.atlas_cloud_identifier' ORDER BY version",
	MG_ORDER_NATURAL, false, false, "applied < total"},
	{"graphile_migrate", "migrations", graphile_cols, NULL,
		"SELECT NULL::text, filename::text, false, false FROM %s ORDER BY filename",
	MG_ORDER_NATURAL, false, false, NULL},
	{"yoyo", "_yoyo_migration", yoyo_cols, NULL,
		"SELECT NULL::text, migration_id::text, false, false FROM %s ORDER BY applied_at_utc",
	MG_ORDER_NATURAL, false, false, NULL},
	/* db-migrate: names are "/" and the file name without extension */
	{"db_migrate", "migrations", db_migrate_cols, NULL,
		"SELECT NULL::text, name::text, false, false FROM %s ORDER BY run_on, id",
	MG_ORDER_NATURAL, false, false, NULL},
};

#define NUM_TOOLS lengthof(tools)

/*
 * Finds a tool by name.  Case and "-" versus "_" do not matter, so the
 * tools' own spellings (golang-migrate, node-pg-migrate) are accepted.
 */
const MGTool *
mg_tool_lookup(const char *name)
{
	char		norm[64];
	int			i;

	if (name == NULL || strlen(name) >= sizeof(norm))
		return NULL;
	for (i = 0; name[i]; i++)
		norm[i] = name[i] == '-' ? '_' : pg_tolower((unsigned char) name[i]);
	norm[i] = '\0';
	if (strcmp(norm, "golang") == 0)
		strcpy(norm, "golang_migrate");
	for (i = 0; i < NUM_TOOLS; i++)
		if (strcmp(tools[i].name, norm) == 0)
			return &tools[i];
	return NULL;
}


/*
 * The tools in the table's order (the order of precedence when a table
 * has the shape of several): mg_tool_first(), then mg_tool_next() until
 * NULL.
 */
const MGTool *
mg_tool_first(void)
{
	return &tools[0];
}

const MGTool *
mg_tool_next(const MGTool *tool)
{
	return tool + 1 < tools + NUM_TOOLS ? tool + 1 : NULL;
}

/* "alembic, flyway, ...": every tool's name, for messages. */
const char *
mg_tool_names(void)
{
	StringInfoData names;

	initStringInfo(&names);
	for (int i = 0; i < NUM_TOOLS; i++)
		appendStringInfo(&names, "%s%s", i ? ", " : "", tools[i].name);
	return names.data;
}

/* ---------- the shape of a tool's table ---------- */

static char
category_of_column(Oid relid, const char *colname, bool *found)
{
	AttrNumber	attnum = get_attnum(relid, colname);
	Oid			typid;

	*found = attnum != InvalidAttrNumber;
	if (!*found)
		return '\0';
	typid = getBaseType(get_atttype(relid, attnum));
	return TypeCategory(typid);
}

/*
 * Does the table have the shape this tool writes?  On a mismatch, *why
 * (if not NULL) says which column (or companion table) is absent or of
 * the wrong kind.
 */
bool
mg_heads_table_matches(Oid relid, const MGTool *tool, MGShapeMismatch *why)
{
	for (const char *const *c = tool->columns; *c; c++)
	{
		const char *colon = strchr(*c, ':');
		char	   *col = pnstrdup(*c, colon - *c);
		bool		found;
		char		cat = category_of_column(relid, col, &found);

		if (!found || (colon[1] != '*' && cat != colon[1]))
		{
			if (why)
			{
				why->kind = found ? MG_SHAPE_COLUMN_TYPE : MG_SHAPE_NO_COLUMN;
				why->name = col;
			}
			return false;
		}
	}
	if (tool->companion &&
		!OidIsValid(get_relname_relid(tool->companion, get_rel_namespace(relid))))
	{
		if (why)
		{
			why->kind = MG_SHAPE_NO_COMPANION;
			why->name = tool->companion;
		}
		return false;
	}
	return true;
}

/* The first tool whose shape the table has, or NULL. */
const MGTool *
mg_heads_tool_for_table(Oid relid)
{
	for (int i = 0; i < NUM_TOOLS; i++)
		if (mg_heads_table_matches(relid, &tools[i], NULL))
			return &tools[i];
	return NULL;
}
