/*-------------------------------------------------------------------------
 *
 * rules_maintenance.h
 *	  The maintenance rule family (rules_maintenance.c): VACUUM FULL,
 *	  CLUSTER, TRUNCATE and REFRESH MATERIALIZED VIEW.
 *
 * IDENTIFICATION
 *	  src/rules_maintenance.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef MG_RULES_MAINTENANCE_H
#define MG_RULES_MAINTENANCE_H

#include "statement.h"

extern void mg_check_maintenance_stmt(MGStatement *st, Node *stmt);

#endif							/* MG_RULES_MAINTENANCE_H */
