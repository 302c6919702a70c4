/*-------------------------------------------------------------------------
 *
 * rules_dml.h
 *	  The unbatched_data_change rule: big UPDATE / DELETE / MERGE in
 *	  migrations (rules_dml.c).
 *
 * IDENTIFICATION
 *	  src/rules_dml.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef MG_RULES_DML_H
#define MG_RULES_DML_H

#include "access/xact.h"

#include "executor/execdesc.h"

extern int	mg_max_migration_rows;
extern char *mg_migration_roles;

extern void mg_dml_init(void);
extern void mg_dml_executor_start(QueryDesc *queryDesc, int eflags, bool nested);
extern void mg_dml_note_ddl(void);

extern void mg_dml_xact_event(XactEvent event);
extern void mg_dml_subxact_event(SubXactEvent event, SubTransactionId mySubid,
								 SubTransactionId parentSubid);

#endif							/* MG_RULES_DML_H */
