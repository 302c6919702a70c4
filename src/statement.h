/*-------------------------------------------------------------------------
 *
 * statement.h
 *	  The statement being judged (statement.c): which one it is, its text
 *	  and the comments that belong to it, and the lexer that finds them.
 *
 * IDENTIFICATION
 *	  src/statement.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef MG_STATEMENT_H
#define MG_STATEMENT_H

#include "nodes/parsenodes.h"
#include "nodes/plannodes.h"
#include "tcop/utility.h"

/* What the lexer found at a position of a query string. */
struct MGLockPlan;


typedef struct MGStatement
{
	Node	   *parsetree;		/* the utility statement, read only */
	const char *query_string;	/* the whole source string */
	int			location;		/* this statement's slice of query_string */
	int			length;			/* 0 = to the end of the string */
	ProcessUtilityContext context;
	List	   *predicted_rewrites; /* OIDs of tables a finding said it
									 * rewrites */
	struct MGLockPlan *lock_plan;	/* the locks it requests, once the lock
									 * policy judged it (lock_policy.c) */
	bool		apply_timeout;	/* judging decided to run it under
								 * migration_guard.lock_timeout */
} MGStatement;

/* The arguments of a ProcessUtility call, so features can re-issue it. */
typedef struct MGUtilityCall
{
	PlannedStmt *pstmt;
	const char *queryString;
	bool		readOnlyTree;
	ProcessUtilityContext context;
	ParamListInfo params;
	QueryEnvironment *queryEnv;
	DestReceiver *dest;
	QueryCompletion *qc;
} MGUtilityCall;

extern MGStatement *mg_current_statement;

extern bool mg_check_simulating;

typedef enum MGTokKind
{
	MG_TOK_SPACE,				/* white space other than a line break */
	MG_TOK_NEWLINE,
	MG_TOK_COMMENT,				/* -- or slash-star comment */
	MG_TOK_SEMICOLON,
	MG_TOK_OTHER				/* anything else: words, literals, operators */
} MGTokKind;

/*
 * Reads one token of s (n bytes) at pos, which must not be inside a
 * literal or comment, with the lexical rules of PostgreSQL's scanner, and
 * returns where it ends.
 */
extern int	mg_sql_next_token(const char *s, int pos, int n, MGTokKind *kind);

/* Utility statements executing in this backend, nested (pipeline.c counts). */
extern int	mg_utility_depth;

/*
 * The guard's own SPI query is running (lock_policy.c's look at pg_locks):
 * not a statement of the migration.
 */
extern bool mg_guard_query_running;

extern char *mg_statement_text(const MGStatement *st);
extern void mg_statement_extent(const MGStatement *st, int *start,
								int *body_end, int *end);
extern bool mg_statement_needs_own_transaction(Node *parsetree);

#endif							/* MG_STATEMENT_H */
