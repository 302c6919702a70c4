/*-------------------------------------------------------------------------
 *
 * rules.h
 *	  The rule registry: every rule migration_guard knows, by stable name.
 *
 *	  Adding a rule is one MGRuleId, one entry in mg_rules[] (rules.c), a
 *	  check that calls mg_report(), a page docs/rules/<name>.md and tests.
 *
 * IDENTIFICATION
 *	  src/rules.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef MG_RULES_H
#define MG_RULES_H

/* How a finding is treated; also the values of "migration_guard.mode". */
typedef enum MGSeverity
{
	MG_SEV_OFF = 0,
	MG_SEV_WARN,
	MG_SEV_ENFORCE
} MGSeverity;

/* Families share a SQLSTATE and a docs section. */
typedef enum MGFamily
{
	MG_FAMILY_BLOCKING,			/* builds and scans that block writes */
	MG_FAMILY_REWRITE,			/* rewrites and validations under strong locks */
	MG_FAMILY_BREAKING,			/* breaks code that is running now */
	MG_FAMILY_DESIGN,			/* schema design advice */
	MG_FAMILY_LOCKING,			/* lock queue safety */
	MG_FAMILY_BACKSTOP,			/* rewrites no rule predicted */
	MG_NUM_FAMILIES
} MGFamily;

typedef enum MGRuleId
{
	/* blocking builds and scans */
	MG_RULE_CREATE_INDEX,
	MG_RULE_DROP_INDEX,
	MG_RULE_REINDEX,
	MG_RULE_INVALID_INDEX,
	MG_RULE_DETACH_PARTITION,
	MG_RULE_ATTACH_PARTITION,
	MG_RULE_REFRESH_MATVIEW,
	MG_RULE_VACUUM_FULL,
	MG_RULE_CLUSTER,
	MG_RULE_TRUNCATE,
	MG_RULE_SET_TABLESPACE,
	MG_RULE_UNBATCHED_DATA_CHANGE,
	/* rewrites and validations under strong locks */
	MG_RULE_ALTER_COLUMN_TYPE,
	MG_RULE_ADD_COLUMN_VOLATILE_DEFAULT,
	MG_RULE_SET_NOT_NULL,
	MG_RULE_ADD_FOREIGN_KEY,
	MG_RULE_ADD_CHECK_CONSTRAINT,
	MG_RULE_VALIDATE_SAME_TRANSACTION,
	MG_RULE_ADD_UNIQUE_CONSTRAINT,
	MG_RULE_ADD_PRIMARY_KEY,
	MG_RULE_ADD_EXCLUSION_CONSTRAINT,
	MG_RULE_SET_LOGGED,
	MG_RULE_ALTER_DOMAIN_ADD_CONSTRAINT,
	MG_RULE_FOREIGN_KEY_WITHOUT_INDEX,
	/* breaking running code */
	MG_RULE_RENAME_COLUMN,
	MG_RULE_RENAME_TABLE,
	MG_RULE_ADD_COLUMN_REQUIRED,
	MG_RULE_DROP_COLUMN,
	MG_RULE_DROP_TABLE,
	MG_RULE_DROP_CASCADE,
	MG_RULE_DROP_SCHEMA,
	MG_RULE_DROP_DATABASE,
	MG_RULE_RENAME_ENUM_VALUE,
	MG_RULE_DROP_DEFAULT_REQUIRED,
	/* schema design */
	MG_RULE_PREFER_BIGINT,
	MG_RULE_PREFER_IDENTITY,
	MG_RULE_PREFER_TEXT,
	MG_RULE_PREFER_TIMESTAMPTZ,
	MG_RULE_PREFER_JSONB,
	MG_RULE_BAN_CHAR,
	/* lock queue safety */
	MG_RULE_LOCK_TIMEOUT,
	MG_RULE_LOCK_HELD_ACROSS_STATEMENTS,
	MG_RULE_MULTIPLE_EXCLUSIVE_LOCKS,
	/* backstop */
	MG_RULE_TABLE_REWRITE,
	MG_NUM_RULES
} MGRuleId;

typedef struct MGRule
{
	const char *name;			/* stable snake_case name */
	MGFamily	family;
	MGSeverity	default_severity;
	bool		size_exempt;	/* quiet on new or small tables */
	const char *summary;		/* one line, lower case */
} MGRule;

extern const MGRule mg_rules[MG_NUM_RULES];

extern int	mg_rule_lookup(const char *name);
extern const char *mg_family_name(MGFamily family);
extern int	mg_family_sqlstate(MGFamily family);
extern const char *mg_severity_name(MGSeverity sev);
extern bool mg_parse_severity(const char *value, MGSeverity *sev);
extern MGSeverity mg_rule_severity(MGRuleId rule);
extern MGSeverity mg_rule_severity_in_mode(MGRuleId rule, MGSeverity mode);

#endif							/* MG_RULES_H */
