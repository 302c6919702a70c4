/*-------------------------------------------------------------------------
 *
 * heads_settings.c
 *	  The migration-head settings: migration_guard.expected_head,
 *	  known_heads, migration_table, migration_tool, allow_downgrade,
 *	  freeze_at_head and check_head_before_ddl, their definitions
 *	  (mg_heads_define_gucs(), called once at load) and their check and
 *	  assign hooks.
 *
 *	  Values are validated when set, so a typo is an error, never a
 *	  silently ignored setting.  Everything here is PGC_SUSET: it decides
 *	  which migrations may run.  The expected head's assign hook remembers
 *	  whether the session set it itself, which decides whether it overrides
 *	  the durable setting (heads_expected.c).
 *
 *	  Calls only the tool table (heads_tools.c), to validate tool names.
 *
 * IDENTIFICATION
 *	  src/heads_settings.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "compat.h"

#include "utils/guc.h"
#include "utils/varlena.h"

#include "heads_expected.h"
#include "heads_settings.h"
#include "heads_tools.h"

char	   *mg_expected_head = NULL;
char	   *mg_known_heads = NULL;
char	   *mg_migration_table = NULL;
char	   *mg_migration_tool = NULL;
bool		mg_allow_downgrade = false;
bool		mg_freeze_at_head = false;
int			mg_check_head_before_ddl = MG_BEFORE_DDL_AUTO;

static const struct config_enum_entry before_ddl_options[] = {
	{"auto", MG_BEFORE_DDL_AUTO, false},
	{"on", MG_BEFORE_DDL_ON, false},
	{"off", MG_BEFORE_DDL_OFF, false},
	{"true", MG_BEFORE_DDL_ON, true},
	{"false", MG_BEFORE_DDL_OFF, true},
	{"yes", MG_BEFORE_DDL_ON, true},
	{"no", MG_BEFORE_DDL_OFF, true},
	{"1", MG_BEFORE_DDL_ON, true},
	{"0", MG_BEFORE_DDL_OFF, true},
	{NULL, 0, false}
};

/* Is a migration_table or migration_tool value "detect it"? */
bool
mg_heads_setting_is_auto(const char *value)
{
	return value == NULL || value[0] == '\0' || pg_strcasecmp(value, "auto") == 0;
}

/* ---------- check hooks ---------- */


/*
 * check hook for migration_guard.expected_head and known_heads: a comma-
 * separated list of versions, each without white space or control
 * characters, at most one ":" separating an app (or project) from a name.
 */
static bool
check_head_list(char **newval, void **extra, GucSource source)
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
static bool
check_migration_table(char **newval, void **extra, GucSource source)
{
	char	   *raw;
	List	   *names;

	if (mg_heads_setting_is_auto(*newval))
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
static bool
check_migration_tool(char **newval, void **extra, GucSource source)
{
	if (mg_heads_setting_is_auto(*newval) || mg_tool_lookup(*newval) != NULL)
		return true;
	GUC_check_errdetail("Unrecognized migration tool \"%s\".", *newval);
	GUC_check_errhint("Valid values are auto, %s.", mg_tool_names());
	return false;
}

/* ---------- where the expected head was set ---------- */

/* The check hook's "extra" for migration_guard.expected_head. */
typedef struct ExpectedHeadExtra
{
	bool		session;		/* set in the session, not by a default */
} ExpectedHeadExtra;

static bool guc_set_in_session = false;

/*
 * Sources that a session sets itself.  PGC_S_TEST only validates (ALTER
 * DATABASE/ROLE SET) and never reaches the assign hook.
 */
static bool
source_is_session(GucSource source)
{
	return source >= PGC_S_CLIENT && source != PGC_S_TEST;
}

/*
 * check hook for migration_guard.expected_head: the list check, and the
 * value's source remembered in "extra", which PostgreSQL keeps with the
 * value on its stack, so that a rolled-back SET LOCAL restores the source
 * along with the value.
 */
static bool
check_expected_head(char **newval, void **extra, GucSource source)
{
	ExpectedHeadExtra *e;

	if (!check_head_list(newval, extra, source))
		return false;
	e = guc_malloc(LOG, sizeof(ExpectedHeadExtra));
	if (e == NULL)
		return false;
	e->session = source_is_session(source);
	*extra = e;
	return true;
}

static void
assign_expected_head(const char *newval, void *extra)
{
	guc_set_in_session = extra != NULL && ((ExpectedHeadExtra *) extra)->session;
}

/*
 * Was migration_guard.expected_head set in the session (SET, SET LOCAL, a
 * function's SET clause, PGOPTIONS), rather than by a default?
 */
bool
mg_heads_expected_set_in_session(void)
{
	return guc_set_in_session;
}

/* ---------- definitions ---------- */

void
mg_heads_define_gucs(void)
{
	DefineCustomStringVariable("migration_guard.expected_head",
							   "Migration head(s) the running release expects, comma-separated.",
							   "Empty disables head enforcement.",
							   &mg_expected_head,
							   "",
							   PGC_SUSET,
							   GUC_LIST_INPUT,
							   check_expected_head, assign_expected_head, NULL);

	DefineCustomStringVariable("migration_guard.known_heads",
							   "Every migration revision the release knows, oldest first, for tools whose versions have no order.",
							   NULL,
							   &mg_known_heads,
							   "",
							   PGC_SUSET,
							   GUC_LIST_INPUT,
							   check_head_list, NULL, NULL);

	DefineCustomStringVariable("migration_guard.migration_table",
							   "The migration tool's version table, or auto to detect it.",
							   NULL,
							   &mg_migration_table,
							   "auto",
							   PGC_SUSET,
							   0,
							   check_migration_table, NULL, NULL);

	DefineCustomStringVariable("migration_guard.migration_tool",
							   "The migration tool whose version table is read, or auto to detect it.",
							   NULL,
							   &mg_migration_tool,
							   "auto",
							   PGC_SUSET,
							   0,
							   check_migration_tool, NULL, NULL);

	DefineCustomBoolVariable("migration_guard.allow_downgrade",
							 "Allows a transaction to move the migration head backwards.",
							 NULL,
							 &mg_allow_downgrade,
							 false,
							 PGC_SUSET,
							 0,
							 NULL, NULL, NULL);

	DefineCustomBoolVariable("migration_guard.freeze_at_head",
							 "Refuses DDL outside migrations while the database is at the expected head.",
							 NULL,
							 &mg_freeze_at_head,
							 false,
							 PGC_SUSET,
							 0,
							 NULL, NULL, NULL);


	DefineCustomEnumVariable("migration_guard.check_head_before_ddl",
							 "Refuses DDL before it runs while the database is at or beyond the expected head.",
							 "auto: for migration tools that record a migration outside its DDL's transaction (Django, sqitch, yoyo, Sequelize, Liquibase); on: for every tool; off: never.  allow_downgrade = on lifts it.",
							 &mg_check_head_before_ddl,
							 MG_BEFORE_DDL_AUTO,
							 before_ddl_options,
							 PGC_SUSET,
							 0,
							 NULL, NULL, NULL);
}
