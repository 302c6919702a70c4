/*-------------------------------------------------------------------------
 *
 * rules_cascade.h
 *	  Statement forms that drop, rename or empty what running code uses
 *	  through a dependency, a type or another object kind (rules_cascade.c).
 *
 * IDENTIFICATION
 *	  src/rules_cascade.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef MG_RULES_CASCADE_H
#define MG_RULES_CASCADE_H

#include "statement.h"

extern void mg_check_cascade_stmt(MGStatement *st, Node *parsetree);

#endif							/* MG_RULES_CASCADE_H */
