/*-------------------------------------------------------------------------
 *
 * output.c
 *	  pg_migration_check's output formats: plain text (gcc style), JSON,
 *	  SARIF 2.1.0 (code scanning), GitHub Actions workflow commands and
 *	  GitLab Code Quality JSON.  Each prints the same findings; none talks
 *	  to the server.
 *
 * IDENTIFICATION
 *	  client/output.c
 *
 *-------------------------------------------------------------------------
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "client.h"

static const char *const format_names[] = {
	[FORMAT_TEXT] = "text",
	[FORMAT_JSON] = "json",
	[FORMAT_SARIF] = "sarif",
	[FORMAT_GITHUB] = "github",
	[FORMAT_GITLAB] = "gitlab",
};

bool
parse_format(const char *name, Format *format)
{
	for (int i = 0; i < (int) (sizeof(format_names) / sizeof(format_names[0])); i++)
	{
		if (strcmp(name, format_names[i]) == 0)
		{
			*format = (Format) i;
			return true;
		}
	}
	return false;
}

static const char *
level_name(Level level)
{
	switch (level)
	{
		case LEVEL_ERROR:
			return "error";
		case LEVEL_WARNING:
			return "warning";
		default:
			return "note";
	}
}

/* ---------- JSON ---------- */

/* A JSON string, or null. */
static void
json_string(FILE *out, const char *s)
{
	if (s == NULL)
	{
		fputs("null", out);
		return;
	}
	fputc('"', out);
	for (const unsigned char *p = (const unsigned char *) s; *p; p++)
	{
		switch (*p)
		{
			case '"':
				fputs("\\\"", out);
				break;
			case '\\':
				fputs("\\\\", out);
				break;
			case '\n':
				fputs("\\n", out);
				break;
			case '\r':
				fputs("\\r", out);
				break;
			case '\t':
				fputs("\\t", out);
				break;
			default:
				if (*p < 0x20)
					fprintf(out, "\\u%04x", *p);
				else
					fputc(*p, out);
		}
	}
	fputc('"', out);
}

static void
print_json(FILE *out, Finding *f, int n)
{
	int			errors = 0,
				warnings = 0;

	fputs("{\n  \"findings\": [", out);
	for (int i = 0; i < n; i++)
	{
		fputs(i > 0 ? ",\n    {" : "\n    {", out);
		fputs("\"file\": ", out);
		json_string(out, f[i].file);
		fprintf(out, ", \"line\": %d, \"column\": %d, \"statement\": %d, \"severity\": ",
				f[i].line, f[i].col, f[i].statement);
		json_string(out, level_name(f[i].level));
		fputs(", \"rule\": ", out);
		json_string(out, f[i].rule);
		fputs(", \"relation\": ", out);
		json_string(out, f[i].relation);
		fputs(", \"message\": ", out);
		json_string(out, f[i].message);
		fputs(", \"detail\": ", out);
		json_string(out, f[i].detail);
		fputs(", \"hint\": ", out);
		json_string(out, f[i].hint);
		fputs(", \"statement_text\": ", out);
		json_string(out, f[i].statement_text);
		fputc('}', out);
		errors += f[i].level == LEVEL_ERROR;
		warnings += f[i].level == LEVEL_WARNING;
	}
	fprintf(out, "%s],\n  \"errors\": %d,\n  \"warnings\": %d\n}\n",
			n > 0 ? "\n  " : "", errors, warnings);
}

/* ---------- SARIF 2.1.0 ---------- */

/* A file name as a URI reference: unreserved characters and '/' kept. */
static void
json_uri(FILE *out, const char *path)
{
	fputc('"', out);
	for (const unsigned char *p = (const unsigned char *) path; *p; p++)
	{
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
			(*p >= '0' && *p <= '9') || strchr("-._~/", *p) != NULL)
			fputc(*p, out);
		else
			fprintf(out, "%%%02X", *p);
	}
	fputc('"', out);
}

/* Message text: the message, then the detail and the hint. */
static char *
full_message(const Finding *f)
{
	size_t		len = strlen(f->message) + 3 +
		(f->detail ? strlen(f->detail) + 2 : 0) + (f->hint ? strlen(f->hint) + 8 : 0);
	char	   *s = malloc(len + 1);

	if (s == NULL)
		return f->message;
	strcpy(s, f->message);
	if (f->detail)
		strcat(strcat(s, "\n"), f->detail);
	if (f->hint)
		strcat(strcat(s, "\nHint: "), f->hint);
	return s;
}

static const char *
rule_id(const Finding *f)
{
	return f->rule ? f->rule : "migration_guard_note";
}

static void
print_sarif(FILE *out, Finding *f, int n)
{
	const char **rules = calloc(n + 1, sizeof(char *));
	int			nrules = 0;

	fputs("{\n  \"$schema\": \"https://json.schemastore.org/sarif-2.1.0.json\",\n"
		  "  \"version\": \"2.1.0\",\n  \"runs\": [\n    {\n"
		  "      \"tool\": {\n        \"driver\": {\n"
		  "          \"name\": \"pg_migration_check\",\n"
		  "          \"semanticVersion\": \"" PMC_VERSION ".0\",\n"
		  "          \"rules\": [", out);
	for (int i = 0; i < n; i++)
	{
		int			j;

		for (j = 0; j < nrules && strcmp(rules[j], rule_id(&f[i])) != 0; j++)
			;
		if (j < nrules)
			continue;
		rules[nrules] = rule_id(&f[i]);
		fputs(nrules > 0 ? ", {\"id\": " : "{\"id\": ", out);
		json_string(out, rules[nrules]);
		fputs("}", out);
		nrules++;
	}
	fputs("]\n        }\n      },\n      \"results\": [", out);
	for (int i = 0; i < n; i++)
	{
		int			j;
		char	   *msg = full_message(&f[i]);

		for (j = 0; j < nrules && strcmp(rules[j], rule_id(&f[i])) != 0; j++)
			;
		fputs(i > 0 ? ",\n        {" : "\n        {", out);
		fputs("\"ruleId\": ", out);
		json_string(out, rule_id(&f[i]));
		fprintf(out, ", \"ruleIndex\": %d, \"level\": \"%s\", \"message\": {\"text\": ",
				j, level_name(f[i].level));
		json_string(out, msg);
		fputs("}, \"locations\": [{\"physicalLocation\": {\"artifactLocation\": {\"uri\": ", out);
		json_uri(out, f[i].file);
		fprintf(out, "}, \"region\": {\"startLine\": %d, \"startColumn\": %d}}}]}",
				f[i].line, f[i].col);
		if (msg != f[i].message)
			free(msg);
	}
	fprintf(out, "%s]\n    }\n  ]\n}\n", n > 0 ? "\n      " : "");
	free(rules);
}

/* ---------- GitHub Actions workflow commands ---------- */

/* Escapes a workflow command's message (property: also ':' and ','). */
static void
github_escaped(FILE *out, const char *s, bool property)
{
	for (; s && *s; s++)
	{
		if (*s == '%')
			fputs("%25", out);
		else if (*s == '\r')
			fputs("%0D", out);
		else if (*s == '\n')
			fputs("%0A", out);
		else if (property && *s == ':')
			fputs("%3A", out);
		else if (property && *s == ',')
			fputs("%2C", out);
		else
			fputc(*s, out);
	}
}

static void
print_github(FILE *out, Finding *f, int n)
{
	for (int i = 0; i < n; i++)
	{
		char	   *msg = full_message(&f[i]);

		fprintf(out, "::%s file=", f[i].level == LEVEL_NOTE ? "notice" : level_name(f[i].level));
		github_escaped(out, f[i].file, true);
		fprintf(out, ",line=%d,col=%d,title=", f[i].line, f[i].col);
		github_escaped(out, "migration_guard ", true);
		github_escaped(out, rule_id(&f[i]), true);
		fputs("::", out);
		github_escaped(out, msg, false);
		fputc('\n', out);
		if (msg != f[i].message)
			free(msg);
	}
}

/* ---------- GitLab Code Quality ---------- */

/* A stable fingerprint: FNV-1a over file, line, rule and message, twice. */
static void
fingerprint(const Finding *f, char *buf)
{
	uint64_t	h1 = 1469598103934665603ULL,
				h2 = 1099511628211ULL;
	char		line[32];
	const char *parts[] = {f->file, line, rule_id(f), f->message};

	snprintf(line, sizeof(line), "%d", f->line);
	for (int k = 0; k < 4; k++)
	{
		for (const unsigned char *p = (const unsigned char *) parts[k]; *p; p++)
		{
			h1 = (h1 ^ *p) * 1099511628211ULL;
			h2 = (h2 ^ *p) * 1469598103934665603ULL + 7;
		}
		h1 = (h1 ^ 0xff) * 1099511628211ULL;
		h2 = (h2 ^ 0xff) * 1469598103934665603ULL + 7;
	}
	snprintf(buf, 33, "%016llx%016llx", (unsigned long long) h1, (unsigned long long) h2);
}

static void
print_gitlab(FILE *out, Finding *f, int n)
{
	fputs("[", out);
	for (int i = 0; i < n; i++)
	{
		char		fp[33];
		char	   *msg = full_message(&f[i]);

		fingerprint(&f[i], fp);
		fputs(i > 0 ? ",\n  {" : "\n  {", out);
		fputs("\"description\": ", out);
		json_string(out, msg);
		fputs(", \"check_name\": ", out);
		json_string(out, rule_id(&f[i]));
		fprintf(out, ", \"fingerprint\": \"%s\", \"severity\": \"%s\", \"location\": {\"path\": ",
				fp, f[i].level == LEVEL_ERROR ? "blocker" :
				f[i].level == LEVEL_WARNING ? "major" : "info");
		json_string(out, f[i].file);
		fprintf(out, ", \"lines\": {\"begin\": %d}}}", f[i].line);
		if (msg != f[i].message)
			free(msg);
	}
	fputs(n > 0 ? "\n]\n" : "]\n", out);
}

/* ---------- plain text ---------- */

/*
 * A text that must stay on its line: file names and messages (which quote
 * identifiers and statements from the checked files) must not start lines
 * of their own that a CI problem matcher would read as findings.
 */
static void
one_line(FILE *out, const char *s)
{
	for (; s && *s; s++)
		fputc(*s == '\n' || *s == '\r' ? ' ' : *s, out);
}

static void
print_text(FILE *out, Finding *f, int n)
{
	for (int i = 0; i < n; i++)
	{
		one_line(out, f[i].file);
		fprintf(out, ":%d:%d: %s: ", f[i].line, f[i].col, level_name(f[i].level));
		one_line(out, f[i].message);
		if (f[i].rule)
			fprintf(out, " [%s]", f[i].rule);
		fputc('\n', out);
		if (f[i].detail)
		{
			fputs("    detail: ", out);
			one_line(out, f[i].detail);
			fputc('\n', out);
		}
		if (f[i].hint)
		{
			fputs("    hint: ", out);
			one_line(out, f[i].hint);
			fputc('\n', out);
		}
	}
}

void
print_findings(FILE *out, Format format, Finding *findings, int n)
{
	switch (format)
	{
		case FORMAT_TEXT:
			print_text(out, findings, n);
			break;
		case FORMAT_JSON:
			print_json(out, findings, n);
			break;
		case FORMAT_SARIF:
			print_sarif(out, findings, n);
			break;
		case FORMAT_GITHUB:
			print_github(out, findings, n);
			break;
		case FORMAT_GITLAB:
			print_gitlab(out, findings, n);
			break;
	}
}
