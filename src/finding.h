/*-------------------------------------------------------------------------
 *
 * finding.h
 *	  A rule's finding: what a rule found, before policy decides whether it
 *	  is an error, a warning or nothing (report.c).
 *
 *	  Messages are written where the rule raises them, through the
 *	  builders below: the compiler checks each format string against its
 *	  arguments (as for errmsg), and the builders are gettext triggers
 *	  (nls.mk), so every sentence is extractable for translation.  Counts
 *	  go through the _plural builders, as errmsg_plural does.
 *
 * IDENTIFICATION
 *	  src/finding.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef MG_FINDING_H
#define MG_FINDING_H

#include "storage/lockdefs.h"

#include "rules.h"

typedef struct MGFinding
{
	MGRuleId	rule;
	Oid			relid;			/* table concerned, or InvalidOid */
	LOCKMODE	lockmode;		/* lock the statement takes on it, or NoLock */
	bool		rewrites;		/* the statement rewrites the table */
	char	   *message;		/* errmsg: lower case, no period */
	char	   *detail;			/* errdetail: facts, full sentences */
	char	   *hint;			/* errhint: the safe pattern, full sentences */
	bool		advisory;		/* at most a warning unless
								 * migration_guard.rules sets the rule's
								 * severity explicitly */
	const char *column;			/* column concerned, or NULL (the error's
								 * column_name field) */
} MGFinding;

/* Each replaces the field with the translated, formatted text. */
extern void mg_finding_message(MGFinding *f, const char *fmt,...) pg_attribute_printf(2, 3);
extern void mg_finding_detail(MGFinding *f, const char *fmt,...) pg_attribute_printf(2, 3);
extern void mg_finding_hint(MGFinding *f, const char *fmt,...) pg_attribute_printf(2, 3);

/* The same with a count choosing singular or plural wording. */
extern void mg_finding_message_plural(MGFinding *f, const char *fmt_singular,
									  const char *fmt_plural, unsigned long n,...) pg_attribute_printf(2, 5) pg_attribute_printf(3, 5);
extern void mg_finding_detail_plural(MGFinding *f, const char *fmt_singular,
									 const char *fmt_plural, unsigned long n,...) pg_attribute_printf(2, 5) pg_attribute_printf(3, 5);
extern void mg_finding_hint_plural(MGFinding *f, const char *fmt_singular,
								   const char *fmt_plural, unsigned long n,...) pg_attribute_printf(2, 5) pg_attribute_printf(3, 5);

/*
 * Adds one or more whole sentences after the detail (or hint) written so
 * far, two spaces apart, as PostgreSQL's own details run on.  Never a
 * fragment of a sentence.
 */
extern void mg_finding_add_detail(MGFinding *f, const char *fmt,...) pg_attribute_printf(2, 3);
extern void mg_finding_add_hint(MGFinding *f, const char *fmt,...) pg_attribute_printf(2, 3);

/*
 * Adds already-translated sentences (a fact some lower layer wrote, such
 * as a relation's size) after the detail; NULL or "" adds nothing.
 */
extern void mg_finding_add_detail_text(MGFinding *f, const char *sentences);

#endif							/* MG_FINDING_H */
