#!/usr/bin/env bash
# test/lint/messages.sh -- messages are written to be translated (issue 12).
#
#  1. xgettext, run with nls.mk's triggers and flags over nls.mk's files,
#     extracts every message without an error or warning (what it reports:
#     strings it cannot parse, bad encodings, keyword misuse); the catalog
#     it writes is what translators would get.
#  2. No errmsg/errdetail/errhint (nor GUC_check_err*) of a bare "%s": a
#     sentence built elsewhere escapes both the compiler's format check and
#     the translator.  Text already translated goes through the _internal
#     variants; a string marked with gettext_noop() is passed as
#     "%s", _(s) or "%s", dgettext(...), as PostgreSQL itself does.
#  3. No finding text assembled with psprintf() or copied untranslated with
#     pstrdup("..."): rules use the builders of src/finding.h
#     (mg_finding_message(), ...).
#  4. Every format string is a literal the compiler checks against its
#     arguments: each file compiles without -Wformat-nonliteral warnings
#     (the builders, errmsg and psprintf are printf-like; dgettext() of a
#     literal counts as one).
#
# Prints TAP.  Needs xgettext (Debian package gettext) and pg_config.
set -u
MG_ROOT=${MG_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
source "$MG_ROOT/test/lib/tap.sh"
cd "$MG_ROOT" || exit 1

scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT

# 1. xgettext with the catalog's own settings, read from nls.mk through the
# server's nls-global.mk (which defines BACKEND_COMMON_GETTEXT_*).
if ! command -v xgettext >/dev/null 2>&1; then
	ok 1 "xgettext is installed (Debian package gettext)"
else
	pgxs=$(${PG_CONFIG:-pg_config} --pgxs)
	cat >"$scratch/print.mk" <<MK
srcdir = $MG_ROOT
include $(dirname "$pgxs")/../nls-global.mk
print-keywords: ; @echo \$(addprefix -k,\$(GETTEXT_TRIGGERS)) \$(addprefix --flag=,\$(GETTEXT_FLAGS))
print-files: ; @echo \$(GETTEXT_FILES)
MK
	keywords=$(make -s --no-print-directory -C "$MG_ROOT" -f "$scratch/print.mk" print-keywords)
	files=$(make -s --no-print-directory -C "$MG_ROOT" -f "$scratch/print.mk" print-files)
	like "$keywords" '-kmg_finding_message:2 ' "nls.mk names the finding builders as triggers"
	# shellcheck disable=SC2086
	xgettext --language=C --from-code=UTF-8 --no-wrap -o "$scratch/migration_guard.pot" \
		$keywords $files >"$scratch/xgettext.log" 2>&1
	rc=$?
	complaints=$(cat "$scratch/xgettext.log")
	is "$rc:$complaints" "0:" "xgettext extracts every message without complaint"
	n=$(grep -c '^msgid "[^"]' "$scratch/migration_guard.pot" 2>/dev/null || echo 0)
	[ "$n" -gt 100 ]
	ok $? "xgettext found the messages ($n)"
fi

# 2. "%s" as a whole message, unless the argument is visibly translated.
bare=$(grep -nE '\b(errmsg|errdetail|errdetail_log|errhint|GUC_check_errmsg|GUC_check_errdetail|GUC_check_errhint)\("%s",' src/*.c |
	grep -vE '"%s", *(_|dgettext)\(' || true)
[ -z "$bare" ]
ok $? 'no errmsg/errdetail/errhint("%s", built_string) in src/'
[ -z "$bare" ] || printf '%s\n' "$bare" | sed 's/^/#   /'

# 3. Finding texts through the builders, never psprintf() of a text no
# translator sees.  (finding.c is the builders themselves; pstrdup() of a
# literal is a text no translator sees.)  A psprintf() whose format is
# itself translated (_(), dgettext(), MGH_()) is extracted and checked by
# the compiler (gettext's format_arg): amending a caught ErrorData or a
# head judgment, which have no builder, is done that way.
glued=$(grep -nE '(\.|->)(message|detail|hint) *= *(psprintf\(|pstrdup\(")' src/*.c |
	grep -vE 'psprintf\((_|dgettext|MGH_)\(' |
	grep -v '^src/finding\.c:' || true)
[ -z "$glued" ]
ok $? 'no finding message/detail/hint assembled with psprintf() or pstrdup() in src/'
[ -z "$glued" ] || printf '%s\n' "$glued" | sed 's/^/#   /'

# 4. Format strings are literals (syntax check only: nothing is built).
cc=$(${PG_CONFIG:-pg_config} --cc 2>/dev/null || echo gcc)
inc=$(${PG_CONFIG:-pg_config} --includedir-server)
# The test run's private install relocates pg_config but holds no headers:
# fall back to the server's own, for the same major version.
if [ ! -f "$inc/postgres.h" ]; then
	major=$(${PG_CONFIG:-pg_config} --version | sed -E 's/^PostgreSQL ([0-9]+).*/\1/')
	inc=/usr/include/postgresql/$major/server
fi
nonliteral=$(for f in src/*.c; do
	$cc -fsyntax-only -Wformat -Wformat-nonliteral -DMG_VERSION='"lint"' \
		-I src -I "$inc" "$f" 2>&1 | grep -E 'warning|error'
done)
[ -z "$nonliteral" ]
ok $? 'every format string in src/ is a literal (-Wformat-nonliteral)'
[ -z "$nonliteral" ] || printf '%s\n' "$nonliteral" | sed 's/^/#   /'

done_testing
