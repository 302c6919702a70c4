/*-------------------------------------------------------------------------
 *
 * check.h
 *	  The pieces of migration_guard.check() and what they share: the
 *	  state of one check, its output rows, and the transaction models.
 *	  Private to check*.c.
 *
 *	  check.c			the SQL function: arguments, the result set
 *	  check_rows.c		findings to rows under the requested policy, notes
 *	  check_script.c	the script: parsing, statement text and positions,
 *						which statements are analysed
 *	  check_actions.c	which statements are run as well as judged
 *	  check_run.c		judging and running each statement in its own
 *						subtransaction, inside one throwaway subtransaction
 *	  check_model.c		the transaction model: where the script's
 *						transactions end; feeds xact_state.c
 *	  check_facts.c		(facts layer) what judged-only statements left
 *						behind, for the facts and rules that ask
 *
 * IDENTIFICATION
 *	  src/check.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef MG_CHECK_H
#define MG_CHECK_H

#include "catalog/objectaccess.h"
#include "nodes/parsenodes.h"
#include "storage/lockdefs.h"

#include "lockinfo.h"
#include "xact_state.h"

/*
 * How long a statement check() runs may wait for a lock.  Anything that
 * needs a lock somebody else holds gives up at once, so the check never
 * sits in a lock queue where it would make others wait behind it.
 */
#define CHECK_LOCK_TIMEOUT "10ms"

/* Where the script's transactions begin and end (docs/check.md). */
typedef enum CheckTxModel
{
	CHECK_TX_SCRIPT,			/* one transaction for the whole script */
	CHECK_TX_STATEMENT,			/* each statement its own transaction */
	CHECK_TX_AS_WRITTEN			/* the script's BEGIN/COMMIT, else autocommit */
} CheckTxModel;

/* One output row: a finding, or a note about a statement. */
typedef struct CheckRow
{
	int			stmtno;
	char	   *stmt_text;
	int			line;			/* 1-based, where stmt_text starts in the
								 * script */
	int			col;			/* 1-based, in characters */
	const char *rule;			/* NULL for a note */
	const char *severity;
	char	   *relation;
	const char *lockmode;
	bool		rewrites;
	char	   *message;
	char	   *detail;
	char	   *hint;
	char	   *note;
} CheckRow;

typedef struct CheckState
{
	const char *script;
	int			mode;			/* an MGSeverity, or -1: the session's mode */
	bool		include_off;	/* also return findings whose severity is off */
	bool		can_run;		/* false in a read-only transaction */
	CheckTxModel txmodel;
	List	   *rows;			/* of CheckRow *, in the caller's context */

	/* the model's current transaction (check_model.c, xact_state.c) */
	bool		in_block;		/* as_written: inside the script's BEGIN */
	struct MGXactState *xact;	/* the simulated transaction state */

	/* objects the statement being run creates (check_run.c) */
	List	   *stmt_created;
	List	   *stmt_altered;

	/* where the statement being checked starts in the script */
	int			cur_line;
	int			cur_col;
} CheckState;

/* What check() does with a statement besides judging it. */
typedef enum CheckAction
{
	ACTION_RUN,					/* run it in the throwaway subtransaction */
	ACTION_JUDGE_ONLY,			/* it touches what existed before the script */
	ACTION_JUDGE_ONLY_NOTE		/* judge only, and tell the user why */
} CheckAction;

/* check_rows.c */
extern void check_add_note(CheckState *cs, int stmtno, char *stmt_text, char *note);
extern void check_add_findings(CheckState *cs, int stmtno, char *stmt_text,
							   List *findings);

/* check_script.c */
extern List *check_parse_script(const char *script);
extern char *check_statement_text(const char *script, RawStmt *raw);
extern void check_statement_position(const char *script, RawStmt *raw,
									 int *line, int *col);
extern bool check_is_transaction_control(Node *stmt);
extern const char *check_not_analysed_reason(Node *stmt);

/* check_actions.c */
extern CheckAction check_choose_action(Node *stmt, char **why);
extern MGRelLock *check_strong_lock_on_shared_relation(Node *stmt);

/* check_run.c */
extern void check_run_script(CheckState *cs, List *stmts);
extern bool check_running(void);
extern void check_note_object_access(ObjectAccessType access, Oid classId,
									 Oid objectId, int subId);

/* check_model.c */
extern char *check_model_transaction_control(CheckState *cs, Node *stmt);
extern void check_model_statement_done(CheckState *cs);
extern void check_model_remember(Node *stmt, bool judged_only);
extern bool check_model_locks_held(CheckState *cs);

#endif							/* MG_CHECK_H */
