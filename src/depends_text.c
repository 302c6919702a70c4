/*-------------------------------------------------------------------------
 *
 * depends_text.c
 *	  The dependents depends.c found, counted and listed for a finding's
 *	  detail: "view v, foreign key f of table t (dropped with it), and 3
 *	  more".
 *
 * IDENTIFICATION
 *	  src/depends_text.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "compat.h"

#include "lib/stringinfo.h"

#include "depends.h"

/* How many of the dependents use the object from elsewhere (NORMAL). */
int
mg_count_references(List *dependents)
{
	ListCell   *lc;
	int			n = 0;

	foreach(lc, dependents)
	{
		if (((MGDependent *) lfirst(lc))->reference)
			n++;
	}
	return n;
}

char *
mg_describe_dependents(List *dependents, int max_listed, bool mark_dropped)
{
	StringInfoData buf;
	ListCell   *lc;
	int			n = 0;
	int			total = list_length(dependents);

	initStringInfo(&buf);
	foreach(lc, dependents)
	{
		MGDependent *dep = lfirst(lc);

		if (n == max_listed)
			break;
		if (n > 0)
			appendStringInfoString(&buf, ", ");
		if (mark_dropped && dep->dropped_with_it)
			appendStringInfo(&buf, dgettext(TEXTDOMAIN, "%s (dropped with it)"),
							 dep->description);
		else
			appendStringInfoString(&buf, dep->description);
		n++;
	}
	if (total > n)
	{
		char	   *listed = pstrdup(buf.data);

		resetStringInfo(&buf);
		appendStringInfo(&buf,
						 dngettext(TEXTDOMAIN, "%s, and %d more", "%s, and %d more", total - n),
						 listed, total - n);
	}
	return buf.data;
}
