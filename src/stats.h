/*-------------------------------------------------------------------------
 *
 * stats.h
 *	  The guard's counters in shared memory (stats.c): what was judged,
 *	  refused, warned, overridden, retried and backfilled, per database and
 *	  rule.  Every function here is a no-op without shared memory.
 *
 * IDENTIFICATION
 *	  src/stats.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef MG_STATS_H
#define MG_STATS_H

#include "audit.h"

extern Size mg_stats_shmem_size(void);
extern void mg_stats_shmem_startup(void);

extern void mg_stats_count_judged(void);
extern void mg_stats_count_finding(MGRuleId rule, bool refused);
extern void mg_stats_count_override(MGRuleId rule, MGOverrideMechanism how);
extern void mg_stats_count_lock_timeout(void);
extern void mg_stats_count_lock_retry(void);
extern void mg_stats_count_lock_retry_succeeded(void);
extern void mg_stats_count_backfill_batch(int64 rows);

#endif							/* MG_STATS_H */
