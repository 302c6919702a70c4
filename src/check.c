/*-------------------------------------------------------------------------
 *
 * check.c
 *	  migration_guard.check(): judges a whole migration script against the
 *	  live catalog without leaving anything behind.
 *
 * IDENTIFICATION
 *	  src/check.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "migration_guard.h"

bool		mg_check_simulating = false;
