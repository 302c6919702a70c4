# test/lib/cluster.sh -- shared by test/run, test/demo.sh and bench/run.
#
# Builds migration_guard from the working tree into a private copy of the
# PostgreSQL installation (so parallel runs and the system install never
# collide), and starts a throwaway cluster owned by a non-root user with the
# library in shared_preload_libraries.  Source this file; call mg_setup, and
# mg_cleanup runs on exit whatever happens.

MG_PG_MAJOR=${MG_PG_MAJOR:-15}
MG_ROOT=${MG_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
source "$(dirname "${BASH_SOURCE[0]}")/tree.sh"
MG_PACKAGES="postgresql-$MG_PG_MAJOR postgresql-server-dev-$MG_PG_MAJOR postgresql-$MG_PG_MAJOR-pgtap libtap-parser-sourcehandler-pgtap-perl libipc-run-perl make gcc gettext"

mg_log() { printf '%s\n' "$*" >&2; }

# The lint suite (test/lint) reads the source with python3 and universal-ctags.
MG_PACKAGES="$MG_PACKAGES python3 universal-ctags"

# Installs the Debian packages that are missing (only possible as root).
mg_install_packages() {
	local missing=() p
	for p in $MG_PACKAGES ${MG_EXTRA_PACKAGES:-}; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
	done
	[ ${#missing[@]} -eq 0 ] && return 0
	if [ "$(id -u)" != 0 ]; then
		mg_log "missing packages: ${missing[*]} (run as root, or install them)"
		return 1
	fi
	mg_log "installing: ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	# an install interrupted earlier (a run stopped mid-way) blocks apt
	dpkg --configure -a >/dev/null 2>&1 || true
	apt-get update -qq -o DPkg::Lock::Timeout=900 >/dev/null
	apt-get install -y -qq -o DPkg::Lock::Timeout=900 --no-install-recommends "${missing[@]}" >/dev/null
}

# The user that owns the cluster: never root, which PostgreSQL refuses.
mg_cluster_user() {
	if [ "$(id -u)" = 0 ]; then echo postgres; else id -un; fi
}

# Runs a command as the cluster user with the cluster's environment.
mg_as_user() {
	local envs=(PGHOST="$MG_WORK" PGPORT="$MG_PORT" PGDATA="$MG_WORK/data" PGUSER="$MG_SUPERUSER"
		PGDATABASE=postgres PATH="$MG_PGBIN:$PATH" MG_WORK="$MG_WORK" MG_ROOT="$MG_ROOT"
		MG_PGBIN="$MG_PGBIN" MG_PGXS="$MG_PGXS" MG_PORT="$MG_PORT" MG_ACCEPT="${MG_ACCEPT:-}" LC_ALL=C.UTF-8)
	if [ "$(id -u)" = 0 ]; then
		runuser -u postgres -- env "${envs[@]}" "$@"
	else
		env "${envs[@]}" "$@"
	fi
}

mg_cleanup() {
	local rc=$?
	if [ -n "${MG_WORK:-}" ] && [ -d "$MG_WORK" ]; then
		if [ -f "$MG_WORK/data/postmaster.pid" ]; then
			mg_as_user "$MG_PGBIN/pg_ctl" -D "$MG_WORK/data" -m immediate -w stop >/dev/null 2>&1 || true
		fi
		if [ -n "${MG_KEEP:-}" ]; then
			mg_log "kept $MG_WORK"
		else
			rm -rf "$MG_WORK"
		fi
	fi
	return $rc
}

# Copies the working tree (tracked and untracked, not ignored) and builds it.
mg_build() {
	mkdir -p "$MG_WORK/src"
	mg_tree_tar "$MG_ROOT" | tar -xf - -C "$MG_WORK/src"
	make -s -C "$MG_WORK/src" PG_CONFIG="$MG_PG_CONFIG" >"$MG_WORK/build.log" 2>&1 || {
		cat "$MG_WORK/build.log" >&2
		return 1
	}
}

# A private copy of the PostgreSQL installation with our build installed.
mg_private_install() {
	local inst="$MG_WORK/inst" bindir sharedir
	bindir=$("$MG_PG_CONFIG" --bindir)
	sharedir=$("$MG_PG_CONFIG" --sharedir)
	mkdir -p "$inst$(dirname "$bindir")" "$inst$(dirname "$sharedir")"
	cp -a "$(dirname "$bindir")" "$inst$(dirname "$(dirname "$bindir")")/"
	cp -a "$sharedir" "$inst$(dirname "$sharedir")/"
	make -s -C "$MG_WORK/src" PG_CONFIG="$MG_PG_CONFIG" install DESTDIR="$inst" >>"$MG_WORK/build.log" 2>&1 || {
		cat "$MG_WORK/build.log" >&2
		return 1
	}
	MG_PGBIN="$inst$bindir"
	MG_PGXS="$inst$(dirname "$("$MG_PG_CONFIG" --pgxs)")/.."
}

mg_start_cluster() {
	mg_as_user "$MG_PGBIN/initdb" -D "$MG_WORK/data" -U "$MG_SUPERUSER" --auth=trust \
		--no-sync -E UTF8 --locale=C.UTF-8 >"$MG_WORK/initdb.log" 2>&1 || {
		cat "$MG_WORK/initdb.log" >&2
		return 1
	}
	cat >>"$MG_WORK/data/postgresql.conf" <<CONF
shared_preload_libraries = 'migration_guard'
listen_addresses = ''
unix_socket_directories = '$MG_WORK'
port = $MG_PORT
fsync = off
synchronous_commit = off
full_page_writes = off
max_connections = 60
max_prepared_transactions = 5
log_line_prefix = '%m [%p] %u@%d '
logging_collector = off
lc_messages = 'C'
# Tests of other rules should not all trip the lock_timeout rule; the
# lock_timeout tests set lock_timeout = 0 themselves.
lock_timeout = '2s'
${MG_EXTRA_CONF:-}
CONF
	mg_as_user "$MG_PGBIN/pg_ctl" -D "$MG_WORK/data" -l "$MG_WORK/server.log" -w start >/dev/null || {
		cat "$MG_WORK/server.log" >&2
		return 1
	}
}

# Everything up to a running cluster; sets MG_WORK, MG_PGBIN, MG_PORT.
mg_setup() {
	mg_install_packages
	MG_PG_CONFIG=${MG_PG_CONFIG:-/usr/lib/postgresql/$MG_PG_MAJOR/bin/pg_config}
	[ -x "$MG_PG_CONFIG" ] || MG_PG_CONFIG=$(command -v pg_config)
	MG_WORK=$(mktemp -d /tmp/mg.XXXXXX)
	chmod 755 "$MG_WORK"
	trap mg_cleanup EXIT
	trap 'exit 130' INT TERM
	MG_PORT=${MG_PORT:-5432}
	MG_SUPERUSER=postgres
	mg_build
	mg_private_install
	[ "$(id -u)" = 0 ] && chown -R postgres: "$MG_WORK"
	mg_start_cluster
}
