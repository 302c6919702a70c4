/*-------------------------------------------------------------------------
 *
 * rules_index.h
 *	  The index rule family (rules_index.c): CREATE INDEX, REINDEX and
 *	  DROP INDEX.
 *
 * IDENTIFICATION
 *	  src/rules_index.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef MG_RULES_INDEX_H
#define MG_RULES_INDEX_H

#include "statement.h"

extern void mg_check_index_stmt(MGStatement *st, IndexStmt *stmt);

extern void mg_check_reindex_stmt(MGStatement *st, ReindexStmt *stmt);

extern void mg_check_drop_index(MGStatement *st, DropStmt *stmt);

#endif							/* MG_RULES_INDEX_H */
