/*-------------------------------------------------------------------------
 *
 * check_facts.c
 *	  What the script migration_guard.check() judges has done that the
 *	  catalog does not show: the facts layer's view of check()'s
 *	  transaction model.
 *
 *	  check() runs a statement only when that cannot disturb the live
 *	  database (check_actions.c); the others are judged without running, so
 *	  what they do never reaches the catalog.  The facts later statements
 *	  depend on and the transaction-state model (xact_state.c) does not
 *	  keep are kept here, fed by check() (check_model.c, check_run.c): the
 *	  CHECK constraints validated, with their expressions (they prove a
 *	  later SET NOT NULL needs no scan), and which objects the script
 *	  created in an earlier transaction of the model (they are then no
 *	  longer "created in this transaction", though check() runs inside
 *	  one).
 *
 *	  Everything here is answered from memory, and is false or empty
 *	  outside check().
 *
 * IDENTIFICATION
 *	  src/check_facts.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "compat.h"

#include "catalog/pg_class.h"
#include "nodes/parsenodes.h"
#include "parser/parse_coerce.h"
#include "parser/parse_collate.h"
#include "parser/parse_expr.h"
#include "parser/parse_node.h"
#include "parser/parse_relation.h"
#include "utils/memutils.h"
#include "utils/rel.h"

#include "check_facts.h"

/* A CHECK constraint a judged-only statement adds to an existing table. */
typedef struct ScriptConstraint
{
	Oid			relid;
	char	   *conname;
	bool		validated;		/* added valid, or validated since */
	Node	   *raw_check;		/* its expression as written */
} ScriptConstraint;

/* An object the script created (pg_class or pg_constraint), by class and oid. */
typedef struct ScriptObject
{
	Oid			classid;
	Oid			objid;
} ScriptObject;

typedef struct ScriptFacts
{
	MemoryContext cxt;
	List	   *constraints;	/* of ScriptConstraint * */
	List	   *created_earlier;	/* of ScriptObject *: earlier transactions */
	List	   *created_now;	/* of ScriptObject *: the current one */
} ScriptFacts;

/* The facts of the check running in this backend, or NULL. */
static ScriptFacts *facts = NULL;

/* ---------- fed by check() ---------- */

void
mg_script_facts_begin(void)
{
	MemoryContext cxt = AllocSetContextCreate(CurrentMemoryContext,
											  "migration_guard check facts",
											  ALLOCSET_SMALL_SIZES);

	facts = MemoryContextAllocZero(cxt, sizeof(ScriptFacts));
	facts->cxt = cxt;
}

void
mg_script_facts_end(void)
{
	if (facts != NULL)
		MemoryContextDelete(facts->cxt);
	facts = NULL;
}

/*
 * The model's transaction ends: the objects created so far are committed,
 * for the statements of the next transaction.
 */
void
mg_script_facts_end_transaction(void)
{
	if (facts == NULL)
		return;
	facts->created_earlier = list_concat(facts->created_earlier, facts->created_now);
	facts->created_now = NIL;
}

void
mg_script_facts_add_check(Oid relid, const char *conname, bool not_valid,
						  Node *raw_check)
{
	MemoryContext old;
	ScriptConstraint *c;

	if (facts == NULL)
		return;
	old = MemoryContextSwitchTo(facts->cxt);
	c = palloc(sizeof(ScriptConstraint));
	c->relid = relid;
	c->conname = pstrdup(conname);
	c->validated = !not_valid;
	c->raw_check = copyObject(raw_check);
	facts->constraints = lappend(facts->constraints, c);
	MemoryContextSwitchTo(old);
}

static ScriptConstraint *
find_constraint(Oid relid, const char *conname)
{
	ListCell   *lc;

	if (facts == NULL || conname == NULL)
		return NULL;
	foreach(lc, facts->constraints)
	{
		ScriptConstraint *c = lfirst(lc);

		if (c->relid == relid && strcmp(c->conname, conname) == 0)
			return c;
	}
	return NULL;
}

/* VALIDATE CONSTRAINT of a constraint a judged-only statement added. */
void
mg_script_facts_validate(Oid relid, const char *conname)
{
	ScriptConstraint *c = find_constraint(relid, conname);

	if (c != NULL)
		c->validated = true;
}

static bool
object_in(List *objects, Oid classid, Oid objid)
{
	ListCell   *lc;

	foreach(lc, objects)
	{
		ScriptObject *o = lfirst(lc);

		if (o->classid == classid && o->objid == objid)
			return true;
	}
	return false;
}

/* A statement check() ran created the object (object access hook). */
void
mg_script_facts_created(Oid classid, Oid objid)
{
	MemoryContext old;
	ScriptObject *o;

	if (facts == NULL || object_in(facts->created_now, classid, objid))
		return;
	old = MemoryContextSwitchTo(facts->cxt);
	o = palloc(sizeof(ScriptObject));
	o->classid = classid;
	o->objid = objid;
	facts->created_now = lappend(facts->created_now, o);
	MemoryContextSwitchTo(old);
}

/*
 * A statement check() ran changed the object: for a constraint, its row is
 * then written by the current transaction (mg_constraint_created_in_xact).
 */
void
mg_script_facts_altered(Oid classid, Oid objid)
{
	ListCell   *lc;

	if (facts == NULL)
		return;
	foreach(lc, facts->created_earlier)
	{
		ScriptObject *o = lfirst(lc);

		if (o->classid == classid && o->objid == objid)
		{
			facts->created_earlier = foreach_delete_current(facts->created_earlier, lc);
			break;
		}
	}
	mg_script_facts_created(classid, objid);
}

/* ---------- asked by facts and rules ---------- */

/*
 * Did the script create the object in an earlier transaction of check()'s
 * transaction model?  check() runs the whole script inside one real
 * transaction, so the catalog says "created in this transaction"; when
 * the script runs, that transaction has committed.
 */
bool
mg_script_created_earlier(Oid classid, Oid objid)
{
	return facts != NULL && object_in(facts->created_earlier, classid, objid);
}

/*
 * A CHECK expression as written, cooked against the relation as
 * PostgreSQL cooks a new constraint's (what pg_constraint.conbin holds).
 */
static Node *
cook_check(Relation rel, Node *raw)
{
	ParseState *pstate = make_parsestate(NULL);
	ParseNamespaceItem *nsitem;
	Node	   *expr;

	nsitem = addRangeTableEntryForRelation(pstate, rel, AccessShareLock,
										   NULL, false, true);
	addNSItemToQuery(pstate, nsitem, true, true, true);
	expr = transformExpr(pstate, copyObject(raw), EXPR_KIND_CHECK_CONSTRAINT);
	expr = coerce_to_boolean(pstate, expr, "CHECK");
	assign_expr_collations(pstate, expr);
	free_parsestate(pstate);
	return expr;
}

/*
 * The validated CHECK constraints judged-only statements added to the
 * relation, cooked as the catalog would hold them (mg_rel_not_null_proven
 * folds them with the catalog's own): at run time they are in the catalog.
 */
List *
mg_script_validated_checks(Relation rel)
{
	List	   *checks = NIL;
	ListCell   *lc;

	if (facts == NULL)
		return NIL;
	foreach(lc, facts->constraints)
	{
		ScriptConstraint *c = lfirst(lc);

		if (c->relid == RelationGetRelid(rel) && c->validated)
			checks = lappend(checks, cook_check(rel, c->raw_check));
	}
	return checks;
}
