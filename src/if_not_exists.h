/*-------------------------------------------------------------------------
 *
 * if_not_exists.h
 *	  CREATE ... IF NOT EXISTS of an object that exists: a no-op the
 *	  rules leave alone (if_not_exists.c).
 *
 * IDENTIFICATION
 *	  src/if_not_exists.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef MG_IF_NOT_EXISTS_H
#define MG_IF_NOT_EXISTS_H

#include "nodes/nodes.h"

extern bool mg_statement_is_noop(Node *parsetree);

#endif							/* MG_IF_NOT_EXISTS_H */
