/*-------------------------------------------------------------------------
 *
 * pipeline.h
 *	  The hooks on a statement's way through the server: the one
 *	  ProcessUtility hook (pipeline.c; mg_install_hooks() and
 *	  mg_call_next_ProcessUtility() are declared in migration_guard.h) and
 *	  the ExecutorStart hook (executor.c).
 *
 * IDENTIFICATION
 *	  src/pipeline.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef MG_PIPELINE_H
#define MG_PIPELINE_H

extern void mg_executor_init(void);

#endif							/* MG_PIPELINE_H */
