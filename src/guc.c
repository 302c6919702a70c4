/*-------------------------------------------------------------------------
 *
 * guc.c
 *	  migration_guard's configuration parameters: definitions, validation
 *	  and the parsed forms the rest of the module reads.
 *
 *	  Everything that loosens the policy is PGC_SUSET: an ordinary migration
 *	  role cannot change it unless the DBA ran GRANT SET ON PARAMETER.  List
 *	  values are validated when set, so a typo is an error, never a silently
 *	  ignored setting.
 *
 * IDENTIFICATION
 *	  src/guc.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "compat.h"

#include <limits.h>

#include "utils/guc.h"

#include "guc.h"
#include "rules.h"

/* policy */
int			mg_mode = MG_SEV_ENFORCE;
char	   *mg_rules_setting = NULL;
char	   *mg_allow_setting = NULL;
int			mg_small_table_threshold = 10 * 1024;	/* kB */

/* lock safety */
int			mg_max_lock_timeout = 5000;
char	   *mg_lock_timeout_setting = NULL;
int			mg_lock_timeout_ms = 0;
int			mg_lock_retries = 0;
int			mg_lock_retry_delay = 500;
int			mg_lock_retry_max_delay = 10000;
bool		mg_trace_locks = false;

/* Parsed "migration_guard.rules": -1 = no override, else an MGSeverity. */
typedef struct RuleOverrides
{
	int8		severity[MG_NUM_RULES];
} RuleOverrides;

/* Parsed "migration_guard.allow". */
typedef struct AllowedRules
{
	bool		allowed[MG_NUM_RULES];
} AllowedRules;

static RuleOverrides *rule_overrides = NULL;
static AllowedRules *allowed_rules = NULL;

static const struct config_enum_entry mode_options[] = {
	{"off", MG_SEV_OFF, false},
	{"warn", MG_SEV_WARN, false},
	{"enforce", MG_SEV_ENFORCE, false},
	{NULL, 0, false}
};

#if PG_VERSION_NUM < 160000
void *
compat_guc_malloc(int elevel, size_t size)
{
	void	   *data = malloc(size);

	if (data == NULL)
		ereport(elevel,
				(errcode(ERRCODE_OUT_OF_MEMORY),
				 errmsg("out of memory")));
	return data;
}
#endif

/*
 * Splits a comma-separated list in place, trimming white space and folding
 * case.  Empty items are skipped.  Returns a palloc'd list of char *.
 */
static List *
split_setting_list(char *rawstring)
{
	List	   *items = NIL;
	char	   *saveptr = NULL;

	for (char *tok = strtok_r(rawstring, ",", &saveptr); tok != NULL;
		 tok = strtok_r(NULL, ",", &saveptr))
	{
		char	   *end;

		while (*tok == ' ' || *tok == '\t' || *tok == '\n')
			tok++;
		end = tok + strlen(tok);
		while (end > tok && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\n'))
			*--end = '\0';
		if (*tok == '\0')
			continue;
		for (char *c = tok; *c; c++)
			*c = pg_tolower((unsigned char) *c);
		items = lappend(items, tok);
	}
	return items;
}

/* Trims white space around s in place and returns it. */
static char *
trim_in_place(char *s)
{
	char	   *end;

	while (*s == ' ' || *s == '\t')
		s++;
	end = s + strlen(s);
	while (end > s && (end[-1] == ' ' || end[-1] == '\t'))
		*--end = '\0';
	return s;
}

/* check hook for "migration_guard.rules": "rule=severity, ..." */
static bool
check_rules_setting(char **newval, void **extra, GucSource source)
{
	RuleOverrides parsed;
	char	   *raw = pstrdup(*newval ? *newval : "");
	ListCell   *lc;
	RuleOverrides *result;

	memset(parsed.severity, -1, sizeof(parsed.severity));
	foreach(lc, split_setting_list(raw))
	{
		char	   *item = lfirst(lc);
		char	   *eq = strpbrk(item, "=:");
		char	   *name;
		char	   *value;
		int			rule;
		MGSeverity	sev;

		if (eq == NULL)
		{
			GUC_check_errdetail("Item \"%s\" is not of the form rule=severity.", item);
			return false;
		}
		*eq = '\0';
		name = trim_in_place(item);
		value = trim_in_place(eq + 1);
		rule = mg_rule_lookup(name);
		if (rule < 0)
		{
			GUC_check_errdetail("Unrecognized rule \"%s\".", name);
			GUC_check_errhint("SELECT name FROM migration_guard.rules() lists the rules.");
			return false;
		}
		if (!mg_parse_severity(value, &sev))
		{
			GUC_check_errdetail("Unrecognized severity \"%s\" for rule \"%s\".", value, name);
			GUC_check_errhint("Valid severities are \"enforce\", \"warn\" and \"off\".");
			return false;
		}
		parsed.severity[rule] = (int8) sev;
	}

	result = guc_malloc(LOG, sizeof(RuleOverrides));
	if (result == NULL)
		return false;
	*result = parsed;
	*extra = result;
	return true;
}

static void
assign_rules_setting(const char *newval, void *extra)
{
	rule_overrides = (RuleOverrides *) extra;
}

/* check hook for "migration_guard.allow": "rule, rule, ..." */
static bool
check_allow_setting(char **newval, void **extra, GucSource source)
{
	AllowedRules parsed;
	char	   *raw = pstrdup(*newval ? *newval : "");
	ListCell   *lc;
	AllowedRules *result;

	memset(&parsed, 0, sizeof(parsed));
	foreach(lc, split_setting_list(raw))
	{
		char	   *name = lfirst(lc);
		int			rule = mg_rule_lookup(name);

		if (rule < 0)
		{
			GUC_check_errdetail("Unrecognized rule \"%s\".", name);
			GUC_check_errhint("SELECT name FROM migration_guard.rules() lists the rules.");
			return false;
		}
		parsed.allowed[rule] = true;
	}

	result = guc_malloc(LOG, sizeof(AllowedRules));
	if (result == NULL)
		return false;
	*result = parsed;
	*extra = result;
	return true;
}

static void
assign_allow_setting(const char *newval, void *extra)
{
	allowed_rules = (AllowedRules *) extra;
}

/* check hook for "migration_guard.lock_timeout": empty, or a duration */
static bool
check_lock_timeout_setting(char **newval, void **extra, GucSource source)
{
	int			ms = 0;
	const char *hintmsg = NULL;
	int		   *result;

	if (*newval != NULL && (*newval)[0] != '\0')
	{
		if (!parse_int(*newval, &ms, GUC_UNIT_MS, &hintmsg) || ms < 0)
		{
			GUC_check_errdetail("\"%s\" is not a duration.", *newval);
			/* parse_int()'s hint is the server's, in its text domain */
			if (hintmsg)
				GUC_check_errhint("%s", dgettext(PG_TEXTDOMAIN("postgres"), hintmsg));
			return false;
		}
	}
	result = guc_malloc(LOG, sizeof(int));
	if (result == NULL)
		return false;
	*result = ms;
	*extra = result;
	return true;
}

static void
assign_lock_timeout_setting(const char *newval, void *extra)
{
	mg_lock_timeout_ms = *(int *) extra;
}

/*
 * The per-rule override from "migration_guard.rules", if there is one.
 */
bool
mg_rule_override(MGRuleId rule, MGSeverity *sev)
{
	if (rule_overrides == NULL || rule_overrides->severity[rule] < 0)
		return false;
	*sev = (MGSeverity) rule_overrides->severity[rule];
	return true;
}

bool
mg_rule_allowed_by_setting(MGRuleId rule)
{
	return allowed_rules != NULL && allowed_rules->allowed[rule];
}

void
mg_define_gucs(void)
{
	DefineCustomEnumVariable("migration_guard.mode",
							 "Sets how unsafe DDL is treated: off, warn or enforce.",
							 "In enforce, unsafe DDL is refused with an ERROR; in warn it runs with a WARNING; off disables every rule.",
							 &mg_mode,
							 MG_SEV_ENFORCE,
							 mode_options,
							 PGC_SUSET,
							 0,
							 NULL, NULL, NULL);

	DefineCustomStringVariable("migration_guard.rules",
							   "Per-rule severity overrides, as a list of rule=severity.",
							   "For example 'rename_column=warn, prefer_text=off'.  Severities are enforce, warn and off.",
							   &mg_rules_setting,
							   "",
							   PGC_SUSET,
							   GUC_LIST_INPUT,
							   check_rules_setting, assign_rules_setting, NULL);

	DefineCustomStringVariable("migration_guard.allow",
							   "Rules deliberately accepted, as a list of rule names.",
							   "Use SET LOCAL to accept a rule for one transaction only.",
							   &mg_allow_setting,
							   "",
							   PGC_SUSET,
							   GUC_LIST_INPUT,
							   check_allow_setting, assign_allow_setting, NULL);

	DefineCustomIntVariable("migration_guard.small_table_threshold",
							"Tables smaller than this are exempt from build, scan and rewrite rules.",
							"Rules about lock queues and breaking running code still apply.  0 judges every table.",
							&mg_small_table_threshold,
							10 * 1024,
							0, INT_MAX,
							PGC_SUSET,
							GUC_UNIT_KB,
							NULL, NULL, NULL);

	DefineCustomIntVariable("migration_guard.max_lock_timeout",
							"Longest lock_timeout allowed for statements that take locks blocking reads or writes.",
							NULL,
							&mg_max_lock_timeout,
							5000,
							1, INT_MAX,
							PGC_SUSET,
							GUC_UNIT_MS,
							NULL, NULL, NULL);

	DefineCustomStringVariable("migration_guard.lock_timeout",
							   "lock_timeout applied to a guarded statement when the session has none.",
							   "Empty disables it: such statements are then refused by the lock_timeout rule.",
							   &mg_lock_timeout_setting,
							   "",
							   PGC_SUSET,
							   0,
							   check_lock_timeout_setting, assign_lock_timeout_setting, NULL);

	DefineCustomIntVariable("migration_guard.lock_retries",
							"How often a statement that timed out waiting for its lock is retried.",
							NULL,
							&mg_lock_retries,
							0,
							0, 1000,
							PGC_SUSET,
							0,
							NULL, NULL, NULL);

	DefineCustomIntVariable("migration_guard.lock_retry_delay",
							"Initial delay before retrying a statement that timed out waiting for its lock.",
							"The delay doubles with each retry, with jitter, up to migration_guard.lock_retry_max_delay.",
							&mg_lock_retry_delay,
							500,
							0, INT_MAX,
							PGC_SUSET,
							GUC_UNIT_MS,
							NULL, NULL, NULL);

	DefineCustomIntVariable("migration_guard.lock_retry_max_delay",
							"Longest delay between lock retries.",
							NULL,
							&mg_lock_retry_max_delay,
							10000,
							0, INT_MAX,
							PGC_SUSET,
							GUC_UNIT_MS,
							NULL, NULL, NULL);

	DefineCustomBoolVariable("migration_guard.trace_locks",
							 "Reports the relation locks each DDL statement acquired.",
							 NULL,
							 &mg_trace_locks,
							 false,
							 PGC_USERSET,
							 0,
							 NULL, NULL, NULL);

}
