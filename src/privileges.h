/*-------------------------------------------------------------------------
 *
 * privileges.h
 *	  Permission errors before rule errors (privileges.c).
 *
 * IDENTIFICATION
 *	  src/privileges.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef MG_PRIVILEGES_H
#define MG_PRIVILEGES_H

#include "nodes/nodes.h"

extern void mg_check_privileges_first(Node *parsetree);

#endif							/* MG_PRIVILEGES_H */
