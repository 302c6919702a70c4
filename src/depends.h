/*-------------------------------------------------------------------------
 *
 * depends.h
 *	  Catalog facts about dependencies: what depends on a column or a
 *	  relation, read from pg_depend the way DROP itself reads it.
 *
 * IDENTIFICATION
 *	  src/depends.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef MG_DEPENDS_H
#define MG_DEPENDS_H

#include "catalog/objectaddress.h"
#include "nodes/pg_list.h"

/* One object that a drop would break or take with it. */
typedef struct MGDependent
{
	ObjectAddress address;		/* the object as a DBA knows it (a view, not
								 * its _RETURN rule) */
	char	   *description;	/* getObjectDescription(), refined */
	bool		dropped_with_it;	/* PostgreSQL drops it silently, even
									 * without CASCADE */
	bool		reference;		/* it uses the dropped object from elsewhere:
								 * the drop breaks or destroys it */
	bool		partition_key;	/* the partition key holding a dropped column:
								 * PostgreSQL refuses such a drop always */
} MGDependent;

/*
 * What depends on the targets (ObjectAddress pointers: relations, or
 * columns such as one column of a table and its copies in the table's
 * children), in the order found, references first.  also_dropped lists the
 * other objects the same statement drops, so that they and their parts are
 * not reported.  With cascade the walk continues through the dependents
 * PostgreSQL would then drop too.
 */
extern List *mg_dependents(List *targets, List *also_dropped, bool cascade);

/*
 * The objects one statement drops, in groups (List * of ObjectAddress *),
 * with their parts walked once: mg_dependents_of_group(set, i, cascade)
 * is mg_dependents(group i, all other groups, cascade) without walking
 * the other groups again, so judging a statement that names thousands of
 * objects stays linear.
 */
typedef struct MGDropSet MGDropSet;

extern MGDropSet *mg_drop_set_create(List *groups);
extern List *mg_dependents_of_group(MGDropSet *set, int group, bool cascade);
extern List *mg_drop_set_groups(MGDropSet *set);
extern void mg_drop_set_free(MGDropSet *set);

extern int	mg_count_references(List *dependents);

/*
 * "view public.v, index users_email_idx (dropped with it), and 3 more",
 * translated: a list to name inside a sentence, not a sentence.
 */
extern char *mg_describe_dependents(List *dependents, int max_listed,
									bool mark_dropped);

#endif							/* MG_DEPENDS_H */
