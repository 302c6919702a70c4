/*-------------------------------------------------------------------------
 *
 * check_facts.h
 *	  What the script migration_guard.check() judges has done that the
 *	  catalog does not show, for the facts and rules that ask.
 *
 * IDENTIFICATION
 *	  src/check_facts.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef MG_CHECK_FACTS_H
#define MG_CHECK_FACTS_H

#include "nodes/pg_list.h"
#include "utils/relcache.h"

/* ---------- fed by check() (check_model.c, check_run.c) ---------- */

extern void mg_script_facts_begin(void);
extern void mg_script_facts_end(void);
extern void mg_script_facts_end_transaction(void);
extern void mg_script_facts_add_check(Oid relid, const char *conname,
									  bool not_valid, Node *raw_check);
extern void mg_script_facts_validate(Oid relid, const char *conname);
extern void mg_script_facts_created(Oid classid, Oid objid);
extern void mg_script_facts_altered(Oid classid, Oid objid);

/* ---------- asked by facts and rules; all false/NIL outside check() ---------- */

extern bool mg_script_created_earlier(Oid classid, Oid objid);
extern List *mg_script_validated_checks(Relation rel);

#endif							/* MG_CHECK_FACTS_H */
