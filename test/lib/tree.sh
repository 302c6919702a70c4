# test/lib/tree.sh -- the working tree as a tar stream on stdout: tracked and
# untracked files that git does not ignore (never build products), or, outside
# a git checkout, everything but .git.  Used by cluster.sh (private build) and
# debroot.sh (copy into a Debian root).
mg_tree_tar() {
	(cd "$1" && if git rev-parse --git-dir >/dev/null 2>&1; then
		# files deleted in the working tree but still tracked are skipped
		git ls-files -co --exclude-standard -z |
			xargs -0 sh -c 'for f; do [ -e "$f" ] && printf "%s\0" "$f"; done; true' _ |
			tar --null -T - -cf -
	else
		tar --exclude=.git --exclude='*.o' --exclude='*.so' --exclude='*.bc' -cf - .
	fi)
}
