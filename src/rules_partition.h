/*-------------------------------------------------------------------------
 *
 * rules_partition.h
 *	  The partition rule family (rules_partition.c): attaching and
 *	  creating partitions.
 *
 * IDENTIFICATION
 *	  src/rules_partition.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef MG_RULES_PARTITION_H
#define MG_RULES_PARTITION_H

#include "statement.h"

extern void mg_check_create_partition(MGStatement *st, CreateStmt *stmt);

#endif							/* MG_RULES_PARTITION_H */
