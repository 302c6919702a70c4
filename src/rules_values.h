/*-------------------------------------------------------------------------
 *
 * rules_values.h
 *	  Values the running release relies on without naming them: enum
 *	  labels and what fills a NOT NULL column (rules_values.c).
 *
 * IDENTIFICATION
 *	  src/rules_values.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef MG_RULES_VALUES_H
#define MG_RULES_VALUES_H

#include "statement.h"

/* ALTER TYPE ... RENAME VALUE, ALTER TABLE ... DROP DEFAULT / IDENTITY / EXPRESSION */
extern void mg_check_values_stmt(MGStatement *st, Node *parsetree);


extern void mg_check_add_column_required(MGStatement *st, Oid relid, ColumnDef *def);

#endif							/* MG_RULES_VALUES_H */
