/*-------------------------------------------------------------------------
 *
 * backfill_plan.c
 *	  Planning a batched backfill: validating the relation and the
 *	  set_clause / where_clause arguments, choosing the batching key
 *	  (primary key, else a usable unique index, else ctid page ranges) and
 *	  preparing the statements every batch runs; and the size estimates
 *	  of the relation (rows, pages, rows per page).  The key values of a
 *	  job's cursor are converted by backfill_keys.c.
 *
 *	  The two clauses are the only text a caller puts into our SQL.  Each is
 *	  parsed on its own and must be exactly one thing of the right shape
 *	  (assignments; one boolean expression) with balanced brackets and no
 *	  semicolon, so it cannot end our statement or escape the parentheses
 *	  we put around it.  Everything we write ourselves is quoted with
 *	  quote_identifier and schema-qualified; comparison operators are
 *	  pg_catalog's wherever the key types are built in.
 *
 * IDENTIFICATION
 *	  src/backfill_plan.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "compat.h"

#include "access/genam.h"
#include "access/htup_details.h"
#include "access/relation.h"
#include "access/table.h"
#include "catalog/pg_am.h"
#include "catalog/pg_class.h"
#include "catalog/pg_index.h"
#include "catalog/pg_inherits.h"
#include "catalog/pg_type.h"
#include "commands/defrem.h"
#include "common/keywords.h"
#include "executor/spi.h"
#include "lib/stringinfo.h"
#include "nodes/parsenodes.h"
#include "optimizer/plancat.h"
#include "parser/parser.h"
#include "parser/scanner.h"
#include "storage/bufmgr.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/datum.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/relcache.h"
#include "utils/syscache.h"

#include "backfill.h"

/* Rows per heap page assumed when the statistics do not say. */
#define MG_BF_DEFAULT_TUPLES_PER_PAGE 50.0

const char *
mg_bf_method_name(MGBackfillMethod method)
{
	return method == MG_BF_KEYSET ? "keyset" : "ctid";
}

/*
 * Parses sql with the raw parser; a syntax error is reported as an error in
 * the caller's argument, without a cursor position in a string the caller
 * never wrote.  The raw parser only allocates memory, so catching its error
 * without a subtransaction is safe.
 */
static List *
parse_argument(const char *argname, const char *clause, const char *sql)
{
	MemoryContext oldcxt = CurrentMemoryContext;
	List	   *result = NIL;

	PG_TRY();
	{
		result = raw_parser(sql, RAW_PARSE_DEFAULT);
	}
	PG_CATCH();
	{
		ErrorData  *edata;

		MemoryContextSwitchTo(oldcxt);
		edata = CopyErrorData();
		FlushErrorState();
		ereport(ERROR,
				(errcode(edata->sqlerrcode),
				 errmsg("invalid %s: %s", argname, edata->message),
				 errdetail("The %s given is: %s", argname, clause)));
	}
	PG_END_TRY();
	return result;
}

/*
 * The clause's tokens: brackets must balance and never close one we did not
 * see open, and there is no semicolon.  Together with a successful parse of
 * the clause on its own, this guarantees it stays one complete piece where
 * we embed it.
 */
static void
check_clause_tokens(const char *argname, const char *clause)
{
	core_yy_extra_type yyextra;
	core_yyscan_t scanner;
	int			depth = 0;
	bool		balanced = true;
	bool		semicolon = false;

	scanner = scanner_init(clause, &yyextra, &ScanKeywords, ScanKeywordTokens);
	for (;;)
	{
		core_YYSTYPE yylval;
		YYLTYPE		yylloc;
		int			tok = core_yylex(&yylval, &yylloc, scanner);

		if (tok == 0)
			break;
		if (tok == '(' || tok == '[')
			depth++;
		else if (tok == ')' || tok == ']')
		{
			if (--depth < 0)
				balanced = false;
		}
		else if (tok == ';')
			semicolon = true;
	}
	scanner_finish(scanner);

	if (semicolon)
		ereport(ERROR,
				(errcode(ERRCODE_SYNTAX_ERROR),
				 errmsg("%s must not contain a semicolon", argname),
				 errdetail("The %s given is: %s", argname, clause),
				 strcmp(argname, "set_clause") == 0 ?
				 errhint("Pass one list of assignments, not several statements.") :
				 errhint("Pass one boolean expression, not several statements.")));
	if (!balanced || depth != 0)
		ereport(ERROR,
				(errcode(ERRCODE_SYNTAX_ERROR),
				 errmsg("%s has unbalanced parentheses", argname),
				 errdetail("The %s given is: %s", argname, clause)));
}

static bool
is_blank(const char *clause)
{
	return clause[strspn(clause, " \t\r\n\f")] == '\0';
}

/*
 * Parses sql, an UPDATE built around the clause, and returns it if it is
 * one plain UPDATE (no FROM, RETURNING or WITH), else NULL.
 */
static UpdateStmt *
parse_as_plain_update(const char *argname, const char *clause, const char *sql)
{
	List	   *stmts = parse_argument(argname, clause, sql);
	RawStmt    *raw = list_length(stmts) == 1 ? linitial_node(RawStmt, stmts) : NULL;
	UpdateStmt *upd = (raw && IsA(raw->stmt, UpdateStmt)) ? (UpdateStmt *) raw->stmt : NULL;

	if (upd == NULL || upd->fromClause != NIL ||
		compat_stmt_has_returning(upd) || upd->withClause != NULL)
		return NULL;
	return upd;
}

/*
 * set_clause: the assignments of an UPDATE, nothing else ("a = b + 1,
 * c = DEFAULT", "(a, b) = (1, 2)").  Returns the assigned column names.
 */
static List *
validate_set_clause(const char *clause)
{
	UpdateStmt *upd;
	List	   *names = NIL;
	ListCell   *lc;

	if (is_blank(clause))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("set_clause must not be empty"),
				 errhint("Pass the assignments of the UPDATE, for example set_clause => 'new_col = old_col'.")));
	upd = parse_as_plain_update("set_clause", clause,
								psprintf("UPDATE mg_backfill_target SET %s\n", clause));
	if (upd == NULL || upd->whereClause != NULL)
		ereport(ERROR,
				(errcode(ERRCODE_SYNTAX_ERROR),
				 errmsg("set_clause must be only the assignments of an UPDATE"),
				 errdetail("The set_clause given is: %s", clause),
				 errhint("Put row conditions in where_clause; FROM, RETURNING and further statements are not allowed.")));
	check_clause_tokens("set_clause", clause);

	foreach(lc, upd->targetList)
	{
		ResTarget  *rt = lfirst_node(ResTarget, lc);

		names = lappend(names, rt->name);
	}
	return names;
}

/* where_clause: one boolean expression, as in "WHERE (<where_clause>)". */
static void
validate_where_clause(const char *clause)
{
	UpdateStmt *upd;

	if (is_blank(clause))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("where_clause must not be empty"),
				 errhint("Pass NULL for no condition.")));
	upd = parse_as_plain_update("where_clause", clause,
								psprintf("UPDATE mg_backfill_target SET mg_backfill_column = 1 WHERE (%s\n)",
										 clause));
	if (upd == NULL || upd->whereClause == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_SYNTAX_ERROR),
				 errmsg("where_clause must be one boolean expression"),
				 errdetail("The where_clause given is: %s", clause)));
	check_clause_tokens("where_clause", clause);
}

/*
 * Can this index batch the table?  A btree, unique, valid, without
 * predicate or expressions, whose key columns are NOT NULL (a primary key's
 * are) and use their type's default operator class and the column's
 * collation, so that "(k) > (cursor)" and "ORDER BY k" follow the index.
 */
static bool
index_is_usable_key(Relation rel, Relation idx)
{
	Form_pg_index index = idx->rd_index;
	TupleDesc	tupdesc = RelationGetDescr(rel);
	int			nkeys = IndexRelationGetNumberOfKeyAttributes(idx);
	int			i;

	if (idx->rd_rel->relam != BTREE_AM_OID || !index->indisunique ||
		!index->indisvalid || !index->indislive ||
		RelationGetIndexPredicate(idx) != NIL)
		return false;

	for (i = 0; i < nkeys; i++)
	{
		AttrNumber	attnum = index->indkey.values[i];
		Form_pg_attribute att;
		Oid			opclass;

		if (attnum <= 0)
			return false;		/* expression or system column */
		att = TupleDescAttr(tupdesc, attnum - 1);
		if (!att->attnotnull)
			return false;
		opclass = GetDefaultOpClass(att->atttypid, BTREE_AM_OID);
		if (!OidIsValid(opclass) ||
			get_opclass_family(opclass) != idx->rd_opfamily[i] ||
			idx->rd_indcollation[i] != att->attcollation)
			return false;
	}
	return true;
}

/*
 * The batching key: the primary key if it is usable, else the usable unique
 * index with the fewest columns (lowest OID on a tie).  InvalidOid if none.
 */
static Oid
choose_key_index(Relation rel)
{
	List	   *indexes = RelationGetIndexList(rel);
	Oid			pk = rel->rd_pkindex;
	Oid			best = InvalidOid;
	int			best_nkeys = INT_MAX;
	ListCell   *lc;

	if (OidIsValid(pk))
	{
		Relation	idx = index_open(pk, AccessShareLock);
		bool		usable = index_is_usable_key(rel, idx);

		index_close(idx, AccessShareLock);
		if (usable)
			return pk;
	}

	foreach(lc, indexes)
	{
		Oid			indexoid = lfirst_oid(lc);
		Relation	idx = index_open(indexoid, AccessShareLock);
		int			nkeys = IndexRelationGetNumberOfKeyAttributes(idx);

		if (index_is_usable_key(rel, idx) &&
			(nkeys < best_nkeys || (nkeys == best_nkeys && indexoid < best)))
		{
			best = indexoid;
			best_nkeys = nkeys;
		}
		index_close(idx, AccessShareLock);
	}
	list_free(indexes);
	return best;
}

static void
plan_set_key(MGBackfillPlan *plan, Relation rel, Oid indexoid)
{
	Relation	idx = index_open(indexoid, AccessShareLock);
	TupleDesc	tupdesc = RelationGetDescr(rel);
	StringInfoData keylist;
	int			i;

	plan->keyindex = indexoid;
	plan->nkeys = IndexRelationGetNumberOfKeyAttributes(idx);
	plan->keynames = palloc(sizeof(char *) * plan->nkeys);
	plan->keytypes = palloc(sizeof(Oid) * plan->nkeys);
	plan->keylens = palloc(sizeof(int16) * plan->nkeys);
	plan->keybyval = palloc(sizeof(bool) * plan->nkeys);
	initStringInfo(&keylist);
	for (i = 0; i < plan->nkeys; i++)
	{
		Form_pg_attribute att = TupleDescAttr(tupdesc, idx->rd_index->indkey.values[i] - 1);

		plan->keynames[i] = pstrdup(NameStr(att->attname));
		plan->keytypes[i] = att->atttypid;
		get_typlenbyval(att->atttypid, &plan->keylens[i], &plan->keybyval[i]);
		appendStringInfo(&keylist, "%s%s", i > 0 ? ", " : "",
						 quote_identifier(plan->keynames[i]));
	}
	plan->keylist = keylist.data;
	plan->int_key = plan->nkeys == 1 &&
		(plan->keytypes[0] == INT2OID || plan->keytypes[0] == INT4OID ||
		 plan->keytypes[0] == INT8OID);
	index_close(idx, AccessShareLock);
}

/*
 * Validates the arguments and decides how the job batches.  Raises a clear
 * error for everything that cannot work; writes nothing.
 */
MGBackfillPlan *
mg_bf_plan_create(Oid relid, const char *set_clause, const char *where_clause)
{
	MGBackfillPlan *plan = palloc0(sizeof(MGBackfillPlan));
	Relation	rel;
	List	   *assigned;
	ListCell   *lc;
	Oid			keyindex;

	rel = try_relation_open(relid, AccessShareLock);
	if (rel == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_TABLE),
				 errmsg("relation with OID %u does not exist", relid)));

	plan->relid = relid;
	plan->relkind = rel->rd_rel->relkind;
	plan->relname = quote_qualified_identifier(get_namespace_name(RelationGetNamespace(rel)),
											   RelationGetRelationName(rel));
	plan->reldisplay = psprintf("%s.%s", get_namespace_name(RelationGetNamespace(rel)),
								RelationGetRelationName(rel));
	if (plan->relkind != RELKIND_RELATION && plan->relkind != RELKIND_PARTITIONED_TABLE)
		ereport(ERROR,
				(errcode(ERRCODE_WRONG_OBJECT_TYPE),
				 errmsg("cannot backfill \"%s\"", plan->reldisplay),
				 errdetail("Only tables and partitioned tables can be backfilled.")));

	assigned = validate_set_clause(set_clause);
	plan->set_clause = pstrdup(set_clause);
	if (where_clause)
	{
		validate_where_clause(where_clause);
		plan->where_clause = pstrdup(where_clause);
	}

	keyindex = choose_key_index(rel);
	if (OidIsValid(keyindex))
	{
		int			i;

		plan->method = MG_BF_KEYSET;
		plan_set_key(plan, rel, keyindex);

		/* Moving a row's key would move it across the cursor. */
		foreach(lc, assigned)
		{
			char	   *col = lfirst(lc);

			for (i = 0; i < plan->nkeys; i++)
				if (strcmp(col, plan->keynames[i]) == 0)
					ereport(ERROR,
							(errcode(ERRCODE_MG_BACKFILL_KEY_ASSIGNED),
							 errmsg("set_clause must not assign the batching key column \"%s\"", col),
							 errdetail("Batches follow the key (%s) of \"%s\"; changing it would move rows across batches.",
									   plan->keylist, plan->reldisplay)));
		}
	}
	else
	{
		plan->method = MG_BF_CTID;
		if (plan->relkind == RELKIND_PARTITIONED_TABLE || rel->rd_rel->relhassubclass)
			ereport(ERROR,
					(errcode(ERRCODE_MG_BACKFILL_NO_KEY),
					 errmsg("cannot backfill \"%s\" through its parent: it has no primary key or usable unique index",
							plan->reldisplay),
					 errdetail("Without a key, batches are ranges of heap pages (ctid), which only mean something within one table."),
					 errhint("Add a primary key, or run one backfill per partition or child table.")));
		if (where_clause == NULL)
			ereport(ERROR,
					(errcode(ERRCODE_MG_BACKFILL_NEEDS_PREDICATE),
					 errmsg("backfilling \"%s\" by ctid ranges requires an idempotency predicate in where_clause",
							plan->reldisplay),
					 errdetail("The table has no primary key or usable unique index, so batches are ranges of heap pages; a row moved to a later page by an update can be met twice."),
					 errhint("Pass a where_clause that is false once a row is done, for example where_clause => 'new_col IS DISTINCT FROM old_col', or add a primary key.")));
	}

	relation_close(rel, NoLock);
	return plan;
}

/* ---------- statements ---------- */

/* Comparison operator text: pg_catalog's for built-in key types. */
static const char *
cmp_op(MGBackfillPlan *plan, const char *op)
{
	int			i;

	for (i = 0; i < plan->nkeys; i++)
		if (plan->keytypes[i] >= FirstNormalObjectId)
			return op;
	return psprintf("OPERATOR(pg_catalog.%s)", op);
}

/* "(a, b)" or "a"; "($1, $2)" or "$1" */
static char *
key_row(MGBackfillPlan *plan)
{
	return plan->nkeys == 1 ? plan->keylist : psprintf("(%s)", plan->keylist);
}

static char *
param_row(MGBackfillPlan *plan, int first)
{
	StringInfoData buf;
	int			i;

	initStringInfo(&buf);
	if (plan->nkeys > 1)
		appendStringInfoChar(&buf, '(');
	for (i = 0; i < plan->nkeys; i++)
		appendStringInfo(&buf, "%s$%d", i > 0 ? ", " : "", first + i);
	if (plan->nkeys > 1)
		appendStringInfoChar(&buf, ')');
	return buf.data;
}

static char *
desc_list(MGBackfillPlan *plan)
{
	StringInfoData buf;
	int			i;

	initStringInfo(&buf);
	for (i = 0; i < plan->nkeys; i++)
		appendStringInfo(&buf, "%s%s DESC", i > 0 ? ", " : "",
						 quote_identifier(plan->keynames[i]));
	return buf.data;
}

static SPIPlanPtr
prepare_kept(const char *sql, int nargs, Oid *argtypes)
{
	SPIPlanPtr	p = SPI_prepare(sql, nargs, argtypes);

	if (p == NULL)
		elog(ERROR, "SPI_prepare failed for backfill statement: %s",
			 SPI_result_code_string(SPI_result));
	if (SPI_keepplan(p) != 0)
		elog(ERROR, "SPI_keepplan failed");
	return p;
}

/* The UPDATE of one batch, given its range condition. */
static char *
update_sql(MGBackfillPlan *plan, const char *range)
{
	StringInfoData buf;

	initStringInfo(&buf);
	appendStringInfo(&buf, "UPDATE %s SET\n%s\nWHERE %s", plan->relname,
					 plan->set_clause, range);
	if (plan->where_clause)
		appendStringInfo(&buf, "\nAND (\n%s\n)", plan->where_clause);
	return buf.data;
}

/* The rows of a range that still match where_clause (verification). */
static char *
verify_sql(MGBackfillPlan *plan, const char *columns, const char *range,
		   const char *order)
{
	return psprintf("SELECT %s FROM %s WHERE %s\nAND (\n%s\n)%s%s", columns,
					plan->relname, range, plan->where_clause,
					order ? " ORDER BY " : "", order ? order : "");
}

/*
 * Prepares every statement of the job (inside SPI).  Parse analysis here
 * reports unknown columns, type errors and the like before anything runs.
 */
void
mg_bf_plan_prepare(MGBackfillPlan *plan)
{
	if (plan->method == MG_BF_KEYSET)
	{
		int			n = plan->nkeys;
		Oid		   *argtypes = palloc(sizeof(Oid) * (2 * n + 1));
		const char *gt = cmp_op(plan, ">");
		const char *le = cmp_op(plan, "<=");
		char	   *krow = key_row(plan);
		char	   *lo = param_row(plan, 1);
		char	   *hi = param_row(plan, n + 1);
		int			i;

		for (i = 0; i < n; i++)
			argtypes[i] = argtypes[n + i] = plan->keytypes[i];
		argtypes[2 * n] = INT8OID;

		plan->bound_first = prepare_kept(psprintf("SELECT %s FROM %s ORDER BY %s LIMIT 1",
												  plan->keylist, plan->relname, plan->keylist),
										 0, NULL);
		plan->bound_last = prepare_kept(psprintf("SELECT %s FROM %s ORDER BY %s LIMIT 1",
												 plan->keylist, plan->relname, desc_list(plan)),
										0, NULL);
		plan->end_from_start =
			prepare_kept(psprintf("SELECT %s FROM %s WHERE %s %s %s ORDER BY %s OFFSET $%d LIMIT 1",
								  plan->keylist, plan->relname, krow, le, hi,
								  plan->keylist, 2 * n + 1),
						 2 * n + 1, argtypes);
		plan->end_after =
			prepare_kept(psprintf("SELECT %s FROM %s WHERE %s %s %s AND %s %s %s ORDER BY %s OFFSET $%d LIMIT 1",
								  plan->keylist, plan->relname, krow, gt, lo, krow, le, hi,
								  plan->keylist, 2 * n + 1),
						 2 * n + 1, argtypes);
		plan->update_sql_from_start = update_sql(plan, psprintf("%s %s %s", krow, le, hi));
		plan->update_sql_after = update_sql(plan, psprintf("%s %s %s AND %s %s %s",
														   krow, gt, lo, krow, le, hi));
		plan->update_from_start = prepare_kept(plan->update_sql_from_start, 2 * n, argtypes);
		plan->update_after = prepare_kept(plan->update_sql_after, 2 * n, argtypes);
		if (plan->where_clause)
		{
			plan->verify_from_start =
				prepare_kept(verify_sql(plan, plan->keylist, psprintf("%s %s %s", krow, le, hi),
										plan->keylist), 2 * n, argtypes);
			plan->verify_after =
				prepare_kept(verify_sql(plan, plan->keylist,
										psprintf("%s %s %s AND %s %s %s", krow, gt, lo, krow, le, hi),
										plan->keylist), 2 * n, argtypes);
		}
	}
	else
	{
		Oid			argtypes[2] = {TIDOID, TIDOID};

		plan->update_sql_ctid =
			update_sql(plan, "ctid OPERATOR(pg_catalog.>=) $1 AND ctid OPERATOR(pg_catalog.<) $2");
		plan->update_ctid = prepare_kept(plan->update_sql_ctid, 2, argtypes);
		plan->verify_ctid =
			prepare_kept(verify_sql(plan, "ctid",
									"ctid OPERATOR(pg_catalog.>=) $1 AND ctid OPERATOR(pg_catalog.<) $2",
									NULL), 2, argtypes);
	}
}

/*
 * Frees the statements prepared by mg_bf_plan_prepare.  SPI_keepplan moved
 * them out of the procedure's memory so that they survive its commits;
 * without this every CALL would leave them in the session for good.
 */
void
mg_bf_plan_free(MGBackfillPlan *plan)
{
	SPIPlanPtr *plans[] = {&plan->bound_first, &plan->bound_last,
		&plan->end_from_start, &plan->end_after, &plan->update_from_start,
		&plan->update_after, &plan->update_ctid, &plan->verify_from_start,
	&plan->verify_after, &plan->verify_ctid};
	int			i;

	for (i = 0; i < lengthof(plans); i++)
	{
		if (*plans[i] != NULL)
			SPI_freeplan(*plans[i]);
		*plans[i] = NULL;
	}
}

/* ---------- size estimates ---------- */

/*
 * Rows the job will visit, from pg_class.reltuples of every table the
 * UPDATE reaches (partitions, inheritance children), or the planner's
 * estimate from the table's size where it was never vacuumed or analyzed.
 */
int64
mg_bf_estimate_rows(Oid relid)
{
	List	   *rels = find_all_inheritors(relid, AccessShareLock, NULL);
	double		total = 0;
	bool		known = false;
	ListCell   *lc;

	foreach(lc, rels)
	{
		HeapTuple	tup = SearchSysCache1(RELOID, ObjectIdGetDatum(lfirst_oid(lc)));
		Form_pg_class cls;

		if (!HeapTupleIsValid(tup))
			continue;
		cls = (Form_pg_class) GETSTRUCT(tup);
		if (cls->relkind == RELKIND_RELATION && cls->reltuples >= 0)
		{
			total += cls->reltuples;
			known = true;
		}
		else if (cls->relkind == RELKIND_RELATION)
		{
			/* never vacuumed or analyzed: the planner's guess from its size */
			Relation	rel = table_open(lfirst_oid(lc), AccessShareLock);
			BlockNumber pages;
			double		tuples;
			double		allvisfrac;

			estimate_rel_size(rel, NULL, &pages, &tuples, &allvisfrac);
			table_close(rel, NoLock);
			total += tuples;
			known = true;
		}
		ReleaseSysCache(tup);
	}
	return known ? (int64) total : -1;
}

double
mg_bf_tuples_per_page(Oid relid)
{
	HeapTuple	tup = SearchSysCache1(RELOID, ObjectIdGetDatum(relid));
	double		tpp = MG_BF_DEFAULT_TUPLES_PER_PAGE;

	if (HeapTupleIsValid(tup))
	{
		Form_pg_class cls = (Form_pg_class) GETSTRUCT(tup);

		if (cls->reltuples > 0 && cls->relpages > 0)
			tpp = Max(1.0, cls->reltuples / cls->relpages);
		ReleaseSysCache(tup);
	}
	return tpp;
}

BlockNumber
mg_bf_relation_pages(Oid relid)
{
	Relation	rel = table_open(relid, AccessShareLock);
	BlockNumber pages = RelationGetNumberOfBlocks(rel);

	table_close(rel, NoLock);
	return pages;
}
