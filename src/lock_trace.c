/*-------------------------------------------------------------------------
 *
 * lock_trace.c
 *	  migration_guard.trace_locks: after a statement, one NOTICE listing the
 *	  relation locks it newly acquired and the relations it rewrote
 *	  (relfilenode changed), created or dropped.
 *
 *	  Reads the whole lock table (GetLockStatusData) before and after the
 *	  statement, which is why it runs only when the setting is on.
 *
 * IDENTIFICATION
 *	  src/lock_trace.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "compat.h"

#include "access/htup_details.h"
#include "catalog/pg_class.h"
#include "catalog/pg_inherits.h"
#include "catalog/pg_namespace.h"
#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "storage/lock.h"
#include "utils/syscache.h"

#include "lock_policy.h"
#include "lockinfo.h"
#include "relfacts.h"
#include "words.h"

typedef struct TracedRel
{
	Oid			relid;
	LOCKMASK	held;			/* modes this backend holds */
	Oid			relfilenode;
	char		relkind;
	char	   *relname;
	bool		known_before;	/* existed before the statement */
	bool		hidden;			/* TOAST: part of its table's storage */
} TracedRel;

static TracedRel *
traced_find(List *rels, Oid relid)
{
	ListCell   *lc;

	foreach(lc, rels)
	{
		TracedRel  *t = lfirst(lc);

		if (t->relid == relid)
			return t;
	}
	return NULL;
}

static TracedRel *
traced_add(List **rels, Oid relid)
{
	TracedRel  *t = traced_find(*rels, relid);
	HeapTuple	tup;

	if (t != NULL)
		return t;
	t = palloc0(sizeof(TracedRel));
	t->relid = relid;
	tup = SearchSysCache1(RELOID, ObjectIdGetDatum(relid));
	if (HeapTupleIsValid(tup))
	{
		Form_pg_class cls = (Form_pg_class) GETSTRUCT(tup);

		t->relfilenode = cls->relfilenode;
		t->relkind = cls->relkind;
		t->known_before = true;
		t->hidden = cls->relnamespace == PG_TOAST_NAMESPACE;
		ReleaseSysCache(tup);
		t->relname = mg_rel_name(relid);
	}
	*rels = lappend(*rels, t);
	return t;
}

/*
 * This backend's locks on user relations of this database.  Reads the
 * whole lock table (GetLockStatusData), which is why it runs only when
 * migration_guard.trace_locks is on.
 */
static void
add_own_relation_locks(List **rels, bool before)
{
	LockData   *data = GetLockStatusData();

	for (int i = 0; i < data->nelements; i++)
	{
		LockInstanceData *inst = &data->locks[i];
		TracedRel  *t;

		if (inst->pid != MyProcPid || inst->holdMask == 0 ||
			inst->locktag.locktag_type != LOCKTAG_RELATION ||
			inst->locktag.locktag_field1 != MyDatabaseId ||
			inst->locktag.locktag_field2 < FirstNormalObjectId)
			continue;
		if (before)
			t = traced_add(rels, inst->locktag.locktag_field2);
		else
		{
			t = traced_find(*rels, inst->locktag.locktag_field2);
			if (t == NULL)
			{
				t = palloc0(sizeof(TracedRel));
				t->relid = inst->locktag.locktag_field2;
				*rels = lappend(*rels, t);
			}
		}
		t->held |= inst->holdMask;
	}
}

static void
add_indexes_of(List **rels, Oid relid)
{
	ListCell   *lc;

	foreach(lc, mg_table_index_oids(relid))
		traced_add(rels, lfirst_oid(lc));
}

/*
 * Before the statement: the locks this backend holds, and the relfilenode
 * of every relation the statement may lock or rewrite (its relations,
 * their partitions, indexes and TOAST tables).
 */
List *
mg_lock_trace_before(MGLockPlan *plan)
{
	List	   *rels = NIL;
	ListCell   *lc;

	add_own_relation_locks(&rels, true);
	foreach(lc, plan->locks)
	{
		MGRelLock  *l = lfirst(lc);
		List	   *family = find_all_inheritors(l->relid, NoLock, NULL);
		ListCell   *lc2;

		foreach(lc2, family)
		{
			Oid			relid = lfirst_oid(lc2);
			Oid			toast = InvalidOid;
			HeapTuple	tup;

			traced_add(&rels, relid);
			add_indexes_of(&rels, relid);
			tup = SearchSysCache1(RELOID, ObjectIdGetDatum(relid));
			if (HeapTupleIsValid(tup))
			{
				toast = ((Form_pg_class) GETSTRUCT(tup))->reltoastrelid;
				ReleaseSysCache(tup);
			}
			if (OidIsValid(toast))
			{
				traced_add(&rels, toast);
				add_indexes_of(&rels, toast);
			}
		}
	}
	return rels;
}

static int
compare_strings(const void *a, const void *b)
{
	return strcmp(*(char *const *) a, *(char *const *) b);
}

/* "ACCESS EXCLUSIVE, ACCESS SHARE": the modes in mask, strongest first. */
static char *
lockmask_names(LOCKMASK mask)
{
	StringInfoData buf;

	initStringInfo(&buf);
	for (LOCKMODE m = AccessExclusiveLock; m >= AccessShareLock; m--)
	{
		if (mask & LOCKBIT_ON(m))
			appendStringInfo(&buf, "%s%s", buf.len > 0 ? ", " : "", mg_lockmode_name(m));
	}
	return buf.data;
}

/* What happened to a traced relation's storage during the statement. */
typedef enum TraceState
{
	TRACE_SAME,
	TRACE_NEW,
	TRACE_REWRITTEN,
	TRACE_DROPPED
} TraceState;

/*
 * One line of the trace: "name (kind): modes newly taken[, what happened]",
 * or, for a relation rewritten under a lock taken before, what became of
 * that lock.  Each form is written whole, for translation.
 */
static char *
trace_line(const char *name, char relkind, LOCKMASK newly, LOCKMASK held,
		   TraceState state)
{
	const char *kind = mg_relkind_word(relkind);

	if (newly == 0)
	{
		if (held)
			return psprintf(dgettext(TEXTDOMAIN, "%s (%s): lock held before, rewritten"), name, kind);
		return psprintf(dgettext(TEXTDOMAIN, "%s (%s): lock already released, rewritten"), name, kind);
	}
	switch (state)
	{
		case TRACE_NEW:
			return psprintf(dgettext(TEXTDOMAIN, "%s (%s): %s, new"), name, kind, lockmask_names(newly));
		case TRACE_REWRITTEN:
			return psprintf(dgettext(TEXTDOMAIN, "%s (%s): %s, rewritten"), name, kind, lockmask_names(newly));
		case TRACE_DROPPED:
			return psprintf(dgettext(TEXTDOMAIN, "%s (%s): %s, dropped"), name, kind, lockmask_names(newly));
		case TRACE_SAME:
			break;
	}
	return psprintf(dgettext(TEXTDOMAIN, "%s (%s): %s"), name, kind, lockmask_names(newly));
}

/*
 * After the statement: one NOTICE listing the relation locks it newly
 * acquired and the relations whose relfilenode changed (rewritten).
 */
void
mg_lock_trace_after(const char *tag, List *before)
{
	List	   *after = NIL;
	List	   *lines = NIL;
	ListCell   *lc;
	char	  **sorted;
	int			n = 0;
	StringInfoData detail;

	/* copy the "before" view; locks are read fresh */
	foreach(lc, before)
	{
		TracedRel  *t = palloc(sizeof(TracedRel));

		*t = *(TracedRel *) lfirst(lc);
		t->held = 0;
		after = lappend(after, t);
	}
	add_own_relation_locks(&after, false);

	foreach(lc, after)
	{
		TracedRel  *t = lfirst(lc);
		TracedRel  *old = traced_find(before, t->relid);
		LOCKMASK	newly = t->held & ~(old ? old->held : 0);
		HeapTuple	tup = SearchSysCache1(RELOID, ObjectIdGetDatum(t->relid));
		TraceState	state = TRACE_SAME;
		char	   *name = t->relname;
		char		relkind = t->relkind;

		if (HeapTupleIsValid(tup))
		{
			Form_pg_class cls = (Form_pg_class) GETSTRUCT(tup);

			relkind = cls->relkind;
			if (cls->relnamespace == PG_TOAST_NAMESPACE)
				t->hidden = true;
			if (!t->known_before)
				state = TRACE_NEW;
			else if (cls->relfilenode != t->relfilenode)
				state = TRACE_REWRITTEN;
			ReleaseSysCache(tup);
			if (name == NULL)
				name = mg_rel_name(t->relid);
		}
		else if (t->known_before)
			state = TRACE_DROPPED;
		else
			continue;			/* created and dropped within the statement */
		if (name == NULL)
			name = psprintf("relation %u", t->relid);

		if (t->hidden)
			continue;
		if (newly == 0 && state != TRACE_REWRITTEN)
			continue;
		lines = lappend(lines, trace_line(name, relkind, newly, t->held, state));
	}

	if (lines == NIL)
	{
		ereport(NOTICE,
				(errmsg("%s locked or rewrote no relation", tag)));
		return;
	}
	sorted = palloc(sizeof(char *) * list_length(lines));
	foreach(lc, lines)
		sorted[n++] = lfirst(lc);
	qsort(sorted, n, sizeof(char *), compare_strings);
	initStringInfo(&detail);
	for (int i = 0; i < n; i++)
		appendStringInfo(&detail, "%s%s", i > 0 ? "\n" : "", sorted[i]);
	ereport(NOTICE,
			(errmsg_plural("%s locked or rewrote %d relation",
						   "%s locked or rewrote %d relations",
						   n, tag, n),
			 errdetail_internal("%s", detail.data)));
}
