/*-------------------------------------------------------------------------
 *
 * heads_candidates.c
 *	  Which tables may be the migration table: with migration_table =
 *	  auto every table carrying a known tool's name and shape, otherwise
 *	  the configured table; and, cached per backend, those tables and
 *	  their descendants (a write to any of them can move the head).
 *
 *	  Cost: the hooks ask for every written relation whether it is a
 *	  candidate, which is a scan of a cached array of OIDs.  The cache is
 *	  rebuilt after a pg_class or pg_namespace invalidation, a relcache
 *	  invalidation of a candidate (an inheritance link changed), or a
 *	  change of the table/tool settings.
 *
 *	  Facts layer: calls heads_read.c (names), heads_tools.c (shapes) and
 *	  the settings.
 *
 * IDENTIFICATION
 *	  src/heads_candidates.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "compat.h"

#include "catalog/pg_inherits.h"
#include "utils/inval.h"
#include "utils/memutils.h"
#include "utils/syscache.h"

#include "heads_candidates.h"
#include "heads_read.h"
#include "heads_settings.h"
#include "heads_tools.h"
#include "heads_types.h"

static Oid *candidate_relids = NULL;
static int	candidate_count = 0;
static bool candidates_valid = false;
static char *candidates_tool = NULL;	/* settings the cache was built for */
static char *candidates_table = NULL;
static const MGTool *candidate_tool = NULL; /* the tool, if one candidate */

/* ---------- finding the tables ---------- */

/*
 * The candidate migration tables under the current settings, and in
 * *found_tools the tool of each (NULL when a configured table matches no
 * tool).  With migration_table = auto: every table carrying a tool's
 * name and shape.  Otherwise: the configured table, if it exists.
 */
List *
mg_heads_find_candidates(const char *tool_setting, const char *table_setting,
						 List **found_tools)
{
	const MGTool *only = mg_heads_setting_is_auto(tool_setting) ? NULL : mg_tool_lookup(tool_setting);
	List	   *relids = NIL;

	*found_tools = NIL;
	if (!mg_heads_setting_is_auto(table_setting))
	{
		ListCell   *lc;

		/*
		 * Resolved without the session's search_path and without privilege
		 * checks (heads_read.c): neither a temporary relation of the name nor
		 * an application role without USAGE on the schema may make the guard
		 * see another table.  Several matches are all returned: the reading
		 * reports them as ambiguous and fails closed.
		 */
		relids = mg_heads_resolve_table(table_setting);
		foreach(lc, relids)
			* found_tools = lappend(*found_tools,
									(void *) (only ? only : mg_heads_tool_for_table(lfirst_oid(lc))));
		return relids;
	}

	for (const MGTool *tool = mg_tool_first(); tool; tool = mg_tool_next(tool))
	{
		ListCell   *lc;

		if (only && tool != only)
			continue;
		foreach(lc, mg_heads_relations_named(tool->table, true))
		{
			Oid			relid = lfirst_oid(lc);

			if (list_member_oid(relids, relid) ||
				!mg_heads_table_matches(relid, tool, NULL))
				continue;
			relids = lappend_oid(relids, relid);
			*found_tools = lappend(*found_tools, (void *) tool);
		}
	}
	return relids;
}


/*
 * The candidate tables and every relation whose rows their reading
 * includes (inheritance children, partitions): a write to any of them can
 * move the head.
 */
static List *
expand_descendants(List *relids)
{
	List	   *result = NIL;
	ListCell   *lc;

	foreach(lc, relids)
		result = list_concat_unique_oid(result,
										find_all_inheritors(lfirst_oid(lc), NoLock, NULL));
	return result;
}

/* ---------- the cache ---------- */

static void
invalidate_candidates(Datum arg, int cacheid, uint32 hashvalue)
{
	candidates_valid = false;
}

/*
 * A relcache invalidation of a guarded relation: an inheritance link to it
 * may have changed (heads_guard.c sends one), which changes no pg_class
 * row of it when it already had children.
 */
static void
invalidate_candidates_rel(Datum arg, Oid relid)
{
	if (!OidIsValid(relid))
	{
		candidates_valid = false;
		return;
	}
	for (int i = 0; i < candidate_count; i++)
		if (candidate_relids[i] == relid)
			candidates_valid = false;
}

static bool
setting_changed(const char *cached, const char *current)
{
	return cached == NULL || strcmp(cached, current ? current : "") != 0;
}

static void
refresh_candidates(void)
{
	List	   *tools;
	List	   *relids;
	int			n;
	ListCell   *lc;
	Oid		   *array;

	/*
	 * Valid from now on: an invalidation arriving while the catalogs are read
	 * below clears the flag again, and the next call rebuilds.  An error
	 * leaves the old list, which must not pass for current.
	 */
	candidates_valid = true;
	PG_TRY();
	{
		relids = mg_heads_find_candidates(mg_migration_tool, mg_migration_table, &tools);
		/* the rows of children and partitions are read with the table */
		relids = expand_descendants(relids);
	}
	PG_CATCH();
	{
		candidates_valid = false;
		PG_RE_THROW();
	}
	PG_END_TRY();
	n = list_length(relids);
	array = MemoryContextAlloc(TopMemoryContext, sizeof(Oid) * Max(n, 1));
	n = 0;
	foreach(lc, relids)
		array[n++] = lfirst_oid(lc);

	if (candidate_relids)
		pfree(candidate_relids);
	candidate_relids = array;
	candidate_count = n;
	candidate_tool = n == 1 ? linitial(tools) : NULL;
	if (candidates_tool)
		pfree(candidates_tool);
	if (candidates_table)
		pfree(candidates_table);
	candidates_tool = MemoryContextStrdup(TopMemoryContext, mg_migration_tool ? mg_migration_tool : "");
	candidates_table = MemoryContextStrdup(TopMemoryContext, mg_migration_table ? mg_migration_table : "");
}

/* Rebuilds the candidate list if invalidated or built for other settings. */
static void
ensure_candidates(void)
{
	if (!candidates_valid ||
		setting_changed(candidates_tool, mg_migration_tool) ||
		setting_changed(candidates_table, mg_migration_table))
		refresh_candidates();
}

/* Is relid (possibly) the migration table?  Cheap once the cache is built. */
bool
mg_heads_is_candidate(Oid relid)
{
	ensure_candidates();
	for (int i = 0; i < candidate_count; i++)
		if (candidate_relids[i] == relid)
			return true;
	return false;
}

/*
 * The single migration table the guard detected, and its tool (for the
 * bookkeeping exemptions of heads_txmode.c).  False with none or several.
 */
bool
mg_heads_detected(Oid *relid, const MGTool **tool)
{
	ensure_candidates();
	if (candidate_count != 1 || candidate_tool == NULL)
		return false;
	*relid = candidate_relids[0];
	*tool = candidate_tool;
	return true;
}


/*
 * How many candidate tables there are, and in *single_tool the tool if
 * there is exactly one (else NULL).
 */
int
mg_heads_candidate_count(const MGTool **single_tool)
{
	ensure_candidates();
	*single_tool = candidate_tool;
	return candidate_count;
}

/*
 * The candidate tables and their descendants.  refresh: rebuild the cache
 * if it is stale; the object access hook passes false, so that a statement
 * that renames the table is judged against the set it started with.
 */
const Oid  *
mg_heads_guarded_relids(int *n, bool refresh)
{
	if (refresh || candidate_relids == NULL)
		ensure_candidates();
	*n = candidate_count;
	return candidate_relids;
}

void
mg_heads_candidates_init(void)
{
	CacheRegisterSyscacheCallback(RELNAMENSP, invalidate_candidates, (Datum) 0);
	CacheRegisterSyscacheCallback(NAMESPACEOID, invalidate_candidates, (Datum) 0);
	CacheRegisterRelcacheCallback(invalidate_candidates_rel, (Datum) 0);
}
