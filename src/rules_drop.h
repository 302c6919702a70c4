/*-------------------------------------------------------------------------
 *
 * rules_drop.h
 *	  The drop rule family (rules_drop.c): dropping tables, columns and
 *	  other objects running code still uses.
 *
 * IDENTIFICATION
 *	  src/rules_drop.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef MG_RULES_DROP_H
#define MG_RULES_DROP_H

#include "statement.h"

extern void mg_check_drop_stmt(MGStatement *st, DropStmt *stmt);

extern void mg_check_drop_column(MGStatement *st, Oid relid, AlterTableCmd *cmd);

#endif							/* MG_RULES_DROP_H */
