# Shared by the client integration tests: a real fleetpatchd on a random
# loopback port, real agents with temporary state dirs and fake roots.
# Sourced; expects FP_BIN_DIR and FP_TEST_DATA (set by ctest).
set -eu

: "${FP_BIN_DIR:?}" "${FP_TEST_DATA:?}"
BIN=$FP_BIN_DIR
T=$(mktemp -d "${TMPDIR:-/tmp}/fp-client.XXXXXX")
SERVER_PID=
PORT=
URL=
TOKEN=
SCHEME=http      # https with SERVER_ARGS="--tls-cert F --tls-key F"
SERVER_ARGS=
CURL_CA=         # --cacert for the health check over https

cleanup() {
	if [ -n "$SERVER_PID" ]; then
		kill "$SERVER_PID" 2>/dev/null || true
		wait "$SERVER_PID" 2>/dev/null || true
	fi
	for p in $(cat "$T"/agent-pids 2>/dev/null); do
		kill "$p" 2>/dev/null || true
	done
	rm -rf "$T"
}
trap cleanup EXIT INT TERM

fail() {
	echo "FAIL: $*" >&2
	if [ -f "$T/server.log" ]; then
		echo "--- server log (tail)" >&2
		tail -n 30 "$T/server.log" >&2
	fi
	exit 1
}

assert_eq() { # what expected actual
	[ "$2" = "$3" ] || fail "$1: expected '$2', got '$3'"
}

# Initialise the server's data dir once and keep the admin token.
server_init() {
	"$BIN/fleetpatchd" --data "$T/data" init >"$T/init.out" 2>"$T/init.err" ||
		fail "fleetpatchd init: $(cat "$T/init.err")"
	TOKEN=$(grep -Eo '[A-Za-z0-9_-]{40,}' "$T/init.out" | tail -n 1)
	[ -n "$TOKEN" ] || fail "no admin token in: $(cat "$T/init.out")"
}

# A port to try for a server that must come back on the same port: below
# the kernel's ephemeral range (32768 and up), where no client connection
# of another test can be holding it when the server restarts.
random_port() { echo $((20000 + $(od -An -N2 -tu2 /dev/urandom) % 12000)); }

# Start fleetpatchd on $1 (a port) or a random free one.  Ready when it
# wrote its ready file: only then is the port its own (a health check alone
# may be answered by another test's server that holds the port).
server_start() {
	want=${1:-}
	for attempt in 1 2 3 4 5 6 7 8 9 10; do
		PORT=${want:-$(random_port)}
		rm -f "$T/ready"
		# shellcheck disable=SC2086
		"$BIN/fleetpatchd" --data "$T/data" --listen "127.0.0.1:$PORT" \
			--ready-file "$T/ready" $SERVER_ARGS >>"$T/server.log" 2>&1 &
		SERVER_PID=$!
		URL="$SCHEME://127.0.0.1:$PORT"
		for _ in $(seq 1 1200); do # 60 s: a loaded machine under ASan
			if [ -s "$T/ready" ]; then
				# shellcheck disable=SC2086
				curl -fsS $CURL_CA "$URL/api/v1/health" >/dev/null ||
					fail "fleetpatchd on port $PORT is ready but not healthy"
				return 0
			fi
			kill -0 "$SERVER_PID" 2>/dev/null || break
			sleep 0.05
		done
		kill "$SERVER_PID" 2>/dev/null || true
		wait "$SERVER_PID" 2>/dev/null || true
		SERVER_PID=
		[ -z "$want" ] || sleep 0.5 # the same port: wait for it to free
	done
	fail "fleetpatchd did not start"
}

server_stop() {
	[ -n "$SERVER_PID" ] || return 0
	kill "$SERVER_PID"
	wait "$SERVER_PID" 2>/dev/null || true
	SERVER_PID=
}

# make_root NAME MACHINE_ID HOSTNAME: a fake root with a dpkg database.
make_root() {
	r=$T/roots/$1
	mkdir -p "$r/var/lib/dpkg" "$r/etc"
	cp "$FP_TEST_DATA/client/status" "$r/var/lib/dpkg/status"
	cp "$FP_TEST_DATA/client/os-release" "$r/etc/os-release"
	echo "$2" >"$r/etc/machine-id"
	echo "$3" >"$r/etc/hostname"
	echo "$r"
}

# set_version ROOT PACKAGE VERSION: change an installed version in place.
set_version() {
	awk -v p="$2" -v v="$3" '
		/^Package: / { cur = $2 }
		/^Version: / && cur == p { print "Version: " v; next }
		{ print }' "$1/var/lib/dpkg/status" >"$1/status.new"
	mv "$1/status.new" "$1/var/lib/dpkg/status"
}

# remove_pkg ROOT PACKAGE: drop a stanza.
remove_pkg() {
	awk -v p="$2" '
		BEGIN { RS = ""; ORS = "\n\n" }
		$0 !~ ("(^|\n)Package: " p "\n") { print }' \
		"$1/var/lib/dpkg/status" >"$1/status.new"
	mv "$1/status.new" "$1/var/lib/dpkg/status"
}

# add_pkg ROOT PACKAGE VERSION ARCH
add_pkg() {
	printf '\nPackage: %s\nStatus: install ok installed\nArchitecture: %s\nVersion: %s\nDescription: added by a test\n' \
		"$2" "$4" "$3" >>"$1/var/lib/dpkg/status"
}

cli() { "$BIN/fleetpatch" --server "$URL" --token "$TOKEN" "$@"; }
agent() { "$BIN/fleetpatch-agent" "$@"; }

# The check-in refreshes no package metadata in tests (fake roots).
checkin() { # STATE_DIR
	agent run --once --refresh 0 --state-dir "$1"
}

spool_count() { ls "$1/spool" | grep -c '\.json$' || true; }

# host_json HOSTNAME: the server's full record.
host_json() { cli host show "$1" --json; }
