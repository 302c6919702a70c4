#!/usr/bin/env bash
# test/lint/typedefs.sh -- src/typedefs.list (pgindent's list of our type
# names) names every typedef in src/ and client/: a missing name makes
# pgindent format declarations of that type as multiplications.
# TAP output.  Fix: make typedefs.
root=$(cd "$(dirname "$0")/../.." && pwd)
if out=$("$root/tools/typedefs.sh" --check 2>&1); then
	echo "ok 1 - src/typedefs.list names every typedef of src/ and client/"
else
	echo "not ok 1 - src/typedefs.list is stale (make typedefs)"
	printf '%s\n' "$out" | sed 's/^/# /'
fi
echo "1..1"
