/*-------------------------------------------------------------------------
 *
 * lockplan_cascade.h
 *	  The relations a statement locks through a dependency, a type or a
 *	  default partition, beyond its own target (lockplan_cascade.c).
 *
 * IDENTIFICATION
 *	  src/lockplan_cascade.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef MG_LOCKPLAN_CASCADE_H
#define MG_LOCKPLAN_CASCADE_H

#include "lockinfo.h"

extern void mg_cascade_lock_plan(MGLockPlan *plan, Node *parsetree);

#endif							/* MG_LOCKPLAN_CASCADE_H */
