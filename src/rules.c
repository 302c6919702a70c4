/*-------------------------------------------------------------------------
 *
 * rules.c
 *	  The rule registry and everything derived from it: name lookup,
 *	  families and their SQLSTATEs, effective severities, and the
 *	  migration_guard.rules() listing.
 *
 * IDENTIFICATION
 *	  src/rules.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "fmgr.h"
#include "funcapi.h"
#include "utils/builtins.h"

#include "migration_guard.h"

/*
 * The registry.  Indexed by MGRuleId; names are part of the interface (GUC
 * values, directive comments, docs/rules/<name>.md) and never change.
 */
const MGRule mg_rules[MG_NUM_RULES] = {
	[MG_RULE_CREATE_INDEX] = {"create_index", MG_FAMILY_BLOCKING, MG_SEV_ENFORCE, true,
	"CREATE INDEX without CONCURRENTLY blocks writes for the whole build"},
	[MG_RULE_DROP_INDEX] = {"drop_index", MG_FAMILY_BLOCKING, MG_SEV_ENFORCE, true,
	"DROP INDEX without CONCURRENTLY waits for and blocks all use of the table"},
	[MG_RULE_REINDEX] = {"reindex", MG_FAMILY_BLOCKING, MG_SEV_ENFORCE, true,
	"REINDEX without CONCURRENTLY blocks writes, and reads through the index"},
	[MG_RULE_INVALID_INDEX] = {"invalid_index", MG_FAMILY_BLOCKING, MG_SEV_ENFORCE, false,
	"CREATE INDEX IF NOT EXISTS would keep an INVALID index of that name"},
	[MG_RULE_DETACH_PARTITION] = {"detach_partition", MG_FAMILY_BLOCKING, MG_SEV_ENFORCE, true,
	"DETACH PARTITION without CONCURRENTLY locks the parent table"},
	[MG_RULE_ATTACH_PARTITION] = {"attach_partition", MG_FAMILY_BLOCKING, MG_SEV_ENFORCE, true,
	"ATTACH PARTITION scans the partition under lock unless a CHECK proves its bound"},
	[MG_RULE_REFRESH_MATVIEW] = {"refresh_matview", MG_FAMILY_BLOCKING, MG_SEV_ENFORCE, true,
	"REFRESH MATERIALIZED VIEW without CONCURRENTLY blocks readers of the view"},
	[MG_RULE_VACUUM_FULL] = {"vacuum_full", MG_FAMILY_BLOCKING, MG_SEV_ENFORCE, true,
	"VACUUM FULL rewrites the table under ACCESS EXCLUSIVE"},
	[MG_RULE_CLUSTER] = {"cluster", MG_FAMILY_BLOCKING, MG_SEV_ENFORCE, true,
	"CLUSTER rewrites the table under ACCESS EXCLUSIVE"},
	[MG_RULE_TRUNCATE] = {"truncate", MG_FAMILY_BLOCKING, MG_SEV_ENFORCE, false,
	"TRUNCATE takes ACCESS EXCLUSIVE and, with CASCADE, empties other tables"},
	[MG_RULE_SET_TABLESPACE] = {"set_tablespace", MG_FAMILY_BLOCKING, MG_SEV_ENFORCE, true,
	"SET TABLESPACE copies the table under ACCESS EXCLUSIVE"},
	[MG_RULE_UNBATCHED_DATA_CHANGE] = {"unbatched_data_change", MG_FAMILY_BLOCKING, MG_SEV_ENFORCE, false,
	"an UPDATE or DELETE of many rows in one statement of a migration; backfill in batches"},
	[MG_RULE_ALTER_COLUMN_TYPE] = {"alter_column_type", MG_FAMILY_REWRITE, MG_SEV_ENFORCE, true,
	"ALTER COLUMN TYPE that rewrites the table or rebuilds its indexes"},
	[MG_RULE_ADD_COLUMN_VOLATILE_DEFAULT] = {"add_column_volatile_default", MG_FAMILY_REWRITE, MG_SEV_ENFORCE, true,
	"ADD COLUMN with a volatile default, stored generated column, identity or serial rewrites the table"},
	[MG_RULE_SET_NOT_NULL] = {"set_not_null", MG_FAMILY_REWRITE, MG_SEV_ENFORCE, true,
	"SET NOT NULL scans the table under ACCESS EXCLUSIVE"},
	[MG_RULE_ADD_FOREIGN_KEY] = {"add_foreign_key", MG_FAMILY_REWRITE, MG_SEV_ENFORCE, true,
	"ADD FOREIGN KEY without NOT VALID scans the table while blocking writes on both tables"},
	[MG_RULE_ADD_CHECK_CONSTRAINT] = {"add_check_constraint", MG_FAMILY_REWRITE, MG_SEV_ENFORCE, true,
	"ADD CHECK without NOT VALID scans the table under ACCESS EXCLUSIVE"},
	[MG_RULE_VALIDATE_SAME_TRANSACTION] = {"validate_same_transaction", MG_FAMILY_REWRITE, MG_SEV_ENFORCE, true,
	"VALIDATE CONSTRAINT in the transaction that added it keeps the strong lock during the scan"},
	[MG_RULE_ADD_UNIQUE_CONSTRAINT] = {"add_unique_constraint", MG_FAMILY_REWRITE, MG_SEV_ENFORCE, true,
	"ADD UNIQUE without USING INDEX builds the index under ACCESS EXCLUSIVE"},
	[MG_RULE_ADD_PRIMARY_KEY] = {"add_primary_key", MG_FAMILY_REWRITE, MG_SEV_ENFORCE, true,
	"ADD PRIMARY KEY without USING INDEX builds the index under ACCESS EXCLUSIVE"},
	[MG_RULE_ADD_EXCLUSION_CONSTRAINT] = {"add_exclusion_constraint", MG_FAMILY_REWRITE, MG_SEV_ENFORCE, true,
	"ADD EXCLUDE builds its index under ACCESS EXCLUSIVE"},
	[MG_RULE_SET_LOGGED] = {"set_logged", MG_FAMILY_REWRITE, MG_SEV_ENFORCE, true,
	"SET LOGGED or SET UNLOGGED rewrites the table"},
	[MG_RULE_ALTER_DOMAIN_ADD_CONSTRAINT] = {"alter_domain_add_constraint", MG_FAMILY_REWRITE, MG_SEV_ENFORCE, false,
	"ALTER DOMAIN ADD CONSTRAINT validates every column of that domain"},
	[MG_RULE_FOREIGN_KEY_WITHOUT_INDEX] = {"foreign_key_without_index", MG_FAMILY_REWRITE, MG_SEV_WARN, false,
	"a foreign key whose referencing columns have no index"},
	[MG_RULE_RENAME_COLUMN] = {"rename_column", MG_FAMILY_BREAKING, MG_SEV_ENFORCE, false,
	"RENAME COLUMN breaks queries of the running release"},
	[MG_RULE_RENAME_TABLE] = {"rename_table", MG_FAMILY_BREAKING, MG_SEV_ENFORCE, false,
	"renaming a table, view or schema breaks queries of the running release"},
	[MG_RULE_ADD_COLUMN_REQUIRED] = {"add_column_required", MG_FAMILY_BREAKING, MG_SEV_ENFORCE, false,
	"ADD COLUMN NOT NULL without a default breaks INSERTs of the running release"},
	[MG_RULE_DROP_COLUMN] = {"drop_column", MG_FAMILY_BREAKING, MG_SEV_ENFORCE, false,
	"DROP COLUMN of a column that something still references"},
	[MG_RULE_DROP_TABLE] = {"drop_table", MG_FAMILY_BREAKING, MG_SEV_ENFORCE, false,
	"DROP TABLE of a table that something still references"},
	[MG_RULE_DROP_CASCADE] = {"drop_cascade", MG_FAMILY_BREAKING, MG_SEV_ENFORCE, false,
	"DROP ... CASCADE of a type, domain, function or other object, DROP OWNED or ALTER TYPE ... CASCADE destroys tables, columns or views"},
	[MG_RULE_DROP_SCHEMA] = {"drop_schema", MG_FAMILY_BREAKING, MG_SEV_ENFORCE, false,
	"DROP SCHEMA ... CASCADE destroys every table and view in the schema"},
	[MG_RULE_DROP_DATABASE] = {"drop_database", MG_FAMILY_BREAKING, MG_SEV_ENFORCE, false,
	"DROP DATABASE destroys every table in the database"},
	[MG_RULE_RENAME_ENUM_VALUE] = {"rename_enum_value", MG_FAMILY_BREAKING, MG_SEV_ENFORCE, false,
	"ALTER TYPE ... RENAME VALUE breaks queries and INSERTs of the running release"},
	[MG_RULE_DROP_DEFAULT_REQUIRED] = {"drop_default_required", MG_FAMILY_BREAKING, MG_SEV_ENFORCE, false,
	"DROP DEFAULT, DROP IDENTITY or DROP EXPRESSION of a NOT NULL column breaks INSERTs that omit it"},
	[MG_RULE_PREFER_BIGINT] = {"prefer_bigint", MG_FAMILY_DESIGN, MG_SEV_WARN, false,
	"integer and smallint keys run out; use bigint"},
	[MG_RULE_PREFER_IDENTITY] = {"prefer_identity", MG_FAMILY_DESIGN, MG_SEV_WARN, false,
	"serial columns; use GENERATED ... AS IDENTITY"},
	[MG_RULE_PREFER_TEXT] = {"prefer_text", MG_FAMILY_DESIGN, MG_SEV_WARN, false,
	"varchar(n) columns; use text with a CHECK on the length"},
	[MG_RULE_PREFER_TIMESTAMPTZ] = {"prefer_timestamptz", MG_FAMILY_DESIGN, MG_SEV_WARN, false,
	"timestamp without time zone columns; use timestamptz"},
	[MG_RULE_PREFER_JSONB] = {"prefer_jsonb", MG_FAMILY_DESIGN, MG_SEV_WARN, false,
	"json columns; use jsonb"},
	[MG_RULE_BAN_CHAR] = {"ban_char", MG_FAMILY_DESIGN, MG_SEV_WARN, false,
	"char(n) columns; use text"},
	[MG_RULE_LOCK_TIMEOUT] = {"lock_timeout", MG_FAMILY_LOCKING, MG_SEV_ENFORCE, false,
	"a lock that blocks reads or writes requested without a short lock_timeout"},
	[MG_RULE_LOCK_HELD_ACROSS_STATEMENTS] = {"lock_held_across_statements", MG_FAMILY_LOCKING, MG_SEV_WARN, false,
	"more statements run while holding ACCESS EXCLUSIVE on an existing table"},
	[MG_RULE_MULTIPLE_EXCLUSIVE_LOCKS] = {"multiple_exclusive_locks", MG_FAMILY_LOCKING, MG_SEV_WARN, false,
	"one transaction holds ACCESS EXCLUSIVE on several existing tables"},
	[MG_RULE_TABLE_REWRITE] = {"table_rewrite", MG_FAMILY_BACKSTOP, MG_SEV_ENFORCE, true,
	"a rewrite of an existing table that no other rule predicted"},
};

static const char *const family_names[MG_NUM_FAMILIES] = {
	[MG_FAMILY_BLOCKING] = "blocking",
	[MG_FAMILY_REWRITE] = "rewrite",
	[MG_FAMILY_BREAKING] = "breaking",
	[MG_FAMILY_DESIGN] = "design",
	[MG_FAMILY_LOCKING] = "locking",
	[MG_FAMILY_BACKSTOP] = "backstop",
};

/* One SQLSTATE per family, in class MG (implementation-defined); docs/sqlstates.md */
static const int family_sqlstates[MG_NUM_FAMILIES] = {
	[MG_FAMILY_BLOCKING] = MAKE_SQLSTATE('M', 'G', '0', '0', '1'),
	[MG_FAMILY_REWRITE] = MAKE_SQLSTATE('M', 'G', '0', '0', '2'),
	[MG_FAMILY_BREAKING] = MAKE_SQLSTATE('M', 'G', '0', '0', '3'),
	[MG_FAMILY_DESIGN] = MAKE_SQLSTATE('M', 'G', '0', '0', '4'),
	[MG_FAMILY_LOCKING] = MAKE_SQLSTATE('M', 'G', '0', '0', '5'),
	[MG_FAMILY_BACKSTOP] = MAKE_SQLSTATE('M', 'G', '0', '0', '6'),
};

static const char *const severity_names[] = {
	[MG_SEV_OFF] = "off",
	[MG_SEV_WARN] = "warn",
	[MG_SEV_ENFORCE] = "enforce",
};

/*
 * Returns the MGRuleId of a rule name, or -1.  Matching is exact: names are
 * lower case, and the GUC and directive parsers fold case before calling.
 */
int
mg_rule_lookup(const char *name)
{
	for (int i = 0; i < MG_NUM_RULES; i++)
	{
		if (strcmp(mg_rules[i].name, name) == 0)
			return i;
	}
	return -1;
}

const char *
mg_family_name(MGFamily family)
{
	return family_names[family];
}

int
mg_family_sqlstate(MGFamily family)
{
	return family_sqlstates[family];
}

const char *
mg_severity_name(MGSeverity sev)
{
	return severity_names[sev];
}

bool
mg_parse_severity(const char *value, MGSeverity *sev)
{
	for (int i = MG_SEV_OFF; i <= MG_SEV_ENFORCE; i++)
	{
		if (pg_strcasecmp(value, severity_names[i]) == 0)
		{
			*sev = (MGSeverity) i;
			return true;
		}
	}
	return false;
}

/*
 * A rule's effective severity from policy alone (mode and per-rule
 * overrides); allow lists and directive comments are applied per finding by
 * mg_report().  "off" is the kill switch; an explicit per-rule override wins
 * over the mode otherwise, so a DBA can run in warn mode yet enforce one
 * rule, or enforce everything but silence one.  In warn mode enforce-level
 * rules are reported as warnings.
 */
MGSeverity
mg_rule_severity(MGRuleId rule)
{
	return mg_rule_severity_in_mode(rule, (MGSeverity) mg_mode);
}

/* The same under a given mode, with the session's per-rule overrides. */
MGSeverity
mg_rule_severity_in_mode(MGRuleId rule, MGSeverity mode)
{
	MGSeverity	sev;

	if (mode == MG_SEV_OFF)
		return MG_SEV_OFF;
	if (mg_rule_override(rule, &sev))
		return sev;
	sev = mg_rules[rule].default_severity;
	if (sev > mode)
		sev = mode;
	return sev;
}

PG_FUNCTION_INFO_V1(mg_rules_list);

/*
 * migration_guard.rules(): every rule with its family, SQLSTATE, default
 * and effective severity, summary and documentation page.
 */
Datum
mg_rules_list(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;

	InitMaterializedSRF(fcinfo, 0);

	for (int i = 0; i < MG_NUM_RULES; i++)
	{
		const MGRule *r = &mg_rules[i];
		Datum		values[8];
		bool		nulls[8] = {0};

		values[0] = CStringGetTextDatum(r->name);
		values[1] = CStringGetTextDatum(mg_family_name(r->family));
		values[2] = CStringGetTextDatum(mg_severity_name(r->default_severity));
		values[3] = CStringGetTextDatum(mg_severity_name(mg_rule_severity((MGRuleId) i)));
		values[4] = BoolGetDatum(r->size_exempt);
		values[5] = CStringGetTextDatum(unpack_sql_state(mg_family_sqlstate(r->family)));
		values[6] = CStringGetTextDatum(r->summary);
		values[7] = CStringGetTextDatum(psprintf("docs/rules/%s.md", r->name));
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	return (Datum) 0;
}
