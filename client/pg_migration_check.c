/*-------------------------------------------------------------------------
 *
 * pg_migration_check.c
 *	  A CI client for migration_guard: reads migration files (or stdin),
 *	  runs migration_guard.check() on them in a database whose catalog is
 *	  the target's (a staging copy, a read replica), and reports every
 *	  finding at its file, line and column in the format the CI wants
 *	  (output.c).
 *
 *	  By default the files are judged as one script, in the order given (a
 *	  directory stands for its *.sql files in name order), each file in its
 *	  own transaction, as migration tools apply pending migrations: a later
 *	  file sees the tables an earlier one creates.  --separately judges each
 *	  file on its own.
 *
 *	  Exit status: 0 no findings (or warnings only), 1 warnings only with
 *	  --fail-on-warnings, 2 findings the guard would refuse (or a syntax
 *	  error), 3 usage, connection or server error.
 *
 * IDENTIFICATION
 *	  client/pg_migration_check.c
 *
 *-------------------------------------------------------------------------
 */
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "libpq-fe.h"

#include "client.h"

#define EXIT_CLEAN 0
#define EXIT_WARNINGS 1
#define EXIT_REFUSED 2
#define EXIT_TROUBLE 3

/* Joins the files of one script: each file its own transaction. */
#define FILE_SEPARATOR "\n;COMMIT;\n"

typedef struct Source
{
	const char *name;			/* as given; "-" = stdin */
	char	   *text;
	int			first_line;		/* in the joined script */
	int			nlines;			/* newlines in text + 1 */
} Source;

typedef struct Options
{
	const char *host;
	const char *port;
	const char *user;
	const char *dbname;
	const char *mode;			/* NULL: the session's migration_guard.mode */
	const char *transactions;	/* NULL: check()'s default, 'script' */
	const char *output;
	Format		format;
	bool		fail_on_warnings;
	bool		notes;
	bool		separately;
} Options;

static const char *progname = "pg_migration_check";

static Source *sources = NULL;
static int	nsources = 0;
static Finding *findings = NULL;
static int	nfindings = 0;
static int	findings_size = 0;

static void
usage(void)
{
	printf("%s checks schema migrations with migration_guard before they are deployed.\n\n", progname);
	printf("Usage:\n  %s [OPTION]... [FILE|DIRECTORY]...\n\n", progname);
	printf("Reads the migration files (a directory: its *.sql files in name order; none or\n"
		   "\"-\": standard input), runs migration_guard.check() on them in the database,\n"
		   "and reports every finding at its file, line and column.\n\n");
	printf("Options:\n");
	printf("  -d, --dbname=CONNINFO     database to connect to (a name, conninfo string or URI)\n");
	printf("  -h, --host=HOSTNAME       database server host or socket directory\n");
	printf("  -p, --port=PORT           database server port\n");
	printf("  -U, --username=USERNAME   database user name\n");
	printf("  -f, --format=FORMAT       text (default), json, sarif, github, gitlab\n");
	printf("  -o, --output=FILE         write the report to FILE instead of standard output\n");
	printf("  -m, --mode=MODE           judge as if migration_guard.mode were MODE\n"
		   "                            (enforce, warn); default: the server's setting\n");
	printf("  -t, --transactions=MODEL  how the script's transactions run: script (one\n"
		   "                            for the whole script, the default), statement\n"
		   "                            (one per statement), as_written (its own BEGIN\n"
		   "                            and COMMIT)\n");
	printf("  -W, --fail-on-warnings    exit with status 1 when there are warnings only\n");
	printf("  -n, --notes               also report what check() did not judge, and why\n");
	printf("  -s, --separately          judge each file on its own, not as one script\n");
	printf("  -V, --version             output version information, then exit\n");
	printf("  -?, --help                show this help, then exit\n\n");
	printf("Exit status: 0 nothing refused (warnings allowed), 1 warnings with\n"
		   "--fail-on-warnings, 2 statements the guard would refuse (or a syntax error),\n"
		   "3 usage, connection or server error.\n\n");
	printf("Connection defaults come from the PG* environment variables, as for psql.\n");
}

static void
fail(const char *fmt, const char *arg)
{
	fprintf(stderr, "%s: error: ", progname);
	fprintf(stderr, fmt, arg);
	fputc('\n', stderr);
	exit(EXIT_TROUBLE);
}

static void *
xmalloc(size_t size)
{
	void	   *p = malloc(size);

	if (p == NULL)
		fail("%s", "out of memory");
	return p;
}

static char *
xstrdup(const char *s)
{
	return s ? strcpy(xmalloc(strlen(s) + 1), s) : NULL;
}

/* ---------- reading the files ---------- */

static char *
read_stream(FILE *f, const char *name)
{
	size_t		size = 8192,
				len = 0,
				got;
	char	   *buf = xmalloc(size);

	while ((got = fread(buf + len, 1, size - len - 1, f)) > 0)
	{
		len += got;
		if (len + 1 == size)
		{
			size *= 2;
			buf = realloc(buf, size);
			if (buf == NULL)
				fail("%s", "out of memory");
		}
	}
	if (ferror(f))
		fail("could not read \"%s\"", name);
	buf[len] = '\0';
	if (strlen(buf) != len)
		fail("file \"%s\" contains a zero byte", name);
	return buf;
}

static void
add_source(const char *name)
{
	FILE	   *f;

	sources = realloc(sources, (nsources + 1) * sizeof(Source));
	if (sources == NULL)
		fail("%s", "out of memory");
	if (strcmp(name, "-") == 0)
		sources[nsources].text = read_stream(stdin, "standard input");
	else
	{
		if ((f = fopen(name, "r")) == NULL)
		{
			fprintf(stderr, "%s: error: could not open \"%s\": %s\n", progname, name, strerror(errno));
			exit(EXIT_TROUBLE);
		}
		sources[nsources].text = read_stream(f, name);
		fclose(f);
	}
	sources[nsources].name = name;
	nsources++;
}

static int
is_sql_file(const struct dirent *d)
{
	size_t		len = strlen(d->d_name);

	return d->d_name[0] != '.' && len > 4 && strcmp(d->d_name + len - 4, ".sql") == 0;
}

/* A file, standard input, or a directory's *.sql files in name order. */
static void
add_path(const char *path)
{
	struct stat st;
	struct dirent **entries;
	int			n;

	if (strcmp(path, "-") == 0 || stat(path, &st) != 0 || !S_ISDIR(st.st_mode))
	{
		add_source(path);
		return;
	}
	n = scandir(path, &entries, is_sql_file, alphasort);
	if (n < 0)
		fail("could not read directory \"%s\"", path);
	for (int i = 0; i < n; i++)
	{
		size_t		len = strlen(path) + strlen(entries[i]->d_name) + 2;
		char	   *name = xmalloc(len);

		snprintf(name, len, "%s%s%s", path,
				 path[strlen(path) - 1] == '/' ? "" : "/", entries[i]->d_name);
		add_source(name);
		free(entries[i]);
	}
	free(entries);
}

/* ---------- positions ---------- */

static int
count_newlines(const char *s)
{
	int			n = 0;

	for (; *s; s++)
		n += *s == '\n';
	return n;
}

/* Line and column of a 1-based character position (UTF-8) in a script. */
static void
char_position(const char *script, int charpos, int *line, int *col)
{
	int			chars = 0;

	*line = 1;
	*col = 1;
	for (const unsigned char *p = (const unsigned char *) script; *p; p++)
	{
		if ((*p & 0xC0) == 0x80)
			continue;			/* continuation byte */
		if (++chars >= charpos)
			return;
		if (*p == '\n')
		{
			(*line)++;
			*col = 1;
		}
		else
			(*col)++;
	}
}

/*
 * Which of the script's files holds a line of the joined script; the line
 * becomes the file's own.  NULL for the separators between files.
 */
static Source *
source_of_line(Source *script_sources, int n, int *line)
{
	for (int i = 0; i < n; i++)
	{
		Source	   *s = &script_sources[i];

		if (*line >= s->first_line && *line < s->first_line + s->nlines)
		{
			*line -= s->first_line - 1;
			return s;
		}
	}
	return NULL;
}

/* ---------- findings ---------- */

static Finding *
new_finding(void)
{
	if (nfindings == findings_size)
	{
		findings_size = findings_size ? findings_size * 2 : 64;
		findings = realloc(findings, findings_size * sizeof(Finding));
		if (findings == NULL)
			fail("%s", "out of memory");
	}
	memset(&findings[nfindings], 0, sizeof(Finding));
	return &findings[nfindings++];
}

static char *
field(PGresult *res, int row, int col)
{
	return PQgetisnull(res, row, col) ? NULL : xstrdup(PQgetvalue(res, row, col));
}

enum
{
	COL_STATEMENT, COL_LINE, COL_COL, COL_RULE, COL_SEVERITY, COL_RELATION,
	COL_MESSAGE, COL_DETAIL, COL_HINT, COL_NOTE, COL_TEXT
};

static const char *const check_query =
"SELECT statement, line, col, rule, severity, relation, message, detail, hint, note, statement_text "
"FROM migration_guard.check($1, $2)";

/* With --transactions: the 1.2 argument (check_query works on 1.1 too). */
static const char *const check_query_transactions =
"SELECT statement, line, col, rule, severity, relation, message, detail, hint, note, statement_text "
"FROM migration_guard.check($1, $2, transactions => $3)";

static void
add_rows(PGresult *res, Source *script_sources, int n, const Options *opt)
{
	for (int r = 0; r < PQntuples(res); r++)
	{
		int			line = atoi(PQgetvalue(res, r, COL_LINE));
		Source	   *src = source_of_line(script_sources, n, &line);
		bool		note = PQgetisnull(res, r, COL_RULE);
		Finding    *f;

		if (src == NULL || (note && !opt->notes))
			continue;
		f = new_finding();
		f->file = src->name;
		f->line = line;
		f->col = atoi(PQgetvalue(res, r, COL_COL));
		f->statement = atoi(PQgetvalue(res, r, COL_STATEMENT));
		f->rule = field(res, r, COL_RULE);
		f->relation = field(res, r, COL_RELATION);
		f->detail = field(res, r, COL_DETAIL);
		f->hint = field(res, r, COL_HINT);
		f->statement_text = field(res, r, COL_TEXT);
		if (note)
		{
			f->level = LEVEL_NOTE;
			f->message = field(res, r, COL_NOTE);
		}
		else
		{
			const char *sev = PQgetvalue(res, r, COL_SEVERITY);

			f->level = strcmp(sev, "enforce") == 0 ? LEVEL_ERROR :
				strcmp(sev, "warn") == 0 ? LEVEL_WARNING : LEVEL_NOTE;
			f->message = field(res, r, COL_MESSAGE);
		}
	}
}

/* A syntax error in the script: a finding at its position. */
static bool
add_syntax_error(PGresult *res, const char *script, Source *script_sources, int n)
{
	const char *state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
	const char *pos = PQresultErrorField(res, PG_DIAG_INTERNAL_POSITION);
	int			line,
				col;
	Source	   *src;
	Finding    *f;

	if (state == NULL || strcmp(state, "42601") != 0 || pos == NULL)
		return false;
	char_position(script, atoi(pos), &line, &col);
	src = source_of_line(script_sources, n, &line);
	f = new_finding();
	f->file = src ? src->name : script_sources[0].name;
	f->line = src ? line : 1;
	f->col = src ? col : 1;
	f->level = LEVEL_ERROR;
	f->rule = xstrdup("syntax_error");
	f->message = xstrdup(PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY));
	return true;
}

/* Runs check() on the files script_sources[0..n-1], joined. */
static void
check_files(PGconn *conn, Source *script_sources, int n, const Options *opt)
{
	size_t		len = 1;
	char	   *script;
	int			line = 1;
	const char *params[3];
	PGresult   *res;

	for (int i = 0; i < n; i++)
		len += strlen(script_sources[i].text) + strlen(FILE_SEPARATOR);
	script = xmalloc(len);
	script[0] = '\0';
	for (int i = 0; i < n; i++)
	{
		script_sources[i].first_line = line;
		script_sources[i].nlines = count_newlines(script_sources[i].text) + 1;
		strcat(script, script_sources[i].text);
		if (i < n - 1)
			strcat(script, FILE_SEPARATOR);
		line += script_sources[i].nlines - 1 + count_newlines(FILE_SEPARATOR);
	}

	params[0] = script;
	params[1] = opt->mode;
	params[2] = opt->transactions;
	if (opt->transactions != NULL)
		res = PQexecParams(conn, check_query_transactions, 3, NULL, params, NULL, NULL, 0);
	else
		res = PQexecParams(conn, check_query, 2, NULL, params, NULL, NULL, 0);
	if (PQresultStatus(res) == PGRES_TUPLES_OK)
		add_rows(res, script_sources, n, opt);
	else if (!add_syntax_error(res, script, script_sources, n))
	{
		fprintf(stderr, "%s: error: migration_guard.check() failed: %s", progname,
				PQresultErrorMessage(res));
		exit(EXIT_TROUBLE);
	}
	PQclear(res);
	free(script);
}

/* ---------- the server ---------- */

static PGconn *
connect_db(const Options *opt)
{
	const char *keywords[] = {"host", "port", "user", "dbname", "fallback_application_name", NULL};
	const char *values[] = {opt->host, opt->port, opt->user, opt->dbname, progname, NULL};
	PGconn	   *conn = PQconnectdbParams(keywords, values, 1);
	PGresult   *res;

	if (PQstatus(conn) != CONNECTION_OK)
	{
		fprintf(stderr, "%s: error: %s", progname, PQerrorMessage(conn));
		exit(EXIT_TROUBLE);
	}

	/* The extension, and a check() that returns positions (1.1). */
	res = PQexec(conn,
				 "SELECT e.extversion, pg_catalog.pg_is_in_recovery(), "
				 "EXISTS (SELECT FROM pg_catalog.pg_proc p WHERE p.pronamespace = e.extnamespace "
				 "AND p.proname = 'check' AND 'col' = ANY (p.proargnames)), "
				 "EXISTS (SELECT FROM pg_catalog.pg_proc p WHERE p.pronamespace = e.extnamespace "
				 "AND p.proname = 'check' AND 'transactions' = ANY (p.proargnames)) "
				 "FROM pg_catalog.pg_extension e WHERE e.extname = 'migration_guard'");
	if (PQresultStatus(res) != PGRES_TUPLES_OK)
	{
		fprintf(stderr, "%s: error: %s", progname, PQresultErrorMessage(res));
		exit(EXIT_TROUBLE);
	}
	if (PQntuples(res) == 0)
		fail("extension \"migration_guard\" is not installed in database \"%s\"", PQdb(conn));
	if (strcmp(PQgetvalue(res, 0, 2), "t") != 0)
	{
		fprintf(stderr, "%s: error: migration_guard %s is too old: check() returns no positions\n"
				"hint: ALTER EXTENSION migration_guard UPDATE; (1.1 or later)\n",
				progname, PQgetvalue(res, 0, 0));
		exit(EXIT_TROUBLE);
	}
	if (opt->transactions != NULL && strcmp(PQgetvalue(res, 0, 3), "t") != 0)
	{
		fprintf(stderr, "%s: error: migration_guard %s is too old for --transactions\n"
				"hint: ALTER EXTENSION migration_guard UPDATE; (1.2 or later)\n",
				progname, PQgetvalue(res, 0, 0));
		exit(EXIT_TROUBLE);
	}
	if (strcmp(PQgetvalue(res, 0, 1), "t") == 0)
		fprintf(stderr, "%s: note: the server is a hot standby: statements are judged without being run, "
				"so a statement that needs an earlier one's objects is not judged\n", progname);
	PQclear(res);
	return conn;
}

/* ---------- main ---------- */

static void
parse_options(int argc, char **argv, Options *opt)
{
	static const struct option long_options[] = {
		{"dbname", required_argument, NULL, 'd'},
		{"host", required_argument, NULL, 'h'},
		{"port", required_argument, NULL, 'p'},
		{"username", required_argument, NULL, 'U'},
		{"format", required_argument, NULL, 'f'},
		{"output", required_argument, NULL, 'o'},
		{"mode", required_argument, NULL, 'm'},
		{"fail-on-warnings", no_argument, NULL, 'W'},
		{"notes", no_argument, NULL, 'n'},
		{"separately", no_argument, NULL, 's'},
		{"transactions", required_argument, NULL, 't'},
		{"version", no_argument, NULL, 'V'},
		{NULL, 0, NULL, 0}
	};
	int			c;

	memset(opt, 0, sizeof(*opt));
	opt->format = FORMAT_TEXT;
	for (int i = 1; i < argc; i++)
	{
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-?") == 0)
		{
			usage();
			exit(EXIT_CLEAN);
		}
	}
	while ((c = getopt_long(argc, argv, "d:h:p:U:f:o:m:t:WnsV", long_options, NULL)) != -1)
	{
		switch (c)
		{
			case 'd':
				opt->dbname = optarg;
				break;
			case 'h':
				opt->host = optarg;
				break;
			case 'p':
				opt->port = optarg;
				break;
			case 'U':
				opt->user = optarg;
				break;
			case 'f':
				if (!parse_format(optarg, &opt->format))
					fail("unrecognized format \"%s\" (text, json, sarif, github, gitlab)", optarg);
				break;
			case 'o':
				opt->output = optarg;
				break;
			case 'm':
				if (strcmp(optarg, "enforce") != 0 && strcmp(optarg, "warn") != 0)
					fail("unrecognized mode \"%s\" (enforce, warn)", optarg);
				opt->mode = optarg;
				break;
			case 't':
				if (strcmp(optarg, "script") != 0 && strcmp(optarg, "statement") != 0 &&
					strcmp(optarg, "as_written") != 0)
					fail("unrecognized transaction model \"%s\" (script, statement, as_written)", optarg);
				opt->transactions = optarg;
				break;
			case 'W':
				opt->fail_on_warnings = true;
				break;
			case 'n':
				opt->notes = true;
				break;
			case 's':
				opt->separately = true;
				break;
			case 'V':
				printf("%s (migration_guard) %s\n", progname, PMC_VERSION);
				exit(EXIT_CLEAN);
			default:
				fprintf(stderr, "Try \"%s --help\" for more information.\n", progname);
				exit(EXIT_TROUBLE);
		}
	}
}

int
main(int argc, char **argv)
{
	Options		opt;
	PGconn	   *conn;
	FILE	   *out = stdout;
	int			errors = 0,
				warnings = 0;

	parse_options(argc, argv, &opt);
	if (optind == argc)
		add_path("-");
	for (int i = optind; i < argc; i++)
		add_path(argv[i]);
	if (nsources == 0)
		fail("%s", "no migration files to check");

	conn = connect_db(&opt);
	if (opt.separately)
		for (int i = 0; i < nsources; i++)
			check_files(conn, &sources[i], 1, &opt);
	else
		check_files(conn, sources, nsources, &opt);
	PQfinish(conn);

	if (opt.output != NULL && (out = fopen(opt.output, "w")) == NULL)
		fail("could not open \"%s\" for writing", opt.output);
	print_findings(out, opt.format, findings, nfindings);
	if (out != stdout && fclose(out) != 0)
		fail("could not write \"%s\"", opt.output);

	for (int i = 0; i < nfindings; i++)
	{
		errors += findings[i].level == LEVEL_ERROR;
		warnings += findings[i].level == LEVEL_WARNING;
	}
	if (opt.format == FORMAT_TEXT && (errors > 0 || warnings > 0))
		fprintf(stderr, "%s: %d error(s), %d warning(s)\n",
				progname, errors, warnings);
	if (errors > 0)
		return EXIT_REFUSED;
	if (warnings > 0 && opt.fail_on_warnings)
		return EXIT_WARNINGS;
	return EXIT_CLEAN;
}
