/*-------------------------------------------------------------------------
 *
 * deprecation.h
 *	  Deprecated columns and tables: the list (deprecation.c, changed by
 *	  deprecation_sql.c), the usage counters in shared memory
 *	  (usage_shmem.c, fed by usage_tracking.c, kept across a clean restart
 *	  by usage_file.c, shown by usage_report.c) and the evidence the drop
 *	  and rename rules judge by (deprecation_evidence.c).
 *
 * IDENTIFICATION
 *	  src/deprecation.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef MG_DEPRECATION_H
#define MG_DEPRECATION_H

#include "access/attnum.h"
#include "nodes/pg_list.h"
#include "utils/timestamp.h"

#include "finding.h"

/* SQLSTATEs (class MG, docs/sqlstates.md) */
#define ERRCODE_MG_DEPRECATED_USE		MAKE_SQLSTATE('M', 'G', '0', '4', '0')

/* migration_guard.deprecated_use */
typedef enum MGDeprecatedUse
{
	MG_DEPRECATED_USE_OFF,
	MG_DEPRECATED_USE_LOG,
	MG_DEPRECATED_USE_WARNING
} MGDeprecatedUse;

extern int	mg_deprecated_use;
extern int	mg_deprecation_quiet_period;	/* seconds */

/* How many distinct (role, application_name, query id) an object keeps. */
#define MG_USAGE_USERS	5

/* One row of migration_guard.deprecated_objects, as the rules need it. */
typedef struct MGDeprecation
{
	Oid			relid;
	char	   *attname;		/* NULL: the whole relation */
	char	   *reason;
	char	   *deprecated_by;
	TimestampTz deprecated_at;
	char	   *expected_head;	/* migration_guard.expected_head then, or NULL */
} MGDeprecation;

/* One recent user of a deprecated object. */
typedef struct MGUsageUser
{
	Oid			roleid;
	char		appname[NAMEDATALEN];
	uint64		queryid;
	TimestampTz last_use;
} MGUsageUser;

/* What this server saw of one deprecated object. */
typedef struct MGUsage
{
	TimestampTz first_use;		/* 0 = never used */
	TimestampTz last_use;
	int64		uses;
	TimestampTz reset_at;		/* last reset of these counters, or 0 */
	MGUsageUser users[MG_USAGE_USERS];	/* most recent first; roleid 0 = none */
} MGUsage;

/* One object's counters, copied out of shared memory. */
typedef struct MGUsageRow
{
	Oid			relid;
	AttrNumber	attnum;			/* 0: the relation as a whole */
	MGUsage		usage;
} MGUsageRow;

/* deprecation.c */
extern void mg_deprecation_define_gucs(void);
extern Oid	mg_deprecation_table(void);
extern List *mg_deprecations_read(void);
extern MGDeprecation *mg_deprecation_find(Oid relid, const char *attname);
extern void mg_deprecation_follow_rename(Node *parsetree);

/* deprecation.c: writing the list, for deprecation_sql.c */
#define MG_DEPRECATIONS_TABLE	"deprecated_objects"
extern int	mg_deprecation_write(const char *sql, int nargs, Oid *types,
								 Datum *values, const char *nulls);
extern void mg_deprecation_forget_dropped(void);

/* usage_tracking.c */
extern void mg_usage_check_perms(List *perms);

/* usage_shmem.c */
extern bool mg_usage_available(void);
extern bool mg_usage_lookup(Oid relid, AttrNumber attnum, MGUsage *usage);
extern TimestampTz mg_usage_tracking_since(void);
extern TimestampTz mg_usage_overflow_at(void);
extern bool mg_usage_restored(void);
extern List *mg_usage_rows(void);
extern int64 mg_usage_reset(Oid relid, AttrNumber attnum);
extern Size mg_usage_shmem_size(void);

/* usage_file.c */
extern void mg_usage_shmem_startup(void);

/* deprecation_evidence.c: how the evidence about one deprecation stands */
typedef enum MGEvidence
{
	MG_EVIDENCE_QUIET,			/* unused for the quiet period: may go */
	MG_EVIDENCE_IN_USE,			/* used within the quiet period */
	MG_EVIDENCE_TOO_EARLY,		/* watched for less than the quiet period */
	MG_EVIDENCE_SAME_RELEASE,	/* expected_head unchanged since deprecated */
	MG_EVIDENCE_NOT_TRACKED		/* nothing counted: library not preloaded */
} MGEvidence;

extern MGEvidence mg_deprecation_evidence(const MGDeprecation *d, Oid relid,
										  AttrNumber counted, MGUsage *u,
										  TimestampTz *since, int *why);

/* true when the finding is void (quiet long enough) */
extern bool mg_deprecation_judge(MGFinding *f, Oid relid, AttrNumber attnum);

/* deprecation_cascade.c: deprecated objects a drop through dependencies destroys */
extern bool mg_deprecation_cascade_evidence(List *destroyed, char **detail);

#endif							/* MG_DEPRECATION_H */
