/*-------------------------------------------------------------------------
 *
 * statement.c
 *	  The statement being judged: which one it is (mg_current_statement,
 *	  set by the pipeline while a statement is judged and runs, and by
 *	  check() while it judges a script's statement), its text, the
 *	  comments that belong to it, and facts about the statement itself
 *	  (whether PostgreSQL runs it in transactions of its own).
 *
 *	  A query string may carry several statements.  The comments that belong
 *	  to a statement are (docs/configuration.md, "Directive comments"):
 *
 *	  - those inside it;
 *	  - those before it, back to the previous statement's semicolon, except
 *		what follows that semicolon on its own line (that belongs to the
 *		previous statement);
 *	  - those after its own semicolon on the same line, up to the end of the
 *		line or the next statement, whichever comes first.
 *
 *	  Only comments count: text inside string literals, quoted identifiers
 *	  and dollar quotes is never a comment.  The string is read with the
 *	  lexical rules of PostgreSQL's scanner (scan.l): '...', E'...', B'...',
 *	  X'...', N'...', U&'...', "...", U&"...", $tag$...$tag$, -- comments and
 *	  nested slash-star comments.
 *
 *	  The grammar records where each statement is (RawStmt/PlannedStmt
 *	  stmt_location and stmt_len), but differently by version: up to 17 a
 *	  statement starts right after the previous semicolon, so the comments
 *	  before it are inside its slice; from 18 on it starts at its first
 *	  token, and those comments are outside.  Everything that reads a
 *	  statement's text or directives (the pipeline, check(), the lock
 *	  tracing of the executor hook, directives.c, the audit) comes through
 *	  mg_statement_extent(), which finds the previous semicolon itself, so
 *	  the rule above holds on every version.
 *
 *	  Also the backend-wide flags that say what kind of statement is
 *	  running: check()'s simulation, nesting of utility statements, the
 *	  guard's own queries.
 *
 * IDENTIFICATION
 *	  src/statement.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "compat.h"

#include "access/xact.h"
#include "commands/defrem.h"
#include "parser/parser.h"
#include "utils/memutils.h"

#include "lockinfo.h"
#include "statement.h"

/* The statement being judged, or NULL. */
MGStatement *mg_current_statement = NULL;

/* True while check() runs a script's statement in its throwaway subtransaction. */
bool		mg_check_simulating = false;

/* Utility statements executing in this backend, nested. */
int			mg_utility_depth = 0;

/* The guard's own SPI query is running: not a statement of the migration. */
bool		mg_guard_query_running = false;

/*
 * The lock plan judging made for the statement being judged (lock policy,
 * lock_policy.c), or NULL before it was judged.
 */
MGLockPlan *
mg_judged_lock_plan(void)
{
	return mg_current_statement ? mg_current_statement->lock_plan : NULL;
}

/* ---------- the lexer ---------- */


static bool
is_ident_start(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_' || c >= 0x80;
}

static bool
is_ident_cont(unsigned char c)
{
	return is_ident_start(c) || (c >= '0' && c <= '9') || c == '$';
}

/* End of a '...' literal whose opening quote is at pos. */
static int
skip_quoted(const char *s, int pos, int n, char quote, bool backslash_escapes)
{
	pos++;
	while (pos < n)
	{
		if (backslash_escapes && s[pos] == '\\' && pos + 1 < n)
			pos += 2;
		else if (s[pos] == quote)
		{
			if (pos + 1 < n && s[pos + 1] == quote)
				pos += 2;		/* doubled quote */
			else
				return pos + 1;
		}
		else
			pos++;
	}
	return n;					/* unterminated: PostgreSQL refuses it anyway */
}

/* Length of a dollar-quote delimiter ($$ or $tag$) at pos, or 0. */
static int
dollar_tag_length(const char *s, int pos, int n)
{
	int			i = pos + 1;

	if (i < n && is_ident_start((unsigned char) s[i]))
	{
		i++;
		while (i < n && s[i] != '$' && is_ident_cont((unsigned char) s[i]))
			i++;
	}
	return (i < n && s[i] == '$') ? i - pos + 1 : 0;
}

/* End of a slash-star comment starting at pos; they nest. */
static int
skip_block_comment(const char *s, int pos, int n)
{
	int			depth = 0;

	while (pos < n)
	{
		if (s[pos] == '/' && pos + 1 < n && s[pos + 1] == '*')
		{
			depth++;
			pos += 2;
		}
		else if (s[pos] == '*' && pos + 1 < n && s[pos + 1] == '/')
		{
			pos += 2;
			if (--depth == 0)
				return pos;
		}
		else
			pos++;
	}
	return n;
}

/*
 * Reads one token at pos (which must not be inside a literal or comment)
 * and returns where it ends.
 */
int
mg_sql_next_token(const char *s, int pos, int n, MGTokKind *kind)
{
	unsigned char c = (unsigned char) s[pos];

	*kind = MG_TOK_OTHER;
	if (c == '\n' || c == '\r')
	{
		*kind = MG_TOK_NEWLINE;
		return pos + 1;
	}
	if (c == ' ' || c == '\t' || c == '\f' || c == '\v')
	{
		*kind = MG_TOK_SPACE;
		return pos + 1;
	}
	if (c == ';')
	{
		*kind = MG_TOK_SEMICOLON;
		return pos + 1;
	}
	if (c == '-' && pos + 1 < n && s[pos + 1] == '-')
	{
		*kind = MG_TOK_COMMENT;
		while (pos < n && s[pos] != '\n' && s[pos] != '\r')
			pos++;
		return pos;
	}
	if (c == '/' && pos + 1 < n && s[pos + 1] == '*')
	{
		*kind = MG_TOK_COMMENT;
		return skip_block_comment(s, pos, n);
	}
	if (c == '\'')
		return skip_quoted(s, pos, n, '\'', !standard_conforming_strings);
	if (c == '"')
		return skip_quoted(s, pos, n, '"', false);
	if (c == '$')
	{
		int			taglen = dollar_tag_length(s, pos, n);

		if (taglen > 0)
		{
			/* the body ends at the same tag */
			int			i;

			for (i = pos + taglen; i + taglen <= n; i++)
			{
				if (s[i] == '$' && strncmp(s + i, s + pos, taglen) == 0)
					return i + taglen;
			}
			return n;
		}
		pos++;
		while (pos < n && s[pos] >= '0' && s[pos] <= '9')
			pos++;				/* a parameter, $1 */
		return pos;
	}
	if (is_ident_start(c))
	{
		int			start = pos;

		while (pos < n && is_ident_cont((unsigned char) s[pos]))
			pos++;
		/* E'...', B'...', X'...', N'...' and U&'...', U&"..." */
		if (pos - start == 1 && pos < n && s[pos] == '\'')
			return skip_quoted(s, pos, n, '\'', c == 'e' || c == 'E');
		if (pos - start == 1 && (c == 'u' || c == 'U') &&
			pos + 1 < n && s[pos] == '&' && (s[pos + 1] == '\'' || s[pos + 1] == '"'))
			return skip_quoted(s, pos + 1, n, s[pos + 1], false);
		return pos;
	}
	if (c >= '0' && c <= '9')
	{
		while (pos < n && (isalnum((unsigned char) s[pos]) || s[pos] == '_' || s[pos] == '.'))
			pos++;
		return pos;
	}
	return pos + 1;				/* an operator or punctuation character */
}

/*
 * From pos, just after a statement's semicolon: the end of what follows it
 * on the same line (white space and comments), which belongs to that
 * statement.  A line break ends it (and is included); so does the first
 * token of anything else.  A comment that starts on the line belongs to the
 * line even if it spans several.
 */
static int
skip_same_line(const char *s, int pos, int n)
{
	while (pos < n)
	{
		MGTokKind	kind;
		int			end = mg_sql_next_token(s, pos, n, &kind);

		if (kind == MG_TOK_NEWLINE)
			return end;
		if (kind != MG_TOK_SPACE && kind != MG_TOK_COMMENT)
			return pos;
		pos = end;
	}
	return n;
}

/*
 * The last semicolon before pos outside literals and comments, or -1.
 *
 * Up to PostgreSQL 17 a statement's location is just after the previous
 * semicolon, so that is found at once.  From 18 on it is the statement's
 * first token, and only reading the string from its start tells a
 * semicolon from one inside a literal.  A multi-statement string is read by
 * every statement in order, so the scan position is kept for the next one,
 * for as long as the string is the same (compared whole: the same address
 * can hold the next query's text).
 */
static const char *scan_qs = NULL;
static char *scan_copy = NULL;
static int	scan_len = 0;
static int	scan_pos = 0;
static int	scan_last_semicolon = -1;

static int
last_semicolon_before(const char *s, int pos, int n)
{
	if (pos <= 0)
		return -1;
	if (s[pos - 1] == ';')
		return pos - 1;

	if (!(scan_qs == s && scan_len == n && scan_pos <= pos &&
		  memcmp(scan_copy, s, n) == 0))
	{
		if (scan_copy != NULL)
			pfree(scan_copy);
		scan_copy = MemoryContextAlloc(TopMemoryContext, n + 1);
		memcpy(scan_copy, s, n + 1);
		scan_qs = s;
		scan_len = n;
		scan_pos = 0;
		scan_last_semicolon = -1;
	}
	while (scan_pos < pos)
	{
		MGTokKind	kind;
		int			end = mg_sql_next_token(s, scan_pos, n, &kind);

		if (end > pos)
			break;				/* pos is inside a token: cannot happen */
		if (kind == MG_TOK_SEMICOLON)
			scan_last_semicolon = scan_pos;
		scan_pos = end;
	}
	return scan_last_semicolon;
}

/*
 * The extent of the statement's text with the comments that belong to it
 * (see the file header): [*start, *end) of st->query_string.  *body_end is
 * where the statement itself ends (its semicolon, or the end of the string).
 */
void
mg_statement_extent(const MGStatement *st, int *start, int *body_end, int *end)
{
	const char *s = st->query_string;
	int			n;
	int			loc;
	int			semicolon;

	*start = *body_end = *end = 0;
	if (s == NULL)
		return;
	n = strlen(s);
	if (st->location < 0 || st->location > n)
	{
		*body_end = *end = n;
		return;
	}
	loc = st->location;
	*body_end = st->length > 0 ? Min(loc + st->length, n) : n;

	/*
	 * From the previous semicolon, skip what belongs to the previous
	 * statement (its line's tail).  On 17 and before that tail is inside our
	 * slice, on 18 it is before it: the same skip serves both.
	 */
	semicolon = last_semicolon_before(s, loc, n);
	*start = semicolon < 0 ? 0 : skip_same_line(s, semicolon + 1, n);

	*end = *body_end;
	if (*body_end < n && s[*body_end] == ';')
		*end = skip_same_line(s, *body_end + 1, n);
}

/* ---------- the statement's text ---------- */

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
