#!/usr/bin/env bash
# The docs follow the rule registry: every rule has docs/rules/<name>.md, and
# docs/rules/README.md is the index generated from migration_guard.rules().
# Regenerate the index with: MG_ACCEPT=1 test/run integration
set -u
source "$MG_ROOT/test/lib/tap.sh"
q() { psql -X -q -At -v ON_ERROR_STOP=1 -d mg_docs "$@" 2>&1; }
psql -X -q -c 'CREATE DATABASE mg_docs' >/dev/null
q -c 'CREATE EXTENSION migration_guard' >/dev/null

index=$(q <<'SQL'
SELECT string_agg(line, E'\n' ORDER BY ord) FROM (
  SELECT 0 AS ord, E'# Rules\n\nGenerated from `migration_guard.rules()`; do not edit by hand (see test/integration/core_docs.sh).\n\n' ||
         E'Severity is the default; `migration_guard.rules` overrides it per rule and `migration_guard.mode` caps it.\n' ||
         E'"Size-exempt" rules stay quiet on tables created in the same transaction and on tables below\n' ||
         E'`migration_guard.small_table_threshold`. SQLSTATEs are explained in [../sqlstates.md](../sqlstates.md).' AS line
  UNION ALL
  SELECT 1 + row_number() OVER (ORDER BY f.ord),
         format(E'\n## %s (%s)\n\n| rule | severity | size-exempt | what it catches |\n|---|---|---|---|\n%s',
                f.family, f.sqlstate,
                (SELECT string_agg(format('| [`%s`](%s.md) | %s | %s | %s |', r.name, r.name,
                                          r.default_severity, CASE WHEN r.size_exempt THEN 'yes' ELSE 'no' END,
                                          r.summary), E'\n' ORDER BY r.name)
                   FROM migration_guard.rules() r WHERE r.family = f.family))
    FROM (SELECT DISTINCT family, sqlstate,
                 array_position(ARRAY['blocking','rewrite','breaking','locking','design','backstop'], family) AS ord
            FROM migration_guard.rules()) f
) s;
SQL
)
if [ -n "${MG_ACCEPT:-}" ]; then
	printf '%s\n' "$index" >"$MG_WORK/rules-index.md"
	echo "# wrote $MG_WORK/rules-index.md"
fi
current=$(cat "$MG_ROOT/docs/rules/README.md" 2>/dev/null)
is "$current" "$index" 'docs/rules/README.md is the index generated from the registry'
[ "$current" == "$index" ] || printf '%s\n' "$index" | sed 's/^/# /'

for name in $(q -c 'SELECT name FROM migration_guard.rules() ORDER BY name'); do
	test -s "$MG_ROOT/docs/rules/$name.md"
	ok $? "docs/rules/$name.md exists"
done
psql -X -q -c "SET migration_guard.allow = 'drop_database'" -c 'DROP DATABASE mg_docs' >/dev/null
done_testing
