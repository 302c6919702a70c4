/*-------------------------------------------------------------------------
 *
 * heads.h
 *	  Migration heads: the registry of migration tools (how each records
 *	  its version, how its versions are ordered), reading a tool's table,
 *	  and judging the head read against the release's expected head.
 *
 *	  heads_tools.c owns the per-tool knowledge and the judgement;
 *	  heads.c owns the hooks, the per-transaction state, head(),
 *	  assert_head() and the history.
 *
 * IDENTIFICATION
 *	  src/heads.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef MG_HEADS_H
#define MG_HEADS_H

#include "nodes/pg_list.h"
#include "utils/guc.h"

/* SQLSTATEs of head enforcement (class MG, docs/sqlstates.md) */
#define ERRCODE_MG_HEAD_CONFIG			MAKE_SQLSTATE('M', 'G', '0', '1', '0')
#define ERRCODE_MG_HEAD_BEHIND			MAKE_SQLSTATE('M', 'G', '0', '1', '1')
#define ERRCODE_MG_HEAD_AHEAD			MAKE_SQLSTATE('M', 'G', '0', '1', '2')
#define ERRCODE_MG_HEAD_UNKNOWN			MAKE_SQLSTATE('M', 'G', '0', '1', '3')
#define ERRCODE_MG_HEAD_FAILED			MAKE_SQLSTATE('M', 'G', '0', '1', '4')
#define ERRCODE_MG_HEAD_NO_TABLE		MAKE_SQLSTATE('M', 'G', '0', '1', '5')
#define ERRCODE_MG_HEAD_UNSET			MAKE_SQLSTATE('M', 'G', '0', '1', '6')
#define ERRCODE_MG_HEAD_MOVE_REFUSED	MAKE_SQLSTATE('M', 'G', '0', '1', '7')
#define ERRCODE_MG_HEAD_DOWNGRADE		MAKE_SQLSTATE('M', 'G', '0', '1', '8')
#define ERRCODE_MG_SCHEMA_FROZEN		MAKE_SQLSTATE('M', 'G', '0', '1', '9')

/* How a tool's versions compare. */
typedef enum MGVersionOrder
{
	MG_ORDER_NONE,				/* no order (Alembic, Liquibase, sqitch) */
	MG_ORDER_NATURAL,			/* digit runs compare as numbers */
	MG_ORDER_FLYWAY,			/* dotted numbers, trailing zeros ignored */
	MG_ORDER_TRAILING_NUMBER	/* TypeORM: the timestamp ending the name */
} MGVersionOrder;

typedef struct MGTool
{
	const char *name;			/* as in migration_guard.migration_tool */
	const char *table;			/* default table name, exact case */
	const char *const *columns;	/* required "name:category" pairs */
	const char *companion;		/* table that must sit beside it, or NULL */
	const char *query;			/* SELECT key, version, failed, undo FROM %s ... */
	MGVersionOrder order;
	bool		pointer;		/* the rows are the current heads, no history */
	bool		keyed;			/* heads are per key: "app:name" */
	const char *failure;		/* what a failed row means, for messages */
} MGTool;

typedef enum MGHeadState
{
	MG_HEAD_AT_HEAD,
	MG_HEAD_BEHIND,
	MG_HEAD_AHEAD,
	MG_HEAD_UNKNOWN,
	MG_HEAD_FAILED,
	MG_HEAD_NO_TABLE,
	MG_HEAD_UNSET
} MGHeadState;

/* The versions recorded under one key ("" for tools without keys). */
typedef struct MGKeyHeads
{
	char	   *key;
	List	   *applied;		/* char *, oldest first, no duplicates */
	List	   *failed;			/* char *: failed, dirty or unfinished */
	struct HTAB *seen;			/* versions in applied or failed, while reading */
} MGKeyHeads;

/* What one read of the migration table found. */
typedef struct MGHeadReading
{
	const MGTool *tool;			/* NULL if no table could be chosen */
	Oid			relid;
	char	   *table;			/* qualified and quoted, for display */
	List	   *keys;			/* MGKeyHeads *, sorted by key */
	char	   *problem;		/* why no table could be read, or NULL */
	bool		ambiguous;		/* several candidate tables */
} MGHeadReading;

/* The caller's identity and settings while the guard runs its own query. */
typedef struct MGOwnQuery
{
	Oid			save_userid;
	int			save_sec;
	int			save_nestlevel;
} MGOwnQuery;

/* The judgement of a reading against the expected head. */
typedef struct MGHeadJudgement
{
	MGHeadState state;
	char	   *detail;			/* full sentences, or NULL */
} MGHeadJudgement;

/* heads_tools.c */
extern const MGTool *mg_tool_lookup(const char *name);
extern const char *mg_head_state_name(MGHeadState state);
extern bool mg_heads_table_matches(Oid relid, const MGTool *tool, const char **missing);
extern List *mg_heads_find_candidates(const char *tool_setting, const char *table_setting,
									  List **tools);
extern MGHeadReading *mg_heads_read(const char *tool_setting, const char *table_setting);
extern List *mg_heads_current(const MGHeadReading *r);
extern List *mg_heads_parse_list(const char *value);
extern MGHeadJudgement mg_heads_judge(const MGHeadReading *r, List *expected,
									  List *known, bool position_only);
extern char *mg_heads_join(List *items);
/* heads.c: the single detected migration table and its tool */
extern bool mg_heads_detected(Oid *relid, const MGTool **tool);
/* heads.c: is the guard reading the head or recording its history? */
extern bool mg_heads_own_query_running(void);
/* heads_read.c: mg_heads_enter_as() in heads_read.h starts one */
extern bool mg_heads_migration_table_written(void);
extern void mg_heads_leave_own_query(const MGOwnQuery *q);

/* check hooks for the head GUCs (guc.c registers them) */
extern bool mg_check_head_list(char **newval, void **extra, GucSource source);
extern bool mg_check_migration_table(char **newval, void **extra, GucSource source);
extern bool mg_check_migration_tool(char **newval, void **extra, GucSource source);

#endif							/* MG_HEADS_H */
