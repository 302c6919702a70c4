/*-------------------------------------------------------------------------
 *
 * heads_tools.c
 *	  What migration_guard knows about each migration tool: the table it
 *	  records its versions in and that table's shape, how the tool itself
 *	  reads its head (including the failed, dirty and unfinished markers),
 *	  and how its versions are ordered.  Also the judgement of a head read
 *	  from such a table against the release's expected head, and the
 *	  validation of the head GUCs.
 *
 *	  The table is read with SPI as the bootstrap superuser under a fixed
 *	  search_path, so neither the caller's privileges nor its search_path
 *	  can change what the guard sees.  Every query selects the same four
 *	  columns: key (Django app, sqitch project, else NULL), version,
 *	  failed (the row records a failed or unfinished migration) and undo
 *	  (the row takes the version back out of the applied set), ordered the
 *	  way the tool orders its history.
 *
 * IDENTIFICATION
 *	  src/heads_tools.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/genam.h"
#include "access/htup_details.h"
#include "access/table.h"
#include "catalog/catalog.h"
#include "catalog/indexing.h"
#include "catalog/namespace.h"
#include "catalog/pg_authid.h"
#include "catalog/pg_class.h"
#include "catalog/pg_namespace.h"
#include "common/hashfn.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "nodes/makefuncs.h"
#include "parser/parse_coerce.h"
#include "storage/lmgr.h"
#include "utils/builtins.h"
#include "utils/fmgroids.h"
#include "utils/guc.h"
#include "utils/hsearch.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/snapmgr.h"
#include "utils/varlena.h"

#include "heads.h"
#include "heads_read.h"
#include "relfacts.h"

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

static const char *const state_names[] = {
	[MG_HEAD_AT_HEAD] = "at_head",
	[MG_HEAD_BEHIND] = "behind",
	[MG_HEAD_AHEAD] = "ahead",
	[MG_HEAD_UNKNOWN] = "unknown",
	[MG_HEAD_FAILED] = "failed",
	[MG_HEAD_NO_TABLE] = "no_migration_table",
	[MG_HEAD_UNSET] = "unset",
};

const char *
mg_head_state_name(MGHeadState state)
{
	return state_names[state];
}

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

static bool
setting_is_auto(const char *value)
{
	return value == NULL || value[0] == '\0' || pg_strcasecmp(value, "auto") == 0;
}

/* ---------- version order ---------- */

/* Compares two runs of decimal digits as numbers, leading zeros ignored. */
static int
compare_digit_runs(const char *a, int alen, const char *b, int blen)
{
	while (alen > 1 && *a == '0')
		a++, alen--;
	while (blen > 1 && *b == '0')
		b++, blen--;
	if (alen != blen)
		return alen < blen ? -1 : 1;
	return strncmp(a, b, alen);
}

static int
digit_run_length(const char *s)
{
	int			n = 0;

	while (isdigit((unsigned char) s[n]))
		n++;
	return n;
}

/*
 * Natural order: runs of digits compare as numbers, everything else byte
 * by byte, so 20240101_b > 20231231_a and 10_x > 9_x.  Strings that differ
 * only in leading zeros fall back to byte order, so that the order stays
 * consistent with string equality.
 */
static int
natural_compare(const char *a, const char *b)
{
	const char *pa = a;
	const char *pb = b;

	while (*pa && *pb)
	{
		if (isdigit((unsigned char) *pa) && isdigit((unsigned char) *pb))
		{
			int			la = digit_run_length(pa);
			int			lb = digit_run_length(pb);
			int			c = compare_digit_runs(pa, la, pb, lb);

			if (c != 0)
				return c;
			pa += la;
			pb += lb;
			continue;
		}
		if (*pa != *pb)
			return (unsigned char) *pa < (unsigned char) *pb ? -1 : 1;
		pa++;
		pb++;
	}
	if (*pa || *pb)
		return *pa ? 1 : -1;
	return strcmp(a, b);
}

/*
 * Flyway's order: "_" separates like ".", each part is a number, and
 * missing parts are zero, so 1.10 > 1.9 and 1.0 = 1.  A version with a
 * part that is not a number (never valid for Flyway) falls back to the
 * natural order.
 */
static int
flyway_compare(const char *a, const char *b)
{
	const char *pa = a;
	const char *pb = b;

	for (;;)
	{
		int			la,
					lb,
					c;

		if (*pa == '\0' && *pb == '\0')
			return 0;
		la = digit_run_length(pa);
		lb = digit_run_length(pb);
		if ((la == 0 && *pa) || (lb == 0 && *pb))
			return natural_compare(a, b);
		c = compare_digit_runs(la ? pa : "0", la ? la : 1, lb ? pb : "0", lb ? lb : 1);
		if (c != 0)
			return c;
		pa += la;
		pb += lb;
		if (*pa == '.' || *pa == '_')
			pa++;
		else if (*pa)
			return natural_compare(a, b);
		if (*pb == '.' || *pb == '_')
			pb++;
		else if (*pb)
			return natural_compare(a, b);
	}
}

/* TypeORM names end with the migration's timestamp: that is the order. */
static int
trailing_number_compare(const char *a, const char *b)
{
	const char *ta = a + strlen(a);
	const char *tb = b + strlen(b);
	int			c;

	while (ta > a && isdigit((unsigned char) ta[-1]))
		ta--;
	while (tb > b && isdigit((unsigned char) tb[-1]))
		tb--;
	c = compare_digit_runs(*ta ? ta : "0", *ta ? (int) strlen(ta) : 1,
						   *tb ? tb : "0", *tb ? (int) strlen(tb) : 1);
	return c != 0 ? c : strcmp(a, b);
}

static int
version_compare(const MGTool *tool, const char *a, const char *b)
{
	switch (tool->order)
	{
		case MG_ORDER_FLYWAY:
			return flyway_compare(a, b);
		case MG_ORDER_TRAILING_NUMBER:
			return trailing_number_compare(a, b);
		case MG_ORDER_NATURAL:
			return natural_compare(a, b);
		case MG_ORDER_NONE:
			break;
	}
	return strcmp(a, b);
}

static bool
string_member(List *list, const char *s)
{
	ListCell   *lc;

	foreach(lc, list)
		if (strcmp((char *) lfirst(lc), s) == 0)
			return true;
	return false;
}

static List *
string_remove(List *list, const char *s)
{
	ListCell   *lc;

	foreach(lc, list)
	{
		if (strcmp((char *) lfirst(lc), s) == 0)
			return foreach_delete_current(list, lc);
	}
	return list;
}

/* Membership in the tool's own sense of equal versions (Flyway: 1.0 = 1). */
static bool
version_member(const MGTool *tool, List *list, const char *v)
{
	ListCell   *lc;

	if (tool->order != MG_ORDER_FLYWAY)
		return string_member(list, v);	/* equal only if the same string */
	foreach(lc, list)
		if (version_compare(tool, (char *) lfirst(lc), v) == 0)
			return true;
	return false;
}

static const char *
max_version(const MGTool *tool, List *versions)
{
	const char *best = NULL;
	ListCell   *lc;

	foreach(lc, versions)
	{
		const char *v = lfirst(lc);

		if (best == NULL || version_compare(tool, v, best) > 0)
			best = v;
	}
	return best;
}

static int
string_cmp(const ListCell *a, const ListCell *b)
{
	return strcmp((const char *) lfirst(a), (const char *) lfirst(b));
}

/* "a, b, c" */
char *
mg_heads_join(List *items)
{
	StringInfoData buf;
	ListCell   *lc;

	initStringInfo(&buf);
	foreach(lc, items)
		appendStringInfo(&buf, "%s%s", buf.len ? ", " : "", (char *) lfirst(lc));
	return buf.data;
}

/* ---------- settings ---------- */

/*
 * Splits a head list setting into its items, trimmed, duplicates dropped.
 * The items keep their case: revisions and migration names are
 * case-sensitive.
 */
List *
mg_heads_parse_list(const char *value)
{
	List	   *items = NIL;
	char	   *raw;
	char	   *saveptr = NULL;

	if (value == NULL)
		return NIL;
	raw = pstrdup(value);
	for (char *tok = strtok_r(raw, ",", &saveptr); tok != NULL;
		 tok = strtok_r(NULL, ",", &saveptr))
	{
		char	   *end;

		while (isspace((unsigned char) *tok))
			tok++;
		end = tok + strlen(tok);
		while (end > tok && isspace((unsigned char) end[-1]))
			*--end = '\0';
		if (*tok != '\0' && !string_member(items, tok))
			items = lappend(items, tok);
	}
	return items;
}

/*
 * check hook for migration_guard.expected_head and known_heads: a comma-
 * separated list of versions, each without white space or control
 * characters, at most one ":" separating an app (or project) from a name.
 */
bool
mg_check_head_list(char **newval, void **extra, GucSource source)
{
	const char *p = *newval ? *newval : "";
	const char *item = p;
	int			n = 0;

	for (;; p++)
	{
		if (*p == ',' || *p == '\0')
		{
			const char *s = item;
			const char *e = p;
			int			colons = 0;

			while (s < e && isspace((unsigned char) *s))
				s++;
			while (e > s && isspace((unsigned char) e[-1]))
				e--;
			if (s == e)
			{
				if (*p != '\0' || n > 0)
				{
					GUC_check_errdetail("The list has an empty item.");
					GUC_check_errhint("Separate versions with single commas, for example 'ae1027a6acf, 3c9f10e5d2b'.");
					return false;
				}
			}
			else
			{
				if (e - s > 255)
				{
					GUC_check_errdetail("Version \"%.*s...\" is longer than 255 characters.", 40, s);
					return false;
				}
				for (const char *c = s; c < e; c++)
				{
					if (isspace((unsigned char) *c) || iscntrl((unsigned char) *c) ||
						*c == '"' || *c == '\'')
					{
						GUC_check_errdetail("Version \"%.*s\" contains white space or a quote.", (int) (e - s), s);
						GUC_check_errhint("Separate versions with commas.");
						return false;
					}
					if (*c == ':')
						colons++;
				}
				if (colons > 1 || (colons == 1 && (*s == ':' || e[-1] == ':')))
				{
					GUC_check_errdetail("Version \"%.*s\" is not of the form app:name.", (int) (e - s), s);
					GUC_check_errhint("Django heads are written app:name, for example 'billing:0012_invoice_due'.");
					return false;
				}
				n++;
			}
			if (*p == '\0')
				break;
			item = p + 1;
		}
	}
	return true;
}

/* check hook for migration_guard.migration_table: auto, or [schema.]table */
bool
mg_check_migration_table(char **newval, void **extra, GucSource source)
{
	char	   *raw;
	List	   *names;

	if (setting_is_auto(*newval))
		return true;
	raw = pstrdup(*newval);
	if (!SplitIdentifierString(raw, '.', &names) || names == NIL ||
		list_length(names) > 2)
	{
		GUC_check_errdetail("\"%s\" is not a table name.", *newval);
		GUC_check_errhint("Use auto, a table name or a schema-qualified table name, for example 'public.alembic_version'.");
		return false;
	}
	return true;
}

/* check hook for migration_guard.migration_tool: auto or a known tool */
bool
mg_check_migration_tool(char **newval, void **extra, GucSource source)
{
	StringInfoData names;

	if (setting_is_auto(*newval) || mg_tool_lookup(*newval) != NULL)
		return true;
	initStringInfo(&names);
	for (int i = 0; i < NUM_TOOLS; i++)
		appendStringInfo(&names, "%s%s", i ? ", " : "", tools[i].name);
	GUC_check_errdetail("Unrecognized migration tool \"%s\".", *newval);
	GUC_check_errhint("Valid values are auto, %s.", names.data);
	return false;
}

/* ---------- finding the table ---------- */

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
 * Does the table have the shape this tool writes?  On a mismatch,
 * *missing says which column (or companion table) is absent or of the
 * wrong kind.
 */
bool
mg_heads_table_matches(Oid relid, const MGTool *tool, const char **missing)
{
	for (const char *const *c = tool->columns; *c; c++)
	{
		const char *colon = strchr(*c, ':');
		char	   *col = pnstrdup(*c, colon - *c);
		bool		found;
		char		cat = category_of_column(relid, col, &found);

		if (!found || (colon[1] != '*' && cat != colon[1]))
		{
			if (missing)
				*missing = psprintf(found ? "column \"%s\" of another type" : "column \"%s\"", col);
			return false;
		}
	}
	if (tool->companion &&
		!OidIsValid(get_relname_relid(tool->companion, get_rel_namespace(relid))))
	{
		if (missing)
			*missing = psprintf("table \"%s\" beside it", tool->companion);
		return false;
	}
	return true;
}

/* The first tool whose shape the table has, or NULL. */
static const MGTool *
tool_for_table(Oid relid)
{
	for (int i = 0; i < NUM_TOOLS; i++)
		if (mg_heads_table_matches(relid, &tools[i], NULL))
			return &tools[i];
	return NULL;
}

/* Ordinary tables named relname in any schema but system and temp ones. */
static List *
tables_named(const char *relname)
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
			form->relkind != RELKIND_PARTITIONED_TABLE)
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
 * The candidate migration tables under the current settings, and in
 * *found_tools the tool of each (NULL when a configured table matches no
 * tool).  With migration_table = auto: every table carrying a tool's
 * name and shape.  Otherwise: the configured table, if it exists.
 */
List *
mg_heads_find_candidates(const char *tool_setting, const char *table_setting,
						 List **found_tools)
{
	const MGTool *only = setting_is_auto(tool_setting) ? NULL : mg_tool_lookup(tool_setting);
	List	   *relids = NIL;

	*found_tools = NIL;
	if (!setting_is_auto(table_setting))
	{
		ListCell   *lc;

		/*
		 * Resolved without the session's search_path and without privilege
		 * checks (heads_read.c): neither a temporary relation of the name
		 * nor an application role without USAGE on the schema may make the
		 * guard see another table.  Several matches are all returned: the
		 * reading reports them as ambiguous and fails closed.
		 */
		relids = mg_heads_resolve_table(table_setting);
		foreach(lc, relids)
			*found_tools = lappend(*found_tools,
								   (void *) (only ? only : tool_for_table(lfirst_oid(lc))));
		return relids;
	}

	for (int i = 0; i < NUM_TOOLS; i++)
	{
		const MGTool *tool = &tools[i];
		ListCell   *lc;

		if (only && tool != only)
			continue;
		foreach(lc, tables_named(tool->table))
		{
			Oid			relid = lfirst_oid(lc);

			if (list_member_oid(relids, relid) ||
				!mg_heads_table_matches(relid, tool, NULL))
				continue;
			relids = lappend_oid(relids, relid);
			*found_tools = lappend(*found_tools, (void *) tool);
		}
	}
	return relids;
}

/* ---------- reading ---------- */

static MGKeyHeads *
key_heads(MGHeadReading *r, const char *key)
{
	ListCell   *lc;
	MGKeyHeads *kh;

	foreach(lc, r->keys)
	{
		kh = lfirst(lc);
		if (strcmp(kh->key, key) == 0)
			return kh;
	}
	kh = palloc0(sizeof(MGKeyHeads));
	kh->key = pstrdup(key);
	r->keys = lappend(r->keys, kh);
	return kh;
}

static int
key_cmp(const ListCell *a, const ListCell *b)
{
	return strcmp(((MGKeyHeads *) lfirst(a))->key, ((MGKeyHeads *) lfirst(b))->key);
}

/* A hash of version strings, so that reading a long history stays linear. */
typedef struct SeenEntry
{
	char	   *version;		/* hash key: the pointer, hashed by content */
	bool		present;		/* in kh->applied or kh->failed */
} SeenEntry;

static uint32
seen_hash(const void *key, Size keysize)
{
	const char *s = *(char *const *) key;

	return hash_bytes((const unsigned char *) s, strlen(s));
}

static int
seen_match(const void *key1, const void *key2, Size keysize)
{
	return strcmp(*(char *const *) key1, *(char *const *) key2);
}

static HTAB *
seen_create(void)
{
	HASHCTL		ctl;

	ctl.keysize = sizeof(char *);
	ctl.entrysize = sizeof(SeenEntry);
	ctl.hash = seen_hash;
	ctl.match = seen_match;
	ctl.hcxt = CurrentMemoryContext;
	return hash_create("migration_guard versions", 256, &ctl,
					   HASH_ELEM | HASH_FUNCTION | HASH_COMPARE | HASH_CONTEXT);
}

/*
 * Applies one row to the key's applied and failed sets, in the tool's
 * history order: a later row about the same version supersedes an
 * earlier one (a success after a failure, an undo after an apply).
 */
static void
apply_row(MGKeyHeads *kh, const char *version, bool failed, bool undo)
{
	char	   *copy = pstrdup(version);
	SeenEntry  *e;
	bool		found;

	if (kh->seen == NULL)
		kh->seen = seen_create();
	e = hash_search(kh->seen, &copy, HASH_ENTER, &found);
	if (found && e->present)
	{
		kh->applied = string_remove(kh->applied, version);
		kh->failed = string_remove(kh->failed, version);
	}
	e->present = !undo;
	if (undo)
		return;
	if (failed)
		kh->failed = lappend(kh->failed, e->version);
	else
		kh->applied = lappend(kh->applied, e->version);
}

/*
 * Runs the tool's query as the table's owner (heads_read.c), inside the
 * caller's memory context.  The caller provides the snapshot (an active
 * one is used as is).  An empty or NULL version makes the reading a
 * problem: no tool writes one, and a head that cannot be named cannot be
 * judged.
 */
static void
run_tool_query(MGHeadReading *r, Oid owner)
{
	MemoryContext callercxt = CurrentMemoryContext;
	MGOwnQuery	own;
	bool		pushed = false;
	char	   *sql;
	int			rc;
	ListCell   *lc;

	sql = psprintf(r->tool->query, r->table);

	mg_heads_enter_as(&own, owner);
	if (!ActiveSnapshotSet())
	{
		PushActiveSnapshot(GetTransactionSnapshot());
		pushed = true;
	}

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	rc = SPI_execute(sql, true, 0);
	if (rc != SPI_OK_SELECT)
		elog(ERROR, "reading %s failed: %s", r->table, SPI_result_code_string(rc));

	for (uint64 i = 0; i < SPI_processed; i++)
	{
		HeapTuple	tup = SPI_tuptable->vals[i];
		TupleDesc	desc = SPI_tuptable->tupdesc;
		char	   *key = SPI_getvalue(tup, desc, 1);
		char	   *version = SPI_getvalue(tup, desc, 2);
		bool		isnull;
		bool		failed = DatumGetBool(SPI_getbinval(tup, desc, 3, &isnull)) && !isnull;
		bool		undo = DatumGetBool(SPI_getbinval(tup, desc, 4, &isnull)) && !isnull;
		MemoryContext spicxt;

		if (version == NULL || version[0] == '\0')
		{
			if (r->problem == NULL)
				r->problem = MemoryContextStrdup(callercxt,
												 psprintf("Table %s holds %s version, which no migration tool writes.",
														  r->table, version ? "an empty" : "a NULL"));
			continue;
		}
		spicxt = MemoryContextSwitchTo(callercxt);
		apply_row(key_heads(r, key ? key : ""), version, failed, undo);
		MemoryContextSwitchTo(spicxt);
	}
	SPI_finish();

	foreach(lc, r->keys)
	{
		MGKeyHeads *kh = lfirst(lc);

		if (kh->seen)
			hash_destroy(kh->seen);
		kh->seen = NULL;
	}

	if (pushed)
		PopActiveSnapshot();
	mg_heads_leave_own_query(&own);

	if (r->keys)
		list_sort(r->keys, key_cmp);
}

/*
 * Reads the migration head under the current settings.  Never raises an
 * error for a missing, ambiguous or misshapen table: those come back as
 * r->problem or an invalid relid, so head() can report them as a state.
 */
MGHeadReading *
mg_heads_read(const char *tool_setting, const char *table_setting)
{
	MGHeadReading *r = palloc0(sizeof(MGHeadReading));
	List	   *found_tools;
	List	   *relids = mg_heads_find_candidates(tool_setting, table_setting, &found_tools);
	const char *missing = NULL;
	Oid			owner;

	if (!setting_is_auto(tool_setting))
		r->tool = mg_tool_lookup(tool_setting);

	if (relids == NIL)
	{
		if (!setting_is_auto(table_setting))
			r->table = pstrdup(table_setting);
		return r;
	}
	if (list_length(relids) > 1)
	{
		StringInfoData buf;

		initStringInfo(&buf);
		for (int i = 0; i < list_length(relids); i++)
			appendStringInfo(&buf, "%s%s (%s)", i == 0 ? "" : i == list_length(relids) - 1 ? " and " : ", ",
							 mg_rel_name(list_nth_oid(relids, i)),
							 ((const MGTool *) list_nth(found_tools, i))->name);
		r->ambiguous = true;
		r->problem = psprintf("Several tables look like migration tables: %s; migration_guard does not guess which one is the release's.", buf.data);
		return r;
	}

	r->relid = linitial_oid(relids);
	r->table = mg_rel_name(r->relid);
	r->tool = linitial(found_tools);
	if (r->tool == NULL)
	{
		r->problem = psprintf("Table %s does not have the shape of any known migration tool's table.", r->table);
		return r;
	}
	if (!mg_heads_table_matches(r->relid, r->tool, &missing))
	{
		r->problem = psprintf("Table %s lacks %s, which %s writes.", r->table, missing, r->tool->name);
		return r;
	}
	/*
	 * Locked before it is checked (the query takes the same lock), so that
	 * it cannot be renamed away and its name given to another relation
	 * between the check and the query.
	 */
	LockRelationOid(r->relid, AccessShareLock);
	r->problem = mg_heads_check_readable(r->relid, &owner);
	if (r->problem == NULL)
		r->table = mg_rel_name(r->relid);
	if (r->problem)
		return r;
	run_tool_query(r, owner);
	return r;
}

/*
 * The current head(s) as the tool would name them: the rows themselves
 * for pointer tools (Alembic, golang-migrate), the greatest applied
 * version for ordered tools, the last applied change for unordered
 * histories; "key:version" per key for Django and sqitch.
 */
List *
mg_heads_current(const MGHeadReading *r)
{
	List	   *result = NIL;
	ListCell   *lc;

	if (r->tool == NULL || r->problem)
		return NIL;
	foreach(lc, r->keys)
	{
		MGKeyHeads *kh = lfirst(lc);
		List	   *heads = NIL;
		ListCell   *hc;

		if (r->tool->pointer)
		{
			List	   *all = list_concat_copy(kh->applied, kh->failed);

			if (r->tool->order == MG_ORDER_NONE)
				heads = all;
			else if (all)
				heads = list_make1((void *) max_version(r->tool, all));
		}
		else if (kh->applied == NIL)
			continue;
		else if (r->tool->order == MG_ORDER_NONE)
			heads = list_make1(llast(kh->applied));
		else
			heads = list_make1((void *) max_version(r->tool, kh->applied));

		foreach(hc, heads)
		{
			if (r->tool->keyed)
				result = lappend(result, psprintf("%s:%s", kh->key, (char *) lfirst(hc)));
			else
				result = lappend(result, lfirst(hc));
		}
	}
	list_sort(result, string_cmp);
	return result;
}

/* ---------- judgement ---------- */

typedef struct KeyVerdict
{
	MGHeadState state;
	char	   *detail;
} KeyVerdict;

static KeyVerdict
verdict(MGHeadState state, char *detail)
{
	KeyVerdict	v = {state, detail};

	return v;
}

/* Alembic: the rows are the heads; a set compares with a set. */
static KeyVerdict
judge_pointer_set(List *current, List *expected, List *known)
{
	ListCell   *lc;
	bool		equal = list_length(current) == list_length(expected);

	foreach(lc, current)
		if (!string_member(expected, lfirst(lc)))
			equal = false;
	if (equal)
		return verdict(MG_HEAD_AT_HEAD, NULL);
	foreach(lc, current)
	{
		const char *v = lfirst(lc);

		if (!string_member(expected, v) && !string_member(known, v))
			return verdict(MG_HEAD_UNKNOWN,
						   psprintf(known ? "Revision \"%s\" is neither an expected head nor listed in \"migration_guard.known_heads\"."
									: "Revision \"%s\" is not an expected head, and \"migration_guard.known_heads\" is empty, so it cannot be told whether it is older or newer.", v));
	}
	if (current == NIL)
		return verdict(MG_HEAD_BEHIND, pstrdup("The database has no revision applied."));
	return verdict(MG_HEAD_BEHIND, psprintf("The database is at %s, an earlier revision than the expected head.",
											mg_heads_join(current)));
}

/* Flyway, Rails, goose, ...: one greatest version against one expected. */
static KeyVerdict
judge_ordered(const MGTool *tool, List *applied, List *expected, List *known)
{
	const char *e;
	const char *cur;
	ListCell   *lc;
	int			c;

	if (list_length(expected) != 1)
		return verdict(MG_HEAD_UNKNOWN,
					   psprintf("%s versions are ordered: the expected head must be one version, not %s.",
								tool->name, mg_heads_join(expected)));
	e = linitial(expected);
	if (known)
	{
		foreach(lc, applied)
		{
			const char *v = lfirst(lc);

			if (version_compare(tool, v, e) != 0 && !version_member(tool, known, v))
				return verdict(MG_HEAD_UNKNOWN,
							   psprintf("Version \"%s\" is applied but is not listed in \"migration_guard.known_heads\".", v));
		}
	}
	if (applied == NIL)
		return verdict(MG_HEAD_BEHIND, pstrdup("No migration is applied."));
	cur = max_version(tool, applied);
	c = version_compare(tool, cur, e);
	if (c > 0)
		return verdict(MG_HEAD_AHEAD, psprintf("The database is at \"%s\", beyond the expected head \"%s\".", cur, e));
	if (c < 0)
		return verdict(MG_HEAD_BEHIND, psprintf("The database is at \"%s\", before the expected head \"%s\".", cur, e));
	foreach(lc, known)
	{
		const char *k = lfirst(lc);

		if (version_compare(tool, k, e) < 0 && !version_member(tool, applied, k))
			return verdict(MG_HEAD_BEHIND,
						   psprintf("Version \"%s\", listed in \"migration_guard.known_heads\" before the expected head, is not applied.", k));
	}
	return verdict(MG_HEAD_AT_HEAD, NULL);
}

/* Liquibase, sqitch: a history without order; the last row is the head. */
static KeyVerdict
judge_unordered_history(List *applied, List *expected, List *known)
{
	ListCell   *lc;
	bool		all_applied = true;
	const char *last = applied ? llast(applied) : NULL;

	if (known)
	{
		foreach(lc, applied)
		{
			const char *v = lfirst(lc);

			if (!string_member(expected, v) && !string_member(known, v))
				return verdict(MG_HEAD_UNKNOWN,
							   psprintf("\"%s\" is applied but is neither an expected head nor listed in \"migration_guard.known_heads\".", v));
		}
	}
	foreach(lc, expected)
		if (!string_member(applied, lfirst(lc)))
			all_applied = false;
	if (!all_applied)
		return verdict(MG_HEAD_BEHIND,
					   last ? psprintf("The last applied change is \"%s\"; the expected head is not applied yet.", last)
					   : pstrdup("No change is applied."));
	if (string_member(expected, last) || string_member(known, last))
		return verdict(MG_HEAD_AT_HEAD, NULL);
	return verdict(MG_HEAD_AHEAD,
				   psprintf("\"%s\" was applied after the expected head.", last));
}

static KeyVerdict
judge_key(const MGTool *tool, MGKeyHeads *kh, List *expected, List *known,
		  bool position_only)
{
	List	   *applied = kh ? kh->applied : NIL;

	if (kh && (position_only || tool->pointer))
		applied = list_concat_copy(applied, kh->failed);
	if (tool->pointer && tool->order == MG_ORDER_NONE)
		return judge_pointer_set(applied, expected, known);
	if (tool->order == MG_ORDER_NONE)
		return judge_unordered_history(applied, expected, known);
	return judge_ordered(tool, applied, expected, known);
}

/* Items of a list that belong to a key ("app:name" -> "name"). */
static List *
items_for_key(List *items, const char *key, bool keyed)
{
	List	   *result = NIL;
	ListCell   *lc;

	if (!keyed)
		return items;
	foreach(lc, items)
	{
		const char *item = lfirst(lc);
		const char *colon = strchr(item, ':');

		if (colon && strlen(key) == colon - item && strncmp(item, key, colon - item) == 0)
			result = lappend(result, (void *) (colon + 1));
	}
	return result;
}

static int
state_rank(MGHeadState s)
{
	switch (s)
	{
		case MG_HEAD_AT_HEAD:
			return 0;
		case MG_HEAD_BEHIND:
			return 1;
		case MG_HEAD_AHEAD:
			return 2;
		case MG_HEAD_UNKNOWN:
			return 3;
		default:
			return 4;
	}
}

/*
 * Judges a reading against the expected head(s).  position_only is the
 * commit check's view: a failed or unfinished row counts where its version
 * stands (golang-migrate writes dirty = true before every migration), so
 * only the position, never "failed", is judged.
 */
MGHeadJudgement
mg_heads_judge(const MGHeadReading *r, List *expected, List *known, bool position_only)
{
	MGHeadJudgement j = {MG_HEAD_AT_HEAD, NULL};
	const MGTool *tool = r->tool;
	StringInfoData detail;
	ListCell   *lc;
	List	   *keys = NIL;

	if (expected == NIL)
	{
		j.state = MG_HEAD_UNSET;
		j.detail = r->problem;
		return j;
	}
	if (r->problem)
	{
		j.state = MG_HEAD_UNKNOWN;
		j.detail = r->problem;
		return j;
	}
	if (!OidIsValid(r->relid))
	{
		j.state = MG_HEAD_NO_TABLE;
		j.detail = r->table ? psprintf("Table \"%s\" (\"migration_guard.migration_table\") does not exist.", r->table)
			: tool ? psprintf("No table of %s (\"%s\") exists.", tool->name, tool->table)
			: pstrdup("No migration tool's table exists in this database.");
		return j;
	}

	initStringInfo(&detail);
	if (!position_only)
	{
		foreach(lc, r->keys)
		{
			MGKeyHeads *kh = lfirst(lc);

			if (kh->failed == NIL)
				continue;
			j.state = MG_HEAD_FAILED;
			appendStringInfo(&detail, "%s%s%s%s \"%s\" %s in a failed state (%s).",
							 detail.len ? " " : "",
							 tool->keyed ? kh->key : "", tool->keyed ? ": " : "",
							 list_length(kh->failed) > 1 ? "Versions" : "Version",
							 mg_heads_join(kh->failed),
							 list_length(kh->failed) > 1 ? "are" : "is",
							 tool->failure ? tool->failure : "failed");
		}
		if (j.state == MG_HEAD_FAILED)
		{
			j.detail = detail.data;
			return j;
		}
	}

	/* The keys the expected head speaks of: one unnamed key, or each app. */
	if (!tool->keyed)
		keys = list_make1("");
	else
	{
		foreach(lc, expected)
		{
			const char *item = lfirst(lc);
			const char *colon = strchr(item, ':');
			char	   *key;

			if (colon == NULL)
			{
				j.state = MG_HEAD_UNKNOWN;
				j.detail = psprintf("%s heads are per %s: write \"%s\" as %s:%s.", tool->name,
									strcmp(tool->name, "django") == 0 ? "app" : "project",
									item,
									strcmp(tool->name, "django") == 0 ? "app" : "project", item);
				return j;
			}
			key = pnstrdup(item, colon - item);
			if (!string_member(keys, key))
				keys = lappend(keys, key);
		}
	}

	foreach(lc, keys)
	{
		const char *key = lfirst(lc);
		MGKeyHeads *kh = NULL;
		ListCell   *kc;
		KeyVerdict	v;

		foreach(kc, r->keys)
			if (strcmp(((MGKeyHeads *) lfirst(kc))->key, key) == 0)
				kh = lfirst(kc);
		v = judge_key(tool, kh,
					  items_for_key(expected, key, tool->keyed),
					  items_for_key(known, key, tool->keyed),
					  position_only);
		if (state_rank(v.state) > state_rank(j.state))
		{
			j.state = v.state;
			resetStringInfo(&detail);
		}
		if (v.state == j.state && v.detail)
			appendStringInfo(&detail, "%s%s%s%s", detail.len ? " " : "",
							 tool->keyed ? key : "", tool->keyed ? ": " : "",
							 v.detail);
	}
	j.detail = detail.len ? detail.data : NULL;
	return j;
}
