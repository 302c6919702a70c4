/*-------------------------------------------------------------------------
 *
 * migration_guard.h
 *	  Declarations shared across migration_guard's source files: the policy
 *	  GUCs (guc.c), the statement being judged (statement.c), reporting
 *	  (report.c) and the entry points of each feature.
 *
 * IDENTIFICATION
 *	  src/migration_guard.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef MIGRATION_GUARD_H
#define MIGRATION_GUARD_H

#include "nodes/parsenodes.h"
#include "nodes/plannodes.h"
#include "storage/lockdefs.h"
#include "tcop/utility.h"

#include "compat.h"
#include "rules.h"
#include "finding.h"
#include "words.h"

/* ---------- how the library was loaded (migration_guard.c) ---------- */

typedef enum MGLoadMethod
{
	MG_LOADED_SHARED_PRELOAD,
	MG_LOADED_SESSION_PRELOAD,
	MG_LOADED_ON_DEMAND			/* LOAD, or the first call of one of our functions */
} MGLoadMethod;

extern MGLoadMethod mg_load_method;
extern bool mg_hook_installed;

/* ---------- policy GUCs (guc.c) ---------- */

extern int	mg_mode;			/* an MGSeverity: off, warn, enforce */
extern char *mg_rules_setting;
extern char *mg_allow_setting;
extern int	mg_small_table_threshold;	/* kB */

/* lock safety */
extern int	mg_max_lock_timeout;	/* ms */
extern char *mg_lock_timeout_setting;	/* "" = off, else a duration */
extern int	mg_lock_timeout_ms;		/* parsed from mg_lock_timeout_setting */
extern int	mg_lock_retries;
extern int	mg_lock_retry_delay;	/* ms */
extern int	mg_lock_retry_max_delay;	/* ms */
extern bool mg_trace_locks;

/* migration heads */
extern char *mg_expected_head;
extern char *mg_known_heads;
extern char *mg_migration_table;
extern char *mg_migration_tool;
extern bool mg_allow_downgrade;
extern bool mg_freeze_at_head;

extern void mg_define_gucs(void);
extern bool mg_rule_override(MGRuleId rule, MGSeverity *sev);
extern bool mg_rule_allowed_by_setting(MGRuleId rule);
extern bool mg_role_may_loosen_policy(void);

/* ---------- the statement being judged (statement.c) ---------- */

struct MGLockPlan;

typedef struct MGStatement
{
	Node	   *parsetree;		/* the utility statement, read only */
	const char *query_string;	/* the whole source string */
	int			location;		/* this statement's slice of query_string */
	int			length;			/* 0 = to the end of the string */
	ProcessUtilityContext context;
	List	   *predicted_rewrites; /* OIDs of tables a finding said it rewrites */
	struct MGLockPlan *lock_plan;	/* the locks it requests, once the lock
									 * policy judged it (lock_policy.c) */
	bool		apply_timeout;	/* judging decided to run it under
								 * migration_guard.lock_timeout */
} MGStatement;

/* The arguments of a ProcessUtility call, so features can re-issue it. */
typedef struct MGUtilityCall
{
	PlannedStmt *pstmt;
	const char *queryString;
	bool		readOnlyTree;
	ProcessUtilityContext context;
	ParamListInfo params;
	QueryEnvironment *queryEnv;
	DestReceiver *dest;
	QueryCompletion *qc;
} MGUtilityCall;

extern MGStatement *mg_current_statement;

extern void mg_install_hooks(void);
extern bool mg_statement_may_concern_us(Node *parsetree);
extern void mg_judge_statement(MGStatement *st);
extern void mg_call_next_ProcessUtility(MGUtilityCall *call);
extern char *mg_statement_text(const MGStatement *st);

/* ---------- permission errors before rule errors (privileges.c) ---------- */

extern void mg_check_privileges_first(Node *parsetree);

/* ---------- no user code while check() runs (usercode.c) ---------- */

extern void mg_usercode_init(void);
extern void mg_forbid_user_code(bool on);

/* ---------- the statement's extent and kind (statement.c) ---------- */

extern void mg_statement_extent(const MGStatement *st, int *start,
								int *body_end, int *end);
extern bool mg_statement_needs_own_transaction(Node *parsetree);

/* CREATE ... IF NOT EXISTS of an existing object (if_not_exists.c) */
extern bool mg_statement_is_noop(Node *parsetree);

/* ---------- reporting (report.c) ---------- */


/*
 * While migration_guard.check() runs, findings are collected here instead
 * of being raised.
 */
typedef struct MGCollector
{
	List	   *findings;		/* of MGFinding * */
} MGCollector;

extern MGCollector *mg_collector;

extern bool mg_rule_applies(MGRuleId rule, Oid relid);
extern void mg_report(MGFinding *finding);
extern MGSeverity mg_finding_severity(const MGFinding *finding);
extern MGSeverity mg_finding_severity_in_mode(const MGFinding *finding, MGSeverity mode);
extern bool mg_rule_allowed_for_statement(MGRuleId rule);
extern bool mg_directive_allows(MGRuleId rule);
extern char *mg_directive_reason(const char *directive);
extern char *mg_directive_reason_for(MGRuleId rule);
extern char *mg_quote_statement(const char *text);

/* ---------- rule families (one file each) ---------- */

extern void mg_check_index_stmt(MGStatement *st, IndexStmt *stmt);
extern void mg_check_reindex_stmt(MGStatement *st, ReindexStmt *stmt);
extern void mg_check_alter_table_stmt(MGStatement *st, AlterTableStmt *stmt);
extern void mg_check_alter_domain_stmt(MGStatement *st, AlterDomainStmt *stmt);
extern void mg_check_drop_stmt(MGStatement *st, DropStmt *stmt);
extern void mg_check_drop_index(MGStatement *st, DropStmt *stmt);
extern void mg_check_rename_stmt(MGStatement *st, RenameStmt *stmt);
extern void mg_check_alter_object_schema_stmt(MGStatement *st,
											  AlterObjectSchemaStmt *stmt);
extern void mg_check_create_stmt(MGStatement *st, CreateStmt *stmt);
extern void mg_check_create_partition(MGStatement *st, CreateStmt *stmt);
extern void mg_check_create_schema_stmt(MGStatement *st, CreateSchemaStmt *stmt);
extern void mg_check_maintenance_stmt(MGStatement *st, Node *stmt);
extern void mg_check_alter_table_move_all(MGStatement *st, AlterTableMoveAllStmt *stmt);

/* large tables of a schema or the database (rules_maintenance.c) */
extern char *mg_rel_list_text(List *relids, int max_shown);

/* ALTER TABLE subcommands judged by other families (rules_alter.c calls) */
extern void mg_check_drop_column(MGStatement *st, Oid relid, AlterTableCmd *cmd);
extern void mg_check_add_column_required(MGStatement *st, Oid relid, ColumnDef *def);
extern void mg_check_column_design(MGStatement *st, Oid relid, ColumnDef *def);
extern const char *mg_serial_type_name(TypeName *typeName);
extern void mg_check_column_type_design(MGStatement *st, Oid relid,
										const char *colname, TypeName *typeName);

/* ---------- lock safety (lock_policy.c, xact_rules.c) ---------- */

extern void mg_check_lock_timeout(MGStatement *st);

/* ---------- migration heads (heads.c) ---------- */

extern void mg_heads_init(void);
extern void mg_heads_check_statement(MGStatement *st);

/* ---------- migration_guard.check() (check.c) ---------- */

/* True while check() runs a script's statement in its throwaway subtransaction. */
extern bool mg_check_simulating;


#endif							/* MIGRATION_GUARD_H */
