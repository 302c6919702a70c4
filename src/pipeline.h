/*-------------------------------------------------------------------------
 *
 * pipeline.h
 *	  The hooks on a statement's way through the server: the one
 *	  ProcessUtility hook (pipeline.c) and the executor hooks (executor.c).
 *
 * IDENTIFICATION
 *	  src/pipeline.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef MG_PIPELINE_H
#define MG_PIPELINE_H

#include "statement.h"

extern void mg_executor_init(void);

extern void mg_install_hooks(void);
extern void mg_call_next_ProcessUtility(MGUtilityCall *call);

#endif							/* MG_PIPELINE_H */
