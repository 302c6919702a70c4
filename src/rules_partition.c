/*-------------------------------------------------------------------------
 *
 * rules_partition.c
 *	  Rules attach_partition and detach_partition: ALTER TABLE ... ATTACH
 *	  PARTITION (the scan proving the bound, the scan of the default
 *	  partition, the indexes built on the partition), CREATE TABLE ...
 *	  PARTITION OF next to a default partition, and DETACH PARTITION
 *	  without CONCURRENTLY.
 *
 * IDENTIFICATION
 *	  src/rules_partition.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "compat.h"

#include "access/htup_details.h"
#include "catalog/namespace.h"
#include "catalog/partition.h"
#include "catalog/pg_class.h"
#include "catalog/pg_constraint.h"
#include "catalog/pg_inherits.h"
#include "commands/tablecmds.h"
#include "nodes/makefuncs.h"
#include "optimizer/optimizer.h"
#include "parser/parse_utilcmd.h"
#include "partitioning/partbounds.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/partcache.h"
#include "utils/rel.h"
#include "utils/ruleutils.h"
#include "utils/syscache.h"

#include "alterfacts.h"
#include "applies.h"
#include "finding.h"
#include "lockinfo.h"
#include "relfacts.h"
#include "relopen.h"
#include "report.h"
#include "rules_alter.h"
#include "rules_partition.h"
#include "statement.h"
#include "words.h"

/* ---------------------------------------------------------------------
 * attach_partition, detach_partition
 * ---------------------------------------------------------------------
 */

/*
 * Would the partition's own validated constraints prove the constraint,
 * so that ATTACH skips the scan (QueuePartitionConstraintValidation)?  A
 * partitioned partition is proven as a whole or else leaf by leaf; a
 * foreign table is never scanned.
 * constraint is in the Vars of "from"; NULL means unknown (a lock was not
 * free) and counts as not proven.
 */
static bool
partition_constraint_proven(Oid partid, List *constraint, Relation from)
{
	Relation	part;
	List	   *mapped;
	bool		proven;

	/* PostgreSQL does not scan foreign tables to check the bound. */
	if (get_rel_relkind(partid) == RELKIND_FOREIGN_TABLE)
		return true;
	part = mg_rel_open_nowait(partid);
	if (part == NULL)
		return false;
	mapped = map_partition_varattnos(copyObject(constraint), 1, part, from);
	proven = PartConstraintImpliedByRelConstraint(part, mapped);
	if (!proven && part->rd_rel->relkind == RELKIND_PARTITIONED_TABLE)
	{
		List	   *children = find_inheritance_children(partid, NoLock);
		ListCell   *lc;

		proven = true;
		foreach(lc, children)
		{
			if (!partition_constraint_proven(lfirst_oid(lc), constraint, from))
			{
				proven = false;
				break;
			}
		}
	}
	mg_rel_close_nowait(part);
	return proven;
}

/*
 * Would ATExecAttachPartition get as far as its scan?  It first refuses a
 * relation that is not a table, already a partition, typed, part of an
 * inheritance tree, an ancestor of the parent, of the other persistence,
 * or whose columns differ from the parent's in name, type, typmod,
 * collation or NOT NULL (MergeAttributesIntoExisting).  Those statements
 * get PostgreSQL's own error; mapping the bound onto a partition whose
 * columns differ would even fail inside the guard.
 */
static bool
partition_can_attach(Relation parent, Relation part)
{
	TupleDesc	pdesc = RelationGetDescr(parent);
	TupleDesc	cdesc = RelationGetDescr(part);
	char		relkind = part->rd_rel->relkind;
	Oid			partid = RelationGetRelid(part);
	int			ncols = 0;

	if (relkind != RELKIND_RELATION && relkind != RELKIND_PARTITIONED_TABLE &&
		relkind != RELKIND_FOREIGN_TABLE)
		return false;
	if (part->rd_rel->relispartition || OidIsValid(part->rd_rel->reloftype))
		return false;
	if (has_superclass(partid) ||
		(relkind == RELKIND_RELATION && find_inheritance_children(partid, NoLock) != NIL))
		return false;
	if (partid == RelationGetRelid(parent) ||
		list_member_oid(get_partition_ancestors(RelationGetRelid(parent)), partid))
		return false;
	if ((parent->rd_rel->relpersistence == RELPERSISTENCE_TEMP) !=
		(part->rd_rel->relpersistence == RELPERSISTENCE_TEMP))
		return false;
	for (int i = 0; i < cdesc->natts; i++)
	{
		if (!TupleDescAttr(cdesc, i)->attisdropped)
			ncols++;
	}
	for (int i = 0; i < pdesc->natts; i++)
	{
		Form_pg_attribute patt = TupleDescAttr(pdesc, i);
		HeapTuple	tuple;
		Form_pg_attribute catt;
		bool		same;

		if (patt->attisdropped)
			continue;
		tuple = SearchSysCacheAttName(partid, NameStr(patt->attname));
		if (!HeapTupleIsValid(tuple))
			return false;
		catt = (Form_pg_attribute) GETSTRUCT(tuple);
		same = catt->atttypid == patt->atttypid &&
			catt->atttypmod == patt->atttypmod &&
			catt->attcollation == patt->attcollation &&
			(catt->attnotnull || !patt->attnotnull);
		ReleaseSysCache(tuple);
		if (!same)
			return false;
		ncols--;
	}
	if (ncols != 0)
		return false;			/* a column the parent lacks */
	/* The parent's inherited CHECK constraints must exist in the partition. */
	if (pdesc->constr != NULL)
	{
		for (int i = 0; i < pdesc->constr->num_check; i++)
		{
			ConstrCheck *check = &pdesc->constr->check[i];

			if (!check->ccnoinherit &&
				!OidIsValid(get_relation_constraint_oid(partid, check->ccname, true)))
				return false;
		}
	}
	return true;
}

/*
 * ATTACH PARTITION builds, on the partition and under its ACCESS EXCLUSIVE
 * lock, every index of the parent that the partition has no matching index
 * for (AttachPartitionEnsureIndexes).  Each partition index matches at
 * most one parent index, so a partition with fewer indexes than the parent
 * gets at least the difference built; that lower bound is what is judged.
 */
static void
check_attach_index_builds(MGAlterContext *ctx, Oid partid)
{
	int			nparent = list_length(mg_table_index_oids(ctx->relid));
	int			npart;
	MGFinding	f = {0};

	if (nparent == 0 || get_rel_relkind(partid) == RELKIND_FOREIGN_TABLE ||
		!mg_rule_applies(MG_RULE_ATTACH_PARTITION, partid))
		return;
	npart = list_length(mg_table_index_oids(partid));
	if (npart >= nparent)
		return;
	f.rule = MG_RULE_ATTACH_PARTITION;
	f.relid = partid;
	f.lockmode = AccessExclusiveLock;
	mg_finding_message_plural(&f, "ATTACH PARTITION would build %d index on \"%s\" under an ACCESS EXCLUSIVE lock",
							  "ATTACH PARTITION would build %d indexes on \"%s\" under an ACCESS EXCLUSIVE lock",
							  nparent - npart, nparent - npart, get_rel_name(partid));
	mg_finding_detail_plural(&f, "\"%s\" has %d index and \"%s\" %d: every index of the parent without a matching index on the partition is built during ATTACH, while the partition is locked ACCESS EXCLUSIVE (%s).",
							 "\"%s\" has %d indexes and \"%s\" %d: every index of the parent without a matching index on the partition is built during ATTACH, while the partition is locked ACCESS EXCLUSIVE (%s).",
							 nparent, get_rel_name(ctx->relid), nparent, get_rel_name(partid), npart,
							 mg_lock_blocks(AccessExclusiveLock));
	mg_finding_add_detail_text(&f, mg_rel_describe(partid));
	mg_finding_hint(&f, "Build the matching indexes on %s first with CREATE INDEX CONCURRENTLY (the same columns, method, uniqueness and predicate as each index of %s); ATTACH PARTITION then only attaches them.",
					mg_rel_name(partid), mg_rel_name(ctx->relid));
	mg_report(&f);
}

/*
 * CREATE TABLE ... PARTITION OF parent FOR VALUES ... checks the parent's
 * default partition for rows of the new bound (check_default_partition_contents)
 * under ACCESS EXCLUSIVE, exactly as ATTACH PARTITION does.
 */
void
mg_check_create_partition(MGStatement *st, CreateStmt *stmt)
{
	Oid			parentid;
	Oid			defaultid;
	Relation	parent;
	bool		scanned = true;
	MGFinding	f = {0};

	if (stmt->partbound == NULL || stmt->partbound->is_default ||
		list_length(stmt->inhRelations) != 1)
		return;
	parentid = RangeVarGetRelid(linitial(stmt->inhRelations), NoLock, true);
	if (!OidIsValid(parentid) || get_rel_relkind(parentid) != RELKIND_PARTITIONED_TABLE)
		return;
	defaultid = get_default_partition_oid(parentid);
	if (!OidIsValid(defaultid) || !mg_rule_applies(MG_RULE_ATTACH_PARTITION, defaultid))
		return;
	parent = mg_rel_open_nowait(parentid);
	if (parent != NULL)
	{
		ParseState *pstate = make_parsestate(NULL);
		PartitionBoundSpec *bound;

		pstate->p_sourcetext = st->query_string;
		bound = transformPartitionBound(pstate, parent, copyObject(stmt->partbound));

		/*
		 * an overlapping bound: PostgreSQL's own error, as DefineRelation
		 * raises next
		 */
		check_new_partition_bound(stmt->relation->relname, parent, bound, pstate);
		scanned = !partition_constraint_proven(defaultid,
											   get_proposed_default_constraint(get_qual_from_partbound(parent, bound)),
											   parent);
		free_parsestate(pstate);
		mg_rel_close_nowait(parent);
	}
	if (!scanned)
		return;
	f.rule = MG_RULE_ATTACH_PARTITION;
	f.relid = defaultid;
	f.lockmode = AccessExclusiveLock;
	mg_finding_message(&f, "CREATE TABLE ... PARTITION OF would scan default partition \"%s\" under an ACCESS EXCLUSIVE lock",
					   get_rel_name(defaultid));
	mg_finding_detail(&f, "Creating a partition next to a default partition checks every row of the default partition for rows of the new bound, holding ACCESS EXCLUSIVE on it (%s) and on the parent.",
					  mg_lock_blocks(AccessExclusiveLock));
	mg_finding_add_detail_text(&f, mg_rel_describe(defaultid));
	mg_finding_hint(&f, "Add a validated CHECK constraint to the default partition that excludes the new bound (ADD ... NOT VALID, then VALIDATE CONSTRAINT), or move the default partition's rows out first.");
	mg_report(&f);
}

void
mg_check_attach_partition(MGAlterContext *ctx, PartitionCmd *pc)
{
	Oid			partid;
	Oid			defaultid;
	Relation	parent;
	ParseState *pstate;
	PartitionBoundSpec *bound;
	List	   *boundqual = NIL;
	List	   *partqual = NIL;
	bool		part_scanned = true;
	bool		default_scanned;
	char	   *check_sql = NULL;
	MGFinding	f = {0};

	if (ctx->relkind != RELKIND_PARTITIONED_TABLE || pc->bound == NULL)
		return;
	partid = RangeVarGetRelid(pc->name, NoLock, true);
	if (!OidIsValid(partid))
		return;
	defaultid = pc->bound->is_default ? InvalidOid : get_default_partition_oid(ctx->relid);
	default_scanned = OidIsValid(defaultid);

	if (!mg_rule_applies(MG_RULE_ATTACH_PARTITION, partid) &&
		!(default_scanned && mg_rule_applies(MG_RULE_ATTACH_PARTITION, defaultid)))
		return;

	/* The partition constraint, as ATExecAttachPartition builds it. */
	parent = mg_rel_open_nowait(ctx->relid);
	if (parent != NULL)
	{
		Relation	part = mg_rel_open_nowait(partid);
		bool		attachable = part != NULL && partition_can_attach(parent, part);

		if (part != NULL)
			mg_rel_close_nowait(part);
		if (!attachable)
		{
			mg_rel_close_nowait(parent);
			return;
		}
		pstate = make_parsestate(NULL);
		pstate->p_sourcetext = ctx->st->query_string;
		bound = transformPartitionBound(pstate, parent, copyObject(pc->bound));

		/*
		 * A bound that overlaps another partition (or breaks the hash moduli)
		 * is refused before any scan: this raises PostgreSQL's own error,
		 * exactly as ATExecAttachPartition would next.
		 */
		check_new_partition_bound(get_rel_name(partid), parent, bound, pstate);
		boundqual = get_qual_from_partbound(parent, bound);
		partqual = list_concat(list_copy(boundqual), RelationGetPartitionQual(parent));
		if (partqual == NIL)
			part_scanned = false;
		else
		{
			partqual = (List *) eval_const_expressions(NULL, (Node *) partqual);
			partqual = list_make1(make_ands_explicit(partqual));
			part_scanned = !partition_constraint_proven(partid, partqual, parent);
			if (part_scanned)
			{
				List	   *ctxt = deparse_context_for(get_rel_name(ctx->relid), ctx->relid);

				check_sql = deparse_expression(linitial(partqual), ctxt, false, false);
			}
		}
		if (default_scanned)
			default_scanned = !partition_constraint_proven(defaultid,
														   get_proposed_default_constraint(boundqual),
														   parent);
		free_parsestate(pstate);
		mg_rel_close_nowait(parent);
	}

	/* (after PostgreSQL's own refusals above) */
	check_attach_index_builds(ctx, partid);
	if (part_scanned && !mg_rule_applies(MG_RULE_ATTACH_PARTITION, partid))
		part_scanned = false;
	if (default_scanned && !mg_rule_applies(MG_RULE_ATTACH_PARTITION, defaultid))
		default_scanned = false;
	if (!part_scanned && !default_scanned)
		return;

	f.rule = MG_RULE_ATTACH_PARTITION;
	f.relid = part_scanned ? partid : defaultid;
	f.lockmode = AccessExclusiveLock;
	if (part_scanned)
	{
		mg_finding_message(&f, "ATTACH PARTITION would scan \"%s\" under an ACCESS EXCLUSIVE lock",
						   get_rel_name(partid));
		mg_finding_detail(&f, "No validated CHECK constraint of \"%s\" proves the partition bound, so every row is checked while the partition is locked ACCESS EXCLUSIVE (%s) and the parent SHARE UPDATE EXCLUSIVE.",
						  get_rel_name(partid), mg_lock_blocks(AccessExclusiveLock));
		if (default_scanned)
			mg_finding_add_detail(&f, "The default partition \"%s\" is also scanned under ACCESS EXCLUSIVE, to prove it holds no rows of the new bound.",
								  get_rel_name(defaultid));
		mg_finding_add_detail_text(&f, mg_rel_describe(partid));
		if (check_sql != NULL)
			mg_finding_hint(&f, "Prove the bound first without blocking: ALTER TABLE %s ADD CONSTRAINT %s CHECK (%s) NOT VALID; ALTER TABLE %s VALIDATE CONSTRAINT %s; then ATTACH PARTITION skips the scan, and the CHECK can be dropped afterwards.",
							mg_rel_name(partid), quote_identifier(psprintf("%s_bound", get_rel_name(partid))),
							check_sql, mg_rel_name(partid),
							quote_identifier(psprintf("%s_bound", get_rel_name(partid))));
		else
			mg_finding_hint(&f, "Prove the bound first without blocking: add a CHECK constraint matching the partition bound with NOT VALID and VALIDATE it; then ATTACH PARTITION skips the scan, and the CHECK can be dropped afterwards.");
	}
	else
	{
		mg_finding_message(&f, "ATTACH PARTITION would scan default partition \"%s\" under an ACCESS EXCLUSIVE lock",
						   get_rel_name(defaultid));
		mg_finding_detail(&f, "Attaching a partition next to a default partition checks every row of the default partition for rows of the new bound, holding ACCESS EXCLUSIVE on it (%s).",
						  mg_lock_blocks(AccessExclusiveLock));
		mg_finding_add_detail_text(&f, mg_rel_describe(defaultid));
		mg_finding_hint(&f, "Add a validated CHECK constraint to the default partition that excludes the new bound (ADD ... NOT VALID, then VALIDATE CONSTRAINT), or move the default partition's rows out first.");
	}
	mg_report(&f);
}

void
mg_check_detach_partition(MGAlterContext *ctx, PartitionCmd *pc)
{
	Oid			partid;
	MGFinding	f = {0};
	bool		has_default;

	if (ctx->relkind != RELKIND_PARTITIONED_TABLE || pc->concurrent)
		return;
	partid = RangeVarGetRelid(pc->name, NoLock, true);
	if (!OidIsValid(partid))
		return;
	/* PostgreSQL reports a relation that is not a partition of this table. */
	if (!get_rel_relispartition(partid) || get_partition_parent(partid, true) != ctx->relid)
		return;
	if (!mg_rule_applies(MG_RULE_DETACH_PARTITION, ctx->relid))
		return;
	has_default = OidIsValid(get_default_partition_oid(ctx->relid));

	mg_alter_finding_init(&f, ctx, MG_RULE_DETACH_PARTITION);
	mg_finding_message(&f, "DETACH PARTITION would lock table \"%s\" ACCESS EXCLUSIVE",
					   get_rel_name(ctx->relid));
	mg_finding_detail(&f, "Detaching \"%s\" without CONCURRENTLY waits for every query on the partitioned table to finish and then holds an %s lock on it and the partition, %s; queries queue behind it.",
					  get_rel_name(partid), mg_lockmode_name(ctx->lockmode),
					  mg_lock_blocks(ctx->lockmode));
	mg_finding_add_detail_text(&f, mg_rel_describe(ctx->relid));
	if (has_default)
		mg_finding_hint(&f, "DETACH PARTITION ... CONCURRENTLY is not possible while %s has a default partition; detach it in a quiet moment with a short lock_timeout and retry.",
						mg_rel_name(ctx->relid));
	else
		mg_finding_hint(&f, "ALTER TABLE %s DETACH PARTITION %s CONCURRENTLY, outside a transaction block; if it is interrupted, finish it with DETACH PARTITION ... FINALIZE.",
						mg_rel_name(ctx->relid), mg_rel_name(partid));
	mg_report(&f);
}
