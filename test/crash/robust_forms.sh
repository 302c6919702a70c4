#!/usr/bin/env bash
# test/crash/robust_forms.sh -- runs the DDL forms of robust_forms.sql (bad
# statements, every kind of target, subtransactions, SPI) with the guard in
# warn, enforce and off mode.  The server must survive, no statement may
# raise an internal error (XX000), and warn mode must leave every error
# PostgreSQL reports exactly as it is with the guard off.  Prints TAP.
set -u

n=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
not_ok() { n=$((n + 1)); echo "not ok $n - $1"; }
SQL="$(dirname "$0")/robust_forms.sql"

run_mode() { # run_mode <mode>: output in $MG_WORK/robust_<mode>.out
	local db=robust_$1
	"$MG_PGBIN/psql" -X -q -d postgres -c "SET migration_guard.allow = 'drop_database'" -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db" >/dev/null 2>&1
	"$MG_PGBIN/psql" -X -q -d postgres >/dev/null 2>&1 <<SQL
ALTER DATABASE $db SET migration_guard.mode = '$1';
ALTER DATABASE $db SET migration_guard.small_table_threshold = 0;
ALTER DATABASE $db SET migration_guard.trace_locks = on;
SQL
	"$MG_PGBIN/psql" -X -q -d "$db" -c "SET client_min_messages = error; CREATE EXTENSION migration_guard" >/dev/null 2>&1
	"$MG_PGBIN/psql" -X -d "$db" -v VERBOSITY=verbose -c '\set VERBOSITY verbose' -f "$SQL" \
		>"$MG_WORK/robust_$1.out" 2>&1
	"$MG_PGBIN/psql" -X -q -d postgres -c "SET migration_guard.allow = 'drop_database'" -c "DROP DATABASE IF EXISTS $db" >/dev/null 2>&1
}

# PostgreSQL's errors, without psql's file:line prefix and without ours (MG...).
pg_errors() {
	sed -E 's/^psql:[^:]*:[0-9]+: //' "$1" | grep -E '^ERROR:  ' | grep -vE '^ERROR:  MG[0-9]{3}:'
}

for mode in warn enforce off; do
	run_mode "$mode"
	if "$MG_PGBIN/psql" -X -q -At -d postgres -c 'SELECT 1' >/dev/null 2>&1; then
		ok "$mode: the server survives every form"
	else
		not_ok "$mode: the server survives every form"
		"$MG_PGBIN/pg_ctl" -D "$PGDATA" -w start >/dev/null 2>&1
	fi
	if grep -qE 'ERROR:  XX000|server closed the connection|terminated by signal' "$MG_WORK/robust_$mode.out"; then
		not_ok "$mode: no internal error"
		grep -E 'ERROR:  XX000|server closed' "$MG_WORK/robust_$mode.out" | head -5
	else
		ok "$mode: no internal error"
	fi
done

if [ "$(grep -cE '^ERROR|: ERROR:' "$MG_WORK/robust_off.out")" -gt 50 ]; then
	ok "off: the bad statements failed as PostgreSQL fails them"
else
	not_ok "off: the bad statements failed as PostgreSQL fails them"
fi
if diff <(pg_errors "$MG_WORK/robust_warn.out") <(pg_errors "$MG_WORK/robust_off.out") >"$MG_WORK/robust_diff" &&
	! grep -qE 'ERROR:  MG[0-9]{3}:' "$MG_WORK/robust_warn.out"; then
	ok "warn: every error is PostgreSQL's own, as with the guard off"
else
	not_ok "warn: every error is PostgreSQL's own, as with the guard off"
	head -20 "$MG_WORK/robust_diff"
fi
if grep -qE 'WARNING:  MG[0-9]{3}:' "$MG_WORK/robust_warn.out"; then
	ok "warn: the guard judged the valid forms"
else
	not_ok "warn: the guard judged the valid forms"
fi

echo "1..$n"
