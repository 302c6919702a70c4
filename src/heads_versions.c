/*-------------------------------------------------------------------------
 *
 * heads_versions.c
 *	  Versions: comparing them in each tool's order (natural, Flyway's
 *	  dotted numbers, TypeORM's trailing timestamp, or none), and lists of
 *	  them: parsing a head list setting, membership, joining them for
 *	  messages and as a text[] for SQL results.
 *
 *	  Calls no other file; a tool's order is read from its MGTool entry.
 *
 * IDENTIFICATION
 *	  src/heads_versions.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "compat.h"

#include <ctype.h>

#include "catalog/pg_type.h"
#include "lib/stringinfo.h"
#include "utils/array.h"
#include "utils/builtins.h"

#include "heads_types.h"
#include "heads_versions.h"

/* ---------- version order ---------- */

/* Compares two runs of decimal digits as numbers, leading zeros ignored. */
static int
compare_digit_runs(const char *a, int alen, const char *b, int blen)
{
	while (alen > 1 && *a == '0')
		a++, alen--;
	while (blen > 1 && *b == '0')
		b++, blen--;
	if (alen != blen)
		return alen < blen ? -1 : 1;
	return strncmp(a, b, alen);
}

static int
digit_run_length(const char *s)
{
	int			n = 0;

	while (isdigit((unsigned char) s[n]))
		n++;
	return n;
}

/*
 * Natural order: runs of digits compare as numbers, everything else byte
 * by byte, so 20240101_b > 20231231_a and 10_x > 9_x.  Strings that differ
 * only in leading zeros fall back to byte order, so that the order stays
 * consistent with string equality.
 */
static int
natural_compare(const char *a, const char *b)
{
	const char *pa = a;
	const char *pb = b;

	while (*pa && *pb)
	{
		if (isdigit((unsigned char) *pa) && isdigit((unsigned char) *pb))
		{
			int			la = digit_run_length(pa);
			int			lb = digit_run_length(pb);
			int			c = compare_digit_runs(pa, la, pb, lb);

			if (c != 0)
				return c;
			pa += la;
			pb += lb;
			continue;
		}
		if (*pa != *pb)
			return (unsigned char) *pa < (unsigned char) *pb ? -1 : 1;
		pa++;
		pb++;
	}
	if (*pa || *pb)
		return *pa ? 1 : -1;
	return strcmp(a, b);
}

/*
 * Flyway's order: "_" separates like ".", each part is a number, and
 * missing parts are zero, so 1.10 > 1.9 and 1.0 = 1.  A version with a
 * part that is not a number (never valid for Flyway) falls back to the
 * natural order.
 */
static int
flyway_compare(const char *a, const char *b)
{
	const char *pa = a;
	const char *pb = b;

	for (;;)
	{
		int			la,
					lb,
					c;

		if (*pa == '\0' && *pb == '\0')
			return 0;
		la = digit_run_length(pa);
		lb = digit_run_length(pb);
		if ((la == 0 && *pa) || (lb == 0 && *pb))
			return natural_compare(a, b);
		c = compare_digit_runs(la ? pa : "0", la ? la : 1, lb ? pb : "0", lb ? lb : 1);
		if (c != 0)
			return c;
		pa += la;
		pb += lb;
		if (*pa == '.' || *pa == '_')
			pa++;
		else if (*pa)
			return natural_compare(a, b);
		if (*pb == '.' || *pb == '_')
			pb++;
		else if (*pb)
			return natural_compare(a, b);
	}
}

/* TypeORM names end with the migration's timestamp: that is the order. */
static int
trailing_number_compare(const char *a, const char *b)
{
	const char *ta = a + strlen(a);
	const char *tb = b + strlen(b);
	int			c;

	while (ta > a && isdigit((unsigned char) ta[-1]))
		ta--;
	while (tb > b && isdigit((unsigned char) tb[-1]))
		tb--;
	c = compare_digit_runs(*ta ? ta : "0", *ta ? (int) strlen(ta) : 1,
						   *tb ? tb : "0", *tb ? (int) strlen(tb) : 1);
	return c != 0 ? c : strcmp(a, b);
}

int
mg_heads_version_compare(const MGTool *tool, const char *a, const char *b)
{
	switch (tool->order)
	{
		case MG_ORDER_FLYWAY:
			return flyway_compare(a, b);
		case MG_ORDER_TRAILING_NUMBER:
			return trailing_number_compare(a, b);
		case MG_ORDER_NATURAL:
			return natural_compare(a, b);
		case MG_ORDER_NONE:
			break;
	}
	return strcmp(a, b);
}

bool
mg_heads_string_member(List *list, const char *s)
{
	ListCell   *lc;

	foreach(lc, list)
		if (strcmp((char *) lfirst(lc), s) == 0)
		return true;
	return false;
}

List *
mg_heads_string_remove(List *list, const char *s)
{
	ListCell   *lc;

	foreach(lc, list)
	{
		if (strcmp((char *) lfirst(lc), s) == 0)
			return foreach_delete_current(list, lc);
	}
	return list;
}

/* Membership in the tool's own sense of equal versions (Flyway: 1.0 = 1). */
bool
mg_heads_version_member(const MGTool *tool, List *list, const char *v)
{
	ListCell   *lc;

	if (tool->order != MG_ORDER_FLYWAY)
		return mg_heads_string_member(list, v); /* equal only if the same
												 * string */
	foreach(lc, list)
		if (mg_heads_version_compare(tool, (char *) lfirst(lc), v) == 0)
		return true;
	return false;
}

const char *
mg_heads_max_version(const MGTool *tool, List *versions)
{
	const char *best = NULL;
	ListCell   *lc;

	foreach(lc, versions)
	{
		const char *v = lfirst(lc);

		if (best == NULL || mg_heads_version_compare(tool, v, best) > 0)
			best = v;
	}
	return best;
}

int
mg_heads_string_cmp(const ListCell *a, const ListCell *b)
{
	return strcmp((const char *) lfirst(a), (const char *) lfirst(b));
}

/* "a, b, c" */
char *
mg_heads_join(List *items)
{
	StringInfoData buf;
	ListCell   *lc;

	initStringInfo(&buf);
	foreach(lc, items)
		appendStringInfo(&buf, "%s%s", buf.len ? ", " : "", (char *) lfirst(lc));
	return buf.data;
}

/* ---------- head lists ---------- */

/*
 * Splits a head list setting into its items, trimmed, duplicates dropped.
 * The items keep their case: revisions and migration names are
 * case-sensitive.
 */
List *
mg_heads_parse_list(const char *value)
{
	List	   *items = NIL;
	char	   *raw;
	char	   *saveptr = NULL;

	if (value == NULL)
		return NIL;
	raw = pstrdup(value);
	for (char *tok = strtok_r(raw, ",", &saveptr); tok != NULL;
		 tok = strtok_r(NULL, ",", &saveptr))
	{
		char	   *end;

		while (isspace((unsigned char) *tok))
			tok++;
		end = tok + strlen(tok);
		while (end > tok && isspace((unsigned char) end[-1]))
			*--end = '\0';
		if (*tok != '\0' && !mg_heads_string_member(items, tok))
			items = lappend(items, tok);
	}
	return items;
}

/* "a", "b" in quotes, for messages; "none (base)" for no head. */
char *
mg_heads_text(List *heads)
{
	StringInfoData buf;
	ListCell   *lc;

	if (heads == NIL)
		return pstrdup(MGH_("none (base)"));
	initStringInfo(&buf);
	foreach(lc, heads)
		appendStringInfo(&buf, "%s\"%s\"", buf.len ? ", " : "", (char *) lfirst(lc));
	return buf.data;
}

/* The heads as a text[], for SQL results and head_history. */
Datum
mg_heads_text_array(List *heads)
{
	Datum	   *elems;
	int			n = 0;
	ListCell   *lc;

	if (heads == NIL)
		return PointerGetDatum(construct_empty_array(TEXTOID));
	elems = palloc(sizeof(Datum) * list_length(heads));
	foreach(lc, heads)
		elems[n++] = CStringGetTextDatum((char *) lfirst(lc));
	return PointerGetDatum(construct_array(elems, n, TEXTOID, -1, false, TYPALIGN_INT));
}
