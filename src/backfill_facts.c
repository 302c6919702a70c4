/*-------------------------------------------------------------------------
 *
 * backfill_facts.c
 *	  What a backfill job's cursor means: the facts its stored key values
 *	  depend on, recorded when the job starts (backfill_jobs.key_facts)
 *	  and checked whenever it resumes.
 *
 *	  The cursor and the bounds are key values kept as text.  They mean
 *	  the same rows only while the relation is the same relation, the key
 *	  is the same columns of the same types (and typmods) under the same
 *	  collations, and batches follow the same index (the same operator
 *	  classes).  A key widened from integer to text between two CALLs turns
 *	  the range '500' .. '1200' into a text range that holds none of the
 *	  700 rows left; a changed collation reorders a text key.  Either would
 *	  make the job skip rows and still say it is done.  So every one of
 *	  those facts is recorded, and a resume that finds one changed refuses
 *	  with MG027, naming the fact.
 *
 *	  Each fact is a name and a value ending with "[what number]" (an OID,
 *	  attnum or typmod), and only that last bracket is compared, so that
 *	  renaming an index or a type does not stop a job, while dropping and
 *	  re-creating it does.  Names before it are for the messages only.
 *
 * IDENTIFICATION
 *	  src/backfill_facts.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "compat.h"

#include "access/htup_details.h"
#include "access/relation.h"
#include "catalog/pg_collation.h"
#include "catalog/pg_index.h"
#include "catalog/pg_opclass.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "lib/stringinfo.h"
#include "utils/builtins.h"
#include "utils/json.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/syscache.h"

#include "backfill.h"

typedef struct KeyFact
{
	char	   *name;
	char	   *value;
} KeyFact;

static List *
add_fact(List *facts, char *name, char *value)
{
	KeyFact    *f = palloc(sizeof(KeyFact));

	f->name = name;
	f->value = value;
	return lappend(facts, f);
}

static char *
collation_value(Oid collid)
{
	char	   *name = OidIsValid(collid) ? get_collation_name(collid) : NULL;

	return psprintf("%s [collation %u]", name ? quote_identifier(name) : "none", collid);
}

static char *
opclass_value(Oid opclass)
{
	HeapTuple	tup = SearchSysCache1(CLAOID, ObjectIdGetDatum(opclass));
	char	   *name = "?";

	if (HeapTupleIsValid(tup))
	{
		name = pstrdup(NameStr(((Form_pg_opclass) GETSTRUCT(tup))->opcname));
		ReleaseSysCache(tup);
	}
	return psprintf("%s [opclass %u]", name, opclass);
}

/*
 * The facts of a plan, in a fixed order: the relation, and for a keyset
 * job, per key column, the column, its type, typmod, collation, and the
 * index's operator class and collation, then the key index itself.
 */
static List *
plan_facts(MGBackfillPlan *plan)
{
	List	   *facts = NIL;
	Relation	rel;
	Relation	idx;
	oidvector  *indclass;
	bool		isnull;

	facts = add_fact(facts, "relation",
					 psprintf("%s [relation %u]", plan->reldisplay, plan->relid));
	if (plan->method != MG_BF_KEYSET)
		return facts;

	rel = relation_open(plan->relid, AccessShareLock);
	idx = relation_open(plan->keyindex, AccessShareLock);
	indclass = (oidvector *) DatumGetPointer(SysCacheGetAttr(INDEXRELID, idx->rd_indextuple,
															 Anum_pg_index_indclass, &isnull));
	for (int i = 0; i < plan->nkeys; i++)
	{
		AttrNumber	attnum = idx->rd_index->indkey.values[i];
		Form_pg_attribute att = TupleDescAttr(RelationGetDescr(rel), attnum - 1);
		int			pos = i + 1;

		facts = add_fact(facts, psprintf("key column %d", pos),
						 psprintf("%s [attnum %d]", quote_identifier(NameStr(att->attname)), attnum));
		facts = add_fact(facts, psprintf("key column %d type", pos),
						 psprintf("%s [type %u]", format_type_be(att->atttypid), att->atttypid));
		facts = add_fact(facts, psprintf("key column %d typmod", pos),
						 psprintf("%s [typmod %d]",
								  format_type_with_typemod(att->atttypid, att->atttypmod),
								  att->atttypmod));
		facts = add_fact(facts, psprintf("key column %d collation", pos),
						 collation_value(att->attcollation));
		facts = add_fact(facts, psprintf("key column %d operator class", pos),
						 opclass_value(indclass->values[i]));
		facts = add_fact(facts, psprintf("key column %d index collation", pos),
						 collation_value(idx->rd_indcollation[i]));
	}
	/* last: a type change rebuilds the index, and the type says why */
	facts = add_fact(facts, "key index",
					 psprintf("%s [index %u]", RelationGetRelationName(idx), plan->keyindex));
	relation_close(idx, AccessShareLock);
	relation_close(rel, AccessShareLock);
	return facts;
}

/* The facts as a JSON object's text, for backfill_jobs.key_facts. */
char *
mg_bf_key_facts_json(MGBackfillPlan *plan)
{
	StringInfoData buf;
	ListCell   *lc;

	initStringInfo(&buf);
	appendStringInfoChar(&buf, '{');
	foreach(lc, plan_facts(plan))
	{
		KeyFact    *f = lfirst(lc);

		if (foreach_current_index(lc) > 0)
			appendStringInfoString(&buf, ", ");
		escape_json(&buf, f->name);
		appendStringInfoString(&buf, ": ");
		escape_json(&buf, f->value);
	}
	appendStringInfoChar(&buf, '}');
	return buf.data;
}

/* The part of a value that identifies it: "[what oid]" if it has one. */
static const char *
identity(const char *value)
{
	const char *open = strrchr(value, '[');
	size_t		len = strlen(value);

	if (open != NULL && len > 0 && value[len - 1] == ']')
		return open;
	return value;
}

static bool
same_fact(const char *stored, const char *current)
{
	return stored != NULL && strcmp(identity(stored), identity(current)) == 0;
}

/* The recorded facts of a job, from its key_facts (JSON text). */
static List *
stored_facts(const char *json)
{
	Oid			argtypes[1] = {TEXTOID};
	Datum		values[1] = {CStringGetTextDatum(json)};
	MemoryContext cxt = CurrentMemoryContext;
	List	   *facts = NIL;
	int			rc;

	rc = SPI_execute_with_args("SELECT key, value FROM pg_catalog.jsonb_each_text($1::pg_catalog.jsonb)",
							   1, argtypes, values, NULL, true, 0);
	MemoryContextSwitchTo(cxt);
	if (rc != SPI_OK_SELECT)
		elog(ERROR, "cannot read the key facts of a backfill job: %s",
			 SPI_result_code_string(rc));
	for (uint64 i = 0; i < SPI_processed; i++)
		facts = add_fact(facts,
						 SPI_getvalue(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 1),
						 SPI_getvalue(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 2));
	SPI_freetuptable(SPI_tuptable);
	return facts;
}

static const char *
lookup_fact(List *facts, const char *name)
{
	ListCell   *lc;

	foreach(lc, facts)
	{
		KeyFact    *f = lfirst(lc);

		if (strcmp(f->name, name) == 0)
			return f->value;
	}
	return NULL;
}

static void
report_changed(const char *jobname, const char *fact, const char *was, const char *now)
{
	ereport(ERROR,
			(errcode(ERRCODE_MG_BACKFILL_CURSOR_CHANGED),
			 errmsg("backfill \"%s\" cannot resume: its cursor no longer means the same rows", jobname),
			 was && now ?
			 errdetail("The job's %s was %s when it began and is %s now.", fact, was, now) :
			 was ?
			 errdetail("The job's %s was %s when it began and is gone now.", fact, was) :
			 errdetail("The job's %s is %s now and was not part of its key when it began.", fact, now),
			 errhint("The batches it committed stay applied. Start a new job under another name, with a where_clause that skips the rows already done, then remove this one with migration_guard.backfill_forget(%s).",
					 quote_literal_cstr(jobname))));
}

/*
 * Refuses to resume a job whose recorded facts differ from the plan's.
 * Returns false if the job has none recorded (started before 1.1).
 */
bool
mg_bf_check_key_facts(const char *jobname, MGBackfillPlan *plan, const char *json)
{
	List	   *stored;
	List	   *current;
	ListCell   *lc;

	if (json == NULL)
		return false;
	stored = stored_facts(json);
	current = plan_facts(plan);
	foreach(lc, current)
	{
		KeyFact    *f = lfirst(lc);
		const char *was = lookup_fact(stored, f->name);

		if (!same_fact(was, f->value))
			report_changed(jobname, f->name, was, f->value);
	}
	foreach(lc, stored)
	{
		KeyFact    *f = lfirst(lc);

		if (lookup_fact(current, f->name) == NULL)
			report_changed(jobname, f->name, f->value, NULL);
	}
	return true;
}

/*
 * The relation a job recorded, for the message when the job's relation
 * is gone: "public.k [relation 16384]", or NULL.
 */
char *
mg_bf_recorded_relation(const char *json)
{
	const char *value;

	if (json == NULL)
		return NULL;
	value = lookup_fact(stored_facts(json), "relation");
	return value ? pstrdup(value) : NULL;
}
