/*-------------------------------------------------------------------------
 *
 * migration_guard.h
 *	  How the library was loaded (migration_guard.c): the module entry
 *	  point's state, which status() and CREATE EXTENSION report.
 *
 *	  Every other declaration lives in the header of the file that owns it.
 *
 * IDENTIFICATION
 *	  src/migration_guard.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef MIGRATION_GUARD_H
#define MIGRATION_GUARD_H

typedef enum MGLoadMethod
{
	MG_LOADED_SHARED_PRELOAD,
	MG_LOADED_SESSION_PRELOAD,
	MG_LOADED_ON_DEMAND			/* LOAD, or the first call of one of our
								 * functions */
} MGLoadMethod;

extern MGLoadMethod mg_load_method;
extern bool mg_hook_installed;

#endif							/* MIGRATION_GUARD_H */
