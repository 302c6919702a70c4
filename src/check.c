/*-------------------------------------------------------------------------
 *
 * check.c
 *	  migration_guard.check(sql): the findings of a whole migration script
 *	  against this database's real catalog, without leaving anything
 *	  behind.  This makes the guard a CI linter that knows real table sizes.
 *
 *	  The script is split with the core parser, and each statement is judged
 *	  by the same code the ProcessUtility hook runs (mg_judge_statement),
 *	  with mg_collector set so findings are collected instead of raised.
 *
 *	  Statements that depend on earlier ones (CREATE TABLE t, then CREATE
 *	  INDEX ON t) must be judged as the script would run them, so the whole
 *	  check runs inside a subtransaction that is always rolled back, and a
 *	  statement is also *run* there when running it cannot disturb the live
 *	  database: it creates new objects, or touches only objects the script
 *	  created, and takes no lock stronger than ACCESS SHARE on anything that
 *	  existed before.  Everything else is judged only.  Each statement runs
 *	  in its own inner subtransaction, so one that fails becomes a row
 *	  saying so, and the check goes on.
 *
 *	  What judged-only statements would have left behind, later statements
 *	  and rules still need: the script's transaction's ACCESS EXCLUSIVE
 *	  locks (lock_held_across_statements, multiple_exclusive_locks), the
 *	  constraints it adds NOT VALID (validate_same_transaction) and the
 *	  columns it adds or renames.  check() follows those itself.
 *	  docs/check.md gives the reasoning.
 *
 * IDENTIFICATION
 *	  src/check.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/xact.h"
#include "catalog/index.h"
#include "catalog/namespace.h"
#include "catalog/pg_class.h"
#include "funcapi.h"
#include "mb/pg_wchar.h"
#include "miscadmin.h"
#include "nodes/makefuncs.h"
#include "parser/parser.h"
#include "tcop/tcopprot.h"
#include "tcop/utility.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/resowner.h"
#include "utils/snapmgr.h"

#include "lockinfo.h"
#include "migration_guard.h"
#include "relfacts.h"

/*
 * How long a statement check() runs may wait for a lock.  Anything that
 * needs a lock somebody else holds gives up at once, so the check never
 * sits in a lock queue where it would make others wait behind it.
 */
#define CHECK_LOCK_TIMEOUT "10ms"

#define CHECK_NUM_COLUMNS 11
/* line and col, from 1.1 on: filled only when the SQL definition has them */
#define CHECK_NUM_POSITION_COLUMNS 2

/* Longest statement quote in a message about an earlier statement. */

/* One output row: a finding, or a note about a statement. */
typedef struct CheckRow
{
	int			stmtno;
	char	   *stmt_text;
	int			line;			/* 1-based, where stmt_text starts in the script */
	int			col;			/* 1-based, in characters */
	const char *rule;			/* NULL for a note */
	const char *severity;
	char	   *relation;
	const char *lockmode;
	bool		rewrites;
	char	   *message;
	char	   *detail;
	char	   *hint;
	char	   *note;
} CheckRow;

/*
 * A constraint the script adds NOT VALID to a table that existed before it.
 * The statement is judged without being run (it would lock the table), so
 * the catalog never shows the constraint: check() remembers it, to find a
 * VALIDATE of it in the same transaction (validate_same_transaction).
 */
typedef struct PendingConstraint
{
	Oid			relid;
	char	   *conname;
	char		contype;		/* CONSTR_CHECK, CONSTR_FOREIGN, CONSTR_NOTNULL */
	int			stmtno;
} PendingConstraint;

/*
 * An ACCESS EXCLUSIVE lock a statement of the script takes on a table other
 * sessions use.  Nothing of the kind is run by check(), so the lock rules
 * that follow the locks a transaction actually holds see none of them;
 * check() follows them through the script itself, from each statement's
 * lock plan (lockinfo.c).
 */
typedef struct ScriptLock
{
	Oid			relid;			/* the table (an index counts as its table) */
	char	   *relname;
	char		relkind;
	int			stmtno;
	char	   *stmt_quote;		/* the statement that took it, on one line */
} ScriptLock;

/* A column a judged-only statement adds to (or renames in) an existing table. */
typedef struct ScriptColumn
{
	Oid			relid;
	char	   *colname;
} ScriptColumn;

typedef struct CheckState
{
	const char *script;
	int			mode;			/* an MGSeverity, or -1: the session's mode */
	bool		include_off;	/* also return findings whose severity is off */
	bool		can_run;		/* false in a read-only transaction */
	List	   *rows;			/* of CheckRow *, in the caller's context */
	/* the script's current transaction; reset at COMMIT and ROLLBACK */
	List	   *pending;		/* of PendingConstraint * */
	List	   *exclusive;		/* of ScriptLock * */
	bool		held_reported;	/* lock_held_across_statements reported */
	bool		multiple_reported;	/* multiple_exclusive_locks reported */
	/* columns judged-only statements add to existing tables */
	List	   *added_columns;	/* of ScriptColumn * */
	/* where the statement being checked starts in the script */
	int			cur_line;
	int			cur_col;
} CheckState;

/* The check running in this backend, for mg_check_script_adds_column(). */
static CheckState *current_check = NULL;

/* What check() does with a statement besides judging it. */
typedef enum CheckAction
{
	ACTION_RUN,					/* run it in the throwaway subtransaction */
	ACTION_JUDGE_ONLY,			/* it touches what existed before the script */
	ACTION_JUDGE_ONLY_NOTE		/* judge only, and tell the user why */
} CheckAction;

/* ---------- rows ---------- */

static CheckRow *
new_row(CheckState *cs, int stmtno, char *stmt_text)
{
	CheckRow   *row = palloc0(sizeof(CheckRow));

	row->stmtno = stmtno;
	row->stmt_text = stmt_text;
	row->line = cs->cur_line;
	row->col = cs->cur_col;
	cs->rows = lappend(cs->rows, row);
	return row;
}

static void
add_note(CheckState *cs, int stmtno, char *stmt_text, char *note)
{
	new_row(cs, stmtno, stmt_text)->note = note;
}

/*
 * A finding's severity under the policy check() was asked to use: the
 * session's (mode NULL), or the given mode with the session's per-rule
 * overrides.  mg_finding_severity() reads mg_mode, so the requested mode is
 * swapped in around the call; nothing in between can fail.
 */
static MGSeverity
policy_severity(CheckState *cs, const MGFinding *f)
{
	int			saved_mode = mg_mode;
	MGSeverity	sev;

	if (cs->mode < 0)
		return mg_finding_severity(f);
	mg_mode = cs->mode;
	sev = mg_finding_severity(f);
	mg_mode = saved_mode;
	return sev;
}

/*
 * Turns the statement's collected findings into rows, applying the policy
 * as mg_report() would when the script runs: severity, then the allow list,
 * then directive comments.  Runs while the statement is current (directives
 * are read from its text) and while the relations it names still exist.
 */
static void
add_findings(CheckState *cs, int stmtno, char *stmt_text, List *findings)
{
	ListCell   *lc;

	foreach(lc, findings)
	{
		MGFinding  *f = lfirst(lc);
		MGSeverity	sev = policy_severity(cs, f);
		MGSeverity	ignored;
		char	   *note = NULL;
		CheckRow   *row;

		if (sev == MG_SEV_OFF)
		{
			if (cs->mode == MG_SEV_OFF)
				note = pstrdup("judged with mode => 'off'");
			else if (cs->mode < 0 && mg_mode == MG_SEV_OFF)
				note = pstrdup("migration_guard.mode is off");
			else if (mg_rule_override(f->rule, &ignored))
				note = pstrdup("the rule is off in migration_guard.rules");
			else
				note = pstrdup("the rule is off");
		}
		else if (mg_rule_allowed_by_setting(f->rule))
		{
			sev = MG_SEV_OFF;
			note = pstrdup("accepted by migration_guard.allow");
		}
		else if (mg_directive_allows(f->rule))
		{
			if (mg_role_may_loosen_policy())
			{
				sev = MG_SEV_OFF;
				note = pstrdup("accepted by a migration_guard:allow comment");
			}
			else
				note = psprintf("the migration_guard:allow comment would be ignored: role \"%s\" may not loosen the policy",
								GetUserNameFromId(GetUserId(), false));
		}

		if (sev == MG_SEV_OFF && !cs->include_off)
			continue;

		row = new_row(cs, stmtno, stmt_text);
		row->rule = mg_rules[f->rule].name;
		row->severity = mg_severity_name(sev);
		row->relation = OidIsValid(f->relid) ? mg_rel_name(f->relid) : NULL;
		row->lockmode = f->lockmode != NoLock ? mg_lockmode_name(f->lockmode) : NULL;
		row->rewrites = f->rewrites;
		row->message = f->message;
		row->detail = f->detail;
		row->hint = f->hint;
		row->note = note;
	}
}

/* ---------- statement text and parsing ---------- */

/*
 * The statement as written, with the comments that belong to it before it
 * (directives.c), without surrounding white space.
 */
static char *
statement_text(const char *script, RawStmt *raw)
{
	MGStatement st = {0};
	char	   *text;
	char	   *end;
	int			start;
	int			body_end;
	int			extent_end;

	st.query_string = script;
	st.location = raw->stmt_location;
	st.length = raw->stmt_len;
	mg_statement_extent(&st, &start, &body_end, &extent_end);
	text = pnstrdup(script + start, Max(body_end - start, 0));
	while (*text == ' ' || *text == '\t' || *text == '\n' || *text == '\r')
		text++;
	end = text + strlen(text);
	while (end > text && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\n' || end[-1] == '\r'))
		*--end = '\0';
	return text;
}

/* 1-based line of a 1-based character position in the script. */
static int
script_line(const char *script, int charpos)
{
	int			line = 1;
	const char *p = script;

	for (int i = 1; i < charpos && *p; i++)
	{
		if (*p == '\n')
			line++;
		p += pg_mblen(p);
	}
	return line;
}

/* Skips white space and comments (nested block comments too). */
static const char *
skip_space_and_comments(const char *p)
{
	for (;;)
	{
		while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r' || *p == '\f')
			p++;
		if (p[0] == '-' && p[1] == '-')
			p += strcspn(p, "\n");
		else if (p[0] == '/' && p[1] == '*')
		{
			int			depth = 1;

			for (p += 2; *p && depth > 0; p++)
			{
				if (p[0] == '/' && p[1] == '*')
					depth++, p++;
				else if (p[0] == '*' && p[1] == '/')
					depth--, p++;
			}
		}
		else
			return p;
	}
}

/*
 * Line and column (1-based, in characters) of the statement's first token
 * in the script, after the white space and comments before it.  For CI
 * annotations (pg_migration_check).
 */
static void
statement_position(const char *script, RawStmt *raw, int *line, int *col)
{
	const char *p = script;
	const char *start = skip_space_and_comments(script + Max(raw->stmt_location, 0));

	*line = 1;
	*col = 1;
	while (p < start && *p)
	{
		if (*p == '\n')
		{
			(*line)++;
			*col = 1;
		}
		else
			(*col)++;
		p += pg_mblen(p);
	}
}

/*
 * A syntax error's position is in the script, not in the query that called
 * check(): report it as an internal query, the way errors in function
 * bodies are, so that psql shows the script line with the caret.
 */
static void
script_parse_error_callback(void *arg)
{
	const char *script = (const char *) arg;
	int			pos = geterrposition();

	if (pos > 0)
	{
		errposition(0);
		internalerrposition(pos);
		internalerrquery(script);
		errcontext("line %d of the migration script passed to migration_guard.check()",
				   script_line(script, pos));
	}
	else
		errcontext("parsing the migration script passed to migration_guard.check()");
}

static List *
parse_script(const char *script)
{
	ErrorContextCallback errcallback;
	List	   *stmts;

	errcallback.callback = script_parse_error_callback;
	errcallback.arg = (void *) script;
	errcallback.previous = error_context_stack;
	error_context_stack = &errcallback;
	stmts = raw_parser(script, RAW_PARSE_DEFAULT);
	error_context_stack = errcallback.previous;
	return stmts;
}

/* ---------- which statements are judged, and which are also run ---------- */

/*
 * Transaction control is not run: check() judges the script as one
 * transaction, which is how migration tools run a migration.
 */
static bool
is_transaction_control(Node *stmt)
{
	if (IsA(stmt, TransactionStmt) || IsA(stmt, ConstraintsSetStmt))
		return true;
	/* SET TRANSACTION ..., SET SESSION CHARACTERISTICS AS TRANSACTION ... */
	return IsA(stmt, VariableSetStmt) && ((VariableSetStmt *) stmt)->kind == VAR_SET_MULTI;
}

/*
 * Statements that change or read data, or run code check() cannot see
 * into, are neither run nor judged.  NULL for statements judged as DDL.
 */
static const char *
not_analysed_reason(Node *stmt)
{
	/* SELECT ... INTO creates a table: parse analysis makes it CREATE TABLE AS */
	if (IsA(stmt, SelectStmt) && ((SelectStmt *) stmt)->intoClause != NULL)
		return NULL;

	switch (nodeTag(stmt))
	{
		case T_SelectStmt:
		case T_InsertStmt:
		case T_UpdateStmt:
		case T_DeleteStmt:
		case T_MergeStmt:
		case T_CopyStmt:
			return "not analysed: check() judges schema changes; data statements are neither run nor judged";
		case T_DoStmt:
		case T_CallStmt:
		case T_ExecuteStmt:
			return "not analysed: check() does not run code; DDL this statement executes is judged by the guard when the script runs";
		case T_ExplainStmt:
		case T_DeclareCursorStmt:
		case T_FetchStmt:
		case T_ClosePortalStmt:
		case T_PrepareStmt:
		case T_DeallocateStmt:
		case T_VariableShowStmt:
		case T_NotifyStmt:
		case T_ListenStmt:
		case T_UnlistenStmt:
		case T_LoadStmt:
		case T_CheckPointStmt:
		case T_DiscardStmt:
			return "not analysed: this statement changes no schema";
		default:
			return NULL;
	}
}

/* Does the name denote a relation that existed before the script? */
static bool
is_existing_relation(RangeVar *rv)
{
	Oid			relid;

	if (rv == NULL)
		return false;
	relid = RangeVarGetRelid(rv, NoLock, true);
	return OidIsValid(relid) && !mg_rel_created_in_xact(relid);
}

/* A foreign key to an existing table: creating it locks that table. */
static bool
is_foreign_key_to_existing(Node *node)
{
	Constraint *con = (Constraint *) node;

	return IsA(node, Constraint) && con->contype == CONSTR_FOREIGN &&
		is_existing_relation(con->pktable);
}

/* Constraint attributes (DEFERRABLE, ...) modify the constraint before them. */
static bool
is_constraint_attribute(Node *node)
{
	if (!IsA(node, Constraint))
		return false;
	switch (((Constraint *) node)->contype)
	{
		case CONSTR_ATTR_DEFERRABLE:
		case CONSTR_ATTR_NOT_DEFERRABLE:
		case CONSTR_ATTR_DEFERRED:
		case CONSTR_ATTR_IMMEDIATE:
			return true;
		default:
#ifdef MG_HAVE_NOT_ENFORCED
			return ((Constraint *) node)->contype == CONSTR_ATTR_ENFORCED ||
				((Constraint *) node)->contype == CONSTR_ATTR_NOT_ENFORCED;
#else
			return false;
#endif
	}
}

/*
 * Removes the foreign keys that reference existing tables from a column's
 * constraint list, with the attribute items that follow each of them.
 */
static List *
without_foreign_keys_to_existing(List *constraints, bool *removed)
{
	List	   *kept = NIL;
	bool		dropping = false;
	ListCell   *lc;

	foreach(lc, constraints)
	{
		Node	   *con = lfirst(lc);

		if (is_foreign_key_to_existing(con))
		{
			dropping = true;
			*removed = true;
			continue;
		}
		if (dropping && is_constraint_attribute(con))
			continue;
		dropping = false;
		kept = lappend(kept, con);
	}
	return kept;
}

/*
 * CREATE TABLE ... REFERENCES existing_table would take SHARE ROW EXCLUSIVE
 * on existing_table, blocking its writers for as long as check() runs.  The
 * table is created without those foreign keys instead: its columns, types
 * and indexes, which is what later statements are judged against, are the
 * same.
 */
static void
strip_foreign_keys_to_existing(CreateStmt *stmt)
{
	List	   *elts = NIL;
	bool		removed = false;
	ListCell   *lc;

	foreach(lc, stmt->tableElts)
	{
		Node	   *elt = lfirst(lc);

		if (is_foreign_key_to_existing(elt))
			continue;
		if (IsA(elt, ColumnDef))
			((ColumnDef *) elt)->constraints =
				without_foreign_keys_to_existing(((ColumnDef *) elt)->constraints, &removed);
		elts = lappend(elts, elt);
	}
	stmt->tableElts = elts;
	stmt->constraints = without_foreign_keys_to_existing(stmt->constraints, &removed);
}

/*
 * CREATE TABLE: run it unless it inherits from, or is a partition of, an
 * existing table (PARTITION OF takes ACCESS EXCLUSIVE on the parent, and
 * INHERITS takes SHARE UPDATE EXCLUSIVE).
 */
static CheckAction
create_table_action(CreateStmt *stmt, char **why)
{
	ListCell   *lc;

	foreach(lc, stmt->inhRelations)
	{
		RangeVar   *parent = lfirst(lc);

		if (is_existing_relation(parent))
		{
			*why = psprintf("judged, not run: creating it locks the existing table %s, so later statements are judged without this table",
							quote_identifier(parent->relname));
			return ACTION_JUDGE_ONLY_NOTE;
		}
	}
	return ACTION_RUN;
}

/* The relation, other than the target, that an ALTER TABLE subcommand locks. */
static RangeVar *
subcommand_other_relation(AlterTableCmd *cmd)
{
	switch (cmd->subtype)
	{
		case AT_AddConstraint:
			if (IsA(cmd->def, Constraint) && ((Constraint *) cmd->def)->contype == CONSTR_FOREIGN)
				return ((Constraint *) cmd->def)->pktable;
			return NULL;
		case AT_AddColumn:
		case AT_AddColumnToView:
			{
				ListCell   *lc;

				foreach(lc, ((ColumnDef *) cmd->def)->constraints)
				{
					if (is_foreign_key_to_existing(lfirst(lc)))
						return ((Constraint *) lfirst(lc))->pktable;
				}
				return NULL;
			}
		case AT_AttachPartition:
		case AT_DetachPartition:
		case AT_DetachPartitionFinalize:
			return ((PartitionCmd *) cmd->def)->name;
		case AT_AddInherit:
		case AT_DropInherit:
			return (RangeVar *) cmd->def;
		default:
			return NULL;
	}
}

static CheckAction
alter_table_action(AlterTableStmt *stmt, char **why)
{
	ListCell   *lc;

	if (is_existing_relation(stmt->relation))
		return ACTION_JUDGE_ONLY;
	foreach(lc, stmt->cmds)
	{
		AlterTableCmd *cmd = lfirst(lc);
		RangeVar   *other;

		if (cmd->subtype == AT_DetachPartition && ((PartitionCmd *) cmd->def)->concurrent)
		{
			*why = pstrdup("judged, not run: DETACH PARTITION CONCURRENTLY cannot run inside a transaction block; the migration must run it on its own");
			return ACTION_JUDGE_ONLY_NOTE;
		}
		other = subcommand_other_relation(cmd);
		if (is_existing_relation(other))
		{
			*why = psprintf("judged, not run: it would lock the existing table %s, so later statements are judged without its changes",
							quote_identifier(other->relname));
			return ACTION_JUDGE_ONLY_NOTE;
		}
	}
	return ACTION_RUN;
}

static bool
is_relation_object_type(ObjectType type)
{
	switch (type)
	{
		case OBJECT_TABLE:
		case OBJECT_INDEX:
		case OBJECT_VIEW:
		case OBJECT_MATVIEW:
		case OBJECT_SEQUENCE:
		case OBJECT_FOREIGN_TABLE:
			return true;
		default:
			return false;
	}
}

/* DROP of relations the script created (or that do not exist) is run. */
static CheckAction
drop_action(DropStmt *stmt, char **why)
{
	ListCell   *lc;

	if (stmt->concurrent)
	{
		*why = pstrdup("judged, not run: DROP INDEX CONCURRENTLY cannot run inside a transaction block; the migration must run it on its own");
		return ACTION_JUDGE_ONLY_NOTE;
	}
	if (!is_relation_object_type(stmt->removeType))
		return ACTION_JUDGE_ONLY;
	foreach(lc, stmt->objects)
	{
		if (is_existing_relation(makeRangeVarFromNameList(lfirst(lc))))
			return ACTION_JUDGE_ONLY;
	}
	return ACTION_RUN;
}

/* RENAME of a relation the script created, or of something on one, is run. */
static CheckAction
rename_action(RenameStmt *stmt)
{
	switch (stmt->renameType)
	{
		case OBJECT_COLUMN:
		case OBJECT_TABCONSTRAINT:
		case OBJECT_TRIGGER:
		case OBJECT_POLICY:
		case OBJECT_RULE:
			break;
		default:
			if (!is_relation_object_type(stmt->renameType))
				return ACTION_JUDGE_ONLY;
			break;
	}
	return stmt->relation && !is_existing_relation(stmt->relation) ?
		ACTION_RUN : ACTION_JUDGE_ONLY;
}

/* CREATE SCHEMA runs unless one of its tables would lock an existing one. */
static CheckAction
create_schema_action(CreateSchemaStmt *stmt, char **why)
{
	ListCell   *lc;

	foreach(lc, stmt->schemaElts)
	{
		Node	   *elt = lfirst(lc);

		if (IsA(elt, CreateStmt))
		{
			CreateStmt *cstmt = (CreateStmt *) elt;
			CreateStmt *stripped = copyObject(cstmt);

			if (create_table_action(cstmt, why) != ACTION_RUN)
				return ACTION_JUDGE_ONLY_NOTE;
			strip_foreign_keys_to_existing(stripped);
			if (!equal(stripped, cstmt))
			{
				*why = pstrdup("judged, not run: a table it creates references an existing table, which creating the foreign key would lock");
				return ACTION_JUDGE_ONLY_NOTE;
			}
		}
	}
	return ACTION_RUN;
}

/* Relations listed in CREATE STATISTICS ... FROM: all must be new. */
static CheckAction
create_stats_action(CreateStatsStmt *stmt)
{
	ListCell   *lc;

	foreach(lc, stmt->relations)
	{
		Node	   *rel = lfirst(lc);

		if (!IsA(rel, RangeVar) || is_existing_relation((RangeVar *) rel))
			return ACTION_JUDGE_ONLY;
	}
	return ACTION_RUN;
}

/*
 * Decides whether a judged statement is also run in the throwaway
 * subtransaction (see the file header and docs/check.md).  May modify the
 * statement so that it can run safely (foreign keys to existing tables, the
 * data of CREATE TABLE AS).  The default is to judge only: a statement type
 * not listed here is never run.
 */
static CheckAction
choose_action(Node *stmt, char **why)
{
	switch (nodeTag(stmt))
	{
		case T_CreateStmt:
			if (create_table_action((CreateStmt *) stmt, why) != ACTION_RUN)
				return ACTION_JUDGE_ONLY_NOTE;
			strip_foreign_keys_to_existing((CreateStmt *) stmt);
			return ACTION_RUN;
		case T_CreateForeignTableStmt:
			if (create_table_action(&((CreateForeignTableStmt *) stmt)->base, why) != ACTION_RUN)
				return ACTION_JUDGE_ONLY_NOTE;
			strip_foreign_keys_to_existing(&((CreateForeignTableStmt *) stmt)->base);
			return ACTION_RUN;
		case T_IndexStmt:
			if (((IndexStmt *) stmt)->concurrent)
			{
				*why = pstrdup("judged, not run: CREATE INDEX CONCURRENTLY cannot run inside a transaction block; the migration must run it on its own");
				return ACTION_JUDGE_ONLY_NOTE;
			}
			return is_existing_relation(((IndexStmt *) stmt)->relation) ?
				ACTION_JUDGE_ONLY : ACTION_RUN;
		case T_AlterTableStmt:
			return alter_table_action((AlterTableStmt *) stmt, why);
		case T_DropStmt:
			return drop_action((DropStmt *) stmt, why);
		case T_RenameStmt:
			return rename_action((RenameStmt *) stmt);
		case T_CreateTableAsStmt:
			{
				CreateTableAsStmt *ctas = (CreateTableAsStmt *) stmt;

				/* The columns matter to later statements, the rows do not. */
				if (ctas->into)
					ctas->into->skipData = true;
				return ACTION_RUN;
			}
		case T_ViewStmt:
			{
				ViewStmt   *view = (ViewStmt *) stmt;

				/* CREATE OR REPLACE VIEW of an existing view locks it. */
				return view->replace && is_existing_relation(view->view) ?
					ACTION_JUDGE_ONLY : ACTION_RUN;
			}
		case T_AlterSeqStmt:
			return is_existing_relation(((AlterSeqStmt *) stmt)->sequence) ?
				ACTION_JUDGE_ONLY : ACTION_RUN;
		case T_CreateTrigStmt:
			{
				CreateTrigStmt *trig = (CreateTrigStmt *) stmt;

				return is_existing_relation(trig->relation) ||
					is_existing_relation(trig->constrrel) ?
					ACTION_JUDGE_ONLY : ACTION_RUN;
			}
		case T_CreatePolicyStmt:
			return is_existing_relation(((CreatePolicyStmt *) stmt)->table) ?
				ACTION_JUDGE_ONLY : ACTION_RUN;
		case T_AlterPolicyStmt:
			return is_existing_relation(((AlterPolicyStmt *) stmt)->table) ?
				ACTION_JUDGE_ONLY : ACTION_RUN;
		case T_RuleStmt:
			return is_existing_relation(((RuleStmt *) stmt)->relation) ?
				ACTION_JUDGE_ONLY : ACTION_RUN;
		case T_CreateStatsStmt:
			return create_stats_action((CreateStatsStmt *) stmt);
		case T_CreateSchemaStmt:
			return create_schema_action((CreateSchemaStmt *) stmt, why);
		case T_VariableSetStmt:
			/* SET and RESET: lock_timeout, search_path, role, the guard's own settings */
		case T_CreateSeqStmt:
		case T_CreateFunctionStmt:
		case T_CreateDomainStmt:
		case T_CompositeTypeStmt:
		case T_CreateEnumStmt:
		case T_CreateRangeStmt:
		case T_DefineStmt:
		case T_CreateCastStmt:
		case T_CreateConversionStmt:
		case T_CreateOpClassStmt:
		case T_CreateOpFamilyStmt:
		case T_CreateTransformStmt:
		case T_CreateExtensionStmt:
		case T_CreateFdwStmt:
		case T_CreateForeignServerStmt:
		case T_CreateUserMappingStmt:
		case T_CreateRoleStmt:
			return ACTION_RUN;
		case T_VacuumStmt:
			if (((VacuumStmt *) stmt)->is_vacuumcmd)
			{
				*why = pstrdup("judged, not run: VACUUM cannot run inside a transaction block; the migration must run it on its own");
				return ACTION_JUDGE_ONLY_NOTE;
			}
			return ACTION_JUDGE_ONLY;
		case T_ReindexStmt:
			{
				ListCell   *lc;

				foreach(lc, ((ReindexStmt *) stmt)->params)
				{
					if (strcmp(((DefElem *) lfirst(lc))->defname, "concurrently") == 0)
					{
						*why = pstrdup("judged, not run: REINDEX CONCURRENTLY cannot run inside a transaction block; the migration must run it on its own");
						return ACTION_JUDGE_ONLY_NOTE;
					}
				}
				return ACTION_JUDGE_ONLY;
			}
		case T_CreatedbStmt:
		case T_DropdbStmt:
		case T_CreateTableSpaceStmt:
		case T_DropTableSpaceStmt:
		case T_AlterSystemStmt:
		case T_CreateSubscriptionStmt:
		case T_DropSubscriptionStmt:
			*why = pstrdup("judged, not run: this statement cannot run inside a transaction block; the migration must run it on its own");
			return ACTION_JUDGE_ONLY_NOTE;
		default:
			return ACTION_JUDGE_ONLY;
	}
}

/*
 * A second opinion on ACTION_RUN from the lock planner (lockinfo.c), which
 * knows the lock level PostgreSQL takes on every relation a statement
 * touches: the first lock stronger than ACCESS SHARE on a relation other
 * sessions use, or NULL.
 */
static MGRelLock *
strong_lock_on_shared_relation(Node *stmt)
{
	MGLockPlan *plan = mg_statement_lock_plan(stmt);
	ListCell   *lc;

	foreach(lc, plan->locks)
	{
		MGRelLock  *l = lfirst(lc);

		if (l->shared && l->mode > AccessShareLock)
			return l;
	}
	return NULL;
}

/* ---------- constraints added NOT VALID by judged-only statements ---------- */

static void
remember_not_valid_constraints(CheckState *cs, AlterTableStmt *stmt, int stmtno)
{
	Oid			relid = RangeVarGetRelid(stmt->relation, NoLock, true);
	ListCell   *lc;

	if (!OidIsValid(relid))
		return;
	foreach(lc, stmt->cmds)
	{
		AlterTableCmd *cmd = lfirst(lc);
		Constraint *con = (Constraint *) cmd->def;
		PendingConstraint *p;

		if (cmd->subtype != AT_AddConstraint || !IsA(con, Constraint) ||
			!con->skip_validation || con->conname == NULL)
			continue;
		if (con->contype != CONSTR_CHECK && con->contype != CONSTR_FOREIGN &&
			con->contype != CONSTR_NOTNULL)
			continue;
		p = palloc(sizeof(PendingConstraint));
		p->relid = relid;
		p->conname = pstrdup(con->conname);
		p->contype = con->contype;
		p->stmtno = stmtno;
		cs->pending = lappend(cs->pending, p);
	}
}

static PendingConstraint *
find_pending(CheckState *cs, Oid relid, const char *conname)
{
	ListCell   *lc;

	foreach(lc, cs->pending)
	{
		PendingConstraint *p = lfirst(lc);

		if (p->relid == relid && strcmp(p->conname, conname) == 0)
			return p;
	}
	return NULL;
}

/*
 * validate_same_transaction for a constraint an earlier, judged-only
 * statement of the script adds NOT VALID: the rule itself looks for the
 * constraint in the catalog, where check() could not put it without
 * locking the table.  The ADD's lock (SHARE ROW EXCLUSIVE for a foreign
 * key, ACCESS EXCLUSIVE otherwise) is still held when VALIDATE scans.
 * Called while findings are being collected.
 */
static void
judge_validate_of_pending(CheckState *cs, AlterTableStmt *stmt, List *findings)
{
	Oid			relid;
	ListCell   *lc;

	if (cs->pending == NIL)
		return;
	foreach(lc, findings)
	{
		if (((MGFinding *) lfirst(lc))->rule == MG_RULE_VALIDATE_SAME_TRANSACTION)
			return;				/* the rule saw it itself */
	}
	relid = RangeVarGetRelid(stmt->relation, NoLock, true);
	if (!OidIsValid(relid) ||
		!mg_rule_applies(MG_RULE_VALIDATE_SAME_TRANSACTION, relid))
		return;
	foreach(lc, stmt->cmds)
	{
		AlterTableCmd *cmd = lfirst(lc);
		PendingConstraint *p;
		LOCKMODE	held;
		MGFinding	f = {0};

		if (cmd->subtype != AT_ValidateConstraint || cmd->name == NULL ||
			(p = find_pending(cs, relid, cmd->name)) == NULL)
			continue;
		held = p->contype == CONSTR_FOREIGN ? ShareRowExclusiveLock : AccessExclusiveLock;
		f.rule = MG_RULE_VALIDATE_SAME_TRANSACTION;
		f.relid = relid;
		f.lockmode = held;
		f.message = psprintf("VALIDATE CONSTRAINT \"%s\" would scan table \"%s\" under the %s lock of its ADD CONSTRAINT",
							 p->conname, get_rel_name(relid), mg_lockmode_name(held));
		f.detail = psprintf("Constraint \"%s\" is added NOT VALID by statement %d of the script, in the same transaction, which still holds the %s lock taken then, blocking %s; the validation scan runs under it, so splitting ADD and VALIDATE gains nothing.  %s",
							p->conname, p->stmtno, mg_lockmode_name(held),
							mg_lock_blocks_what(held), mg_rel_describe(relid));
		f.hint = psprintf("COMMIT after ADD CONSTRAINT ... NOT VALID and run ALTER TABLE %s VALIDATE CONSTRAINT %s in a transaction of its own; alone it takes only SHARE UPDATE EXCLUSIVE, which blocks neither reads nor writes.",
						  mg_rel_name(relid), quote_identifier(p->conname));
		mg_report(&f);
	}
}

/* ---------- columns judged-only statements add ---------- */

/*
 * ALTER TABLE existing ADD COLUMN, or RENAME COLUMN, is judged without
 * being run, so the catalog never shows the column; yet a later statement
 * of the script that uses it (CREATE INDEX ON t (new_column)) would not
 * fail when the script runs.  Rules ask mg_column_exists() (relfacts.c),
 * which asks here.
 */
static void
remember_added_columns(CheckState *cs, Node *stmt)
{
	Oid			relid;
	ListCell   *lc;

	if (IsA(stmt, RenameStmt) && ((RenameStmt *) stmt)->renameType == OBJECT_COLUMN)
	{
		RenameStmt *rename = (RenameStmt *) stmt;
		ScriptColumn *c;

		relid = RangeVarGetRelid(rename->relation, NoLock, true);
		if (!OidIsValid(relid) || rename->newname == NULL)
			return;
		c = palloc(sizeof(ScriptColumn));
		c->relid = relid;
		c->colname = pstrdup(rename->newname);
		cs->added_columns = lappend(cs->added_columns, c);
		return;
	}
	if (!IsA(stmt, AlterTableStmt))
		return;
	relid = RangeVarGetRelid(((AlterTableStmt *) stmt)->relation, NoLock, true);
	if (!OidIsValid(relid))
		return;
	foreach(lc, ((AlterTableStmt *) stmt)->cmds)
	{
		AlterTableCmd *cmd = lfirst(lc);
		ScriptColumn *c;

		if (cmd->subtype != AT_AddColumn || !IsA(cmd->def, ColumnDef) ||
			((ColumnDef *) cmd->def)->colname == NULL)
			continue;
		c = palloc(sizeof(ScriptColumn));
		c->relid = relid;
		c->colname = pstrdup(((ColumnDef *) cmd->def)->colname);
		cs->added_columns = lappend(cs->added_columns, c);
	}
}

/*
 * Does an earlier, judged-only statement of the script being checked add
 * this column to this table?  Always false outside check().
 */
bool
mg_check_script_adds_column(Oid relid, const char *colname)
{
	ListCell   *lc;

	if (current_check == NULL)
		return false;
	foreach(lc, current_check->added_columns)
	{
		ScriptColumn *c = lfirst(lc);

		if (c->relid == relid && strcmp(c->colname, colname) == 0)
			return true;
	}
	return false;
}

/* ---------- ACCESS EXCLUSIVE locks the script's transaction holds ---------- */

/*
 * Does the statement keep the transaction going, so that a lock taken
 * earlier is held while it runs?  As the lock rules decide at run time.
 */
static bool
continues_transaction(Node *stmt)
{
	return !IsA(stmt, TransactionStmt) && !IsA(stmt, VariableSetStmt) &&
		!IsA(stmt, VariableShowStmt);
}

/*
 * lock_held_across_statements: the statement starts while an earlier
 * statement of the same transaction holds ACCESS EXCLUSIVE on a table
 * others use.  Once per transaction, as at run time.  Called while the
 * statement's findings are being collected.
 */
static void
judge_lock_held_across(CheckState *cs, Node *stmt)
{
	ScriptLock *held;
	MGFinding	f = {0};

	if (cs->exclusive == NIL || cs->held_reported || !continues_transaction(stmt))
		return;
	cs->held_reported = true;
	held = linitial(cs->exclusive);
	if (!mg_rule_applies(MG_RULE_LOCK_HELD_ACROSS_STATEMENTS, held->relid))
		return;
	mg_lock_held_across_finding(&f, held->relid, held->relkind, held->relname,
								psprintf("is taken by statement %d of the script: %s",
										 held->stmtno, held->stmt_quote));
	mg_report(&f);
}

static ScriptLock *
find_script_lock(CheckState *cs, Oid relid)
{
	ListCell   *lc;

	foreach(lc, cs->exclusive)
	{
		ScriptLock *l = lfirst(lc);

		if (l->relid == relid)
			return l;
	}
	return NULL;
}

/*
 * The statement's ACCESS EXCLUSIVE locks on tables others use: added to
 * the transaction's, and multiple_exclusive_locks when that makes two
 * tables or more (once per transaction, as at run time).  Called while the
 * statement's findings are being collected.
 */
static void
track_exclusive_locks(CheckState *cs, Node *stmt, int stmtno, const char *stmt_text)
{
	MGLockPlan *plan = mg_statement_lock_plan(stmt);
	int			before = list_length(cs->exclusive);
	ScriptLock *first_new = NULL;
	ListCell   *lc;

	foreach(lc, plan->locks)
	{
		MGRelLock  *l = lfirst(lc);
		Oid			table;
		ScriptLock *sl;

		if (l->mode != AccessExclusiveLock || !l->shared ||
			l->relkind == RELKIND_COMPOSITE_TYPE)
			continue;
		table = mg_lock_owning_table(l->relid, l->relkind);
		if (find_script_lock(cs, table) != NULL)
			continue;
		sl = palloc(sizeof(ScriptLock));
		sl->relid = table;
		sl->relname = table == l->relid ? pstrdup(l->relname) : mg_rel_name(table);
		sl->relkind = table == l->relid ? l->relkind : RELKIND_RELATION;
		sl->stmtno = stmtno;
		sl->stmt_quote = mg_quote_statement(stmt_text);
		cs->exclusive = lappend(cs->exclusive, sl);
		if (first_new == NULL)
			first_new = sl;
	}

	if (first_new != NULL && list_length(cs->exclusive) >= 2 && !cs->multiple_reported)
	{
		List	   *names = NIL;
		ScriptLock *earlier = before > 0 ? linitial(cs->exclusive) : NULL;
		MGFinding	f = {0};

		cs->multiple_reported = true;
		if (!mg_rule_applies(MG_RULE_MULTIPLE_EXCLUSIVE_LOCKS, InvalidOid))
			return;
		foreach(lc, cs->exclusive)
			names = lappend(names, ((ScriptLock *) lfirst(lc))->relname);
		mg_multiple_exclusive_locks_finding(&f, first_new->relid, CreateCommandName(stmt),
											names,
											earlier ? earlier->relname : NULL,
											earlier ? psprintf("is taken by statement %d of the script: %s",
															   earlier->stmtno, earlier->stmt_quote) : NULL);
		mg_report(&f);
	}
}

/* The script's COMMIT or ROLLBACK: its transaction's locks end there. */
static void
end_script_transaction(CheckState *cs)
{
	cs->pending = NIL;
	cs->exclusive = NIL;
	cs->held_reported = false;
	cs->multiple_reported = false;
}

/* ---------- judging and running one statement ---------- */

/*
 * Opens a GUC nesting level in which nothing waits for a lock and notices
 * of the statements check() runs are not sent to the client.  Closed by
 * AtEOXact_GUC(true, level), or by the subtransaction's abort.
 */
static int
begin_quiet_nowait(void)
{
	int			level = NewGUCNestLevel();

	(void) set_config_option("lock_timeout", CHECK_LOCK_TIMEOUT,
							 PGC_USERSET, PGC_S_SESSION,
							 GUC_ACTION_SAVE, true, 0, false);
	(void) set_config_option("client_min_messages", "error",
							 PGC_USERSET, PGC_S_SESSION,
							 GUC_ACTION_SAVE, true, 0, false);
	return level;
}

/* Parse analysis, as the server does before the hook sees the statement. */
static Query *
analyse_statement(CheckState *cs, RawStmt *raw)
{
	int			level = begin_quiet_nowait();
	List	   *queries;

	queries = pg_analyze_and_rewrite_fixedparams(copyObject(raw), cs->script,
												 NULL, 0, NULL);
	AtEOXact_GUC(true, level);
	if (list_length(queries) != 1 ||
		((Query *) linitial(queries))->commandType != CMD_UTILITY)
		elog(ERROR, "utility statement analysed into something else");
	return linitial(queries);
}

/*
 * Runs the (possibly adjusted) statement through ProcessUtility, which the
 * guard's own hook lets straight through while mg_check_simulating is set:
 * check() has judged it already.  SET runs as written, so that the script's
 * own lock_timeout and search_path apply to the statements after it;
 * everything else runs without waiting for locks.
 */
static void
run_statement(CheckState *cs, Query *query)
{
	PlannedStmt *pstmt = makeNode(PlannedStmt);
	bool		is_set = IsA(query->utilityStmt, VariableSetStmt);
	int			level = is_set ? -1 : begin_quiet_nowait();

	pstmt->commandType = CMD_UTILITY;
	pstmt->canSetTag = false;
	pstmt->utilityStmt = query->utilityStmt;
	pstmt->stmt_location = query->stmt_location;
	pstmt->stmt_len = query->stmt_len;

	mg_check_simulating = true;
	ProcessUtility(pstmt, cs->script, false, PROCESS_UTILITY_QUERY,
				   NULL, NULL, None_Receiver, NULL);
	mg_check_simulating = false;
	if (level >= 0)
		AtEOXact_GUC(true, level);
	CommandCounterIncrement();
}

/*
 * Judges one schema statement and, where that is safe, runs it.  Runs in
 * the statement's own subtransaction; errors propagate to the caller.
 */
static void
judge_and_run(CheckState *cs, RawStmt *raw, int stmtno, char *stmt_text)
{
	Query	   *query;
	Node	   *stmt;
	MGStatement st = {0};
	MGCollector collector = {NIL};
	char	   *why = NULL;
	CheckAction action;

	PushActiveSnapshot(GetTransactionSnapshot());
	query = analyse_statement(cs, raw);
	stmt = query->utilityStmt;

	st.parsetree = stmt;
	st.query_string = cs->script;
	st.location = raw->stmt_location;
	st.length = raw->stmt_len;
	st.context = PROCESS_UTILITY_TOPLEVEL;
	mg_current_statement = &st;
	mg_collector = &collector;
	judge_lock_held_across(cs, stmt);
	if (mg_statement_may_concern_us(stmt))
	{
		/* a statement the role may not run fails as it would in the script */
		mg_check_privileges_first(stmt);
		mg_judge_statement(&st);
		if (IsA(stmt, AlterTableStmt))
			judge_validate_of_pending(cs, (AlterTableStmt *) stmt, collector.findings);
		track_exclusive_locks(cs, stmt, stmtno, stmt_text);
	}
	mg_collector = NULL;
	add_findings(cs, stmtno, stmt_text, collector.findings);
	mg_current_statement = NULL;

	action = choose_action(stmt, &why);
	if (action == ACTION_RUN)
	{
		MGRelLock  *strong = strong_lock_on_shared_relation(stmt);

		if (strong != NULL)
		{
			action = ACTION_JUDGE_ONLY_NOTE;
			why = psprintf("judged, not run: it would take %s on %s, which other sessions use, so later statements are judged without its effects",
						   mg_lockmode_name(strong->mode), strong->relname);
		}
	}
	if (action != ACTION_RUN && IsA(stmt, AlterTableStmt))
		remember_not_valid_constraints(cs, (AlterTableStmt *) stmt, stmtno);
	if (action != ACTION_RUN)
		remember_added_columns(cs, stmt);
	/* SET changes no data, so it runs in a read-only transaction too. */
	if (action == ACTION_RUN && !cs->can_run && !IsA(stmt, VariableSetStmt))
		add_note(cs, stmtno, stmt_text,
				 pstrdup("judged, not run: the transaction is read-only, so later statements are judged without its effects"));
	else if (action == ACTION_RUN)
		run_statement(cs, query);
	else if (action == ACTION_JUDGE_ONLY_NOTE)
		add_note(cs, stmtno, stmt_text, why);
	PopActiveSnapshot();
}

/*
 * A statement check() does not analyse (UPDATE, DO, ...) still runs while
 * the script's transaction holds its locks: lock_held_across_statements.
 */
static void
judge_locks_only(CheckState *cs, RawStmt *raw, int stmtno, char *stmt_text)
{
	MGStatement st = {0};
	MGCollector collector = {NIL};

	st.parsetree = raw->stmt;
	st.query_string = cs->script;
	st.location = raw->stmt_location;
	st.length = raw->stmt_len;
	st.context = PROCESS_UTILITY_TOPLEVEL;
	mg_current_statement = &st;
	mg_collector = &collector;
	judge_lock_held_across(cs, raw->stmt);
	mg_collector = NULL;
	add_findings(cs, stmtno, stmt_text, collector.findings);
	mg_current_statement = NULL;
}

/* The row for a statement whose judging or running failed. */
static void
add_error_note(CheckState *cs, int stmtno, char *stmt_text, ErrorData *edata)
{
	if (edata->sqlerrcode == ERRCODE_LOCK_NOT_AVAILABLE)
		add_note(cs, stmtno, stmt_text,
				 psprintf("judged, not run: a lock it needs is held by another session (check() waits %s at most), so later statements are judged without its effects",
						  CHECK_LOCK_TIMEOUT));
	else
		add_note(cs, stmtno, stmt_text,
				 psprintf("fails: %s (SQLSTATE %s)", edata->message,
						  unpack_sql_state(edata->sqlerrcode)));
}

typedef void (*CheckStep) (CheckState *cs, RawStmt *raw, int stmtno, char *stmt_text);

/*
 * In PG_CATCH: takes the error, rolls back the subtransaction it happened
 * in and returns to the caller's memory context and resource owner.
 */
static ErrorData *
abort_subtransaction(MemoryContext oldcontext, ResourceOwner oldowner)
{
	ErrorData  *edata;

	mg_check_simulating = false;
	MemoryContextSwitchTo(oldcontext);
	edata = CopyErrorData();
	FlushErrorState();
	RollbackAndReleaseCurrentSubTransaction();
	MemoryContextSwitchTo(oldcontext);
	CurrentResourceOwner = oldowner;
	return edata;
}

/*
 * One statement's step in its own subtransaction, so that a failure is
 * reported as a row and leaves the earlier statements' effects in place.
 * A cancel or statement_timeout ends the whole check.
 */
static void
in_subtransaction(CheckStep step, CheckState *cs, RawStmt *raw, int stmtno, char *stmt_text)
{
	MemoryContext oldcontext = CurrentMemoryContext;
	ResourceOwner oldowner = CurrentResourceOwner;
	MGCollector *saved_collector = mg_collector;
	MGStatement *saved_statement = mg_current_statement;

	BeginInternalSubTransaction(NULL);
	MemoryContextSwitchTo(oldcontext);
	PG_TRY();
	{
		step(cs, raw, stmtno, stmt_text);
		ReleaseCurrentSubTransaction();
		MemoryContextSwitchTo(oldcontext);
		CurrentResourceOwner = oldowner;
	}
	PG_CATCH();
	{
		ErrorData  *edata;

		mg_collector = saved_collector;
		mg_current_statement = saved_statement;
		edata = abort_subtransaction(oldcontext, oldowner);
		if (edata->sqlerrcode == ERRCODE_QUERY_CANCELED)
			ReThrowError(edata);
		add_error_note(cs, stmtno, stmt_text, edata);
	}
	PG_END_TRY();
	mg_collector = saved_collector;
	mg_current_statement = saved_statement;
}

static void
check_statement(CheckState *cs, RawStmt *raw, int stmtno)
{
	char	   *stmt_text = statement_text(cs->script, raw);
	const char *reason;

	statement_position(cs->script, raw, &cs->cur_line, &cs->cur_col);

	if (is_transaction_control(raw->stmt))
	{
		add_note(cs, stmtno, stmt_text,
				 pstrdup("ignored: check() judges the whole script as one transaction, as migration tools run a migration"));
		/* ... except that its locks end at a COMMIT or ROLLBACK */
		if (IsA(raw->stmt, TransactionStmt))
		{
			switch (((TransactionStmt *) raw->stmt)->kind)
			{
				case TRANS_STMT_COMMIT:
				case TRANS_STMT_ROLLBACK:
				case TRANS_STMT_PREPARE:
					end_script_transaction(cs);
					break;
				default:
					break;
			}
		}
	}
	else if ((reason = not_analysed_reason(raw->stmt)) != NULL)
	{
		if (cs->exclusive != NIL && !cs->held_reported)
			in_subtransaction(judge_locks_only, cs, raw, stmtno, stmt_text);
		add_note(cs, stmtno, stmt_text, pstrdup(reason));
	}
	else
		in_subtransaction(judge_and_run, cs, raw, stmtno, stmt_text);
}

/*
 * Every statement inside one subtransaction that is always rolled back:
 * nothing the script creates, and no setting it changes, survives.
 */
static void
check_script(CheckState *cs, List *stmts)
{
	MemoryContext oldcontext = CurrentMemoryContext;
	ResourceOwner oldowner = CurrentResourceOwner;
	volatile int stmtno = 0;

	BeginInternalSubTransaction("migration_guard.check");
	MemoryContextSwitchTo(oldcontext);
	current_check = cs;
	/* judging and running call no user-written function (usercode.c) */
	mg_forbid_user_code(true);
	PG_TRY();
	{
		ListCell   *lc;

		foreach(lc, stmts)
			check_statement(cs, lfirst_node(RawStmt, lc), ++stmtno);
		mg_forbid_user_code(false);
		current_check = NULL;
		RollbackAndReleaseCurrentSubTransaction();
		MemoryContextSwitchTo(oldcontext);
		CurrentResourceOwner = oldowner;
	}
	PG_CATCH();
	{
		mg_forbid_user_code(false);
		current_check = NULL;
		ReThrowError(abort_subtransaction(oldcontext, oldowner));
	}
	PG_END_TRY();
}

/* ---------- the SQL function ---------- */

static void
emit_rows(FunctionCallInfo fcinfo, List *rows)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	ListCell   *lc;

	InitMaterializedSRF(fcinfo, 0);
	foreach(lc, rows)
	{
		CheckRow   *row = lfirst(lc);
		Datum		values[CHECK_NUM_COLUMNS + CHECK_NUM_POSITION_COLUMNS] = {0};
		bool		nulls[CHECK_NUM_COLUMNS + CHECK_NUM_POSITION_COLUMNS] = {0};
		int			i = 0;

#define TEXT_OR_NULL(s) \
		do { \
			if ((s) != NULL) values[i] = CStringGetTextDatum(s); \
			else nulls[i] = true; \
			i++; \
		} while (0)

		values[i++] = Int32GetDatum(row->stmtno);
		TEXT_OR_NULL(row->stmt_text);
		TEXT_OR_NULL(row->rule);
		TEXT_OR_NULL(row->severity);
		TEXT_OR_NULL(row->relation);
		TEXT_OR_NULL(row->lockmode);
		if (row->rule != NULL)
			values[i] = BoolGetDatum(row->rewrites);
		else
			nulls[i] = true;
		i++;
		TEXT_OR_NULL(row->message);
		TEXT_OR_NULL(row->detail);
		TEXT_OR_NULL(row->hint);
		TEXT_OR_NULL(row->note);
#undef TEXT_OR_NULL
		Assert(i == CHECK_NUM_COLUMNS);
		/* the 1.0 definition of check() has no position columns */
		if (rsinfo->setDesc->natts >= CHECK_NUM_COLUMNS + CHECK_NUM_POSITION_COLUMNS)
		{
			values[i++] = Int32GetDatum(row->line);
			values[i++] = Int32GetDatum(row->col);
		}
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
}

PG_FUNCTION_INFO_V1(mg_check);

/*
 * migration_guard.check(sql text, mode text DEFAULT NULL,
 *						 include_off boolean DEFAULT false)
 */
Datum
mg_check(PG_FUNCTION_ARGS)
{
	CheckState	cs = {0};
	List	   *stmts;

	/*
	 * No rows would read as "no findings": a CI gate that counts them would
	 * pass a script it never saw.
	 */
	if (PG_ARGISNULL(0))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("the script passed to migration_guard.check() must not be null")));
	if (PG_ARGISNULL(2))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("include_off must not be null"),
				 errhint("Pass true or false; the default is false.")));
	cs.script = text_to_cstring(PG_GETARG_TEXT_PP(0));
	cs.mode = -1;
	if (!PG_ARGISNULL(1))
	{
		char	   *mode = text_to_cstring(PG_GETARG_TEXT_PP(1));
		MGSeverity	sev;

		if (!mg_parse_severity(mode, &sev))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("invalid mode \"%s\" for migration_guard.check()", mode),
					 errhint("Valid modes are \"enforce\", \"warn\" and \"off\"; NULL uses the session's migration_guard.mode.")));
		cs.mode = sev;
	}
	cs.include_off = PG_GETARG_BOOL(2);
	cs.can_run = !XactReadOnly;

	if (mg_check_simulating || mg_collector != NULL || current_check != NULL)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("migration_guard.check() cannot be called while another check() runs")));

	stmts = parse_script(cs.script);
	check_script(&cs, stmts);
	emit_rows(fcinfo, cs.rows);
	return (Datum) 0;
}
