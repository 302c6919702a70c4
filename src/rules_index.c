/*-------------------------------------------------------------------------
 *
 * rules_index.c
 *	  Rules about index builds and drops: create_index, drop_index, reindex
 *	  and invalid_index.
 *
 *	  A plain CREATE INDEX holds a SHARE lock for the whole build, blocking
 *	  every write to the table; CONCURRENTLY trades a longer build for
 *	  never blocking writers.
 *
 * IDENTIFICATION
 *	  src/rules_index.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/namespace.h"
#include "catalog/pg_class.h"
#include "utils/lsyscache.h"

#include "migration_guard.h"
#include "relfacts.h"

/*
 * create_index: CREATE INDEX without CONCURRENTLY on an existing table.
 * CREATE INDEX ON ONLY a partitioned table builds nothing (it makes an
 * invalid parent index to attach partition indexes to), so it passes.
 */
static void
check_create_index(MGStatement *st, IndexStmt *stmt)
{
	Oid			relid;
	bool		partitioned;
	MGFinding	f = {0};

	if (stmt->concurrent)
		return;
	relid = RangeVarGetRelid(stmt->relation, NoLock, true);
	if (!OidIsValid(relid))
		return;					/* PostgreSQL reports the missing table */
	partitioned = get_rel_relkind(relid) == RELKIND_PARTITIONED_TABLE;
	if (partitioned && !stmt->relation->inh)
		return;
	if (!mg_rule_applies(MG_RULE_CREATE_INDEX, relid))
		return;

	f.rule = MG_RULE_CREATE_INDEX;
	f.relid = relid;
	f.lockmode = ShareLock;
	f.message = psprintf("CREATE INDEX on table \"%s\" would block writes while the index is built",
						 get_rel_name(relid));
	f.detail = psprintf("CREATE INDEX without CONCURRENTLY holds a SHARE lock, which blocks INSERT, UPDATE and DELETE until the build finishes.  %s",
						mg_rel_describe(relid));
	if (partitioned)
		f.hint = psprintf("Build it without blocking: CREATE INDEX ... ON ONLY %s, then CREATE INDEX CONCURRENTLY on each partition and ALTER INDEX ... ATTACH PARTITION each one.",
						  mg_rel_name(relid));
	else
		f.hint = pstrdup("Use CREATE INDEX CONCURRENTLY, outside a transaction block; if it fails, drop the INVALID index it leaves and run it again.");
	mg_report(&f);
}

void
mg_check_index_stmt(MGStatement *st, IndexStmt *stmt)
{
	check_create_index(st, stmt);
}

void
mg_check_reindex_stmt(MGStatement *st, ReindexStmt *stmt)
{
}

void
mg_check_drop_index(MGStatement *st, DropStmt *stmt)
{
}
