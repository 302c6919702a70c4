/*-------------------------------------------------------------------------
 *
 * shmem.c
 *	  The module's one shmem_request_hook and one shmem_startup_hook.
 *
 *	  Features that keep state in shared memory (usage counters of
 *	  deprecated objects, the guard's statistics, ...) do not install hooks
 *	  of their own: each adds one entry to shmem_users[] below, naming how
 *	  much memory it needs and how to attach to it.  Shared memory exists
 *	  only when the library is in shared_preload_libraries; a feature's
 *	  startup function is then the one thing that attaches it, so the
 *	  feature knows from its own pointer (NULL: degrade, say so, store
 *	  nothing) and needs to call nothing here: calls go one way, from
 *	  these hooks down to the features.
 *
 * IDENTIFICATION
 *	  src/shmem.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "compat.h"

#include "miscadmin.h"
#include "storage/ipc.h"
#include "storage/lwlock.h"
#include "storage/shmem.h"

#include "deprecation.h"
#include "shmem.h"
#include "stats.h"

/*
 * One entry per feature.  request_size runs in the postmaster before shared
 * memory is created (it may also RequestNamedLWLockTranche); startup runs in
 * the postmaster and in every backend (EXEC_BACKEND), under
 * AddinShmemInitLock, and attaches with ShmemInitStruct.
 */
typedef struct MGShmemUser
{
	const char *name;
	Size		(*request_size) (void);
	void		(*startup) (void);
} MGShmemUser;

static const MGShmemUser shmem_users[] = {
	{"deprecation usage", mg_usage_shmem_size, mg_usage_shmem_startup},
	{"stats", mg_stats_shmem_size, mg_stats_shmem_startup},
	{NULL, NULL, NULL}			/* end of list */
};

static shmem_request_hook_type prev_shmem_request_hook = NULL;
static shmem_startup_hook_type prev_shmem_startup_hook = NULL;

static void
mg_shmem_request(void)
{
	if (prev_shmem_request_hook)
		prev_shmem_request_hook();

	for (const MGShmemUser *u = shmem_users; u->name != NULL; u++)
		RequestAddinShmemSpace(u->request_size());
}

static void
mg_shmem_startup(void)
{
	if (prev_shmem_startup_hook)
		prev_shmem_startup_hook();

	LWLockAcquire(AddinShmemInitLock, LW_EXCLUSIVE);
	for (const MGShmemUser *u = shmem_users; u->name != NULL; u++)
		u->startup();
	LWLockRelease(AddinShmemInitLock);
}

/*
 * Installs the hooks; only meaningful while shared_preload_libraries is
 * being processed (a library loaded later gets no shared memory).
 */
void
mg_shmem_init(void)
{
	if (!process_shared_preload_libraries_in_progress)
		return;
	prev_shmem_request_hook = shmem_request_hook;
	shmem_request_hook = mg_shmem_request;
	prev_shmem_startup_hook = shmem_startup_hook;
	shmem_startup_hook = mg_shmem_startup;
}
