/*-------------------------------------------------------------------------
 *
 * words.c
 *	  The words messages use for lock modes and relation kinds.
 *
 *	  Lock modes keep their SQL names untranslated (they are what LOCK
 *	  takes); what a mode blocks and a relation kind are phrases marked
 *	  with gettext_noop() and translated where they are returned, so each
 *	  is written once and every message says it the same way.
 *
 * IDENTIFICATION
 *	  src/words.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "compat.h"

#include "catalog/pg_class.h"
#include "storage/lockdefs.h"

#include "words.h"

const char *
mg_lockmode_name(LOCKMODE mode)
{
	switch (mode)
	{
		case AccessShareLock:
			return "ACCESS SHARE";
		case RowShareLock:
			return "ROW SHARE";
		case RowExclusiveLock:
			return "ROW EXCLUSIVE";
		case ShareUpdateExclusiveLock:
			return "SHARE UPDATE EXCLUSIVE";
		case ShareLock:
			return "SHARE";
		case ShareRowExclusiveLock:
			return "SHARE ROW EXCLUSIVE";
		case ExclusiveLock:
			return "EXCLUSIVE";
		case AccessExclusiveLock:
			return "ACCESS EXCLUSIVE";
		default:
			return "NO";
	}
}

const char *
mg_lock_blocks_what(LOCKMODE mode)
{
	const char *words;

	switch (mode)
	{
		case AccessExclusiveLock:
			words = gettext_noop("every read and write");
			break;
		case ExclusiveLock:
			words = gettext_noop("every write and every SELECT FOR UPDATE/SHARE");
			break;
		case ShareRowExclusiveLock:
		case ShareLock:
			words = gettext_noop("every INSERT, UPDATE, DELETE and MERGE");
			break;
		default:
			words = gettext_noop("other schema changes");
			break;
	}
	return dgettext(TEXTDOMAIN, words);
}

const char *
mg_lock_blocks(LOCKMODE mode)
{
	const char *words;

	switch (mode)
	{
		case AccessExclusiveLock:
			words = gettext_noop("which blocks all reads and writes");
			break;
		case ExclusiveLock:
			words = gettext_noop("which blocks writes and SELECT ... FOR UPDATE");
			break;
		case ShareRowExclusiveLock:
		case ShareLock:
			words = gettext_noop("which blocks INSERT, UPDATE, DELETE and MERGE");
			break;
		default:
			words = gettext_noop("which blocks other schema changes");
			break;
	}
	return dgettext(TEXTDOMAIN, words);
}

const char *
mg_relkind_word(char relkind)
{
	const char *word;

	switch (relkind)
	{
		case RELKIND_RELATION:
		case RELKIND_PARTITIONED_TABLE:
			word = gettext_noop("table");
			break;
		case RELKIND_INDEX:
		case RELKIND_PARTITIONED_INDEX:
			word = gettext_noop("index");
			break;
		case RELKIND_MATVIEW:
			word = gettext_noop("materialized view");
			break;
		case RELKIND_VIEW:
			word = gettext_noop("view");
			break;
		case RELKIND_SEQUENCE:
			word = gettext_noop("sequence");
			break;
		case RELKIND_FOREIGN_TABLE:
			word = gettext_noop("foreign table");
			break;
		case RELKIND_TOASTVALUE:
			word = gettext_noop("TOAST table");
			break;
		case RELKIND_COMPOSITE_TYPE:
			word = gettext_noop("composite type");
			break;
		default:
			word = gettext_noop("relation");
			break;
	}
	return dgettext(TEXTDOMAIN, word);
}
