/*-------------------------------------------------------------------------
 *
 * judge.c
 *	  Dispatch: from a statement's type to the rule families that judge it.
 *
 *	  The statement types and their judges are listed once, in
 *	  judge_list.h; the dispatch below and the test "may this statement
 *	  concern the guard" are both generated from that list, so a new
 *	  statement type is added there and nowhere else.  Called by the
 *	  pipeline for every judged statement, and by migration_guard.check()
 *	  for each statement of a script.  (ALTER TABLE subcommands are
 *	  dispatched by rules_alter.c.)
 *
 * IDENTIFICATION
 *	  src/judge.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "compat.h"

#include "judge.h"
#include "lock_policy.h"
#include "rules_alter.h"
#include "rules_cascade.h"
#include "rules_design.h"
#include "rules_domain.h"
#include "rules_drop.h"
#include "rules_index.h"
#include "rules_maintenance.h"
#include "rules_partition.h"
#include "rules_rename.h"
#include "rules_storage.h"
#include "rules_values.h"
#include "statement.h"

/* ---------- one judge per statement type of judge_list.h ---------- */

static void
judge_none(MGStatement *st, Node *stmt)
{
}

static void
judge_index(MGStatement *st, Node *stmt)
{
	mg_check_index_stmt(st, (IndexStmt *) stmt);
}

static void
judge_reindex(MGStatement *st, Node *stmt)
{
	mg_check_reindex_stmt(st, (ReindexStmt *) stmt);
}

static void
judge_alter_table(MGStatement *st, Node *stmt)
{
	mg_check_alter_table_stmt(st, (AlterTableStmt *) stmt);
	mg_check_values_stmt(st, stmt);
}

static void
judge_alter_domain(MGStatement *st, Node *stmt)
{
	mg_check_alter_domain_stmt(st, (AlterDomainStmt *) stmt);
}

static void
judge_drop(MGStatement *st, Node *stmt)
{
	mg_check_drop_index(st, (DropStmt *) stmt);
	mg_check_drop_stmt(st, (DropStmt *) stmt);
}

static void
judge_rename(MGStatement *st, Node *stmt)
{
	mg_check_rename_stmt(st, (RenameStmt *) stmt);
}

static void
judge_alter_object_schema(MGStatement *st, Node *stmt)
{
	mg_check_alter_object_schema_stmt(st, (AlterObjectSchemaStmt *) stmt);
}

static void
judge_create(MGStatement *st, Node *stmt)
{
	mg_check_create_stmt(st, (CreateStmt *) stmt);
	mg_check_create_partition(st, (CreateStmt *) stmt);
}

static void
judge_create_schema(MGStatement *st, Node *stmt)
{
	mg_check_create_schema_stmt(st, (CreateSchemaStmt *) stmt);
}

static void
judge_maintenance(MGStatement *st, Node *stmt)
{
	mg_check_maintenance_stmt(st, stmt);
}

static void
judge_alter_table_move_all(MGStatement *st, Node *stmt)
{
	mg_check_alter_table_move_all(st, (AlterTableMoveAllStmt *) stmt);
}

static void
judge_alter_enum(MGStatement *st, Node *stmt)
{
	mg_check_values_stmt(st, stmt);
}

/* ---------- entry points ---------- */

/*
 * Runs every rule family that knows this statement type, then the judges
 * every statement gets: the cascade rules (forms that reach data through a
 * dependency, a type or another kind) and the lock policy.
 */
void
mg_judge_statement(MGStatement *st)
{
	Node	   *parsetree = st->parsetree;

	switch (nodeTag(parsetree))
	{
#define MG_STATEMENT_TYPE(tag, judge) \
		case tag: \
			judge(st, parsetree); \
			break;
#include "judge_list.h"
#undef MG_STATEMENT_TYPE
		default:
			break;
	}
	mg_check_cascade_stmt(st, parsetree);
	mg_check_lock_timeout(st);
}
