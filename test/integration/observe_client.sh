#!/usr/bin/env bash
# pg_migration_check, the CI client: every output format against the fixed
# migration directories in fixtures/observe (SARIF validated against its
# JSON schema), the exit statuses, standard input, and a run against a hot
# standby.  MG_ACCEPT=1 rewrites the expected reports (review the diff).
set -u
source "$MG_ROOT/test/lib/tap.sh"
FX="$MG_ROOT/test/integration/fixtures/observe"
PMC="$MG_PGBIN/pg_migration_check"
DB=mg_client
psql -X -q -c "CREATE DATABASE $DB" >/dev/null
psql -X -q -v ON_ERROR_STOP=1 -d $DB >/dev/null <<'SQL'
CREATE EXTENSION migration_guard;
CREATE TABLE orders (id bigint PRIMARY KEY, total numeric);
INSERT INTO orders SELECT g, g FROM generate_series(1, 100) g;
SQL
psql -X -q -c "CREATE DATABASE mg_client_bare" >/dev/null

# Runs the client from the fixtures directory, so that paths are relative.
pmc() { (cd "$FX" && PGDATABASE=$DB "$PMC" "$@"); }
status() { pmc "$@" >/dev/null 2>&1; echo $?; }

ok $([ -x "$PMC" ]; echo $?) 'make install put pg_migration_check into the bindir'
like "$(pmc --help)" 'Usage:.*--format=FORMAT.*Exit status' '--help'

# every format, against the expected reports
for fmt in text json sarif github gitlab; do
	got=$(pmc -f $fmt errors 2>/dev/null)
	if [ -n "${MG_ACCEPT:-}" ]; then
		printf '%s\n' "$got" >"$FX/expected/errors.$fmt"
		echo "# wrote fixtures/observe/expected/errors.$fmt"
	fi
	is "$got" "$(cat "$FX/expected/errors.$fmt")" "format $fmt: the expected report"
done
like "$(pmc errors 2>/dev/null)" '^errors/002_rename_total\.sql:4:3: error: .*\[rename_column\]' \
	'text: file:line:col of the statement, gcc style'
like "$(pmc errors 2>/dev/null)" 'errors/003_design\.sql:3:1: warning: .*\[prefer_timestamptz\]' \
	'text: a later file sees the table an earlier one creates (no finding on its index)'
ok $(pmc -f json errors | python3 -c 'import json,sys; d=json.load(sys.stdin); sys.exit(not (d["errors"] == 1 and d["warnings"] == 1))'; echo $?) \
	'json: parses, with the counts'
ok $(pmc -f gitlab errors | python3 -c 'import json,sys; d=json.load(sys.stdin); sys.exit(not all(set(i) >= {"description","check_name","fingerprint","severity","location"} for i in d) or len({i["fingerprint"] for i in d}) != len(d))'; echo $?) \
	'gitlab: parses, every issue has the required keys and a unique fingerprint'
validate_sarif() {
	/usr/bin/python3 -c '
import json, sys, jsonschema
schema = json.load(open(sys.argv[1]))
jsonschema.Draft4Validator(schema, format_checker=jsonschema.FormatChecker()).validate(json.load(sys.stdin))
' "$FX/sarif-2.1.0-subset.schema.json"
}
ok $(pmc -f sarif errors | validate_sarif; echo $?) 'sarif: valid against the SARIF 2.1.0 schema (the part the client writes)'
ok $(pmc -f sarif clean | validate_sarif; echo $?) 'sarif: an empty report is valid too'
ok $(echo '{"version": "2.1.0", "runs": [{"tool": {"driver": {}}}]}' | validate_sarif 2>/dev/null; [ $? -ne 0 ]; echo $?) \
	'sarif: the validation can fail (a driver without a name is refused)'
like "$(pmc -f github errors)" '^::error file=errors/002_rename_total\.sql,line=4,col=3,title=migration_guard rename_column::' \
	'github: a workflow command with the position'

# exit statuses
is "$(status errors)" 2 'exit 2: a statement the guard would refuse'
is "$(status warnings)" 0 'exit 0: warnings only'
is "$(status -W warnings)" 1 'exit 1: warnings only, with --fail-on-warnings'
is "$(status clean)" 0 'exit 0: nothing found'
is "$(status syntax)" 2 'exit 2: a syntax error'
like "$(pmc syntax 2>/dev/null)" '^syntax/001_typo\.sql:3:8: error: syntax error at or near "TABEL"' \
	'a syntax error at its file, line and column'
is "$(status -f xml errors)" 3 'exit 3: an unknown format'
is "$(status --no-such-option)" 3 'exit 3: an unknown option'
is "$(status errors/no_such_file.sql)" 3 'exit 3: a missing file'
is "$(cd "$FX" && "$PMC" -d mg_no_such_db errors >/dev/null 2>&1; echo $?)" 3 'exit 3: a database that does not exist'
is "$(cd "$FX" && "$PMC" -d mg_client_bare errors >/dev/null 2>&1; echo $?)" 3 'exit 3: the extension is not installed'
is "$(status --mode warn errors)" 0 '--mode warn: the refusal becomes a warning'

# standard input, separately
like "$(pmc < "$FX/errors/002_rename_total.sql" 2>/dev/null)" '^-:4:3: error: ' 'standard input is "-"'
like "$(pmc --separately errors 2>/dev/null)" 'errors/003_design\.sql:3:1: warning' '--separately judges each file alone'
like "$(pmc --notes errors 2>/dev/null)" 'errors/002_rename_total\.sql:2:1: note: ignored' '--notes shows what check() did not judge'
pmc -o "$MG_WORK/report.sarif" -f sarif errors >/dev/null 2>&1
ok $(validate_sarif <"$MG_WORK/report.sarif"; echo $?) '--output writes the report to a file'

# a hot standby: check() judges without running
STANDBY_PORT=$((MG_PORT + 17))
pg_basebackup -D "$MG_WORK/standby" -R -X stream -c fast >/dev/null 2>&1
echo "port = $STANDBY_PORT" >>"$MG_WORK/standby/postgresql.conf"
pg_ctl -D "$MG_WORK/standby" -l "$MG_WORK/standby.log" -w start >/dev/null 2>&1
is "$(psql -X -At -p $STANDBY_PORT -d $DB -c 'SELECT pg_is_in_recovery()' 2>&1)" t 'a hot standby is running'
standby_out=$(cd "$FX" && "$PMC" -p $STANDBY_PORT -d $DB --notes errors 2>"$MG_WORK/standby.err")
standby_rc=$?
is "$standby_rc" 2 'standby: the refusal is found'
like "$standby_out" 'errors/002_rename_total\.sql:4:3: error: .*\[rename_column\]' 'standby: at the same position'
like "$(cat "$MG_WORK/standby.err")" 'hot standby: statements are judged without being run' 'standby: says what it costs'
like "$standby_out" 'errors/001_order_notes\.sql:2:1: note: judged, not run' 'standby: a statement judged without running it'
pg_ctl -D "$MG_WORK/standby" -m immediate -w stop >/dev/null 2>&1

done_testing
