/*-------------------------------------------------------------------------
 *
 * client.h
 *	  pg_migration_check: the findings it collects (pg_migration_check.c)
 *	  and the output formats that print them (output.c).
 *
 * IDENTIFICATION
 *	  client/client.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef PG_MIGRATION_CHECK_CLIENT_H
#define PG_MIGRATION_CHECK_CLIENT_H

#include <stdbool.h>
#include <stdio.h>

#define PMC_VERSION "1.1"

typedef enum Level
{
	LEVEL_NOTE,					/* what check() did with a statement (--notes) */
	LEVEL_WARNING,				/* the guard would warn */
	LEVEL_ERROR					/* the guard would refuse (or a syntax error) */
} Level;

/* One finding, located in a migration file. */
typedef struct Finding
{
	const char *file;			/* as given on the command line; "-" = stdin */
	int			line;			/* 1-based */
	int			col;			/* 1-based, in characters */
	int			statement;		/* 1-based number within the check() call */
	Level		level;
	char	   *rule;			/* NULL for a note; "syntax_error" */
	char	   *relation;
	char	   *message;
	char	   *detail;
	char	   *hint;
	char	   *statement_text;
} Finding;

typedef enum Format
{
	FORMAT_TEXT,
	FORMAT_JSON,
	FORMAT_SARIF,
	FORMAT_GITHUB,
	FORMAT_GITLAB
} Format;

extern bool parse_format(const char *name, Format *format);
extern void print_findings(FILE *out, Format format, Finding *findings, int n);

#endif							/* PG_MIGRATION_CHECK_CLIENT_H */
