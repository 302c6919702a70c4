/*-------------------------------------------------------------------------
 *
 * alterfacts.c
 *	  Facts the ALTER TABLE rule families and their dispatcher share (facts
 *	  layer): whether a relation has rows the rewrite and scan rules are
 *	  about, what a column definition gives the column (a default, serial,
 *	  generation expressions that name existing columns), whether
 *	  PostgreSQL would accept a column type change, and where a row type is
 *	  stored; also how a message lists names, and the fields every ALTER
 *	  TABLE finding starts from.  Nothing here reports a finding.
 *
 * IDENTIFICATION
 *	  src/alterfacts.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "compat.h"

#include "access/genam.h"
#include "access/htup_details.h"
#include "access/table.h"
#include "catalog/dependency.h"
#include "catalog/indexing.h"
#include "catalog/pg_class.h"
#include "catalog/pg_depend.h"
#include "catalog/pg_inherits.h"
#include "catalog/pg_partitioned_table.h"
#include "catalog/pg_rewrite.h"
#include "catalog/pg_type.h"
#include "optimizer/optimizer.h"
#include "utils/builtins.h"
#include "utils/fmgroids.h"
#include "utils/lsyscache.h"
#include "utils/syscache.h"

#include "alterfacts.h"
#include "finding.h"
#include "relfacts.h"
#include "rules.h"

/* How many names a message lists before "and N more". */
#define MAX_LISTED 3

/* Tables whose rows the rewrite and scan rules are about. */
bool
mg_alter_rel_has_storage_rules(const MGAlterContext *ctx)
{
	return ctx->relkind == RELKIND_RELATION ||
		ctx->relkind == RELKIND_PARTITIONED_TABLE;
}

/* "a", "a, b" or "a, b, c and 4 more" from a list of C strings. */
char *
mg_list_names(List *names)
{
	StringInfoData buf;
	ListCell   *lc;
	int			n = 0;

	initStringInfo(&buf);
	foreach(lc, names)
	{
		if (n == MAX_LISTED)
		{
			appendStringInfo(&buf, dngettext(TEXTDOMAIN, " and %d more", " and %d more",
											 list_length(names) - n),
							 list_length(names) - n);
			break;
		}
		appendStringInfo(&buf, "%s%s", n > 0 ? ", " : "", (char *) lfirst(lc));
		n++;
	}
	return buf.data;
}

/*
 * Does the column definition give the column a default (DEFAULT, even
 * DEFAULT NULL; serial; a generation expression)?  PostgreSQL transforms
 * each ADD COLUMN on its own (ATParseTransformCmd) and validates the
 * column's inline foreign key only then: without a default the new column
 * is all NULL, and transformFKConstraints() marks the key valid unscanned.
 */
bool
mg_column_def_has_default(ColumnDef *def)
{
	ListCell   *lc;

	if (def->raw_default != NULL || mg_serial_type_name(def->typeName) != NULL)
		return true;
	foreach(lc, def->constraints)
	{
		Constraint *con = lfirst_node(Constraint, lc);

		if (con->contype == CONSTR_DEFAULT || con->contype == CONSTR_GENERATED)
			return true;
	}
	return false;
}

/*
 * The serial pseudo-type a column is declared with (serial, serial4, ...),
 * recognized as transformColumnDefinition does, or NULL.  An array of
 * serial is not one: PostgreSQL refuses it.
 */
const char *
mg_serial_type_name(TypeName *typeName)
{
	const char *name;

	if (typeName == NULL || list_length(typeName->names) != 1 ||
		typeName->pct_type || typeName->arrayBounds != NIL)
		return NULL;
	name = strVal(linitial(typeName->names));
	if (strcmp(name, "smallserial") == 0 || strcmp(name, "serial2") == 0 ||
		strcmp(name, "serial") == 0 || strcmp(name, "serial4") == 0 ||
		strcmp(name, "bigserial") == 0 || strcmp(name, "serial8") == 0)
		return name;
	return NULL;
}

/* A finding of an ALTER TABLE rule about the statement's table and lock. */
void
mg_alter_finding_init(MGFinding *f, const MGAlterContext *ctx, MGRuleId rule)
{
	memset(f, 0, sizeof(MGFinding));
	f->rule = rule;
	f->relid = ctx->relid;
	f->lockmode = ctx->lockmode;
}

/* pg_class.reloftype: is it a typed table (CREATE TABLE ... OF type)? */
static bool
rel_is_typed_table(Oid relid)
{
	FormData_pg_class row;

	return mg_rel_class_row(relid, &row) && OidIsValid(row.reloftype);
}

/* Does a view or rule use the column (a normal pg_depend entry of a rule)? */
static bool
column_used_by_rule(Oid relid, AttrNumber attnum)
{
	Relation	depRel;
	ScanKeyData key[3];
	SysScanDesc scan;
	HeapTuple	tuple;
	bool		used = false;

	depRel = table_open(DependRelationId, AccessShareLock);
	ScanKeyInit(&key[0], Anum_pg_depend_refclassid, BTEqualStrategyNumber,
				F_OIDEQ, ObjectIdGetDatum(RelationRelationId));
	ScanKeyInit(&key[1], Anum_pg_depend_refobjid, BTEqualStrategyNumber,
				F_OIDEQ, ObjectIdGetDatum(relid));
	ScanKeyInit(&key[2], Anum_pg_depend_refobjsubid, BTEqualStrategyNumber,
				F_INT4EQ, Int32GetDatum((int32) attnum));
	scan = systable_beginscan(depRel, DependReferenceIndexId, true, NULL, 3, key);
	while (!used && HeapTupleIsValid(tuple = systable_getnext(scan)))
	{
		Form_pg_depend dep = (Form_pg_depend) GETSTRUCT(tuple);

		used = dep->classid == RewriteRelationId;
	}
	systable_endscan(scan);
	table_close(depRel, AccessShareLock);
	return used;
}

/* Is the column a column of the table's partition key? */
static bool
is_partition_key_column(Oid relid, AttrNumber attnum)
{
	HeapTuple	tuple = SearchSysCache1(PARTRELID, ObjectIdGetDatum(relid));
	bool		found = false;
	bool		isnull;
	Datum		exprs;

	if (!HeapTupleIsValid(tuple))
		return false;
	for (int i = 0; i < ((Form_pg_partitioned_table) GETSTRUCT(tuple))->partnatts; i++)
	{
		if (((Form_pg_partitioned_table) GETSTRUCT(tuple))->partattrs.values[i] == attnum)
			found = true;
	}
	/* ... or used by a partition key expression (has_partition_attrs) */
	exprs = SysCacheGetAttr(PARTRELID, tuple, Anum_pg_partitioned_table_partexprs, &isnull);
	if (!found && !isnull)
	{
		Bitmapset  *attrs = NULL;

		pull_varattnos(stringToNode(TextDatumGetCString(exprs)), 1, &attrs);
		found = bms_is_member(attnum - FirstLowInvalidHeapAttributeNumber, attrs);
	}
	ReleaseSysCache(tuple);
	return found;
}

/*
 * Is a value of the type stored in a column of some relation, directly or
 * inside an array, domain or range over it?  find_composite_type_dependencies
 * then refuses to rewrite the table whose row type it is.
 */
bool
mg_type_stored_in_columns(Oid typid, int depth)
{
	ListCell   *lc;

	if (!OidIsValid(typid) || depth > 16)
		return false;
	foreach(lc, mg_type_dependents(typid))
	{
		ObjectAddress *dep = lfirst(lc);

		if (dep->classId == TypeRelationId)
		{
			if (mg_type_stored_in_columns(dep->objectId, depth + 1))
				return true;
		}
		else if (dep->classId == RelationRelationId && dep->objectSubId > 0)
		{
			char		relkind = get_rel_relkind(dep->objectId);

			if (relkind == RELKIND_RELATION || relkind == RELKIND_MATVIEW ||
				relkind == RELKIND_PARTITIONED_TABLE || relkind == RELKIND_COMPOSITE_TYPE)
				return true;
		}
	}
	return false;
}

/* Is the table's row type stored in another relation's column? */
bool
mg_rowtype_stored_elsewhere(Oid relid)
{
	return mg_type_stored_in_columns(get_rel_type_id(relid), 0);
}

/*
 * Would PostgreSQL accept the type change at all (ATPrepAlterColumnType,
 * ATExecAlterColumnType)?  Not on a typed table, not with ONLY on a table
 * with children, not of a column a view or rule uses; then its own error
 * must reach the user.
 */
bool
mg_column_type_can_change(MGAlterContext *ctx, AttrNumber attnum)
{
	if (rel_is_typed_table(ctx->relid))
		return false;
	if (is_partition_key_column(ctx->relid, attnum))
		return false;
	if (!ctx->stmt->relation->inh &&
		find_inheritance_children(ctx->relid, NoLock) != NIL)
		return false;
	return !column_used_by_rule(ctx->relid, attnum);
}

/*
 * Do the generation expressions of the column definition name only
 * columns that exist (or that the statement adds)?  Otherwise PostgreSQL
 * reports the missing column, and nothing about the column is judged.
 */
bool
mg_generation_columns_exist(const MGAlterContext *ctx, ColumnDef *def)
{
	ListCell   *lc;

	foreach(lc, def->constraints)
	{
		Constraint *con = lfirst_node(Constraint, lc);

		if (con->contype == CONSTR_GENERATED &&
			!mg_expr_columns_exist(ctx->relid, con->raw_expr, ctx->added_columns))
			return false;
	}
	return true;
}
