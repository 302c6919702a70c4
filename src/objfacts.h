/*-------------------------------------------------------------------------
 *
 * objfacts.h
 *	  Catalog facts about objects of any kind (types, functions, schemas,
 *	  roles' objects) that statements reaching data through a dependency
 *	  or a type need: whether running code can know an object, which
 *	  relation it belongs to, and what a DROP, DROP OWNED or ALTER TYPE
 *	  names (objfacts.c).
 *
 * IDENTIFICATION
 *	  src/objfacts.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef MG_OBJFACTS_H
#define MG_OBJFACTS_H

#include "catalog/objectaddress.h"
#include "nodes/parsenodes.h"
#include "nodes/pg_list.h"

/* Running code cannot know it: temporary, vanished or created in this transaction. */
extern bool mg_rel_private_to_xact(Oid relid);
extern bool mg_object_created_in_xact(const ObjectAddress *addr);
extern Oid	mg_object_relation(const ObjectAddress *addr);

/* Relations running code may use (relation OIDs). */
extern List *mg_shared_relations(List *relids);
extern List *mg_schema_shared_relations(Oid nspid, bool with_partitions);

/* Typed tables: the composite type ALTER TYPE names, and its tables. */
extern Oid	mg_composite_type_of(RangeVar *rv);
extern List *mg_typed_tables_recursive(Oid typid);

/* What a DROP of a non-relation kind, or DROP OWNED, names (ObjectAddress *). */
extern bool mg_cascade_drop_kind(ObjectType type);
extern List *mg_drop_targets(DropStmt *stmt);
extern List *mg_drop_owned_targets(DropOwnedStmt *stmt, List **relids);

#endif							/* MG_OBJFACTS_H */
