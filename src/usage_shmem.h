/*-------------------------------------------------------------------------
 *
 * usage_shmem.h
 *	  The shared table of usage counters of deprecated objects
 *	  (usage_shmem.c), as usage_tracking.c (which counts into it) and
 *	  usage_file.c (which saves it at a clean shutdown and loads it at the
 *	  next start) reach into it.  Private to those three files.
 *
 * IDENTIFICATION
 *	  src/usage_shmem.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef MG_USAGE_SHMEM_H
#define MG_USAGE_SHMEM_H

#include "storage/lwlock.h"
#include "storage/spin.h"
#include "utils/hsearch.h"

#include "deprecation.h"

/* Objects tracked across all databases; beyond that, uses are lost (and said so). */
#define USAGE_MAX_ENTRIES	1024

typedef struct UsageKey
{
	Oid			dbid;
	Oid			relid;
	int32		attnum;			/* 0: the relation as a whole */
} UsageKey;

typedef struct UsageEntry
{
	UsageKey	key;			/* hash key: first */
	slock_t		mutex;			/* protects the rest */
	MGUsage		usage;
	TimestampTz last_logged;
} UsageEntry;

typedef struct UsageShared
{
	LWLock	   *lock;			/* shared: update entries; exclusive: add,
								 * reset */
	TimestampTz tracking_since; /* counters are complete from then on */
	bool		restored;		/* loaded from the previous clean shutdown */
	slock_t		mutex;			/* protects overflow_at */
	TimestampTz overflow_at;	/* last use lost because the table was full */
} UsageShared;

extern UsageShared *mg_usage_shared;
extern HTAB *mg_usage_hash;

/* usage_shmem.c */
extern bool mg_usage_shmem_attach(void);
extern UsageEntry *mg_usage_enter_entry(const UsageKey *key);
extern void mg_usage_note_overflow(TimestampTz now);

#endif							/* MG_USAGE_SHMEM_H */
