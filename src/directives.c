/*-------------------------------------------------------------------------
 *
 * directives.c
 *	  Which comments belong to a statement, and the "migration_guard:allow"
 *	  directives in them.
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
 *	  and dollar quotes is never a directive.  The string is read with the
 *	  lexical rules of PostgreSQL's scanner (scan.l): '...', E'...', B'...',
 *	  X'...', N'...', U&'...', "...", U&"...", $tag$...$tag$, -- comments and
 *	  nested slash-star comments.
 *
 *	  The grammar records where each statement is (RawStmt/PlannedStmt
 *	  stmt_location and stmt_len), but differently by version: up to 17 a
 *	  statement starts right after the previous semicolon, so the comments
 *	  before it are inside its slice; from 18 on it starts at its first
 *	  token, and those comments are outside.  Everything that reads
 *	  directives (the ProcessUtility hook, check(), the lock tracing of the
 *	  executor hook) comes through mg_statement_extent(), which finds the
 *	  previous semicolon itself, so the rule above holds on every version.
 *
 * IDENTIFICATION
 *	  src/directives.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "parser/parser.h"
#include "utils/memutils.h"

#include "migration_guard.h"

#define DIRECTIVE_TAG "migration_guard:allow"

/* What the lexer found at a position. */
typedef enum TokKind
{
	TOK_SPACE,					/* white space other than a line break */
	TOK_NEWLINE,
	TOK_COMMENT,				/* -- or slash-star comment */
	TOK_SEMICOLON,
	TOK_OTHER					/* anything else: words, literals, operators */
} TokKind;

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
static int
next_token(const char *s, int pos, int n, TokKind *kind)
{
	unsigned char c = (unsigned char) s[pos];

	*kind = TOK_OTHER;
	if (c == '\n' || c == '\r')
	{
		*kind = TOK_NEWLINE;
		return pos + 1;
	}
	if (c == ' ' || c == '\t' || c == '\f' || c == '\v')
	{
		*kind = TOK_SPACE;
		return pos + 1;
	}
	if (c == ';')
	{
		*kind = TOK_SEMICOLON;
		return pos + 1;
	}
	if (c == '-' && pos + 1 < n && s[pos + 1] == '-')
	{
		*kind = TOK_COMMENT;
		while (pos < n && s[pos] != '\n' && s[pos] != '\r')
			pos++;
		return pos;
	}
	if (c == '/' && pos + 1 < n && s[pos + 1] == '*')
	{
		*kind = TOK_COMMENT;
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
		TokKind		kind;
		int			end = next_token(s, pos, n, &kind);

		if (kind == TOK_NEWLINE)
			return end;
		if (kind != TOK_SPACE && kind != TOK_COMMENT)
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
		TokKind		kind;
		int			end = next_token(s, scan_pos, n, &kind);

		if (end > pos)
			break;				/* pos is inside a token: cannot happen */
		if (kind == TOK_SEMICOLON)
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

/*
 * The reason given in one directive: "migration_guard:allow rule[, rule]
 * -- reason: text".  directive is the directive's text after its tag; the
 * reason runs to the end of the line (or of a block comment).  NULL when
 * there is none.
 */
char *
mg_directive_reason(const char *directive)
{
	const char *end = directive + strcspn(directive, "\r\n");
	const char *close = strstr(directive, "*/");
	const char *p;

	if (close != NULL && close < end)
		end = close;
	for (p = directive; p + 7 <= end; p++)
	{
		if (pg_strncasecmp(p, "reason:", 7) != 0)
			continue;
		p += 7;
		while (p < end && isspace((unsigned char) *p))
			p++;
		while (end > p && isspace((unsigned char) end[-1]))
			end--;
		if (end == p)
			return NULL;
		return pnstrdup(p, end - p);
	}
	return NULL;
}

/*
 * Does the directive text (a comment's content, NUL-terminated) name the
 * rule?  A name that is not a rule is an error: a typo must not leave the
 * author believing a rule was accepted.  When reason is not NULL, it is set
 * to the reason of the first directive naming the rule that gives one.
 */
static bool
comment_allows(const char *text, MGRuleId rule, char **reason)
{
	const char *p;
	bool		found = false;

	for (p = strstr(text, DIRECTIVE_TAG); p != NULL; p = strstr(p, DIRECTIVE_TAG))
	{
		const char *directive;
		bool		names_rule = false;

		p += strlen(DIRECTIVE_TAG);
		directive = p;
		for (;;)
		{
			char		name[NAMEDATALEN];
			int			len = 0;
			int			id;

			while (*p == ' ' || *p == '\t' || *p == ',')
				p++;
			while ((isalnum((unsigned char) *p) || *p == '_') && len < NAMEDATALEN - 1)
				name[len++] = pg_tolower((unsigned char) *p++);
			name[len] = '\0';
			if (len == 0)
				break;
			id = mg_rule_lookup(name);
			if (id < 0)
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("unrecognized rule \"%s\" in migration_guard:allow directive", name),
						 errhint("SELECT name FROM migration_guard.rules() lists the rules.")));
			if (id == (int) rule)
				names_rule = true;
			/* Only a comma continues the list: "allow a, b" but not "allow a b". */
			while (*p == ' ' || *p == '\t')
				p++;
			if (*p != ',')
				break;
		}
		if (names_rule)
		{
			found = true;
			if (reason != NULL && *reason == NULL)
				*reason = mg_directive_reason(directive);
		}
	}
	return found;
}

/*
 * Reads the "migration_guard:allow rule[, rule ...]" directives in the
 * comments that belong to the current statement: whether they name the rule
 * (whether the role may use them is the caller's question), and the reason
 * the first of those gives.  Every comment is read, so that a misspelt name
 * anywhere is reported.
 */
static bool
scan_directives(MGRuleId rule, char **reason)
{
	const MGStatement *st = mg_current_statement;
	const char *s;
	int			n;
	int			start;
	int			body_end;
	int			end;
	int			pos;
	bool		found = false;

	if (st == NULL || st->query_string == NULL)
		return false;
	s = st->query_string;
	n = strlen(s);
	mg_statement_extent(st, &start, &body_end, &end);
	/* quick exit: most statements carry no directive at all */
	if (end <= start)
		return false;
	{
		char	   *slice = pnstrdup(s + start, end - start);
		bool		any = strstr(slice, DIRECTIVE_TAG) != NULL;

		pfree(slice);
		if (!any)
			return false;
	}

	for (pos = start; pos < end;)
	{
		TokKind		kind;
		int			tok_end = next_token(s, pos, n, &kind);

		if (kind == TOK_COMMENT)
		{
			char	   *text = pnstrdup(s + pos, tok_end - pos);

			if (comment_allows(text, rule, reason))
				found = true;
			pfree(text);
		}
		pos = tok_end;
	}
	return found;
}

bool
mg_directive_allows(MGRuleId rule)
{
	return scan_directives(rule, NULL);
}

/*
 * The reason given by a directive of the current statement that names the
 * rule ("-- migration_guard:allow rule -- reason: text"); only real
 * comments that belong to the statement count, never text in literals.
 * NULL when there is none.
 */
char *
mg_directive_reason_for(MGRuleId rule)
{
	char	   *reason = NULL;

	(void) scan_directives(rule, &reason);
	return reason;
}
