/*-------------------------------------------------------------------------
 *
 * rules_dml.c
 *	  The unbatched_data_change rule: an UPDATE, DELETE or MERGE that the
 *	  planner expects to touch more than migration_guard.max_migration_rows
 *	  rows of an existing table, run in a migration.  One such statement
 *	  holds the row locks of every row it touches until the migration
 *	  commits, blocking the application's writes of them, and writes a
 *	  burst of WAL that replicas replay behind; migration_guard.backfill()
 *	  does the same work in committed batches.
 *
 *	  A transaction is a migration once it runs DDL (the pipeline tells us) or
 *	  writes the migration table (heads.c knows), and every transaction of
 *	  a session whose role is listed in migration_guard.migration_roles is
 *	  one.  A big statement that comes before the transaction shows itself
 *	  to be a migration is remembered and judged at its first DDL, or at
 *	  commit if it wrote the migration table by then.
 *
 *	  Cost for application traffic: the ExecutorStart hook (executor.c) calls
 *	  mg_dml_executor_start() for every query; it tests the command type
 *	  and compares one planner estimate with the limit.  Everything else
 *	  (role names, relation facts, the statement text) is read only for
 *	  statements past the limit (bench/dml_overhead.sh).
 *
 * IDENTIFICATION
 *	  src/rules_dml.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "compat.h"

#include <ctype.h>
#include <limits.h>

#include "access/parallel.h"
#include "access/xact.h"
#include "commands/extension.h"
#include "executor/executor.h"
#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "nodes/plannodes.h"
#include "parser/parser.h"
#include "parser/parsetree.h"
#include "parser/scanner.h"
#include "tcop/tcopprot.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/varlena.h"

#include "applies.h"
#include "finding.h"
#include "guc.h"
#include "heads_state.h"
#include "relfacts.h"
#include "report.h"
#include "rules.h"
#include "rules_dml.h"
#include "statement.h"

/* GUCs */
int			mg_max_migration_rows = 10000;
char	   *mg_migration_roles = NULL;

/*
 * A big statement seen before its transaction showed itself to be a
 * migration, in TopTransactionContext.
 */
typedef struct PendingChange
{
	Oid			relid;
	double		rows;
	CmdType		operation;
	char	   *query;			/* the statement's own text */
	SubTransactionId subid;
} PendingChange;

static PendingChange *pending = NULL;
static bool xact_ran_ddl = false;


static bool
check_migration_roles(char **newval, void **extra, GucSource source)
{
	char	   *copy = pstrdup(*newval ? *newval : "");
	List	   *names;

	if (!SplitIdentifierString(copy, ',', &names))
	{
		GUC_check_errdetail("List syntax is invalid.");
		return false;
	}
	return true;
}

void
mg_dml_init(void)
{
	DefineCustomIntVariable("migration_guard.max_migration_rows",
							"Most rows one UPDATE, DELETE or MERGE of a migration may touch, by the planner's estimate.",
							"Larger data changes belong in migration_guard.backfill(), which commits in batches.  0 turns the unbatched_data_change rule off.",
							&mg_max_migration_rows,
							10000,
							0, INT_MAX,
							PGC_SUSET,
							0,
							NULL, NULL, NULL);
	DefineCustomStringVariable("migration_guard.migration_roles",
							   "Roles whose sessions run migrations: each of their transactions counts as a migration.",
							   "Compared with the session user and the current user.",
							   &mg_migration_roles,
							   "",
							   PGC_SUSET,
							   GUC_LIST_INPUT,
							   check_migration_roles, NULL, NULL);
}

/* Is the session user or the current user listed in migration_roles? */
static const char *
listed_migration_role(void)
{
	char	   *copy;
	List	   *names;
	ListCell   *lc;
	char	   *session = GetUserNameFromId(GetSessionUserId(), true);
	char	   *current = GetUserNameFromId(GetUserId(), true);

	if (mg_migration_roles == NULL || mg_migration_roles[0] == '\0')
		return NULL;
	copy = pstrdup(mg_migration_roles);
	if (!SplitIdentifierString(copy, ',', &names))
		return NULL;
	foreach(lc, names)
	{
		const char *name = lfirst(lc);

		if (session != NULL && strcmp(name, session) == 0)
			return session;
		if (current != NULL && strcmp(name, current) == 0)
			return current;
	}
	return NULL;
}

/* ---------- the equivalent backfill() call ---------- */

/* s without leading and trailing white space */
static char *
trimmed(const char *s)
{
	const char *end;

	while (*s && isspace((unsigned char) *s))
		s++;
	end = s + strlen(s);
	while (end > s && isspace((unsigned char) end[-1]))
		end--;
	return pnstrdup(s, end - s);
}

/*
 * The text between the top-level SET and WHERE keywords of an UPDATE (and
 * after WHERE), found with PostgreSQL's own scanner so that keywords in
 * strings, comments or parentheses do not count.
 */
static bool
split_update_text(const char *sql, char **set_clause, char **where_clause)
{
	core_yyscan_t scanner;
	core_yy_extra_type extra;
	core_YYSTYPE yylval;
	YYLTYPE		yylloc;
	int			depth = 0;
	int			set_at = -1;
	int			where_at = -1;
	int			where_kw = -1;
	int			end = strlen(sql);
	int			tok;

	/* keyword token codes, without gram.h */
	int			set_token = ScanKeywordTokens[ScanKeywordLookup("set", &ScanKeywords)];
	int			where_token = ScanKeywordTokens[ScanKeywordLookup("where", &ScanKeywords)];

	scanner = scanner_init(sql, &extra, &ScanKeywords, ScanKeywordTokens);
	while ((tok = core_yylex(&yylval, &yylloc, scanner)) != 0)
	{
		if (tok == '(' || tok == '[')
			depth++;
		else if (tok == ')' || tok == ']')
			depth--;
		else if (tok == ';' && depth == 0)
		{
			end = yylloc;
			break;
		}
		else if (depth == 0)
		{
			if (set_at < 0 && tok == set_token)
				set_at = yylloc + 3;
			else if (set_at >= 0 && where_kw < 0 && tok == where_token)
			{
				where_kw = yylloc;
				where_at = yylloc + 5;
			}
		}
	}
	scanner_finish(scanner);
	if (set_at < 0)
		return false;
	*set_clause = trimmed(pnstrdup(sql + set_at, (where_kw >= 0 ? where_kw : end) - set_at));
	*where_clause = where_at >= 0 ? trimmed(pnstrdup(sql + where_at, end - where_at)) : NULL;
	return true;
}

/* A standard SQL string literal of s. */
static char *
literal(const char *s)
{
	StringInfoData buf;

	initStringInfo(&buf);
	appendStringInfoChar(&buf, '\'');
	for (; *s; s++)
	{
		if (*s == '\'')
			appendStringInfoChar(&buf, '\'');
		appendStringInfoChar(&buf, *s);
	}
	appendStringInfoChar(&buf, '\'');
	return buf.data;
}

/*
 * CALL migration_guard.backfill(...) doing what the UPDATE does, when the
 * UPDATE is one backfill() can express (one table, no FROM, RETURNING,
 * WITH or alias); NULL otherwise.
 */
static char *
equivalent_backfill(Oid relid, const char *query)
{
	List	   *raw;
	UpdateStmt *upd;
	char	   *set_clause;
	char	   *where_clause;
	char	   *call;

	/* the statement's own text, which PostgreSQL has just parsed */
	raw = raw_parser(query, RAW_PARSE_DEFAULT);
	if (list_length(raw) != 1 ||
		!IsA(linitial_node(RawStmt, raw)->stmt, UpdateStmt))
		return NULL;
	upd = (UpdateStmt *) linitial_node(RawStmt, raw)->stmt;
	if (upd->fromClause != NIL || compat_stmt_has_returning(upd) ||
		upd->withClause != NULL || upd->relation->alias != NULL ||
		!split_update_text(query, &set_clause, &where_clause))
		return NULL;
	call = psprintf("CALL migration_guard.backfill(%s, %s, set_clause => %s%s%s)",
					literal(psprintf("%s_backfill", get_rel_name(relid))),
					literal(mg_rel_name(relid)),
					literal(pstrdup(set_clause)),
					where_clause ? ", where_clause => " : "",
					where_clause ? literal(where_clause) : "");
	return call;
}

/* ---------- the finding ---------- */

static const char *
operation_name(CmdType op)
{
	switch (op)
	{
		case CMD_UPDATE:
			return "UPDATE";
		case CMD_DELETE:
			return "DELETE";
		default:
			return "MERGE";
	}
}

/* Why a transaction is a migration: each a whole sentence of the detail. */
typedef enum MigrationReason
{
	MIGRATION_NOT,
	MIGRATION_RUNS_DDL,			/* DDL ran before the change */
	MIGRATION_WRITES_TABLE,		/* the migration table was written before */
	MIGRATION_ROLE,				/* the role is one of migration_roles */
	MIGRATION_DDL_AFTER,		/* DDL ran after the change */
	MIGRATION_TABLE_AFTER		/* the migration table was written after */
} MigrationReason;

static void
add_migration_reason(MGFinding *f, MigrationReason why, const char *role)
{
	switch (why)
	{
		case MIGRATION_RUNS_DDL:
			mg_finding_add_detail(f, "This transaction is a migration: it also runs DDL.");
			break;
		case MIGRATION_WRITES_TABLE:
			mg_finding_add_detail(f, "This transaction is a migration: it writes the migration table.");
			break;
		case MIGRATION_ROLE:
			mg_finding_add_detail(f, "This transaction is a migration: role \"%s\" is listed in \"migration_guard.migration_roles\".",
								  role);
			break;
		case MIGRATION_DDL_AFTER:
			mg_finding_add_detail(f, "This transaction is a migration: it runs DDL after this statement ran.");
			break;
		case MIGRATION_TABLE_AFTER:
			mg_finding_add_detail(f, "This transaction is a migration: it wrote the migration table after this statement ran.");
			break;
		case MIGRATION_NOT:
			break;
	}
}

static void
report_change(Oid relid, double rows, CmdType op, const char *query,
			  MigrationReason why, const char *role)
{
	MGFinding	f = {0};
	MGStatement st = {0};
	MGStatement *saved = mg_current_statement;
	char	   *call = op == CMD_UPDATE ? equivalent_backfill(relid, query) : NULL;

	f.rule = MG_RULE_UNBATCHED_DATA_CHANGE;
	f.relid = relid;
	f.lockmode = RowExclusiveLock;
	mg_finding_message(&f, "%s of about %.0f rows of table \"%s\" in one statement of a migration",
					   operation_name(op), rows, get_rel_name(relid));
	mg_finding_detail(&f, "The planner expects it to touch about %.0f rows, more than \"migration_guard.max_migration_rows\" (%d).  It holds the lock of every row it touches until the migration commits, blocking the application's writes of them, and its WAL reaches replicas as one burst.",
					  rows, mg_max_migration_rows);
	add_migration_reason(&f, why, role);
	if (call != NULL)
		mg_finding_hint(&f, "Backfill in batches, outside the migration's transaction: %s.", call);
	else if (op == CMD_UPDATE)
		mg_finding_hint(&f, "Backfill in batches, outside the migration's transaction: CALL migration_guard.backfill(name, table, set_clause => ..., where_clause => ...) commits every batch.");
	else
		mg_finding_hint(&f, "Change the rows in batches, outside the migration's transaction: repeat the statement on a few thousand rows at a time (WHERE id IN (SELECT id ... LIMIT 5000)), committing each.");

	/* directive comments in the statement itself apply */
	st.query_string = query;
	st.location = -1;
	mg_current_statement = &st;
	PG_TRY();
	{
		mg_report(&f);
	}
	PG_FINALLY();
	{
		mg_current_statement = saved;
	}
	PG_END_TRY();
}

/* Why this transaction is a migration (*role: the role, for MIGRATION_ROLE). */
static MigrationReason
migration_reason(const char **role)
{
	if (xact_ran_ddl)
		return MIGRATION_RUNS_DDL;
	if (mg_heads_migration_table_written())
		return MIGRATION_WRITES_TABLE;
	*role = listed_migration_role();
	if (*role != NULL)
		return MIGRATION_ROLE;
	return MIGRATION_NOT;
}

static void
judge_pending(MigrationReason why)
{
	PendingChange *p = pending;

	pending = NULL;
	if (p == NULL || mg_mode == MG_SEV_OFF ||
		!mg_rule_applies(MG_RULE_UNBATCHED_DATA_CHANGE, p->relid))
		return;
	report_change(p->relid, p->rows, p->operation, p->query, why, NULL);
}

/* The statement's own slice of the source text. */
static char *
query_text(QueryDesc *queryDesc)
{
	PlannedStmt *ps = queryDesc->plannedstmt;
	const char *src = queryDesc->sourceText;

	if (ps->stmt_location < 0 || ps->stmt_location > (int) strlen(src))
		return pstrdup(src);
	if (ps->stmt_len > 0)
		return pnstrdup(src + ps->stmt_location, ps->stmt_len);
	return pstrdup(src + ps->stmt_location);
}

/*
 * Called by the ExecutorStart hook (executor.c) for every query, before it
 * starts.  nested: the query runs inside a utility statement (DO, CALL,
 * a function called by one).
 */
void
mg_dml_executor_start(QueryDesc *queryDesc, int eflags, bool nested)
{
	PlannedStmt *ps = queryDesc->plannedstmt;
	ModifyTable *mt;
	Plan	   *source;
	Oid			relid;
	MigrationReason why;
	const char *role = NULL;

	/* the cheap tests every application query pays */
	if (queryDesc->operation != CMD_UPDATE && queryDesc->operation != CMD_DELETE &&
		queryDesc->operation != CMD_MERGE)
		return;
	if (mg_max_migration_rows <= 0 || mg_mode == MG_SEV_OFF ||
		ps->planTree == NULL || !IsA(ps->planTree, ModifyTable))
		return;
	source = outerPlan(ps->planTree);
	if (source == NULL || source->plan_rows <= (double) mg_max_migration_rows)
		return;

	/*
	 * past the limit: is it a statement of the migration, on an existing
	 * table?
	 */
	if ((eflags & EXEC_FLAG_EXPLAIN_ONLY) || IsParallelWorker() ||
		queryDesc->sourceText == NULL || mg_check_simulating ||
		mg_collector != NULL || mg_heads_own_query_running() || creating_extension)
		return;
	if (!nested &&
		(debug_query_string == NULL ||
		 (queryDesc->sourceText != debug_query_string &&
		  strcmp(queryDesc->sourceText, debug_query_string) != 0)))
		return;					/* PostgreSQL's own queries (foreign key
								 * actions) */
	mt = (ModifyTable *) ps->planTree;
	relid = rt_fetch(mt->nominalRelation, ps->rtable)->relid;
	if (!OidIsValid(relid) || mg_rel_created_in_xact(relid) ||
		!mg_rule_applies(MG_RULE_UNBATCHED_DATA_CHANGE, relid))
		return;

	/*
	 * Statements nested in DO or CALL count only in a transaction that is a
	 * migration by its DDL or migration table: backfill()'s own batches run
	 * nested, each in a transaction of its own.
	 */
	why = migration_reason(&role);
	if (why == MIGRATION_ROLE && nested)
		why = MIGRATION_NOT;
	if (why != MIGRATION_NOT)
	{
		report_change(relid, source->plan_rows, queryDesc->operation,
					  query_text(queryDesc), why, role);
		return;
	}
	if (pending == NULL)
	{
		MemoryContext old = MemoryContextSwitchTo(TopTransactionContext);

		pending = palloc(sizeof(PendingChange));
		pending->relid = relid;
		pending->rows = source->plan_rows;
		pending->operation = queryDesc->operation;
		pending->query = query_text(queryDesc);
		pending->subid = GetCurrentSubTransactionId();
		MemoryContextSwitchTo(old);
	}
}

/*
 * Called by the pipeline before a statement it judges (DDL) runs: from now on the
 * transaction is a migration, and a big change made before is judged.
 */
void
mg_dml_note_ddl(void)
{
	xact_ran_ddl = true;
	if (pending != NULL)
		judge_pending(MIGRATION_DDL_AFTER);
}

void
mg_dml_xact_event(XactEvent event)
{
	switch (event)
	{
		case XACT_EVENT_PRE_COMMIT:
		case XACT_EVENT_PRE_PREPARE:
			if (pending != NULL && mg_heads_migration_table_written())
				judge_pending(MIGRATION_TABLE_AFTER);
			break;
		case XACT_EVENT_COMMIT:
		case XACT_EVENT_ABORT:
		case XACT_EVENT_PREPARE:
		case XACT_EVENT_PARALLEL_COMMIT:
		case XACT_EVENT_PARALLEL_ABORT:
			pending = NULL;
			xact_ran_ddl = false;
			break;
		default:
			break;
	}
}

/* A change rolled back with its subtransaction did not happen. */
void
mg_dml_subxact_event(SubXactEvent event, SubTransactionId mySubid,
					 SubTransactionId parentSubid)
{
	if (pending == NULL)
		return;
	if (event == SUBXACT_EVENT_ABORT_SUB && pending->subid == mySubid)
		pending = NULL;
	else if (event == SUBXACT_EVENT_COMMIT_SUB && pending->subid == mySubid)
		pending->subid = parentSubid;
}
