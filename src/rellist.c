/*-------------------------------------------------------------------------
 *
 * rellist.c
 *	  Lists of relation names for a message's detail: the first few
 *	  qualified names, then how many more, in words a translator can
 *	  change (the count chooses singular or plural wording).
 *
 * IDENTIFICATION
 *	  src/rellist.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "compat.h"

#include "lib/stringinfo.h"

#include "relfacts.h"
#include "rellist.h"

/* "public.a, public.b, and 3 more" */
char *
mg_rel_list_serial(List *relids, int max_listed)
{
	StringInfoData buf;
	ListCell   *lc;
	int			n = 0;

	initStringInfo(&buf);
	foreach(lc, relids)
	{
		if (n == max_listed)
		{
			int			more = list_length(relids) - n;
			char	   *listed = pstrdup(buf.data);

			resetStringInfo(&buf);
			appendStringInfo(&buf,
							 dngettext(TEXTDOMAIN, "%s, and %d more", "%s, and %d more", more),
							 listed, more);
			break;
		}
		appendStringInfo(&buf, "%s%s", n > 0 ? ", " : "", mg_rel_name(lfirst_oid(lc)));
		n++;
	}
	return buf.data;
}

/* "public.a, public.b, public.c and 4 more" */
char *
mg_rel_list_text(List *relids, int max_shown)
{
	StringInfoData buf;
	ListCell   *lc;
	int			shown = 0;

	initStringInfo(&buf);
	foreach(lc, relids)
	{
		if (shown == max_shown)
			break;
		if (shown > 0 && shown == list_length(relids) - 1)
		{
			char	   *listed = pstrdup(buf.data);

			resetStringInfo(&buf);
			appendStringInfo(&buf, dgettext(TEXTDOMAIN, "%s and %s"),
							 listed, mg_rel_name(lfirst_oid(lc)));
			shown++;
			continue;
		}
		if (shown > 0)
			appendStringInfoString(&buf, ", ");
		appendStringInfoString(&buf, mg_rel_name(lfirst_oid(lc)));
		shown++;
	}
	if (shown < list_length(relids))
	{
		int			more = list_length(relids) - shown;
		char	   *listed = pstrdup(buf.data);

		resetStringInfo(&buf);
		appendStringInfo(&buf,
						 dngettext(TEXTDOMAIN, "%s and %d more", "%s and %d more", more),
						 listed, more);
	}
	return buf.data;
}
