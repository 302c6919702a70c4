/*-------------------------------------------------------------------------
 *
 * finding.c
 *	  The builders of a finding's message, detail and hint: translate the
 *	  format string in migration_guard's text domain, then format it.
 *
 * IDENTIFICATION
 *	  src/finding.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "compat.h"

#include "lib/stringinfo.h"

#include "finding.h"

/* Formats an already translated format string with its va_list. */
#define FORMAT_INTO(buf, translated, last_fixed_arg) \
	do { \
		for (;;) \
		{ \
			va_list		args; \
			int			needed; \
			va_start(args, last_fixed_arg); \
			needed = appendStringInfoVA(&(buf), (translated), args); \
			va_end(args); \
			if (needed == 0) \
				break; \
			enlargeStringInfo(&(buf), needed); \
		} \
	} while (0)

/* Starts a buffer that holds what is there already and a separator. */
static void
start_after(StringInfo buf, const char *existing)
{
	initStringInfo(buf);
	if (existing != NULL && existing[0] != '\0')
		appendStringInfo(buf, "%s  ", existing);
}

void
mg_finding_message(MGFinding *f, const char *fmt,...)
{
	StringInfoData buf;

	initStringInfo(&buf);
	FORMAT_INTO(buf, dgettext(TEXTDOMAIN, fmt), fmt);
	f->message = buf.data;
}

void
mg_finding_detail(MGFinding *f, const char *fmt,...)
{
	StringInfoData buf;

	initStringInfo(&buf);
	FORMAT_INTO(buf, dgettext(TEXTDOMAIN, fmt), fmt);
	f->detail = buf.data;
}

void
mg_finding_hint(MGFinding *f, const char *fmt,...)
{
	StringInfoData buf;

	initStringInfo(&buf);
	FORMAT_INTO(buf, dgettext(TEXTDOMAIN, fmt), fmt);
	f->hint = buf.data;
}

void
mg_finding_message_plural(MGFinding *f, const char *fmt_singular,
						  const char *fmt_plural, unsigned long n,...)
{
	StringInfoData buf;

	initStringInfo(&buf);
	FORMAT_INTO(buf, dngettext(TEXTDOMAIN, fmt_singular, fmt_plural, n), n);
	f->message = buf.data;
}

void
mg_finding_detail_plural(MGFinding *f, const char *fmt_singular,
						 const char *fmt_plural, unsigned long n,...)
{
	StringInfoData buf;

	initStringInfo(&buf);
	FORMAT_INTO(buf, dngettext(TEXTDOMAIN, fmt_singular, fmt_plural, n), n);
	f->detail = buf.data;
}

void
mg_finding_hint_plural(MGFinding *f, const char *fmt_singular,
					   const char *fmt_plural, unsigned long n,...)
{
	StringInfoData buf;

	initStringInfo(&buf);
	FORMAT_INTO(buf, dngettext(TEXTDOMAIN, fmt_singular, fmt_plural, n), n);
	f->hint = buf.data;
}

void
mg_finding_add_detail(MGFinding *f, const char *fmt,...)
{
	StringInfoData buf;

	start_after(&buf, f->detail);
	FORMAT_INTO(buf, dgettext(TEXTDOMAIN, fmt), fmt);
	f->detail = buf.data;
}

void
mg_finding_add_hint(MGFinding *f, const char *fmt,...)
{
	StringInfoData buf;

	start_after(&buf, f->hint);
	FORMAT_INTO(buf, dgettext(TEXTDOMAIN, fmt), fmt);
	f->hint = buf.data;
}

void
mg_finding_add_detail_text(MGFinding *f, const char *sentences)
{
	StringInfoData buf;

	if (sentences == NULL || sentences[0] == '\0')
		return;
	start_after(&buf, f->detail);
	appendStringInfoString(&buf, sentences);
	f->detail = buf.data;
}
