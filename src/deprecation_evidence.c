/*-------------------------------------------------------------------------
 *
 * deprecation_evidence.c
 *	  What the drop_column, drop_table, rename_column and rename_table
 *	  rules make of a deprecation: the contract step passes without a
 *	  finding once the object has gone unused for
 *	  migration_guard.deprecation_quiet_period, and is refused while it is
 *	  used, or while the server has not watched it for that long.
 *
 *	  The evidence is this server's usage counters (usage_shmem.c).  It
 *	  counts from the latest of: the deprecation, the last server start
 *	  whose counters were not restored (first start, crash), the last reset
 *	  of the object's counters, and the last use lost to a full table.  No
 *	  drop passes on missing evidence.  Where heads are configured, one
 *	  release (a change of migration_guard.expected_head) must also have
 *	  passed since the deprecation.  Standbys keep their own counters; a
 *	  deploy checks them before the drop (docs/deprecation.md).
 *
 * IDENTIFICATION
 *	  src/deprecation_evidence.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "compat.h"

#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"
#include "utils/timestamp.h"

#include "deprecation.h"
#include "finding.h"

/* Why the evidence starts when it does. */
typedef enum EvidenceStart
{
	START_DEPRECATION,
	START_SERVER,
	START_RESET,
	START_OVERFLOW
} EvidenceStart;

static const char *
quiet_period_text(void)
{
	return GetConfigOptionByName("migration_guard.deprecation_quiet_period", NULL, false);
}

/* 'public.users', 'email' as arguments of deprecate() */
static char *
deprecate_call(Oid relid, const char *attname)
{
	char	   *rel = quote_literal_cstr(quote_qualified_identifier(get_namespace_name(get_rel_namespace(relid)),
																	get_rel_name(relid)));

	if (attname)
		return psprintf("SELECT migration_guard.deprecate(%s, %s)", rel, quote_literal_cstr(attname));
	return psprintf("SELECT migration_guard.deprecate(%s)", rel);
}

static bool
is_drop(const MGFinding *f)
{
	return f->rule == MG_RULE_DROP_COLUMN || f->rule == MG_RULE_DROP_TABLE;
}

/*
 * The deprecated object a finding is about: its relation, schema-qualified
 * as the messages show it, and its column (NULL: the relation itself).
 * The message names one or the other in a sentence of its own.
 */
typedef struct EvidenceObject
{
	bool		drop;			/* dropping it (else renaming it) */
	char	   *rel;
	const char *attname;
} EvidenceObject;

static void
not_deprecated(MGFinding *f, Oid relid, const char *attname)
{
	mg_finding_add_hint(f, "Deprecate it first: %s; the server then records every query that still uses it, and this passes without a finding once nothing has for migration_guard.deprecation_quiet_period (%s).",
						deprecate_call(relid, attname), quiet_period_text());
}

static void
in_use(MGFinding *f, const EvidenceObject *o, const MGDeprecation *d, const MGUsage *u)
{
	const MGUsageUser *last = &u->users[0];
	char	   *first_use = pstrdup(timestamptz_to_str(u->first_use));
	char	   *deprecated_at = pstrdup(timestamptz_to_str(d->deprecated_at));
	char	   *role = OidIsValid(last->roleid) ? GetUserNameFromId(last->roleid, true) : NULL;
	char	   *last_at = pstrdup(timestamptz_to_str(last->last_use));
	unsigned long n = (unsigned long) Min(u->uses, (int64) LONG_MAX);

	f->advisory = false;
	if (o->drop && o->attname)
		mg_finding_message(f, "dropping deprecated column \"%s\" of %s, which is still in use",
						   o->attname, o->rel);
	else if (o->drop)
		mg_finding_message(f, "dropping deprecated relation %s, which is still in use", o->rel);
	else if (o->attname)
		mg_finding_message(f, "renaming deprecated column \"%s\" of %s, which is still in use",
						   o->attname, o->rel);
	else
		mg_finding_message(f, "renaming deprecated relation %s, which is still in use", o->rel);

	if (!OidIsValid(last->roleid) && u->uses == 1)
		mg_finding_detail(f, "It was used once since %s: by an unknown role.  It was deprecated at %s by %s; migration_guard.deprecation_quiet_period is %s.",
						  first_use, deprecated_at, d->deprecated_by, quiet_period_text());
	else if (!OidIsValid(last->roleid))
		mg_finding_detail_plural(f, "It was used %lld time since %s, last by an unknown role.  It was deprecated at %s by %s; migration_guard.deprecation_quiet_period is %s.",
								 "It was used %lld times since %s, last by an unknown role.  It was deprecated at %s by %s; migration_guard.deprecation_quiet_period is %s.",
								 n, (long long) u->uses, first_use, deprecated_at,
								 d->deprecated_by, quiet_period_text());
	else if (u->uses == 1)
		mg_finding_detail(f, "It was used once since %s: by role \"%s\" (application_name \"%s\", query id %lld) at %s.  It was deprecated at %s by %s; migration_guard.deprecation_quiet_period is %s.",
						  first_use, role ? role : "?", last->appname,
						  (long long) (int64) last->queryid, last_at,
						  deprecated_at, d->deprecated_by, quiet_period_text());
	else
		mg_finding_detail_plural(f, "It was used %lld time since %s, last by role \"%s\" (application_name \"%s\", query id %lld) at %s.  It was deprecated at %s by %s; migration_guard.deprecation_quiet_period is %s.",
								 "It was used %lld times since %s, last by role \"%s\" (application_name \"%s\", query id %lld) at %s.  It was deprecated at %s by %s; migration_guard.deprecation_quiet_period is %s.",
								 n, (long long) u->uses, first_use, role ? role : "?",
								 last->appname, (long long) (int64) last->queryid, last_at,
								 deprecated_at, d->deprecated_by, quiet_period_text());
	mg_finding_hint(f, "Deploy code that no longer uses it (SELECT * FROM migration_guard.deprecations lists the recent roles, application names and query ids), and run this once it has gone unused for the quiet period.");
}

static void
too_early(MGFinding *f, const EvidenceObject *o, EvidenceStart why, TimestampTz since)
{
	const char *at = pstrdup(timestamptz_to_str(since));

	f->advisory = false;
	if (o->drop && o->attname)
		mg_finding_message(f, "dropping deprecated column \"%s\" of %s before its quiet period has passed",
						   o->attname, o->rel);
	else if (o->drop)
		mg_finding_message(f, "dropping deprecated relation %s before its quiet period has passed", o->rel);
	else if (o->attname)
		mg_finding_message(f, "renaming deprecated column \"%s\" of %s before its quiet period has passed",
						   o->attname, o->rel);
	else
		mg_finding_message(f, "renaming deprecated relation %s before its quiet period has passed", o->rel);
	switch (why)
	{
		case START_DEPRECATION:
			mg_finding_detail(f, "Nothing has used it since it was deprecated at %s, but that is less than migration_guard.deprecation_quiet_period (%s) ago: code that uses it rarely (monthly jobs, a rollback) may not have run yet.",
							  at, quiet_period_text());
			break;
		case START_SERVER:
			mg_finding_detail(f, "Usage has been counted only since %s, when the server started without the counters of its previous run (its first start with the library, or a restart after a crash); that is less than migration_guard.deprecation_quiet_period (%s) ago.",
							  at, quiet_period_text());
			break;
		case START_RESET:
			mg_finding_detail(f, "Its usage counters were reset at %s, less than migration_guard.deprecation_quiet_period (%s) ago; what happened before the reset is unknown.",
							  at, quiet_period_text());
			break;
		case START_OVERFLOW:
			mg_finding_detail(f, "At %s a use of a deprecated object could not be counted because the usage table was full, less than migration_guard.deprecation_quiet_period (%s) ago.",
							  at, quiet_period_text());
			break;
	}
	mg_finding_hint(f, "Wait until %s; it passes then if nothing uses it meanwhile.",
					timestamptz_to_str(since + (TimestampTz) mg_deprecation_quiet_period * USECS_PER_SEC));
}

static void
same_release(MGFinding *f, const EvidenceObject *o, const MGDeprecation *d)
{
	f->advisory = false;
	if (o->drop && o->attname)
		mg_finding_message(f, "dropping deprecated column \"%s\" of %s in the release that deprecated it",
						   o->attname, o->rel);
	else if (o->drop)
		mg_finding_message(f, "dropping deprecated relation %s in the release that deprecated it", o->rel);
	else if (o->attname)
		mg_finding_message(f, "renaming deprecated column \"%s\" of %s in the release that deprecated it",
						   o->attname, o->rel);
	else
		mg_finding_message(f, "renaming deprecated relation %s in the release that deprecated it", o->rel);
	mg_finding_detail(f, "It was deprecated at %s while migration_guard.expected_head was \"%s\", and it still is: instances of the previous release, which may still use it, can be running or be rolled back to.",
					  timestamptz_to_str(d->deprecated_at), d->expected_head);
	mg_finding_hint(f, "Do it in the migrations of a later release.");
}

static void
not_tracked(MGFinding *f, const EvidenceObject *o)
{
	f->advisory = false;
	if (o->drop && o->attname)
		mg_finding_message(f, "dropping deprecated column \"%s\" of %s without evidence that it is unused",
						   o->attname, o->rel);
	else if (o->drop)
		mg_finding_message(f, "dropping deprecated relation %s without evidence that it is unused", o->rel);
	else if (o->attname)
		mg_finding_message(f, "renaming deprecated column \"%s\" of %s without evidence that it is unused",
						   o->attname, o->rel);
	else
		mg_finding_message(f, "renaming deprecated relation %s without evidence that it is unused", o->rel);
	mg_finding_detail(f, "Usage of deprecated objects is counted only when migration_guard is in shared_preload_libraries, and it is not.");
	mg_finding_hint(f, "Add migration_guard to shared_preload_libraries, restart, and wait for the quiet period.");
}

/*
 * The evidence about deprecation d of relid's column counted (0: the
 * relation): how it stands now, with the usage read into *u and, when it
 * is too early, the start of the evidence and why in *since and *why.
 */
MGEvidence
mg_deprecation_evidence(const MGDeprecation *d, Oid relid, AttrNumber counted,
						MGUsage *u, TimestampTz *since, int *why)
{
	TimestampTz now = GetCurrentTimestamp();
	TimestampTz quiet = (TimestampTz) mg_deprecation_quiet_period * USECS_PER_SEC;
	TimestampTz start;
	EvidenceStart reason = START_DEPRECATION;
	const char *head;

	memset(u, 0, sizeof(MGUsage));
	if (!mg_usage_available())
		return MG_EVIDENCE_NOT_TRACKED;
	(void) mg_usage_lookup(relid, counted, u);

	if (u->last_use != 0 && u->last_use > now - quiet)
		return MG_EVIDENCE_IN_USE;
	start = d->deprecated_at;
	if (mg_usage_tracking_since() > start)
	{
		start = mg_usage_tracking_since();
		reason = START_SERVER;
	}
	if (u->reset_at > start)
	{
		start = u->reset_at;
		reason = START_RESET;
	}
	if (mg_usage_overflow_at() > start)
	{
		start = mg_usage_overflow_at();
		reason = START_OVERFLOW;
	}
	*since = start;
	*why = (int) reason;
	if (now - start < quiet)
		return MG_EVIDENCE_TOO_EARLY;
	head = GetConfigOption("migration_guard.expected_head", true, false);
	if (head != NULL && head[0] != '\0' && d->expected_head != NULL &&
		strcmp(head, d->expected_head) == 0)
		return MG_EVIDENCE_SAME_RELEASE;
	return MG_EVIDENCE_QUIET;
}

/*
 * Judges the drop or rename of relid's column attnum (0: the relation
 * itself) for the rule's finding f.  Returns true when the object is
 * deprecated and quiet long enough: the caller reports nothing.
 * Otherwise rewrites f (refused while in use or too early) or adds to its
 * hint (never deprecated), and the caller reports it.
 */
bool
mg_deprecation_judge(MGFinding *f, Oid relid, AttrNumber attnum)
{
	char	   *attname = attnum > 0 ? get_attname(relid, attnum, true) : NULL;
	MGDeprecation *d = mg_deprecation_find(relid, attname);
	AttrNumber	counted = attnum > 0 ? attnum : 0;
	EvidenceObject o;
	MGUsage		u;
	TimestampTz since = 0;
	int			why = START_DEPRECATION;

	if (get_rel_name(relid) == NULL)
		return false;
	/* a column of a deprecated relation goes with it */
	if (d == NULL && attname != NULL)
	{
		d = mg_deprecation_find(relid, NULL);
		counted = 0;
	}
	if (d == NULL)
	{
		not_deprecated(f, relid, attname);
		return false;
	}
	o.drop = is_drop(f);
	o.rel = quote_qualified_identifier(get_namespace_name(get_rel_namespace(relid)),
									   get_rel_name(relid));
	o.attname = counted ? attname : NULL;
	switch (mg_deprecation_evidence(d, relid, counted, &u, &since, &why))
	{
		case MG_EVIDENCE_NOT_TRACKED:
			not_tracked(f, &o);
			return false;
		case MG_EVIDENCE_IN_USE:
			in_use(f, &o, d, &u);
			return false;
		case MG_EVIDENCE_TOO_EARLY:
			too_early(f, &o, (EvidenceStart) why, since);
			return false;
		case MG_EVIDENCE_SAME_RELEASE:
			same_release(f, &o, d);
			return false;
		case MG_EVIDENCE_QUIET:
			break;
	}
	return true;
}
