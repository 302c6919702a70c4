#!/usr/bin/env bash
# The upgrade path: every installable version, updated to the default
# version through the scripts in updates/, must end with exactly the objects
# of a fresh install.  Walks every script PostgreSQL can find.
set -u
source "$MG_ROOT/test/lib/tap.sh"
psql -X -q -c 'CREATE DATABASE mg_upgrade' >/dev/null
q() { psql -X -q -At -v ON_ERROR_STOP=1 -d mg_upgrade "$@" 2>&1; }

# Every member object of the extension, described, plus function signatures
# and table columns, so a changed signature or column shows as a difference.
objects() {
	q <<'SQL'
SELECT pg_describe_object(classid, objid, objsubid) ||
       CASE WHEN classid = 'pg_proc'::regclass
            THEN ' -> ' || pg_get_function_result(objid) ELSE '' END
  FROM pg_depend
 WHERE refclassid = 'pg_extension'::regclass
   AND refobjid = (SELECT oid FROM pg_extension WHERE extname = 'migration_guard')
   AND deptype = 'e'
UNION ALL
SELECT format('column %s.%s %s', a.attrelid::regclass, a.attname, format_type(a.atttypid, a.atttypmod))
  FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
 WHERE c.relnamespace = 'migration_guard'::regnamespace AND a.attnum > 0 AND NOT a.attisdropped
ORDER BY 1;
SQL
}

default=$(q -c "SELECT default_version FROM pg_available_extensions WHERE name = 'migration_guard'")
q -c 'CREATE EXTENSION migration_guard' >/dev/null
fresh=$(objects)
ok $? "fresh install of $default"
q -c 'DROP EXTENSION migration_guard CASCADE' >/dev/null

for v in $(q -c "SELECT version FROM pg_available_extension_versions WHERE name = 'migration_guard' AND version <> '$default' ORDER BY 1"); do
	path=$(q -c "SELECT path FROM pg_extension_update_paths('migration_guard') WHERE source = '$v' AND target = '$default'")
	if [ -z "$path" ]; then
		ok 1 "version $v has an update path to $default"
		continue
	fi
	out=$(q -c "CREATE EXTENSION migration_guard VERSION '$v'" -c 'ALTER EXTENSION migration_guard UPDATE' 2>&1)
	rc=$?
	ok $rc "update $path"
	[ $rc -eq 0 ] || echo "$out" | sed 's/^/# /'
	is "$(objects)" "$fresh" "$v updated to $default has the objects of a fresh $default"
	q -c 'DROP EXTENSION migration_guard CASCADE' >/dev/null
done

# Step by step, 1.0 -> 1.1 -> 1.2: each intermediate version updated has the
# objects of its own fresh install (the frozen script in updates/), and the
# library serves every version's check() (1.1 has no transactions argument).
versions=$(q -c "SELECT string_agg(version, ' ' ORDER BY string_to_array(version, '.')::int[]) FROM pg_available_extension_versions WHERE name = 'migration_guard'")
chain=()
for v in $versions; do
	chain+=("$v")
	[ ${#chain[@]} -gt 1 ] || continue
	q -c "CREATE EXTENSION migration_guard VERSION '${chain[0]}'" >/dev/null
	for step in "${chain[@]:1}"; do
		q -c "ALTER EXTENSION migration_guard UPDATE TO '$step'" >/dev/null
	done
	ok $? "${chain[*]}: updated step by step"
	stepped=$(objects)
	is "$(q -c "SELECT count(*) FROM migration_guard.check('SELECT 1')")" 1 "check() works at $v (one note row)"
	q -c 'DROP EXTENSION migration_guard CASCADE' >/dev/null
	q -c "CREATE EXTENSION migration_guard VERSION '$v'" >/dev/null
	is "$stepped" "$(objects)" "${chain[0]} stepped up to $v has the objects of a fresh $v"
	is "$(q -c "SELECT count(*) FROM migration_guard.check('SELECT 1')")" 1 "check() works in a fresh $v"
	q -c 'DROP EXTENSION migration_guard CASCADE' >/dev/null
done
is "$(q -c "SELECT path FROM pg_extension_update_paths('migration_guard') WHERE source = '1.0' AND target = '1.2'")" \
	'1.0--1.1--1.2' "1.0 updates to 1.2 through 1.1"

# Every update step in updates/ (a frozen script, or a folder of fragments
# the Makefile assembles) must be reachable from some installable version.
for f in "$MG_ROOT"/updates/migration_guard--*--*.sql "$MG_ROOT"/updates/*--*/; do
	[ -e "$f" ] || continue
	b=$(basename "$f" .sql)
	b=migration_guard--${b#migration_guard--}
	from=${b#migration_guard--}; from=${from%%--*}; to=${b##*--}
	n=$(q -c "SELECT count(*) FROM pg_extension_update_paths('migration_guard') WHERE source = '$from' AND target = '$to' AND path IS NOT NULL")
	is "$n" 1 "updates/$b.sql is a usable step"
done

psql -X -q -c "SET migration_guard.allow = 'drop_database'" -c 'DROP DATABASE mg_upgrade' >/dev/null
done_testing
