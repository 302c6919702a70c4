#!/usr/bin/env bash
# test/lib/suites.sh -- runs the named suites against the cluster test/run
# started; runs as the cluster's owner with PGHOST/PGPORT set.
set -uo pipefail

PASSED=0
FAILED=0
FAILED_NAMES=()
ONLY=${MG_ONLY:-}
W=$MG_WORK
R=$MG_ROOT

pass() { PASSED=$((PASSED + $1)); }
fail() { FAILED=$((FAILED + $1)); FAILED_NAMES+=("$2"); }

# Test names of a suite, filtered by MG_ONLY.
names() {
	local dir=$1 ext=$2 f n
	for f in "$dir"/*."$ext"; do
		[ -e "$f" ] || continue
		n=$(basename "$f" ".$ext")
		[ -z "$ONLY" ] || [[ $n == *$ONLY* ]] || continue
		echo "$n"
	done
}

count_regress_output() {
	local out=$1 label=$2 ok bad
	ok=$(grep -cE '(\.\.\. ok|^ok [0-9]+)' "$out" || true)
	bad=$(grep -cE '(\.\.\. FAILED|^not ok [0-9]+|failed \(ignored\))' "$out" || true)
	pass "$ok"
	[ "$bad" -eq 0 ] || fail "$bad" "$label"
}

# pg_regress reads sql/ and expected/ from one input directory; we give it a
# scratch copy so that a test with no expected file yet still runs (it then
# fails, and MG_ACCEPT=1 writes its output as the new expected file).
prepare_expected() {
	local src=$1 dst=$2 ext=$3 t
	shift 3
	mkdir -p "$dst/expected" "$dst/sql"
	[ -d "$R/sql" ] && cp "$R"/sql/*.sql "$dst/sql/" 2>/dev/null
	cp "$src"/*."$ext" "$dst/expected/" 2>/dev/null
	for t in "$@"; do
		[ -f "$dst/expected/$t.$ext" ] || : >"$dst/expected/$t.$ext"
	done
	return 0
}

finish_regress() {
	local rc=$1 dir=$2 label=$3
	cat "$dir/out.txt"
	count_regress_output "$dir/out.txt" "$label"
	if [ "$rc" -ne 0 ] && ! grep -qE '(\.\.\. FAILED|^not ok )' "$dir/out.txt"; then
		fail 1 "$label"
	fi
	[ -f "$dir/regression.diffs" ] && cat "$dir/regression.diffs"
	return 0
}

run_regress() {
	local tests
	mapfile -t tests < <(names "$R/sql" sql)
	[ ${#tests[@]} -gt 0 ] || return 0
	echo "== pg_regress: ${#tests[@]} suites"
	mkdir -p "$W/regress"
	prepare_expected "$R/expected" "$W/regress" out "${tests[@]}"
	"$MG_PGXS/test/regress/pg_regress" --bindir="$MG_PGBIN" --inputdir="$W/regress" \
		--outputdir="$W/regress" --dbname=mg_regress "${tests[@]}" >"$W/regress/out.txt" 2>&1
	finish_regress $? "$W/regress" regress
	return 0
}

run_isolation() {
	local specs
	mapfile -t specs < <(names "$R/test/isolation/specs" spec)
	[ ${#specs[@]} -gt 0 ] || return 0
	echo "== isolation: ${#specs[@]} specs"
	mkdir -p "$W/isolation"
	prepare_expected "$R/test/isolation/expected" "$W/isolation" out "${specs[@]}"
	mkdir -p "$W/isolation/specs"
	cp "$R"/test/isolation/specs/*.spec "$W/isolation/specs/"
	"$MG_PGXS/test/isolation/pg_isolation_regress" --bindir="$MG_PGBIN" \
		--inputdir="$W/isolation" --outputdir="$W/isolation" \
		--dbname=mg_isolation "${specs[@]}" >"$W/isolation/out.txt" 2>&1
	finish_regress $? "$W/isolation" isolation
	return 0
}

# Each pgTAP file gets a fresh database with pgtap and migration_guard, so
# files that COMMIT (procedures) cannot leak state into each other.
# run_pgtap DIR TITLE: every DIR/*.sql (test/pgtap, test/security).
run_pgtap() {
	local dir=$1 title=$2 files f db out ok bad
	mapfile -t files < <(names "$R/test/$dir" sql)
	[ ${#files[@]} -gt 0 ] || return 0
	echo "== $title: ${#files[@]} files"
	mkdir -p "$W/$dir"
	psql -qX -c 'SELECT 1' -d mg_tap_template >/dev/null 2>&1 || {
		psql -qX -v ON_ERROR_STOP=1 -c 'CREATE DATABASE mg_tap_template' >/dev/null
		psql -qX -v ON_ERROR_STOP=1 -d mg_tap_template \
			-c 'CREATE EXTENSION pgtap' -c 'CREATE EXTENSION migration_guard' >/dev/null
	}
	for f in "${files[@]}"; do
		db="tap_$f"
		psql -qX -c "CREATE DATABASE \"$db\" TEMPLATE mg_tap_template" >/dev/null
		out="$W/$dir/$f.out"
		pg_prove -v -d "$db" "$R/test/$dir/$f.sql" >"$out" 2>&1
		local rc=$?
		ok=$(grep -cE '^\s*ok [0-9]+' "$out" || true)
		bad=$(grep -cE '^\s*not ok [0-9]+' "$out" || true)
		if [ $rc -ne 0 ] && [ "$bad" -eq 0 ]; then bad=1; fi
		pass "$ok"
		if [ "$bad" -gt 0 ]; then
			fail "$bad" "$dir/$f"
			echo "-- $dir/$f: $ok passed, $bad failed"
			cat "$out"
		else
			echo "-- $dir/$f: $ok passed"
		fi
		psql -qX -c "SET migration_guard.allow = 'drop_database'" -c "DROP DATABASE IF EXISTS \"$db\" WITH (FORCE)" >/dev/null 2>&1
	done
	return 0
}

# Shell scripts that print TAP lines (test/lib/tap.sh has helpers):
# run_tap_scripts DIR TITLE.  Integration scripts need their own clusters or
# real client tools; crash scripts restart the server, so they run last.
run_tap_scripts() {
	local dir=$1 title=$2 tests t out ok bad rc
	mapfile -t tests < <(names "$R/test/$dir" sh)
	[ ${#tests[@]} -gt 0 ] || return 0
	echo "== $title: ${#tests[@]} scripts"
	mkdir -p "$W/$dir"
	for t in "${tests[@]}"; do
		out="$W/$dir/$t.out"
		bash "$R/test/$dir/$t.sh" >"$out" 2>&1
		rc=$?
		ok=$(grep -cE '^ok [0-9]+' "$out" || true)
		bad=$(grep -cE '^not ok [0-9]+' "$out" || true)
		if [ $rc -ne 0 ] && [ "$bad" -eq 0 ]; then bad=1; fi
		pass "$ok"
		if [ "$bad" -gt 0 ]; then
			fail "$bad" "$dir/$t"
			cat "$out"
		else
			echo "-- $dir/$t: $ok passed"
		fi
	done
	return 0
}

for suite in "$@"; do
	case $suite in
		regress) run_regress ;;
		isolation) run_isolation ;;
		pgtap) run_pgtap pgtap pgTAP ;;
		security)
			# attacks by ordinary roles: pgTAP files and TAP shell scripts
			run_pgtap security security
			run_tap_scripts security security
			;;
		integration) run_tap_scripts integration integration ;;
		crash) run_tap_scripts crash crash/restart ;;
		# static checks of the source: layers, file sizes, includes, typedefs
		lint) run_tap_scripts lint lint ;;
		*) echo "unknown suite: $suite" >&2; FAILED=$((FAILED + 1)) ;;
	esac
done

if [ ${#FAILED_NAMES[@]} -gt 0 ]; then
	echo "failures in: ${FAILED_NAMES[*]}"
fi
echo "$PASSED passed, $FAILED failed"
[ "$FAILED" -eq 0 ]
