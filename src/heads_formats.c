/*-------------------------------------------------------------------------
 *
 * heads_formats.c
 *	  How each tool writes its versions, so that an expected head written
 *	  another way is caught where it is declared and not read as "ahead".
 *
 *	  Tools store file names with or without their extension (Sequelize
 *	  "20240101-create-posts.js", Graphile Migrate "000003.sql", Knex
 *	  "..._email.js", node-pg-migrate without), and db-migrate with a
 *	  leading "/".  An expected head written without the extension the
 *	  tool stores is, in natural order, before every stored name with it,
 *	  and a release at that head reads as "ahead".
 *
 *	  The format is learned from the rows themselves: the shape of a
 *	  version is its leading "/" and its file extension.  set_expected_head()
 *	  normalises a value that names a stored version in another shape, and
 *	  refuses one whose shape differs from every stored version, showing the
 *	  shape the tool writes and the nearest stored version.  The GUC cannot
 *	  read tables when it is set; for it, head(), assert_head() and the
 *	  commit check add the same facts to their detail.
 *
 *	  Judging layer: reads the head (heads_query.c) to learn the format.
 *
 * IDENTIFICATION
 *	  src/heads_formats.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "compat.h"

#include "lib/stringinfo.h"
#include "utils/builtins.h"

#include "heads_expected.h"
#include "heads_query.h"
#include "heads_settings.h"
#include "heads_types.h"
#include "heads_versions.h"

/* The extension of a file name: 1-4 letters after the last ".", or "". */
static const char *
version_extension(const char *v)
{
	const char *dot = strrchr(v, '.');
	int			n = 0;

	if (dot == NULL || dot == v)
		return "";
	for (const char *p = dot + 1; *p; p++, n++)
		if (!isalpha((unsigned char) *p))
			return "";
	return n >= 1 && n <= 4 ? dot : "";
}

/* The version without leading "/" and extension, to compare names. */
static char *
version_stem(const char *v)
{
	const char *start = v[0] == '/' ? v + 1 : v;
	const char *ext = version_extension(start);

	return pnstrdup(start, strlen(start) - strlen(ext));
}

static bool
same_shape(const char *a, const char *b)
{
	return (a[0] == '/') == (b[0] == '/') &&
		strcmp(version_extension(a), version_extension(b)) == 0;
}

/* Every version stored, applied or failed; NIL for keyed tools. */
static List *
stored_versions(const MGHeadReading *r)
{
	List	   *all = NIL;
	ListCell   *lc;

	if (r->tool == NULL || r->problem || !OidIsValid(r->relid) || r->tool->keyed)
		return NIL;
	foreach(lc, r->keys)
	{
		MGKeyHeads *kh = lfirst(lc);

		all = list_concat(all, list_concat_copy(kh->applied, kh->failed));
	}
	return all;
}

static bool
stored(List *versions, const char *v)
{
	ListCell   *lc;

	foreach(lc, versions)
		if (strcmp(lfirst(lc), v) == 0)
		return true;
	return false;
}

/* Do all stored versions share one shape that v does not have? */
static bool
shape_differs(List *versions, const char *v)
{
	ListCell   *lc;

	if (versions == NIL)
		return false;
	foreach(lc, versions)
		if (!same_shape(lfirst(lc), linitial(versions)))
		return false;			/* no single format to hold v to */
	return !same_shape(v, linitial(versions));
}

/* The stored version naming the same migration as v, if exactly one. */
static const char *
same_migration(List *versions, const char *v)
{
	char	   *stem = version_stem(v);
	const char *found = NULL;
	ListCell   *lc;

	foreach(lc, versions)
	{
		if (strcmp(version_stem(lfirst(lc)), stem) != 0)
			continue;
		if (found)
			return NULL;
		found = lfirst(lc);
	}
	return found;
}

/* The stored version sharing the longest prefix with v's stem. */
static const char *
nearest(List *versions, const char *v)
{
	char	   *stem = version_stem(v);
	const char *best = NULL;
	int			best_len = -1;
	ListCell   *lc;

	foreach(lc, versions)
	{
		char	   *s = version_stem(lfirst(lc));
		int			n = 0;

		while (s[n] && s[n] == stem[n])
			n++;
		if (n >= best_len)
		{
			best = lfirst(lc);
			best_len = n;
		}
	}
	return best;
}

/*
 * What a tool's versions look like when its table has no rows to learn
 * from: the extension its file names keep, or the prefix it adds.
 */
typedef struct MGToolFormat
{
	const char *tool;
	const char *extensions;		/* ",js,ts," or NULL: an extension required */
	const char *prefix;			/* or NULL */
	const char *example;
} MGToolFormat;

static const MGToolFormat formats[] = {
	{"sequelize", ",js,cjs,mjs,ts,", NULL, "20240101000002-create-posts.js"},
	{"knex", ",js,cjs,mjs,ts,", NULL, "20240101000002_email.js"},
	{"graphile_migrate", ",sql,", NULL, "000003.sql"},
	{"db_migrate", NULL, "/", "/20240101000002-invoice"},
	{NULL, NULL, NULL, NULL}
};

/* The example of the format v does not follow, or NULL. */
static const char *
static_format_mismatch(const MGTool *tool, const char *v)
{
	for (const MGToolFormat *f = formats; tool && f->tool; f++)
	{
		const char *ext = version_extension(v);

		if (strcmp(f->tool, tool->name) != 0)
			continue;
		if (f->prefix && strncmp(v, f->prefix, strlen(f->prefix)) != 0)
			return f->example;
		if (f->extensions &&
			(ext[0] == '\0' || strstr(f->extensions, psprintf(",%s,", ext + 1)) == NULL))
			return f->example;
	}
	return NULL;
}

/*
 * A head list as set_expected_head() stores it: each item naming a stored
 * version in another shape becomes that version (with a NOTICE), and an
 * item in a shape the tool never writes is refused.
 */
char *
mg_heads_normalise_expected(const char *value, const char *argname)
{
	List	   *items = mg_heads_parse_list(value);
	List	   *result = NIL;
	MGHeadReading *r;
	List	   *versions;
	ListCell   *lc;

	if (items == NIL)
		return pstrdup("");
	r = mg_heads_read(mg_migration_tool, mg_migration_table);
	versions = stored_versions(r);
	foreach(lc, items)
	{
		const char *item = lfirst(lc);
		const char *match;

		if (versions == NIL)
		{
			const char *example = static_format_mismatch(r->tool, item);

			if (example)
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("%s \"%s\" is not written the way %s writes its versions",
								argname, item, r->tool->name),
						 errdetail("%s writes versions like \"%s\"; its table holds no version yet.",
								   r->tool->name, example),
						 errhint("Write the version exactly as the tool stores it (file extension and leading \"/\" included); nothing was changed.")));
			result = lappend(result, (void *) item);
			continue;
		}
		if (stored(versions, item))
		{
			result = lappend(result, (void *) item);
			continue;
		}
		match = same_migration(versions, item);
		if (match)
		{
			ereport(NOTICE,
					(errmsg("%s \"%s\" stored as \"%s\", the way %s writes it",
							argname, item, match, r->tool->name)));
			result = lappend(result, (void *) match);
			continue;
		}
		if (shape_differs(versions, item))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("%s \"%s\" is not written the way %s writes its versions",
							argname, item, r->tool->name),
					 errdetail("%s writes versions like \"%s\" in %s; the nearest version there is \"%s\".",
							   r->tool->name, (char *) llast(versions), r->table,
							   nearest(versions, item)),
					 errhint("Write the version exactly as the tool stores it (file extension and leading \"/\" included); nothing was changed.")));
		result = lappend(result, (void *) item);
	}
	return mg_heads_join(result);
}

/*
 * For head(), assert_head() and the commit check: a sentence saying which
 * expected heads are not written the way the tool writes its versions, or
 * NULL.
 */
char *
mg_heads_format_note(const MGHeadReading *r, List *expected)
{
	List	   *versions = stored_versions(r);
	StringInfoData buf;
	ListCell   *lc;

	initStringInfo(&buf);
	foreach(lc, expected)
	{
		const char *item = lfirst(lc);

		if (stored(versions, item) || !shape_differs(versions, item))
			continue;
		if (buf.len)
			appendStringInfoChar(&buf, ' ');
		appendStringInfo(&buf, MGH_("Expected head \"%s\" is not written the way %s writes its versions (like \"%s\"); the nearest version in %s is \"%s\"."),
						 item, r->tool->name,
						 (char *) llast(versions), r->table, nearest(versions, item));
	}
	return buf.len ? buf.data : NULL;
}
