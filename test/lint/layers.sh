#!/usr/bin/env bash
# test/lint/layers.sh -- src/*.c keeps its layers (docs/architecture.md):
# every file in test/lint/layers.txt, uses only its own layer and below,
# no circles, at most 800 lines, "compat.h" right after "postgres.h".
# TAP output; each use that breaks a rule is printed as "file -> file: names".
#
#   test/lint/layers.sh           the checks
#   test/lint/layers.sh --graph   every use between files, by layer, top down
#   test/lint/layers.sh --dot     the same for graphviz (dot -Tsvg)
# Needs python3 and universal-ctags.
exec python3 "$(dirname "$0")/layers.py" "$@"
