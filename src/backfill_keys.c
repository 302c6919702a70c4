/*-------------------------------------------------------------------------
 *
 * backfill_keys.c
 *	  The key values of a keyset backfill's cursor and bounds: copied out
 *	  of SPI results, converted to and from the text arrays the job table
 *	  keeps (under fixed output styles, so that a resumed job reads the
 *	  same keys), shown in messages, and read as integers for the percent
 *	  done.
 *
 * IDENTIFICATION
 *	  src/backfill_keys.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "compat.h"

#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "lib/stringinfo.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/datum.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"

#include "backfill.h"

/* ---------- key values ---------- */

/*
 * The job table keeps key values as text, and a job may be resumed by a
 * session with other settings.  Converting them as pg_dump does, under
 * fixed output styles, makes the text mean the same key whatever the
 * session's DateStyle, IntervalStyle, extra_float_digits or lc_monetary:
 * a date written as 01/02/2024 under "SQL, MDY" would otherwise be read
 * back as 1 February under "SQL, DMY", and the resumed job would skip or
 * repeat rows.
 */
static int
key_text_scope_enter(void)
{
	int			level = NewGUCNestLevel();

	(void) set_config_option("datestyle", "ISO",
							 PGC_USERSET, PGC_S_SESSION, GUC_ACTION_SAVE,
							 true, 0, false);
	(void) set_config_option("intervalstyle", "postgres",
							 PGC_USERSET, PGC_S_SESSION, GUC_ACTION_SAVE,
							 true, 0, false);
	(void) set_config_option("extra_float_digits", "3",
							 PGC_USERSET, PGC_S_SESSION, GUC_ACTION_SAVE,
							 true, 0, false);
	(void) set_config_option("lc_monetary", "C",
							 PGC_USERSET, PGC_S_SESSION, GUC_ACTION_SAVE,
							 true, 0, false);
	return level;
}

static void
key_text_scope_exit(int level)
{
	AtEOXact_GUC(true, level);
}

Datum *
mg_bf_copy_keys(MGBackfillPlan *plan, HeapTuple tuple, TupleDesc tupdesc)
{
	Datum	   *keys = palloc(sizeof(Datum) * plan->nkeys);
	int			i;

	for (i = 0; i < plan->nkeys; i++)
	{
		bool		isnull;
		Datum		d = SPI_getbinval(tuple, tupdesc, i + 1, &isnull);

		if (isnull)
			elog(ERROR, "backfill key column \"%s\" is null", plan->keynames[i]);
		keys[i] = datumCopy(d, plan->keybyval[i], plan->keylens[i]);
	}
	return keys;
}

Datum
mg_bf_keys_to_text_array(MGBackfillPlan *plan, Datum *keys)
{
	Datum	   *elems = palloc(sizeof(Datum) * plan->nkeys);
	int			level = key_text_scope_enter();
	int			i;

	for (i = 0; i < plan->nkeys; i++)
	{
		Oid			typoutput;
		bool		isvarlena;

		getTypeOutputInfo(plan->keytypes[i], &typoutput, &isvarlena);
		elems[i] = CStringGetTextDatum(OidOutputFunctionCall(typoutput, keys[i]));
	}
	key_text_scope_exit(level);
	return PointerGetDatum(construct_array(elems, plan->nkeys, TEXTOID, -1, false,
										   TYPALIGN_INT));
}

Datum *
mg_bf_text_array_to_keys(MGBackfillPlan *plan, Datum array)
{
	Datum	   *elems;
	bool	   *nulls;
	int			n;
	Datum	   *keys;
	int			level;
	int			i;

	deconstruct_array(DatumGetArrayTypeP(array), TEXTOID, -1, false, TYPALIGN_INT,
					  &elems, &nulls, &n);
	if (n != plan->nkeys)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_CORRUPTED),
				 errmsg("backfill job has %d key values for a key of %d columns", n, plan->nkeys),
				 errhint("The table's batching key changed since the job began; forget the job with migration_guard.backfill_forget() and start it again.")));
	keys = palloc(sizeof(Datum) * n);
	level = key_text_scope_enter();
	for (i = 0; i < n; i++)
	{
		Oid			typinput;
		Oid			typioparam;

		if (nulls[i])
			elog(ERROR, "backfill job has a null key value");
		getTypeInputInfo(plan->keytypes[i], &typinput, &typioparam);
		keys[i] = OidInputFunctionCall(typinput, TextDatumGetCString(elems[i]),
									   typioparam, -1);
	}
	key_text_scope_exit(level);
	return keys;
}

char *
mg_bf_keys_to_string(MGBackfillPlan *plan, Datum *keys)
{
	StringInfoData buf;
	int			i;

	initStringInfo(&buf);
	if (plan->nkeys > 1)
		appendStringInfoChar(&buf, '(');
	for (i = 0; i < plan->nkeys; i++)
	{
		Oid			typoutput;
		bool		isvarlena;

		getTypeOutputInfo(plan->keytypes[i], &typoutput, &isvarlena);
		appendStringInfo(&buf, "%s%s", i > 0 ? ", " : "",
						 OidOutputFunctionCall(typoutput, keys[i]));
	}
	if (plan->nkeys > 1)
		appendStringInfoChar(&buf, ')');
	return buf.data;
}

int64
mg_bf_key_as_int64(MGBackfillPlan *plan, Datum key)
{
	switch (plan->keytypes[0])
	{
		case INT2OID:
			return DatumGetInt16(key);
		case INT4OID:
			return DatumGetInt32(key);
		default:
			return DatumGetInt64(key);
	}
}
