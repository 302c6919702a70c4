/*-------------------------------------------------------------------------
 *
 * xact_events.c
 *	  The module's one transaction callback and one subtransaction
 *	  callback, and the order in which features hear of each event.
 *
 *	  At PRE_COMMIT the judges come first and the model last: findings
 *	  deferred to commit (commit_checks.c), a big data change that turns
 *	  out to be a migration's (rules_dml.c, which asks head enforcement
 *	  whether the migration table was written), then the head check
 *	  (heads.c).  At the end of the transaction each forgets its state,
 *	  the transaction-state model (xact_state.c) last, because the others
 *	  may read it until then.  A subtransaction's abort takes back what was
 *	  noted inside it, in the same order.
 *
 * IDENTIFICATION
 *	  src/xact_events.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "compat.h"

#include "access/xact.h"

#include "commit_checks.h"
#include "heads.h"
#include "rules_dml.h"
#include "xact_events.h"
#include "xact_state.h"

static void
mg_xact_callback(XactEvent event, void *arg)
{
	mg_commit_checks_xact_event(event);
	mg_dml_xact_event(event);
	mg_heads_xact_event(event);
	mg_xact_state_xact_event(event);
}

static void
mg_subxact_callback(SubXactEvent event, SubTransactionId mySubid,
					SubTransactionId parentSubid, void *arg)
{
	mg_commit_checks_subxact_event(event, mySubid, parentSubid);
	mg_dml_subxact_event(event, mySubid, parentSubid);
	mg_heads_subxact_event(event, mySubid, parentSubid);
	mg_xact_state_subxact_event(event, mySubid, parentSubid);
}

void
mg_xact_events_init(void)
{
	RegisterXactCallback(mg_xact_callback, NULL);
	RegisterSubXactCallback(mg_subxact_callback, NULL);
}
