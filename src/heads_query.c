/*-------------------------------------------------------------------------
 *
 * heads_query.c
 *	  Reading the migration head: choosing the table (heads_candidates.c),
 *	  running the tool's own query over it as the table's owner
 *	  (heads_read.c), and folding its rows, in the tool's history order,
 *	  into the versions applied and failed per key; and the current
 *	  head(s) as the tool would name them.
 *
 *	  Never raises an error for a missing, ambiguous or misshapen table:
 *	  those come back as the reading's problem, so that head() can report
 *	  them as a state and the commit check can fail closed.
 *
 * IDENTIFICATION
 *	  src/heads_query.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "compat.h"

#include "common/hashfn.h"
#include "executor/spi.h"
#include "lib/stringinfo.h"
#include "storage/lmgr.h"
#include "utils/builtins.h"
#include "utils/hsearch.h"
#include "utils/memutils.h"
#include "utils/snapmgr.h"

#include "heads_candidates.h"
#include "heads_query.h"
#include "heads_read.h"
#include "heads_settings.h"
#include "heads_tools.h"
#include "heads_types.h"
#include "heads_versions.h"
#include "relfacts.h"

static MGKeyHeads *
key_heads(MGHeadReading *r, const char *key)
{
	ListCell   *lc;
	MGKeyHeads *kh;

	foreach(lc, r->keys)
	{
		kh = lfirst(lc);
		if (strcmp(kh->key, key) == 0)
			return kh;
	}
	kh = palloc0(sizeof(MGKeyHeads));
	kh->key = pstrdup(key);
	r->keys = lappend(r->keys, kh);
	return kh;
}

static int
key_cmp(const ListCell *a, const ListCell *b)
{
	return strcmp(((MGKeyHeads *) lfirst(a))->key, ((MGKeyHeads *) lfirst(b))->key);
}

/* A hash of version strings, so that reading a long history stays linear. */
typedef struct SeenEntry
{
	char	   *version;		/* hash key: the pointer, hashed by content */
	bool		present;		/* in kh->applied or kh->failed */
} SeenEntry;

static uint32
seen_hash(const void *key, Size keysize)
{
	const char *s = *(char *const *) key;

	return hash_bytes((const unsigned char *) s, strlen(s));
}

static int
seen_match(const void *key1, const void *key2, Size keysize)
{
	return strcmp(*(char *const *) key1, *(char *const *) key2);
}

static HTAB *
seen_create(void)
{
	HASHCTL		ctl;

	ctl.keysize = sizeof(char *);
	ctl.entrysize = sizeof(SeenEntry);
	ctl.hash = seen_hash;
	ctl.match = seen_match;
	ctl.hcxt = CurrentMemoryContext;
	return hash_create("migration_guard versions", 256, &ctl,
					   HASH_ELEM | HASH_FUNCTION | HASH_COMPARE | HASH_CONTEXT);
}

/*
 * Applies one row to the key's applied and failed sets, in the tool's
 * history order: a later row about the same version supersedes an
 * earlier one (a success after a failure, an undo after an apply).
 */
static void
apply_row(MGKeyHeads *kh, const char *version, bool failed, bool undo)
{
	char	   *copy = pstrdup(version);
	SeenEntry  *e;
	bool		found;

	if (kh->seen == NULL)
		kh->seen = seen_create();
	e = hash_search(kh->seen, &copy, HASH_ENTER, &found);
	if (found && e->present)
	{
		kh->applied = mg_heads_string_remove(kh->applied, version);
		kh->failed = mg_heads_string_remove(kh->failed, version);
	}
	e->present = !undo;
	if (undo)
		return;
	if (failed)
		kh->failed = lappend(kh->failed, e->version);
	else
		kh->applied = lappend(kh->applied, e->version);
}

/*
 * The tool's query (heads_tools.c) with the quoted table name where its
 * one "%s" stands.  Spliced as text rather than used as a format, so the
 * compiler checks every format string we pass.
 */
static char *
tool_query_text(const char *query, const char *table)
{
	const char *slot = strstr(query, "%s");
	StringInfoData buf;

	Assert(slot != NULL && strstr(slot + 2, "%s") == NULL);
	initStringInfo(&buf);
	appendBinaryStringInfo(&buf, query, slot - query);
	appendStringInfoString(&buf, table);
	appendStringInfoString(&buf, slot + 2);
	return buf.data;
}

/*
 * Runs the tool's query as the table's owner (heads_read.c), inside the
 * caller's memory context.  The caller provides the snapshot (an active
 * one is used as is).  An empty or NULL version makes the reading a
 * problem: no tool writes one, and a head that cannot be named cannot be
 * judged.
 */
static void
run_tool_query(MGHeadReading *r, Oid owner)
{
	MemoryContext callercxt = CurrentMemoryContext;
	MGOwnQuery	own;
	bool		pushed = false;
	char	   *sql;
	int			rc;
	ListCell   *lc;

	sql = tool_query_text(r->tool->query, r->table);

	mg_heads_enter_as(&own, owner);
	if (!ActiveSnapshotSet())
	{
		PushActiveSnapshot(GetTransactionSnapshot());
		pushed = true;
	}

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	rc = SPI_execute(sql, true, 0);
	if (rc != SPI_OK_SELECT)
		elog(ERROR, "reading %s failed: %s", r->table, SPI_result_code_string(rc));

	for (uint64 i = 0; i < SPI_processed; i++)
	{
		HeapTuple	tup = SPI_tuptable->vals[i];
		TupleDesc	desc = SPI_tuptable->tupdesc;
		char	   *key = SPI_getvalue(tup, desc, 1);
		char	   *version = SPI_getvalue(tup, desc, 2);
		bool		isnull;
		bool		failed = DatumGetBool(SPI_getbinval(tup, desc, 3, &isnull)) && !isnull;
		bool		undo = DatumGetBool(SPI_getbinval(tup, desc, 4, &isnull)) && !isnull;
		MemoryContext spicxt;

		if (version == NULL || version[0] == '\0')
		{
			if (r->problem == NULL)
				r->problem = MemoryContextStrdup(callercxt, version
												 ? psprintf(MGH_("Table %s holds an empty version, which no migration tool writes."),
															r->table)
												 : psprintf(MGH_("Table %s holds a NULL version, which no migration tool writes."),
															r->table));
			continue;
		}
		spicxt = MemoryContextSwitchTo(callercxt);
		apply_row(key_heads(r, key ? key : ""), version, failed, undo);
		MemoryContextSwitchTo(spicxt);
	}
	SPI_finish();

	foreach(lc, r->keys)
	{
		MGKeyHeads *kh = lfirst(lc);

		if (kh->seen)
			hash_destroy(kh->seen);
		kh->seen = NULL;
	}

	if (pushed)
		PopActiveSnapshot();
	mg_heads_leave_own_query(&own);

	if (r->keys)
		list_sort(r->keys, key_cmp);
}

/* Why the table is not the tool's, as a sentence. */
static char *
shape_problem(const MGHeadReading *r, const MGShapeMismatch *why)
{
	switch (why->kind)
	{
		case MG_SHAPE_NO_COLUMN:
			return psprintf(MGH_("Table %s lacks column \"%s\", which %s writes."),
							r->table, why->name, r->tool->name);
		case MG_SHAPE_COLUMN_TYPE:
			return psprintf(MGH_("Table %s lacks column \"%s\" of another type, which %s writes."),
							r->table, why->name, r->tool->name);
		case MG_SHAPE_NO_COMPANION:
			break;
	}
	return psprintf(MGH_("Table %s lacks table \"%s\" beside it, which %s writes."),
					r->table, why->name, r->tool->name);
}

/*
 * Reads the migration head under the current settings.  Never raises an
 * error for a missing, ambiguous or misshapen table: those come back as
 * r->problem or an invalid relid, so head() can report them as a state.
 */
MGHeadReading *
mg_heads_read(const char *tool_setting, const char *table_setting)
{
	MGHeadReading *r = palloc0(sizeof(MGHeadReading));
	List	   *found_tools;
	List	   *relids = mg_heads_find_candidates(tool_setting, table_setting, &found_tools);
	MGShapeMismatch why;
	Oid			owner;

	if (!mg_heads_setting_is_auto(tool_setting))
		r->tool = mg_tool_lookup(tool_setting);

	if (relids == NIL)
	{
		if (!mg_heads_setting_is_auto(table_setting))
			r->table = pstrdup(table_setting);
		return r;
	}
	if (list_length(relids) > 1)
	{
		StringInfoData buf;

		initStringInfo(&buf);
		for (int i = 0; i < list_length(relids); i++)
			appendStringInfo(&buf, "%s%s (%s)", i == 0 ? "" : i == list_length(relids) - 1 ? " and " : ", ",
							 mg_rel_name(list_nth_oid(relids, i)),
							 ((const MGTool *) list_nth(found_tools, i))->name);
		r->ambiguous = true;
		r->problem = psprintf(MGH_("Several tables look like migration tables: %s; migration_guard does not guess which one is the release's."), buf.data);
		return r;
	}

	r->relid = linitial_oid(relids);
	r->table = mg_rel_name(r->relid);
	r->tool = linitial(found_tools);
	if (r->tool == NULL)
	{
		r->problem = psprintf(MGH_("Table %s does not have the shape of any known migration tool's table."), r->table);
		return r;
	}
	if (!mg_heads_table_matches(r->relid, r->tool, &why))
	{
		r->problem = shape_problem(r, &why);
		return r;
	}

	/*
	 * Locked before it is checked (the query takes the same lock), so that it
	 * cannot be renamed away and its name given to another relation between
	 * the check and the query.
	 */
	LockRelationOid(r->relid, AccessShareLock);
	r->problem = mg_heads_check_readable(r->relid, &owner);
	if (r->problem == NULL)
		r->table = mg_rel_name(r->relid);
	if (r->problem)
		return r;
	run_tool_query(r, owner);
	return r;
}

/*
 * The current head(s) as the tool would name them: the rows themselves
 * for pointer tools (Alembic, golang-migrate), the greatest applied
 * version for ordered tools, the last applied change for unordered
 * histories; "key:version" per key for Django and sqitch.
 */
List *
mg_heads_current(const MGHeadReading *r)
{
	List	   *result = NIL;
	ListCell   *lc;

	if (r->tool == NULL || r->problem)
		return NIL;
	foreach(lc, r->keys)
	{
		MGKeyHeads *kh = lfirst(lc);
		List	   *heads = NIL;
		ListCell   *hc;

		if (r->tool->pointer)
		{
			List	   *all = list_concat_copy(kh->applied, kh->failed);

			if (r->tool->order == MG_ORDER_NONE)
				heads = all;
			else if (all)
				heads = list_make1((void *) mg_heads_max_version(r->tool, all));
		}
		else if (kh->applied == NIL)
			continue;
		else if (r->tool->order == MG_ORDER_NONE)
			heads = list_make1(llast(kh->applied));
		else
			heads = list_make1((void *) mg_heads_max_version(r->tool, kh->applied));

		foreach(hc, heads)
		{
			if (r->tool->keyed)
				result = lappend(result, psprintf("%s:%s", kh->key, (char *) lfirst(hc)));
			else
				result = lappend(result, lfirst(hc));
		}
	}
	list_sort(result, mg_heads_string_cmp);
	return result;
}
