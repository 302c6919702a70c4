# test/lib/debroot.sh -- throwaway Debian roots for other PostgreSQL majors.
#
# make test PG=17 / PG=18 runs the whole suite inside a minimal Debian root of
# the release that ships that major (17: trixie, 18: sid), built with
# mmdebstrap from the same Debian mirror the host's apt uses.  Roots are
# cached under MG_ROOTS (default /var/cache/migration_guard/roots) and rebuilt
# when missing, when their package list changed or when they look broken.
# Each run happens in private mount and PID namespaces: /proc, /dev/shm and
# /tmp exist only for that run, and every process and mount of the run goes
# away when it ends, however it ends.  Source this file (as root).

MG_ROOTS=${MG_ROOTS:-/var/cache/migration_guard/roots}

mg_log() { printf '%s\n' "$*" >&2; }

# Debian release shipping each PostgreSQL major in its main archive.
mg_root_suite() {
	case $1 in
		15) echo bookworm ;;
		17) echo trixie ;;
		18) echo sid ;;
		*) mg_log "no Debian release known for PostgreSQL $1 (15, 17, 18)"; return 1 ;;
	esac
}

# The host's Debian mirror (first non-security "deb" source), so roots are
# built from wherever this machine's apt is allowed to go.
mg_root_mirror() {
	local uri
	uri=$(cat /etc/apt/sources.list /etc/apt/sources.list.d/*.sources /etc/apt/sources.list.d/*.list 2>/dev/null |
		sed -n -e 's/^URIs:[[:space:]]*\([^[:space:]]*\).*/\1/p' \
			-e 's/^deb[[:space:]]\+\(\[[^]]*\][[:space:]]\+\)\?\([^[:space:]]*\).*/\2/p' |
		grep -E '/debian/?$' | head -n1)
	echo "${uri:-http://deb.debian.org/debian}"
}

# Packages every root has: the server, its headers, pgTAP, pg_prove, a
# compiler, and the migration tools the integration suite drives.  Further
# packages (test/run's MG_EXTRA_PACKAGES) are installed on first use and stay
# in the cached root.
mg_root_packages() {
	local v=$1
	echo "postgresql-$v postgresql-server-dev-$v postgresql-$v-pgtap" \
		"libtap-parser-sourcehandler-pgtap-perl libipc-run-perl make gcc libc6-dev" \
		"ca-certificates python3-alembic python3-psycopg2 nodejs npm"
}

mg_root_dir() { echo "$MG_ROOTS/pg$1-$(mg_root_suite "$1")"; }

# A root is usable when it was finished (marker with its package list) and
# its server binaries and pg_prove are there.
mg_root_ok() {
	local v=$1 dir
	dir=$(mg_root_dir "$v")
	[ -f "$dir/.mg-ready" ] && [ "$(cat "$dir/.mg-ready")" = "$(mg_root_packages "$v")" ] &&
		[ -x "$dir/usr/lib/postgresql/$v/bin/postgres" ] &&
		[ -x "$dir/usr/lib/postgresql/$v/bin/pg_config" ] &&
		[ -x "$dir/usr/bin/pg_prove" ] && [ -x "$dir/usr/bin/apt-get" ]
}

# apt inside a root (test/run installs MG_EXTRA_PACKAGES there) accepts
# what the build accepted, and packages installed there never start their
# services (a pgbouncer or postgresql started by a postinst would outlive
# nothing, but could take a port a test wants).
mg_root_aptconf() {
	printf '%s\n' 'Acquire::Check-Valid-Until "false";' 'Acquire::Check-Date "false";' \
		'Acquire::Retries "3";' 'APT::Install-Recommends "false";' >"$1/etc/apt/apt.conf.d/99migration-guard"
	printf '%s\n' '#!/bin/sh' '# migration_guard test root: no service starts here' 'exit 101' \
		>"$1/usr/sbin/policy-rc.d"
	chmod 755 "$1/usr/sbin/policy-rc.d"
}

# Builds the root of major $1 unless a good one is cached.  The new root is
# built beside the old and moved into place only when complete.  Like the
# host's apt here, the root accepts a mirror whose Release files are past
# their Valid-Until date (mirrors that serve a frozen snapshot).
mg_root_build() {
	local v=$1 suite dir mirror tmp pkgs
	suite=$(mg_root_suite "$v") || return 1
	dir=$(mg_root_dir "$v")
	if mg_root_ok "$v"; then
		mg_root_aptconf "$dir"
		return 0
	fi
	command -v mmdebstrap >/dev/null 2>&1 || {
		mg_log "installing mmdebstrap"
		DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=900 update -qq >/dev/null
		DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=900 install -y -qq \
			--no-install-recommends mmdebstrap debian-archive-keyring >/dev/null
	}
	mirror=$(mg_root_mirror)
	pkgs=$(mg_root_packages "$v" | tr -s ' ' ',')
	tmp="$dir.new"
	mkdir -p "$MG_ROOTS"
	rm -rf "$tmp"
	mg_log "building Debian $suite root for PostgreSQL $v from $mirror (takes a few minutes, cached in $dir)"
	if ! mmdebstrap --mode=root --variant=apt --include="$pkgs" \
		--aptopt='APT::Install-Recommends "false"' \
		--aptopt='Acquire::Check-Valid-Until "false"' --aptopt='Acquire::Check-Date "false"' \
		--aptopt='Acquire::Retries "3"' \
		--dpkgopt='path-exclude=/usr/share/doc/*' --dpkgopt='path-exclude=/usr/share/man/*' \
		--dpkgopt='path-include=/usr/share/doc/*/copyright' \
		"$suite" "$tmp" "deb $mirror $suite main" >"$MG_ROOTS/pg$v.build.log" 2>&1; then
		tail -n 30 "$MG_ROOTS/pg$v.build.log" >&2
		mg_log "building the $suite root failed (full log: $MG_ROOTS/pg$v.build.log)"
		rm -rf "$tmp"
		return 1
	fi
	mg_root_aptconf "$tmp"
	mg_root_packages "$v" >"$tmp/.mg-ready"
	rm -rf "$dir"
	mv "$tmp" "$dir"
	mg_root_ok "$v" || { mg_log "the $suite root for PostgreSQL $v is incomplete"; return 1; }
}

# Runs test/run inside the root of major $1 (suites follow) on a copy of the
# working tree $MG_ROOT.  Run in a subshell of its own: it unshares.
mg_root_run() {
	local v=$1 dir
	shift
	dir=$(mg_root_dir "$v")
	local envs=(PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/root
		LANG=C.UTF-8 TERM=dumb MG_PG_MAJOR="$v" MG_ROOT=/tmp/mg-src
		NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt)
	local var
	for var in MG_ONLY MG_KEEP MG_ACCEPT MG_EXTRA_PACKAGES MG_EXTRA_CONF MG_PORT CI; do
		[ -n "${!var:-}" ] && envs+=("$var=${!var}")
	done
	# Everything below runs in new mount and PID namespaces: the mounts are
	# private to the run and vanish with it, as does every process it left.
	unshare --mount --pid --fork --propagation private -- bash -euo pipefail -c '
		dir=$1 src=$2 v=$3; shift 3
		mount -t proc proc "$dir/proc"
		mount -t tmpfs -o mode=1777,size=8g tmp "$dir/tmp"
		mkdir -p "$dir/dev/shm" "$dir/dev/pts"
		mount -t tmpfs -o mode=1777 shm "$dir/dev/shm"
		for n in null zero full random urandom tty; do
			[ -e "/dev/$n" ] || continue
			[ -e "$dir/dev/$n" ] && [ ! -L "$dir/dev/$n" ] || { rm -f "$dir/dev/$n"; : >"$dir/dev/$n"; }
			mount --bind "/dev/$n" "$dir/dev/$n"
		done
		cp -L /etc/resolv.conf "$dir/etc/resolv.conf" 2>/dev/null || true
		# The host trusts what its registries present (perhaps a local CA):
		# the root trusts the same, for this run only.
		if [ -f /etc/ssl/certs/ca-certificates.crt ] && [ -d "$dir/etc/ssl/certs" ]; then
			[ -f "$dir/etc/ssl/certs/ca-certificates.crt" ] || : >"$dir/etc/ssl/certs/ca-certificates.crt"
			mount --bind /etc/ssl/certs/ca-certificates.crt "$dir/etc/ssl/certs/ca-certificates.crt"
		fi
		mkdir -p "$dir/tmp/mg-src"
		. "$src/test/lib/tree.sh"
		mg_tree_tar "$src" | tar -xf - -C "$dir/tmp/mg-src"
		rc=0
		chroot "$dir" env -i "$@" || rc=$?
		# MG_ACCEPT: hand the files this major would change to the caller.
		if [ -n "${MG_ACCEPT_DIR:-}" ]; then
			cd "$dir/tmp/mg-src"
			for f in expected/*.out test/isolation/expected/*.out docs/rules/README.md; do
				[ -f "$f" ] && ! cmp -s "$f" "$src/$f" || continue
				# a test with a version-specific variant: this is that variant
				t=$f
				[ -f "$src/${f%.out}_1.out" ] && t=${f%.out}_1.out
				cmp -s "$f" "$src/$t" && continue
				mkdir -p "$MG_ACCEPT_DIR/$(dirname "$t")"
				cp "$f" "$MG_ACCEPT_DIR/$t"
				echo "differs on PostgreSQL $v: $MG_ACCEPT_DIR/$t"
			done
		fi
		exit $rc
	' mg-root "$dir" "$MG_ROOT" "$v" "${envs[@]}" bash /tmp/mg-src/test/run "$@"
}
