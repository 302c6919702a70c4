#!/usr/bin/env bash
# migration_guard.check() against execution (issue 12): every script under
# fixtures/check_vs_run/ is checked under each transaction model, then run
# for real the way that model says, in a fresh copy of the same database,
# and the rules named by check()'s rows must be exactly the rules the
# guard's WARNINGs name when the script runs (as multisets).
#
#   script      check(transactions => 'script');  run: psql -1, the script's
#               BEGIN lines dropped and each COMMIT followed by a BEGIN (a
#               migration tool's transaction around the whole file)
#   statement   check(transactions => 'statement');  run: psql -f without
#               the script's BEGIN and COMMIT lines (autocommit)
#   as_written  check(transactions => 'as_written');  run: psql -f as is
#
# Both sides use mode warn and small_table_threshold 0.  A fixture can
# declare a difference inherent with a line "-- inherent MODEL: reason";
# that model is then skipped for it, with the reason printed (docs/check.md,
# "check() and execution").
set -u
source "$MG_ROOT/test/lib/tap.sh"
F="$MG_ROOT/test/integration/fixtures/check_vs_run"
export PGOPTIONS="-c migration_guard.small_table_threshold=0 -c migration_guard.mode=warn"
q() { psql -X -q -At -v ON_ERROR_STOP=1 "$@" 2>&1; }

DB=cvr
q -d postgres -c "DROP DATABASE IF EXISTS $DB" -c "CREATE DATABASE $DB" >/dev/null
q -d $DB -c 'CREATE EXTENSION migration_guard' >/dev/null
# A fresh copy of the same tables before each check and each run (a new
# schema is much cheaper than a new database).
reset() {
	q -d $DB -c 'SET migration_guard.mode = off' -c 'DROP SCHEMA public CASCADE' \
		-c 'CREATE SCHEMA public' -f "$F/setup.sql" >/dev/null
}
reset
ok $? "setup"

# "model rule" lines for check()'s rows under every model, sorted.
check_rules() {	# script-file
	psql -X -q -At -F' ' -v ON_ERROR_STOP=1 -d $DB -v script="$(cat "$1")" <<SQL 2>&1
SELECT m, rule FROM unnest(ARRAY['script', 'statement', 'as_written']) m,
       migration_guard.check(:'script', mode => 'warn', transactions => m)
 WHERE rule IS NOT NULL ORDER BY 1, 2;
SQL
}

# The script as the model runs it.
as_run() {	# script-file model
	case $2 in
	script) sed -E '/^[[:space:]]*(BEGIN|START TRANSACTION)[[:space:]]*;[[:space:]]*$/Id; s/^[[:space:]]*COMMIT[[:space:]]*;[[:space:]]*$/COMMIT;\nBEGIN;/I' "$1" ;;
	statement) sed -E '/^[[:space:]]*(BEGIN|START TRANSACTION|COMMIT)[[:space:]]*;[[:space:]]*$/Id' "$1" ;;
	as_written) cat "$1" ;;
	esac
}

# The rule names of the WARNINGs (and ERRORs) running it gives, sorted.
run_rules() {	# script-file model
	local one=()
	reset
	[ "$2" = script ] && one=(-1)
	as_run "$1" "$2" | psql -X -q "${one[@]}" -d $DB -v VERBOSITY=default -f - 2>&1 >/dev/null |
		grep -oE 'the comment -- migration_guard:allow [a-z_]+\.' |
		sed -E 's/.*allow ([a-z_]+)\./\1/' | sort
}

scripts=0 compared=0 differ=0 skipped=0
for s in "$F"/[0-9]*.sql; do
	name=$(basename "$s" .sql)
	scripts=$((scripts + 1))
	reset
	checked=$(check_rules "$s")
	for m in script statement as_written; do
		reason=$(sed -nE "s/^-- inherent $m: (.*)/\1/p" "$s")
		if [ -n "$reason" ]; then
			echo "# $name [$m]: skipped, inherent: $reason"
			skipped=$((skipped + 1))
			continue
		fi
		c=$(echo "$checked" | sed -n "s/^$m //p" | paste -sd' ')
		r=$(run_rules "$s" $m | paste -sd' ')
		compared=$((compared + 1))
		if [ "$c" == "$r" ]; then
			ok 0 "$name [$m]: ok (${c:-no findings})"
		else
			differ=$((differ + 1))
			ok 1 "$name [$m]: DIFFERS: check=[$c] run=[$r]"
		fi
	done
done
echo "# $scripts scripts x 3 models: $compared compared, $differ differ, $skipped skipped as inherent"
[ "$scripts" -ge 25 ]
ok $? "at least 25 scripts"

# The CI client passes the model on (--transactions).
PMC="$MG_PGBIN/pg_migration_check"
f="$F/12_multiple_exclusive_locks.sql"
reset
like "$(PGDATABASE=$DB "$PMC" -m warn "$f" 2>&1)" 'multiple_exclusive_locks' \
	'pg_migration_check: one transaction for the script by default'
out=$(PGDATABASE=$DB "$PMC" -m warn --transactions=statement "$f" 2>&1)
[[ $out != *multiple_exclusive_locks* ]]
ok $? 'pg_migration_check --transactions=statement: each statement its own transaction'
like "$(PGDATABASE=$DB "$PMC" --transactions=autocommit "$f" 2>&1)" 'unrecognized transaction model' \
	'pg_migration_check --transactions checks its value'

q -d postgres -c "DROP DATABASE $DB" >/dev/null
done_testing
