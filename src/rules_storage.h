/*-------------------------------------------------------------------------
 *
 * rules_storage.h
 *	  The storage rule family (rules_storage.c): tablespaces, storage
 *	  parameters and moving tables.
 *
 * IDENTIFICATION
 *	  src/rules_storage.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef MG_RULES_STORAGE_H
#define MG_RULES_STORAGE_H

#include "statement.h"

extern void mg_check_alter_table_move_all(MGStatement *st, AlterTableMoveAllStmt *stmt);

#endif							/* MG_RULES_STORAGE_H */
