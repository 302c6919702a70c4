/*-------------------------------------------------------------------------
 *
 * usage_file.c
 *	  The usage counters of deprecated objects across a clean restart:
 *	  the start of the shared table (usage_shmem.c) at server start,
 *	  written by the postmaster at a clean shutdown, loaded (and removed)
 *	  at the next start, as pg_stat_statements keeps its statistics.
 *	  Evidence for the drop rules, so only a file that provably continues
 *	  the run that is starting now is trusted: the control file must be
 *	  exactly as the shutdown that wrote it left it.
 *
 * IDENTIFICATION
 *	  src/usage_file.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "compat.h"

#include <fcntl.h>
#include <unistd.h>

#include "access/xlog_internal.h"
#include "catalog/pg_control.h"
#include "miscadmin.h"
#include "pgstat.h"
#include "storage/fd.h"
#include "storage/ipc.h"

#include "deprecation.h"
#include "usage_shmem.h"

#define USAGE_FILE			PGSTAT_STAT_PERMANENT_DIRECTORY "/migration_guard_deprecation.stat"
#define USAGE_FILE_MAGIC	0x4d474455	/* "MGDU" */
#define USAGE_FILE_VERSION	2

/*
 * The server's control file at a clean shutdown: its last checkpoint and
 * the time of its last update.  Any start of the server (with the library
 * or without it, or a single-user run) ends with a new shutdown
 * checkpoint or at least a new update time, and a crash leaves it not shut
 * down; so counters saved with this stamp are trusted only if the control
 * file is still exactly as they left it.
 */
typedef struct ControlStamp
{
	XLogRecPtr	checkpoint;
	pg_time_t	time;			/* seconds: the CRC tells apart writes within
								 * one */
	pg_crc32c	crc;
} ControlStamp;

/* The control file's stamp now; false if it cannot be read or is not shut down. */
static bool
control_stamp(ControlStamp *stamp)
{
	ControlFileData cf;
	int			fd = OpenTransientFile(XLOG_CONTROL_FILE, O_RDONLY | PG_BINARY);
	bool		ok;

	memset(stamp, 0, sizeof(ControlStamp));
	if (fd < 0)
		return false;
	ok = read(fd, &cf, sizeof(cf)) == sizeof(cf);
	CloseTransientFile(fd);
	if (!ok || (cf.state != DB_SHUTDOWNED && cf.state != DB_SHUTDOWNED_IN_RECOVERY))
		return false;
	stamp->checkpoint = cf.checkPoint;
	stamp->time = cf.time;
	stamp->crc = cf.crc;
	return true;
}

/*
 * Counters of the previous run, if it ended cleanly.  The file is removed
 * once read: after a crash there is none, and the counters start empty
 * with tracking_since = now.  A file left by an earlier run, with a run
 * in between that counted nothing (the library not preloaded, or a crash
 * after it), does not match the control file and is not trusted either.
 * Any damage counts as no file.
 */
static void
load_counters(void)
{
	FILE	   *f = AllocateFile(USAGE_FILE, PG_BINARY_R);
	uint32		header[2];
	int32		count;
	TimestampTz since;
	ControlStamp saved;
	ControlStamp now;

	if (f == NULL)
	{
		if (errno != ENOENT)
			ereport(LOG,
					(errcode_for_file_access(),
					 errmsg("could not read file \"%s\": %m", USAGE_FILE)));
		return;
	}
	if (fread(header, sizeof(header), 1, f) != 1 ||
		header[0] != USAGE_FILE_MAGIC || header[1] != USAGE_FILE_VERSION ||
		fread(&saved, sizeof(saved), 1, f) != 1 ||
		fread(&since, sizeof(since), 1, f) != 1 ||
		fread(&count, sizeof(count), 1, f) != 1 ||
		count < 0 || count > USAGE_MAX_ENTRIES)
		goto bad;
	if (!control_stamp(&now) || now.checkpoint != saved.checkpoint ||
		now.time != saved.time || now.crc != saved.crc)
	{
		ereport(LOG,
				(errmsg("ignoring deprecation usage file \"%s\" of an earlier run", USAGE_FILE),
				 errdetail("The server ran since the file was written without counting uses of deprecated objects."),
				 errhint("The quiet period of every deprecated object starts again now.")));
		FreeFile(f);
		unlink(USAGE_FILE);
		return;
	}
	for (int i = 0; i < count; i++)
	{
		UsageKey	key;
		MGUsage		usage;
		UsageEntry *e;

		if (fread(&key, sizeof(key), 1, f) != 1 ||
			fread(&usage, sizeof(usage), 1, f) != 1)
			goto bad;
		e = mg_usage_enter_entry(&key);
		if (e == NULL)
			goto bad;
		e->usage = usage;
	}
	mg_usage_shared->tracking_since = since;
	mg_usage_shared->restored = true;
	FreeFile(f);
	unlink(USAGE_FILE);
	return;

bad:
	ereport(LOG,
			(errmsg("ignoring damaged deprecation usage file \"%s\"", USAGE_FILE)));
	/* what was loaded is incomplete: evidence starts now */
	{
		HASH_SEQ_STATUS seq;
		UsageEntry *e;

		hash_seq_init(&seq, mg_usage_hash);
		while ((e = hash_seq_search(&seq)) != NULL)
			hash_search(mg_usage_hash, &e->key, HASH_REMOVE, NULL);
	}
	FreeFile(f);
	unlink(USAGE_FILE);
}

/*
 * on_shmem_exit in the postmaster: a clean shutdown (code 0) writes the
 * counters; a crash writes nothing, so nothing stale is trusted later.
 */
static void
save_counters(int code, Datum arg)
{
	const char *tmp = USAGE_FILE ".tmp";
	FILE	   *f;
	uint32		header[2] = {USAGE_FILE_MAGIC, USAGE_FILE_VERSION};
	int32		count;
	HASH_SEQ_STATUS seq;
	UsageEntry *e;
	ControlStamp stamp;

	if (code != 0 || mg_usage_shared == NULL)
		return;
	/* not shut down cleanly after all: nothing to trust next time */
	if (!control_stamp(&stamp))
		return;
	f = AllocateFile(tmp, PG_BINARY_W);
	if (f == NULL)
		goto error;
	count = (int32) hash_get_num_entries(mg_usage_hash);
	if (fwrite(header, sizeof(header), 1, f) != 1 ||
		fwrite(&stamp, sizeof(stamp), 1, f) != 1 ||
		fwrite(&mg_usage_shared->tracking_since, sizeof(TimestampTz), 1, f) != 1 ||
		fwrite(&count, sizeof(count), 1, f) != 1)
		goto error;
	hash_seq_init(&seq, mg_usage_hash);
	while ((e = hash_seq_search(&seq)) != NULL)
	{
		if (fwrite(&e->key, sizeof(UsageKey), 1, f) != 1 ||
			fwrite(&e->usage, sizeof(MGUsage), 1, f) != 1)
		{
			hash_seq_term(&seq);
			goto error;
		}
	}
	if (FreeFile(f) != 0)
	{
		f = NULL;
		goto error;
	}
	(void) durable_rename(tmp, USAGE_FILE, LOG);
	return;

error:
	ereport(LOG,
			(errcode_for_file_access(),
			 errmsg("could not write file \"%s\": %m", tmp)));
	if (f)
		FreeFile(f);
	unlink(tmp);
}

/* ---------- server start ---------- */

/*
 * Creates the table at server start and, in the postmaster, fills it with
 * the counters of the previous run (if it ended cleanly) and arranges for
 * them to be saved at a clean shutdown.
 */
void
mg_usage_shmem_startup(void)
{
	bool		found = mg_usage_shmem_attach();

	if (IsUnderPostmaster)
		return;					/* EXEC_BACKEND: attach only */
	on_shmem_exit(save_counters, (Datum) 0);
	if (!found)
		load_counters();
}
