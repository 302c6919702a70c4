/*-------------------------------------------------------------------------
 *
 * heads_xact.c
 *	  The head at the moments of a transaction: now, as the transaction
 *	  found it (blind to its own writes), before a utility statement that
 *	  changes the table (kept for the commit check), and as the
 *	  transaction leaves it at commit; and noting a write of the table.
 *
 *	  Every read is the guard's own query (heads_state.c), which the hooks
 *	  ignore.  Facts layer: calls heads_query.c, heads_state.c and
 *	  heads_expected.c.
 *
 * IDENTIFICATION
 *	  src/heads_xact.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "compat.h"

#include "access/xact.h"
#include "utils/memutils.h"
#include "utils/resowner.h"
#include "utils/snapmgr.h"

#include "heads_expected.h"
#include "heads_guard.h"
#include "heads_query.h"
#include "heads_settings.h"
#include "heads_state.h"
#include "heads_types.h"
#include "heads_xact.h"

/* Reads the head, with our own SPI marked so our hooks ignore it. */
MGHeadReading *
mg_heads_read_now(void)
{
	MGHeadReading *volatile r = NULL;
	bool		was = mg_heads_set_own_query(true);

	PG_TRY();
	{
		r = mg_heads_read(mg_migration_tool, mg_migration_table);
	}
	PG_FINALLY();
	{
		mg_heads_set_own_query(was);
	}
	PG_END_TRY();
	return r;
}

/*
 * Reads the head as this transaction leaves it: every command so far
 * made visible, under a fresh snapshot.
 */
MGHeadReading *
mg_heads_read_at_commit(void)
{
	MGHeadReading *r;

	CommandCounterIncrement();
	PushActiveSnapshot(GetTransactionSnapshot());
	r = mg_heads_read_now();
	PopActiveSnapshot();
	return r;
}

/*
 * Reads the head as this transaction found it: with a fresh snapshot, so
 * that other transactions' committed migrations count, but blind to this
 * transaction's own commands from its first write to the table on.  Two
 * concurrent runs of the same migration therefore never see, nor record,
 * each other's change as their own.
 */
MGHeadReading *
mg_heads_read_before_own_writes(void)
{
	MGHeadReading *r;

	PushCopiedSnapshot(GetTransactionSnapshot());
	GetActiveSnapshot()->curcid = mg_heads_first_write_cid();
	r = mg_heads_read_now();
	PopActiveSnapshot();
	return r;
}

/*
 * Reads the head before a utility statement that writes the migration
 * table runs.  The statement then takes ACCESS EXCLUSIVE on the table and
 * its indexes: the ACCESS SHARE locks of the read (the parser, the planner
 * and the executor take them, on the table and on its indexes), kept to
 * the end of the transaction, would make that a lock upgrade, and two
 * sessions upgrading deadlock where PostgreSQL alone queues them.  What
 * was read is a copy, so the read runs under a resource owner of its own
 * whose locks are released right after: locks the transaction held before
 * belong to other owners and stay.
 */
static MGHeadReading *
read_head_before_utility_write(void)
{
	ResourceOwner saved_owner = CurrentResourceOwner;
	ResourceOwner read_owner = ResourceOwnerCreate(saved_owner,
												   "migration_guard head read");
	MGHeadReading *r;

	CurrentResourceOwner = read_owner;
	PG_TRY();
	{
		r = mg_heads_read_before_own_writes();
	}
	PG_FINALLY();
	{
		CurrentResourceOwner = saved_owner;
	}
	PG_END_TRY();

	ResourceOwnerRelease(read_owner, RESOURCE_RELEASE_BEFORE_LOCKS, false, false);
	ResourceOwnerRelease(read_owner, RESOURCE_RELEASE_LOCKS, false, false);
	ResourceOwnerRelease(read_owner, RESOURCE_RELEASE_AFTER_LOCKS, false, false);
	ResourceOwnerDelete(read_owner);
	return r;
}

/*
 * Reads the head now, before a statement that may change the table, once
 * per transaction; the commit check compares it with the head at commit.
 */
void
mg_heads_take_before_reading(void)
{
	MemoryContext old;
	MGHeadReading *r;

	if (mg_heads_before_reading_taken())
		return;
	old = MemoryContextSwitchTo(TopTransactionContext);
	r = read_head_before_utility_write();
	MemoryContextSwitchTo(old);
	mg_heads_set_before_reading(r);
}

/*
 * Notes a write to the migration table.  DML only records its command id
 * (no SPI on the statement's path); the head before it is read at commit.
 * TRUNCATE, DROP and renames cannot be seen past (their effect is not
 * under MVCC), so for those the head is read now, before they run.
 */
void
mg_heads_note_migration_table_write(bool utility)
{
	mg_heads_note_written();
	if (!utility || mg_heads_before_reading_taken() || !mg_heads_watching())
		return;
	mg_heads_take_before_reading();
}
