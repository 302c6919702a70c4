/*-------------------------------------------------------------------------
 *
 * commit_checks.h
 *	  Findings decided at commit (commit_checks.c).
 *
 * IDENTIFICATION
 *	  src/commit_checks.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef MG_COMMIT_CHECKS_H
#define MG_COMMIT_CHECKS_H

#include "access/xact.h"

#include "finding.h"

/* true: the transaction made the finding's statement safe */
typedef bool (*MGCommitTest) (void *arg);

extern bool mg_defer_finding(const MGFinding *f, MGCommitTest safe_at_commit, void *arg);
extern bool mg_defer_rename_until_commit(MGFinding *f, Oid nspid, const char *relname);

extern void mg_commit_checks_xact_event(XactEvent event);
extern void mg_commit_checks_subxact_event(SubXactEvent event, SubTransactionId mySubid,
										   SubTransactionId parentSubid);

#endif							/* MG_COMMIT_CHECKS_H */
