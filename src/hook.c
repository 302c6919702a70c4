/*-------------------------------------------------------------------------
 *
 * hook.c
 *	  The ProcessUtility hook: decides which statements are judged and
 *	  dispatches them to the rule families, then runs the statement through
 *	  the lock-safety wrapper and the rest of the hook chain.
 *
 *	  Statements are judged in every context (top level, functions, DO
 *	  blocks, procedures), so wrapping DDL in EXECUTE is no way around the
 *	  guard, except PROCESS_UTILITY_SUBCOMMAND: those are internal steps of
 *	  a statement that was judged already.
 *
 * IDENTIFICATION
 *	  src/hook.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/xact.h"
#include "commands/defrem.h"
#include "miscadmin.h"

#include "migration_guard.h"
#include "audit.h"
#include "deprecation.h"
#include "stats.h"
#include "rules_cascade.h"
#include "rules_dml.h"

static ProcessUtility_hook_type prev_ProcessUtility = NULL;

MGStatement *mg_current_statement = NULL;

static void mg_ProcessUtility(PlannedStmt *pstmt, const char *queryString,
							  bool readOnlyTree, ProcessUtilityContext context,
							  ParamListInfo params, QueryEnvironment *queryEnv,
							  DestReceiver *dest, QueryCompletion *qc);

void
mg_install_hooks(void)
{
	prev_ProcessUtility = ProcessUtility_hook;
	ProcessUtility_hook = mg_ProcessUtility;
}

void
mg_call_next_ProcessUtility(MGUtilityCall *call)
{
	if (prev_ProcessUtility)
		prev_ProcessUtility(call->pstmt, call->queryString, call->readOnlyTree,
							call->context, call->params, call->queryEnv,
							call->dest, call->qc);
	else
		standard_ProcessUtility(call->pstmt, call->queryString, call->readOnlyTree,
								call->context, call->params, call->queryEnv,
								call->dest, call->qc);
}

/*
 * Statement types that some rule, lock policy or the migration-head check
 * may concern.  Everything else (SET, SHOW, BEGIN, COMMIT, CALL, ...) goes
 * straight down the chain: this test is all an ordinary utility statement
 * pays for the guard.  migration_guard.check() applies the same test.
 */
static inline bool
statement_may_concern_us(Node *parsetree)
{
	switch (nodeTag(parsetree))
	{
		case T_IndexStmt:
		case T_ReindexStmt:
		case T_AlterTableStmt:
		case T_AlterDomainStmt:
		case T_DropStmt:
		case T_RenameStmt:
		case T_CreateStmt:
		case T_VacuumStmt:
		case T_ClusterStmt:
		case T_TruncateStmt:
		case T_RefreshMatViewStmt:
		case T_CreateTrigStmt:
		case T_RuleStmt:
		case T_CreatePolicyStmt:
		case T_AlterPolicyStmt:
		case T_AlterObjectSchemaStmt:
		case T_AlterOwnerStmt:
		case T_CommentStmt:
		case T_GrantStmt:
		case T_CreateTableAsStmt:
		case T_ViewStmt:
		case T_CreateSeqStmt:
		case T_AlterSeqStmt:
		case T_CompositeTypeStmt:
		case T_CreateEnumStmt:
		case T_AlterEnumStmt:
		case T_CreateFunctionStmt:
		case T_AlterFunctionStmt:
		case T_CreateSchemaStmt:
		case T_CreateDomainStmt:
		case T_CreateStatsStmt:
		case T_AlterStatsStmt:
		case T_LockStmt:
		case T_SecLabelStmt:
		case T_CreateEventTrigStmt:
		case T_AlterEventTrigStmt:
		case T_AlterTypeStmt:
		case T_CreateExtensionStmt:
		case T_AlterExtensionStmt:
		case T_AlterExtensionContentsStmt:
		case T_DefineStmt:
		case T_CreatePublicationStmt:
		case T_AlterPublicationStmt:
		case T_CreateForeignTableStmt:
		case T_AlterTableMoveAllStmt:
			/* other schema objects: the schema freeze (heads.c) */
		case T_CreateRangeStmt:
		case T_CreateCastStmt:
		case T_CreateOpClassStmt:
		case T_CreateOpFamilyStmt:
		case T_AlterOpFamilyStmt:
		case T_AlterOperatorStmt:
		case T_CreateConversionStmt:
		case T_CreateTransformStmt:
		case T_AlterCollationStmt:
		case T_AlterTSDictionaryStmt:
		case T_AlterTSConfigurationStmt:
		case T_CreatePLangStmt:
		case T_CreateAmStmt:
		case T_CreateFdwStmt:
		case T_AlterFdwStmt:
		case T_CreateForeignServerStmt:
		case T_AlterForeignServerStmt:
		case T_ImportForeignSchemaStmt:
		case T_AlterObjectDependsStmt:
		case T_DropOwnedStmt:
		case T_ReassignOwnedStmt:
		case T_DropdbStmt:
			return true;
		default:
			return false;
	}
}

/* The same test for migration_guard.check() (check.c). */
bool
mg_statement_may_concern_us(Node *parsetree)
{
	return statement_may_concern_us(parsetree);
}

/*
 * Runs every rule family that knows this statement type.  Also called by
 * migration_guard.check() (check.c) for each statement of a script.
 */
void
mg_judge_statement(MGStatement *st)
{
	Node	   *parsetree = st->parsetree;

	switch (nodeTag(parsetree))
	{
		case T_IndexStmt:
			mg_check_index_stmt(st, (IndexStmt *) parsetree);
			break;
		case T_ReindexStmt:
			mg_check_reindex_stmt(st, (ReindexStmt *) parsetree);
			break;
		case T_AlterTableStmt:
			mg_check_alter_table_stmt(st, (AlterTableStmt *) parsetree);
			break;
		case T_AlterDomainStmt:
			mg_check_alter_domain_stmt(st, (AlterDomainStmt *) parsetree);
			break;
		case T_DropStmt:
			mg_check_drop_index(st, (DropStmt *) parsetree);
			mg_check_drop_stmt(st, (DropStmt *) parsetree);
			break;
		case T_RenameStmt:
			mg_check_rename_stmt(st, (RenameStmt *) parsetree);
			break;
		case T_AlterObjectSchemaStmt:
			mg_check_alter_object_schema_stmt(st, (AlterObjectSchemaStmt *) parsetree);
			break;
		case T_CreateStmt:
			mg_check_create_stmt(st, (CreateStmt *) parsetree);
			break;
		case T_CreateSchemaStmt:
			mg_check_create_schema_stmt(st, (CreateSchemaStmt *) parsetree);
			break;
		case T_VacuumStmt:
		case T_ClusterStmt:
		case T_TruncateStmt:
		case T_RefreshMatViewStmt:
			mg_check_maintenance_stmt(st, parsetree);
			break;
		case T_AlterTableMoveAllStmt:
			mg_check_alter_table_move_all(st, (AlterTableMoveAllStmt *) parsetree);
			break;
		default:
			break;
	}
	/* forms that reach data through a dependency, a type or another kind */
	mg_check_cascade_stmt(st, parsetree);
	mg_check_lock_timeout(st);
}

/*
 * The text of the statement being judged: its slice of the source string
 * (a multi-statement string carries every statement), with the comments
 * before it that belong to it (directives.c says which, the same way on
 * every version).
 */
char *
mg_statement_text(const MGStatement *st)
{
	int			start;
	int			body_end;
	int			end;

	if (st->query_string == NULL)
		return pstrdup("");
	mg_statement_extent(st, &start, &body_end, &end);
	return pnstrdup(st->query_string + start, Max(body_end - start, 0));
}

/*
 * Statements PostgreSQL refuses inside a transaction block, before taking
 * any lock: a multi-table VACUUM, CLUSTER or REINDEX commits per table, and
 * CONCURRENTLY builds need their own transactions.
 */
bool
mg_statement_needs_own_transaction(Node *parsetree)
{
	ListCell   *lc;

	switch (nodeTag(parsetree))
	{
		case T_VacuumStmt:
			return ((VacuumStmt *) parsetree)->is_vacuumcmd;
		case T_ClusterStmt:
			return ((ClusterStmt *) parsetree)->relation == NULL;
		case T_IndexStmt:
			return ((IndexStmt *) parsetree)->concurrent;
		case T_DropStmt:
			return ((DropStmt *) parsetree)->concurrent;
		case T_ReindexStmt:
			{
				ReindexStmt *stmt = (ReindexStmt *) parsetree;

				if (stmt->kind == REINDEX_OBJECT_SCHEMA ||
					stmt->kind == REINDEX_OBJECT_SYSTEM ||
					stmt->kind == REINDEX_OBJECT_DATABASE)
					return true;
				foreach(lc, stmt->params)
				{
					DefElem    *opt = lfirst_node(DefElem, lc);

					if (strcmp(opt->defname, "concurrently") == 0 && defGetBoolean(opt))
						return true;
				}
				return false;
			}
		case T_AlterTableStmt:
			foreach(lc, ((AlterTableStmt *) parsetree)->cmds)
			{
				AlterTableCmd *cmd = lfirst_node(AlterTableCmd, lc);

				if (cmd->subtype == AT_DetachPartition &&
					((PartitionCmd *) cmd->def)->concurrent)
					return true;
			}
			return false;
		default:
			return false;
	}
}

/*
 * Would PostgreSQL refuse this statement at once for running inside a
 * transaction block or a function (PreventInTransactionBlock)?  Then its
 * own error is the right one to see, not a rule's.
 */
static bool
refused_in_transaction_block(Node *parsetree, ProcessUtilityContext context)
{
	if (context == PROCESS_UTILITY_TOPLEVEL && !IsTransactionBlock() &&
		!IsSubTransaction())
		return false;
	return mg_statement_needs_own_transaction(parsetree);
}

static void
mg_ProcessUtility(PlannedStmt *pstmt, const char *queryString,
				  bool readOnlyTree, ProcessUtilityContext context,
				  ParamListInfo params, QueryEnvironment *queryEnv,
				  DestReceiver *dest, QueryCompletion *qc)
{
	MGUtilityCall call;
	Node	   *parsetree = pstmt->utilityStmt;
	MGStatement st;
	MGStatement *saved_statement;

	/*
	 * Statements that migration_guard.check() runs in its throwaway
	 * subtransaction were judged by check() already.
	 *
	 * This is the path of every utility statement no rule concerns (SET,
	 * SHOW, BEGIN, ...), so it calls down the chain directly: no call
	 * through the PLT, no MGUtilityCall (bench/hook_overhead.sh).
	 */
	if (IsBinaryUpgrade ||
		mg_check_simulating ||
		context == PROCESS_UTILITY_SUBCOMMAND ||
		!statement_may_concern_us(parsetree) ||
		IsAbortedTransactionBlockState() ||
		refused_in_transaction_block(parsetree, context) ||
		mg_statement_is_noop(parsetree))
	{
		if (prev_ProcessUtility)
			prev_ProcessUtility(pstmt, queryString, readOnlyTree, context,
								params, queryEnv, dest, qc);
		else
			standard_ProcessUtility(pstmt, queryString, readOnlyTree, context,
									params, queryEnv, dest, qc);
		return;
	}

	call.pstmt = pstmt;
	call.queryString = queryString;
	call.readOnlyTree = readOnlyTree;
	call.context = context;
	call.params = params;
	call.queryEnv = queryEnv;
	call.dest = dest;
	call.qc = qc;

	st.parsetree = parsetree;
	st.query_string = queryString;
	st.location = pstmt->stmt_location;
	st.length = pstmt->stmt_len;
	st.context = context;
	st.predicted_rewrites = NIL;

	/*
	 * The statement stays current while it executes, so that checks made
	 * during execution (the table_rewrite backstop, lock tracing) see its
	 * directives and predictions.  Statements nest (a DO block's EXECUTE
	 * runs inside the DO), so the outer one is restored afterwards.
	 */
	saved_statement = mg_current_statement;
	mg_current_statement = &st;
	PG_TRY();
	{
		/* PostgreSQL's permission error comes before any rule's finding */
		mg_check_privileges_first(parsetree);
		/* a big UPDATE earlier in the transaction is now one of a migration */
		mg_dml_note_ddl();
		if (mg_mode != MG_SEV_OFF || mg_audit_mode_off_in_session())
		{
			mg_stats_count_judged();
			mg_judge_statement(&st);
		}
		mg_heads_check_statement(&st);
		/* a deprecated column's row follows it to its new name */
		mg_deprecation_follow_rename(parsetree);
		mg_locks_execute(&st, &call);
	}
	PG_FINALLY();
	{
		mg_current_statement = saved_statement;
	}
	PG_END_TRY();
}
