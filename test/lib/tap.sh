# test/lib/tap.sh -- tiny TAP helpers for shell tests (integration, crash).
# Source it; call ok/is/like; finish with done_testing.
TAP_N=0
TAP_FAILED=0

ok() {	# ok CONDITION_EXIT_STATUS DESCRIPTION
	TAP_N=$((TAP_N + 1))
	if [ "$1" -eq 0 ]; then
		echo "ok $TAP_N - $2"
	else
		echo "not ok $TAP_N - $2"
		TAP_FAILED=$((TAP_FAILED + 1))
	fi
}

is() {	# is GOT EXPECTED DESCRIPTION
	TAP_N=$((TAP_N + 1))
	if [ "$1" == "$2" ]; then
		echo "ok $TAP_N - $3"
	else
		echo "not ok $TAP_N - $3"
		echo "#   got:      '$1'"
		echo "#   expected: '$2'"
		TAP_FAILED=$((TAP_FAILED + 1))
	fi
}

like() {	# like GOT REGEX DESCRIPTION
	TAP_N=$((TAP_N + 1))
	if [[ $1 =~ $2 ]]; then
		echo "ok $TAP_N - $3"
	else
		echo "not ok $TAP_N - $3"
		echo "#   got:      '$1'"
		echo "#   expected to match: '$2'"
		TAP_FAILED=$((TAP_FAILED + 1))
	fi
}

done_testing() {
	echo "1..$TAP_N"
	[ "$TAP_FAILED" -eq 0 ]
}

# Starts an extra cluster of the same binaries: start_extra_cluster NAME PORT [CONF...]
start_extra_cluster() {
	local name=$1 port=$2 dir="$MG_WORK/$1"
	shift 2
	"$MG_PGBIN/initdb" -D "$dir" -U postgres --auth=trust --no-sync -E UTF8 --locale=C.UTF-8 >"$dir.initdb.log" 2>&1 || return 1
	{
		echo "listen_addresses = ''"
		echo "unix_socket_directories = '$MG_WORK'"
		echo "port = $port"
		echo "fsync = off"
		echo "lc_messages = 'C'"
		printf '%s\n' "$@"
	} >>"$dir/postgresql.conf"
	"$MG_PGBIN/pg_ctl" -D "$dir" -l "$dir.log" -w start >/dev/null
}

stop_extra_cluster() {
	"$MG_PGBIN/pg_ctl" -D "$MG_WORK/$1" -m fast -w stop >/dev/null 2>&1
}
