/*-------------------------------------------------------------------------
 *
 * heads_types.h
 *	  The vocabulary of the migration-heads family: its SQLSTATEs, the
 *	  message macros, and the types every heads_*.c file passes around
 *	  (a migration tool, a head reading, a judgement).  Declarations only:
 *	  each file's functions are in its own header.
 *
 *	  The family, bottom to top (each file calls only those before it):
 *	  facts and settings: heads_state.c (per-backend state), heads_tools.c
 *	  (the tool table), heads_versions.c (version order and lists),
 *	  heads_settings.c (the GUCs), heads_read.c (reading safely),
 *	  heads_candidates.c (which tables), heads_txmode.c (what tools do per
 *	  transaction, their bookkeeping tables), heads_query.c (reading the
 *	  head), heads_expected.c (where the expected head comes from);
 *	  judging: heads_judge.c (a reading against the expected head),
 *	  heads_formats.c (how tools write versions), heads_xact.c (the head
 *	  at the transaction's moments), heads_history.c (head_history),
 *	  heads_enforce.c (the refusals); entry points: heads_guard.c (object
 *	  access hook), heads.c (executor and transaction hooks, the statement
 *	  check), heads_sql.c (head(), assert_head()) and heads_expected_sql.c
 *	  (set_expected_head()).
 *
 * IDENTIFICATION
 *	  src/heads_types.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef MG_HEADS_TYPES_H
#define MG_HEADS_TYPES_H

#include "nodes/pg_list.h"
#include "utils/guc.h"

/*
 * Sentences built now for a message raised later (a reading's problem, a
 * judgement's detail), translated in migration_guard's text domain.  The
 * argument is a literal format: the compiler checks it (dgettext keeps
 * the format attribute), and MGH_ and MGH_N are gettext triggers.
 */
#define MGH_(x)				dgettext(TEXTDOMAIN, x)
#define MGH_N(s, p, n)		dngettext(TEXTDOMAIN, s, p, n)

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
	const char *const *columns; /* required "name:category" pairs */
	const char *companion;		/* table that must sit beside it, or NULL */
	const char *query;			/* SELECT key, version, failed, undo FROM %s
								 * ... */
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
	struct HTAB *seen;			/* versions in applied or failed, while
								 * reading */
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

/* Why a table does not have the shape of a tool's table. */
typedef enum MGShapeMismatchKind
{
	MG_SHAPE_NO_COLUMN,			/* a required column is missing */
	MG_SHAPE_COLUMN_TYPE,		/* a required column is of another type */
	MG_SHAPE_NO_COMPANION		/* the companion table is missing */
} MGShapeMismatchKind;

typedef struct MGShapeMismatch
{
	MGShapeMismatchKind kind;
	const char *name;			/* the column or the companion table */
} MGShapeMismatch;

#endif							/* MG_HEADS_TYPES_H */
