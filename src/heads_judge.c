/*-------------------------------------------------------------------------
 *
 * heads_judge.c
 *	  Judging a head read from the migration table against the release's
 *	  expected head and its known heads: at head, behind, ahead, unknown,
 *	  failed, no table or unset, with sentences saying why.  Per key for
 *	  tools whose heads are per app or project (Django, sqitch); by set
 *	  for Alembic, by order for ordered tools, by history for unordered
 *	  ones.
 *
 *	  Judging layer; pure: reads nothing, calls only heads_versions.c.
 *
 * IDENTIFICATION
 *	  src/heads_judge.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "compat.h"

#include "lib/stringinfo.h"

#include "heads_judge.h"
#include "heads_types.h"
#include "heads_versions.h"

static const char *const state_names[] = {
	[MG_HEAD_AT_HEAD] = "at_head",
	[MG_HEAD_BEHIND] = "behind",
	[MG_HEAD_AHEAD] = "ahead",
	[MG_HEAD_UNKNOWN] = "unknown",
	[MG_HEAD_FAILED] = "failed",
	[MG_HEAD_NO_TABLE] = "no_migration_table",
	[MG_HEAD_UNSET] = "unset",
};

const char *
mg_head_state_name(MGHeadState state)
{
	return state_names[state];
}

/* ---------- judgement ---------- */

typedef struct KeyVerdict
{
	MGHeadState state;
	char	   *detail;
} KeyVerdict;

static KeyVerdict
verdict(MGHeadState state, char *detail)
{
	KeyVerdict	v = {state, detail};

	return v;
}

/* Alembic: the rows are the heads; a set compares with a set. */
static KeyVerdict
judge_pointer_set(List *current, List *expected, List *known)
{
	ListCell   *lc;
	bool		equal = list_length(current) == list_length(expected);

	foreach(lc, current)
		if (!mg_heads_string_member(expected, lfirst(lc)))
		equal = false;
	if (equal)
		return verdict(MG_HEAD_AT_HEAD, NULL);
	foreach(lc, current)
	{
		const char *v = lfirst(lc);

		if (!mg_heads_string_member(expected, v) && !mg_heads_string_member(known, v))
			return verdict(MG_HEAD_UNKNOWN,
						   known
						   ? psprintf(MGH_("Revision \"%s\" is neither an expected head nor listed in \"migration_guard.known_heads\"."), v)
						   : psprintf(MGH_("Revision \"%s\" is not an expected head, and \"migration_guard.known_heads\" is empty, so it cannot be told whether it is older or newer."), v));
	}
	if (current == NIL)
		return verdict(MG_HEAD_BEHIND, pstrdup(MGH_("The database has no revision applied.")));
	return verdict(MG_HEAD_BEHIND, psprintf(MGH_("The database is at %s, an earlier revision than the expected head."),
											mg_heads_join(current)));
}

/* Flyway, Rails, goose, ...: one greatest version against one expected. */
static KeyVerdict
judge_ordered(const MGTool *tool, List *applied, List *expected, List *known)
{
	const char *e;
	const char *cur;
	ListCell   *lc;
	int			c;

	if (list_length(expected) != 1)
		return verdict(MG_HEAD_UNKNOWN,
					   psprintf(MGH_("%s versions are ordered: the expected head must be one version, not %s."),
								tool->name, mg_heads_join(expected)));
	e = linitial(expected);
	if (known)
	{
		foreach(lc, applied)
		{
			const char *v = lfirst(lc);

			if (mg_heads_version_compare(tool, v, e) != 0 && !mg_heads_version_member(tool, known, v))
				return verdict(MG_HEAD_UNKNOWN,
							   psprintf(MGH_("Version \"%s\" is applied but is not listed in \"migration_guard.known_heads\"."), v));
		}
	}
	if (applied == NIL)
		return verdict(MG_HEAD_BEHIND, pstrdup(MGH_("No migration is applied.")));
	cur = mg_heads_max_version(tool, applied);
	c = mg_heads_version_compare(tool, cur, e);
	if (c > 0)
		return verdict(MG_HEAD_AHEAD, psprintf(MGH_("The database is at \"%s\", beyond the expected head \"%s\"."), cur, e));
	if (c < 0)
		return verdict(MG_HEAD_BEHIND, psprintf(MGH_("The database is at \"%s\", before the expected head \"%s\"."), cur, e));
	foreach(lc, known)
	{
		const char *k = lfirst(lc);

		if (mg_heads_version_compare(tool, k, e) < 0 && !mg_heads_version_member(tool, applied, k))
			return verdict(MG_HEAD_BEHIND,
						   psprintf(MGH_("Version \"%s\", listed in \"migration_guard.known_heads\" before the expected head, is not applied."), k));
	}
	return verdict(MG_HEAD_AT_HEAD, NULL);
}

/* Liquibase, sqitch: a history without order; the last row is the head. */
static KeyVerdict
judge_unordered_history(List *applied, List *expected, List *known)
{
	ListCell   *lc;
	bool		all_applied = true;
	const char *last = applied ? llast(applied) : NULL;

	if (known)
	{
		foreach(lc, applied)
		{
			const char *v = lfirst(lc);

			if (!mg_heads_string_member(expected, v) && !mg_heads_string_member(known, v))
				return verdict(MG_HEAD_UNKNOWN,
							   psprintf(MGH_("\"%s\" is applied but is neither an expected head nor listed in \"migration_guard.known_heads\"."), v));
		}
	}
	foreach(lc, expected)
		if (!mg_heads_string_member(applied, lfirst(lc)))
		all_applied = false;
	if (!all_applied)
		return verdict(MG_HEAD_BEHIND,
					   last ? psprintf(MGH_("The last applied change is \"%s\"; the expected head is not applied yet."), last)
					   : pstrdup(MGH_("No change is applied.")));
	if (mg_heads_string_member(expected, last) || mg_heads_string_member(known, last))
		return verdict(MG_HEAD_AT_HEAD, NULL);
	return verdict(MG_HEAD_AHEAD,
				   psprintf(MGH_("\"%s\" was applied after the expected head."), last));
}

static KeyVerdict
judge_key(const MGTool *tool, MGKeyHeads *kh, List *expected, List *known,
		  bool position_only)
{
	List	   *applied = kh ? kh->applied : NIL;

	if (kh && (position_only || tool->pointer))
		applied = list_concat_copy(applied, kh->failed);
	if (tool->pointer && tool->order == MG_ORDER_NONE)
		return judge_pointer_set(applied, expected, known);
	if (tool->order == MG_ORDER_NONE)
		return judge_unordered_history(applied, expected, known);
	return judge_ordered(tool, applied, expected, known);
}

/* Items of a list that belong to a key ("app:name" -> "name"). */
static List *
items_for_key(List *items, const char *key, bool keyed)
{
	List	   *result = NIL;
	ListCell   *lc;

	if (!keyed)
		return items;
	foreach(lc, items)
	{
		const char *item = lfirst(lc);
		const char *colon = strchr(item, ':');

		if (colon && strlen(key) == colon - item && strncmp(item, key, colon - item) == 0)
			result = lappend(result, (void *) (colon + 1));
	}
	return result;
}

static int
state_rank(MGHeadState s)
{
	switch (s)
	{
		case MG_HEAD_AT_HEAD:
			return 0;
		case MG_HEAD_BEHIND:
			return 1;
		case MG_HEAD_AHEAD:
			return 2;
		case MG_HEAD_UNKNOWN:
			return 3;
		default:
			return 4;
	}
}

/*
 * Judges a reading against the expected head(s).  position_only is the
 * commit check's view: a failed or unfinished row counts where its version
 * stands (golang-migrate writes dirty = true before every migration), so
 * only the position, never "failed", is judged.
 */
MGHeadJudgement
mg_heads_judge(const MGHeadReading *r, List *expected, List *known, bool position_only)
{
	MGHeadJudgement j = {MG_HEAD_AT_HEAD, NULL};
	const MGTool *tool = r->tool;
	StringInfoData detail;
	ListCell   *lc;
	List	   *keys = NIL;

	if (expected == NIL)
	{
		j.state = MG_HEAD_UNSET;
		j.detail = r->problem;
		return j;
	}
	if (r->problem)
	{
		j.state = MG_HEAD_UNKNOWN;
		j.detail = r->problem;
		return j;
	}
	if (!OidIsValid(r->relid))
	{
		j.state = MG_HEAD_NO_TABLE;
		j.detail = r->table ? psprintf(MGH_("Table \"%s\" (\"migration_guard.migration_table\") does not exist."), r->table)
			: tool ? psprintf(MGH_("No table of %s (\"%s\") exists."), tool->name, tool->table)
			: pstrdup(MGH_("No migration tool's table exists in this database."));
		return j;
	}

	initStringInfo(&detail);
	if (!position_only)
	{
		foreach(lc, r->keys)
		{
			MGKeyHeads *kh = lfirst(lc);

			if (kh->failed == NIL)
				continue;
			j.state = MG_HEAD_FAILED;
			if (detail.len)
				appendStringInfoChar(&detail, ' ');
			if (tool->keyed)
				appendStringInfo(&detail,
								 MGH_N("%s: Version \"%s\" is in a failed state (%s).",
									   "%s: Versions \"%s\" are in a failed state (%s).",
									   list_length(kh->failed)),
								 kh->key, mg_heads_join(kh->failed),
								 tool->failure ? tool->failure : "failed");
			else
				appendStringInfo(&detail,
								 MGH_N("Version \"%s\" is in a failed state (%s).",
									   "Versions \"%s\" are in a failed state (%s).",
									   list_length(kh->failed)),
								 mg_heads_join(kh->failed),
								 tool->failure ? tool->failure : "failed");
		}
		if (j.state == MG_HEAD_FAILED)
		{
			j.detail = detail.data;
			return j;
		}
	}

	/* The keys the expected head speaks of: one unnamed key, or each app. */
	if (!tool->keyed)
		keys = list_make1("");
	else
	{
		foreach(lc, expected)
		{
			const char *item = lfirst(lc);
			const char *colon = strchr(item, ':');
			char	   *key;

			if (colon == NULL)
			{
				j.state = MG_HEAD_UNKNOWN;
				if (strcmp(tool->name, "django") == 0)
					j.detail = psprintf(MGH_("%s heads are per app: write \"%s\" as app:%s."),
										tool->name, item, item);
				else
					j.detail = psprintf(MGH_("%s heads are per project: write \"%s\" as project:%s."),
										tool->name, item, item);
				return j;
			}
			key = pnstrdup(item, colon - item);
			if (!mg_heads_string_member(keys, key))
				keys = lappend(keys, key);
		}
	}

	foreach(lc, keys)
	{
		const char *key = lfirst(lc);
		MGKeyHeads *kh = NULL;
		ListCell   *kc;
		KeyVerdict	v;

		foreach(kc, r->keys)
			if (strcmp(((MGKeyHeads *) lfirst(kc))->key, key) == 0)
			kh = lfirst(kc);
		v = judge_key(tool, kh,
					  items_for_key(expected, key, tool->keyed),
					  items_for_key(known, key, tool->keyed),
					  position_only);
		if (state_rank(v.state) > state_rank(j.state))
		{
			j.state = v.state;
			resetStringInfo(&detail);
		}
		if (v.state != j.state || v.detail == NULL)
			continue;
		if (detail.len)
			appendStringInfoChar(&detail, ' ');
		/* per key, each sentence is labelled with its key */
		if (tool->keyed)
			appendStringInfo(&detail, "%s: %s", key, v.detail);
		else
			appendStringInfoString(&detail, v.detail);
	}
	j.detail = detail.len ? detail.data : NULL;
	return j;
}
