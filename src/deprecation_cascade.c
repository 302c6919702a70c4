/*-------------------------------------------------------------------------
 *
 * deprecation_cascade.c
 *	  Deprecated tables and columns destroyed through a dependency: DROP
 *	  SCHEMA ... CASCADE, DROP OWNED BY, DROP TYPE / DOMAIN ... CASCADE,
 *	  ALTER TYPE ... DROP ATTRIBUTE ... CASCADE (rules_cascade.c).
 *
 *	  Those statements destroy objects the drop_table and drop_column rules
 *	  never see, so a deprecated object must not slip through them on
 *	  missing evidence: for each deprecated object among what the statement
 *	  destroys, the same evidence the drop rules judge by
 *	  (deprecation_evidence.c) is read, and every one not quiet for the
 *	  whole period is named with its last use.  The caller makes its
 *	  finding non-advisory then; quiet objects change nothing, so the
 *	  cascade findings are never weaker than without deprecations.
 *
 * IDENTIFICATION
 *	  src/deprecation_cascade.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "compat.h"

#include "catalog/objectaddress.h"
#include "catalog/pg_class.h"
#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"

#include "deprecation.h"

/* how many objects the detail names; the rest are counted */
#define MAX_NAMED	5

/*
 * Whether the statement destroys deprecation d: its relation as a whole,
 * or its column (or, for a deprecated relation, any of its columns: a
 * column of a deprecated relation goes with it, as drop_column judges).
 * Sets *counted to the attnum the usage is counted under (0: relation).
 */
static bool
destroys(List *destroyed, const MGDeprecation *d, AttrNumber *counted)
{
	AttrNumber	attnum = InvalidAttrNumber;
	ListCell   *lc;

	if (d->attname != NULL)
	{
		attnum = get_attnum(d->relid, d->attname);
		if (attnum <= 0)
			return false;		/* renamed or dropped since: watches nothing */
	}
	*counted = attnum;
	foreach(lc, destroyed)
	{
		const ObjectAddress *addr = lfirst(lc);

		if (addr->classId != RelationRelationId || addr->objectId != d->relid)
			continue;
		if (addr->objectSubId == 0 || d->attname == NULL ||
			addr->objectSubId == attnum)
			return true;
	}
	return false;
}

/*
 * The used-by sentence of an object still in use: one per kind of object
 * (column or relation) and per last user (known or not), plural by uses.
 */
static void
append_in_use(StringInfo buf, const MGDeprecation *d, const char *rel,
			  const MGUsage *u)
{
	const MGUsageUser *last = &u->users[0];
	char	   *first_use = pstrdup(timestamptz_to_str(u->first_use));
	char	   *last_at = pstrdup(timestamptz_to_str(OidIsValid(last->roleid) ?
													 last->last_use : u->last_use));
	char	   *role = OidIsValid(last->roleid) ? GetUserNameFromId(last->roleid, true) : NULL;
	unsigned long n = (unsigned long) Min(u->uses, (int64) LONG_MAX);

	if (d->attname && OidIsValid(last->roleid))
		appendStringInfo(buf, ngettext("Deprecated column \"%s\" of %s is still in use: used %lld time since %s, last by role \"%s\" (application_name \"%s\", query id %lld) at %s.",
									   "Deprecated column \"%s\" of %s is still in use: used %lld times since %s, last by role \"%s\" (application_name \"%s\", query id %lld) at %s.",
									   n),
						 d->attname, rel, (long long) u->uses, first_use,
						 role ? role : "?", last->appname,
						 (long long) (int64) last->queryid, last_at);
	else if (d->attname)
		appendStringInfo(buf, ngettext("Deprecated column \"%s\" of %s is still in use: used %lld time since %s, last by an unknown role at %s.",
									   "Deprecated column \"%s\" of %s is still in use: used %lld times since %s, last by an unknown role at %s.",
									   n),
						 d->attname, rel, (long long) u->uses, first_use, last_at);
	else if (OidIsValid(last->roleid))
		appendStringInfo(buf, ngettext("Deprecated relation %s is still in use: used %lld time since %s, last by role \"%s\" (application_name \"%s\", query id %lld) at %s.",
									   "Deprecated relation %s is still in use: used %lld times since %s, last by role \"%s\" (application_name \"%s\", query id %lld) at %s.",
									   n),
						 rel, (long long) u->uses, first_use,
						 role ? role : "?", last->appname,
						 (long long) (int64) last->queryid, last_at);
	else
		appendStringInfo(buf, ngettext("Deprecated relation %s is still in use: used %lld time since %s, last by an unknown role at %s.",
									   "Deprecated relation %s is still in use: used %lld times since %s, last by an unknown role at %s.",
									   n),
						 rel, (long long) u->uses, first_use, last_at);
}

/*
 * One translated sentence: the object, and why its evidence does not let
 * it go; one per kind of object (column or relation).
 */
static void
append_evidence(StringInfo buf, const MGDeprecation *d, MGEvidence ev,
				const MGUsage *u, TimestampTz since)
{
	char	   *rel = quote_qualified_identifier(get_namespace_name(get_rel_namespace(d->relid)),
												 get_rel_name(d->relid));

	if (buf->len > 0)
		appendStringInfoString(buf, "  ");
	switch (ev)
	{
		case MG_EVIDENCE_IN_USE:
			append_in_use(buf, d, rel, u);
			break;
		case MG_EVIDENCE_TOO_EARLY:
			if (d->attname)
				appendStringInfo(buf, _("Deprecated column \"%s\" of %s has been watched only since %s, less than the quiet period ago."),
								 d->attname, rel, timestamptz_to_str(since));
			else
				appendStringInfo(buf, _("Deprecated relation %s has been watched only since %s, less than the quiet period ago."),
								 rel, timestamptz_to_str(since));
			break;
		case MG_EVIDENCE_SAME_RELEASE:
			if (d->attname)
				appendStringInfo(buf, _("Deprecated column \"%s\" of %s was deprecated in the release still expected (migration_guard.expected_head \"%s\")."),
								 d->attname, rel, d->expected_head);
			else
				appendStringInfo(buf, _("Deprecated relation %s was deprecated in the release still expected (migration_guard.expected_head \"%s\")."),
								 rel, d->expected_head);
			break;
		case MG_EVIDENCE_NOT_TRACKED:
			if (d->attname)
				appendStringInfo(buf, _("Deprecated column \"%s\" of %s has no usage evidence: migration_guard is not in shared_preload_libraries."),
								 d->attname, rel);
			else
				appendStringInfo(buf, _("Deprecated relation %s has no usage evidence: migration_guard is not in shared_preload_libraries."),
								 rel);
			break;
		case MG_EVIDENCE_QUIET:
			break;
	}
}

/*
 * destroyed: ObjectAddress pointers (relations, or columns as sub-objects)
 * that the statement drops.  Returns true, with *detail naming them and
 * their last use, when a deprecated object among them is not quiet for the
 * whole quiet period (or its evidence is incomplete).
 */
bool
mg_deprecation_cascade_evidence(List *destroyed, char **detail)
{
	StringInfoData buf;
	ListCell   *lc;
	int			found = 0;

	*detail = NULL;
	if (destroyed == NIL)
		return false;
	initStringInfo(&buf);
	foreach(lc, mg_deprecations_read())
	{
		MGDeprecation *d = lfirst(lc);
		AttrNumber	counted = 0;
		MGUsage		u;
		TimestampTz since = 0;
		int			why = 0;
		MGEvidence	ev;

		if (!destroys(destroyed, d, &counted))
			continue;
		ev = mg_deprecation_evidence(d, d->relid, counted, &u, &since, &why);
		if (ev == MG_EVIDENCE_QUIET)
			continue;
		if (found++ < MAX_NAMED)
			append_evidence(&buf, d, ev, &u, since);
	}
	if (found == 0)
		return false;
	if (found > MAX_NAMED)
	{
		appendStringInfoString(&buf, "  ");
		appendStringInfo(&buf, ngettext("%d more deprecated object it destroys is not quiet either.",
										"%d more deprecated objects it destroys are not quiet either.",
										found - MAX_NAMED),
						 found - MAX_NAMED);
	}
	appendStringInfoString(&buf, "  ");
	appendStringInfo(&buf, _("migration_guard.deprecation_quiet_period is %s."),
					 GetConfigOptionByName("migration_guard.deprecation_quiet_period", NULL, false));
	*detail = buf.data;
	return true;
}
