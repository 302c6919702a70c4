/*-------------------------------------------------------------------------
 *
 * directives.c
 *	  The "migration_guard:allow" directives in the comments that belong to
 *	  the current statement, and the reasons they give.
 *
 *	  Which comments belong to a statement, and the lexer that tells a
 *	  comment from text in literals, quoted identifiers and dollar quotes,
 *	  are statement.c's (mg_statement_extent, mg_sql_next_token): only real
 *	  comments of the statement are read here, never text in literals.
 *
 * IDENTIFICATION
 *	  src/directives.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "compat.h"

#include "parser/parser.h"
#include "utils/memutils.h"

#include "directives.h"
#include "rules.h"
#include "statement.h"

#define DIRECTIVE_TAG "migration_guard:allow"

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

			/*
			 * Only a comma continues the list: "allow a, b" but not "allow a
			 * b".
			 */
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
		MGTokKind	kind;
		int			tok_end = mg_sql_next_token(s, pos, n, &kind);

		if (kind == MG_TOK_COMMENT)
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
