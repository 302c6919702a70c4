/*-------------------------------------------------------------------------
 *
 * relopen.h
 *	  Opening a relation without waiting for its lock (relopen.c).
 *
 * IDENTIFICATION
 *	  src/relopen.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef MG_RELOPEN_H
#define MG_RELOPEN_H

#include "utils/relcache.h"

extern Relation mg_rel_open_nowait(Oid relid);
extern void mg_rel_close_nowait(Relation rel);

#endif							/* MG_RELOPEN_H */
