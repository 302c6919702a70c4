/*-------------------------------------------------------------------------
 *
 * heads_state.c
 *	  The per-backend state of head enforcement, and nothing else: whether
 *	  the guard's own query (reading the head, recording its history) is
 *	  running, and, per transaction, whether it wrote the migration table,
 *	  the head read before a change of it, whether DDL changed the table,
 *	  and the first schema change (for freeze_at_head).
 *
 *	  The bottom of the heads family: it calls no other file.  Everything
 *	  that notes or asks about the transaction calls down to here, the
 *	  hooks (heads.c, heads_guard.c) as well as other families (xact_rules.c
 *	  and rules_dml.c ask whether the guard's own query runs, and whether
 *	  the transaction is a migration).
 *
 * IDENTIFICATION
 *	  src/heads_state.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "compat.h"

#include "access/xact.h"

#include "heads_guard.h"
#include "heads_state.h"
#include "heads_types.h"

typedef struct HeadsXactState
{
	bool		written;		/* the migration table was written */
	CommandId	first_write_cid;	/* command of the first write */
	bool		before_read;	/* "before" was read ahead of a change */
	MGHeadReading *before;		/* in TopTransactionContext */
	bool		table_ddl;		/* DDL changed the migration table */
	bool		ddl;			/* schema DDL ran (for freeze_at_head) */
	SubTransactionId ddl_subid; /* subtransaction that first ran DDL */
	const char *ddl_tag;		/* its command tag, for the message */
} HeadsXactState;

static HeadsXactState xs;
static bool in_guard_query = false; /* our own SPI is running */

/*
 * For the other hooks: the queries of the guard's own SPI are no
 * statements of the migration (xact_rules.c, rules_dml.c).
 */
bool
mg_heads_own_query_running(void)
{
	return in_guard_query;
}

/* Marks the guard's own query as running or not; returns the old value. */
bool
mg_heads_set_own_query(bool running)
{
	bool		was = in_guard_query;

	in_guard_query = running;
	return was;
}

/*
 * For rules_dml.c: did this transaction write the migration table (so it
 * is a migration)?
 */
bool
mg_heads_migration_table_written(void)
{
	return xs.written;
}

/* Notes a write of the migration table's rows, and its first command. */
void
mg_heads_note_written(void)
{
	if (xs.written)
		return;
	xs.written = true;
	xs.first_write_cid = GetCurrentCommandId(false);
}

/*
 * The command of the first write; the current command if the table was
 * not written yet.
 */
CommandId
mg_heads_first_write_cid(void)
{
	return xs.written ? xs.first_write_cid : GetCurrentCommandId(false);
}

/* The head read before a change of the table, or NULL if none was read. */
MGHeadReading *
mg_heads_before_reading(void)
{
	return xs.before_read ? xs.before : NULL;
}

/* before must live in TopTransactionContext. */
void
mg_heads_set_before_reading(MGHeadReading *before)
{
	xs.before = before;
	xs.before_read = true;
}

bool
mg_heads_before_reading_taken(void)
{
	return xs.before_read;
}

void
mg_heads_note_table_change(void)
{
	xs.table_ddl = true;
}

bool
mg_heads_table_changed(void)
{
	return xs.table_ddl;
}

/* Notes the transaction's first schema change, by its command tag. */
void
mg_heads_note_schema_change(const char *tag)
{
	if (xs.ddl)
		return;
	xs.ddl = true;
	xs.ddl_subid = GetCurrentSubTransactionId();
	xs.ddl_tag = tag;
}

/* The command tag of the first schema change, or NULL if none ran. */
const char *
mg_heads_schema_change(void)
{
	return xs.ddl ? xs.ddl_tag : NULL;
}

/*
 * DDL of a rolled-back subtransaction did not happen; DDL of a committed
 * one now belongs to its parent.
 */
void
mg_heads_state_subxact(SubXactEvent event, SubTransactionId mySubid,
					   SubTransactionId parentSubid)
{
	if (!xs.ddl || xs.ddl_subid != mySubid)
		return;
	if (event == SUBXACT_EVENT_ABORT_SUB)
		xs.ddl = false;
	else if (event == SUBXACT_EVENT_COMMIT_SUB)
		xs.ddl_subid = parentSubid;
}

/* At the end of the transaction. */
void
mg_heads_state_reset(void)
{
	memset(&xs, 0, sizeof(xs));
	in_guard_query = false;
}
