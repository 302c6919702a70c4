/*-------------------------------------------------------------------------
 *
 * check_script.c
 *	  The script migration_guard.check() is given: parsing it with the core
 *	  parser (syntax errors reported against the script), each statement's
 *	  text as written and where it starts, and which statements check()
 *	  analyses at all (transaction control and data statements are not).
 *
 * IDENTIFICATION
 *	  src/check_script.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "compat.h"

#include "mb/pg_wchar.h"
#include "parser/parser.h"

#include "check.h"
#include "statement.h"

/* ---------- statement text and parsing ---------- */

/*
 * The statement as written, with the comments that belong to it before it
 * (directives.c), without surrounding white space.
 */
char *
check_statement_text(const char *script, RawStmt *raw)
{
	MGStatement st = {0};
	char	   *stmt;
	char	   *end;
	int			start;
	int			body_end;
	int			extent_end;

	st.query_string = script;
	st.location = raw->stmt_location;
	st.length = raw->stmt_len;
	mg_statement_extent(&st, &start, &body_end, &extent_end);
	stmt = pnstrdup(script + start, Max(body_end - start, 0));
	while (*stmt == ' ' || *stmt == '\t' || *stmt == '\n' || *stmt == '\r')
		stmt++;
	end = stmt + strlen(stmt);
	while (end > stmt && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\n' || end[-1] == '\r'))
		*--end = '\0';
	return stmt;
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
void
check_statement_position(const char *script, RawStmt *raw, int *line, int *col)
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

List *
check_parse_script(const char *script)
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

/* ---------- which statements are analysed ---------- */

/*
 * Transaction control is not run: the transaction model (check_model.c)
 * decides what it means for the statements around it.
 */
bool
check_is_transaction_control(Node *stmt)
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
const char *
check_not_analysed_reason(Node *stmt)
{
	/*
	 * SELECT ... INTO creates a table: parse analysis makes it CREATE TABLE
	 * AS
	 */
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
