# Shared by the end-to-end tests (sourced): a real fleetpatchd on a
# loopback port with SQLite, the admin CLI, and one fleetpatch-agent
# run --once per host root.  Sources ../apply/lib.sh (W, step, fail,
# expect_eq, mkroot_shell, AGENT, PUB).  FP_KEEP=1 keeps the work directory
# of a passing run too.
. "$(dirname "${BASH_SOURCE[0]}")/../apply/lib.sh"

FPD=$FP_BIN_DIR/fleetpatchd
CLI=$FP_BIN_DIR/fleetpatch
SERVER_PID=
BG_PIDS= # other background helpers the test started
trap 'rc=$?; for p in $SERVER_PID $BG_PIDS; do kill "$p" 2>/dev/null && { wait "$p" 2>/dev/null || true; }; done; [ $rc -ne 0 ] && { echo "FAILED (rc=$rc); work dir kept: $W" >&2; tail -20 "$W/server.log" >&2; }; [ $rc -eq 0 ] && [ -z "${FP_KEEP:-}" ] && rm -rf "$W"; exit $rc' EXIT

# publish_deb VERSION...: the local apt repository $W/repo offers exactly
# these builds of fpdemo from $W/pool
publish_deb() {
	rm -f "$W/repo"/*.deb
	for v in "$@"; do cp "$W/pool/fpdemo_${v}_all.deb" "$W/repo/"; done
	(cd "$W/repo" && apt-ftparchive packages . >Packages && rm -f Packages.gz && gzip -k Packages)
}

# random_port: a port to try (callers retry on a clash), below the
# kernel's ephemeral range (32768 and up): a server that comes back on its
# port after a stop finds no client connection holding it
random_port() { echo $((20000 + $(od -An -N2 -tu2 /dev/urandom) % 12000)); }

# start_server [PORT]: a random free port, or PORT again after a stop;
# sets PORT, URL, SERVER_PID ($W/server.pid too).  Ready when it wrote its
# ready file: only then is the port its own (a health check alone may be
# answered by another test's server that holds the port).
start_server() {
	local attempt
	for attempt in 1 2 3 4 5 6 7 8 9 10; do
		PORT=${1:-$(random_port)}
		rm -f "$W/server.ready"
		"$FPD" --data "$W/data" --listen "127.0.0.1:$PORT" --ready-file "$W/server.ready" \
			>>"$W/server.log" 2>&1 &
		SERVER_PID=$!
		echo "$SERVER_PID" >"$W/server.pid"
		URL=http://127.0.0.1:$PORT
		for _ in $(seq 1 1200); do # 60 s: a loaded machine under ASan
			if [ -s "$W/server.ready" ]; then
				curl -fsS "$URL/api/v1/health" >/dev/null ||
					fail "fleetpatchd on port $PORT is ready but not healthy"
				return 0
			fi
			kill -0 "$SERVER_PID" 2>/dev/null || break
			sleep 0.05
		done
		kill "$SERVER_PID" 2>/dev/null || true
		wait "$SERVER_PID" 2>/dev/null || true
		SERVER_PID=
		[ -z "${1:-}" ] || sleep 0.5
	done
	fail "fleetpatchd did not start"
}

# init_server: a new data directory (SQLite), the admin token in ADMIN,
# the server started
init_server() {
	ADMIN=$("$FPD" --data "$W/data" init 2>"$W/init.err" | grep -Eo '[A-Za-z0-9_-]{40,}' | tail -n 1)
	[ -n "$ADMIN" ] || fail "init: $(cat "$W/init.err")"
	start_server
}
cli() { "$CLI" --server "$URL" --token "$ADMIN" "$@"; }

# enroll_secret [ARGS]: a new enrollment secret
enroll_secret() { cli enroll-secret create "$@" | grep -Eo '[A-Za-z0-9_-]{30,}' | tail -n 1; }

# enroll_root ROOT N SECRET [SERVER-URL]: ROOT becomes host "$(basename
# ROOT)" with machine-id N, enrolled with SECRET (through SERVER-URL if
# given); its host id lands in ROOT.id
enroll_root() {
	local r=$1 n=$2 s=$3 url=${4:-$URL}
	printf '%032x\n' "$n" >"$r/etc/machine-id"
	basename "$r" >"$r/etc/hostname"
	"$AGENT" enroll --server "$url" --secret "$s" --state-dir "$r.agent" --root "$r" >/dev/null ||
		fail "enroll $r"
	jq -r .host_id "$r.agent/config.json" >"$r.id"
}

# run_agents [ARGS]: one `run --once` per root in HOSTS_ALL (check-in,
# jobs, check-in)
run_agents() {
	local r
	for r in $HOSTS_ALL; do
		"$AGENT" run --once --state-dir "$r.agent" --root "$r" "$@" >>"$W/agents.log" 2>&1 ||
			fail "run --once on $r: $(tail -5 "$W/agents.log")"
	done
}

# until_state ID STATE...: rounds of the agents until deployment ID is in
# one of the STATEs; after each round (and before the first) the state is
# polled over a bit more than one 2 s scheduler tick, so a change the tick
# makes needs no further round of the agents
until_state() {
	local id=$1 st i j want
	shift
	for i in $(seq 0 25); do
		[ "$i" -eq 0 ] || run_agents
		for j in 1 2 3 4 5 6; do
			st=$(cli deploy show "$id" --json | jq -r .state)
			for want in "$@"; do [ "$st" = "$want" ] && return 0; done
			sleep 0.5
		done
	done
	fail "deployment $id is $st, not $*: $(cli deploy show "$id")"
}
# rbstate ID ROOT: the state of ROOT's rollback on request in deployment ID
rbstate() { cli deploy show "$1" --json | jq -r --argjson h "$(cat "$2.id")" '.hosts[] | select(.host_id == $h) | .rollback.state'; }
# hstate ID ROOT: the state of ROOT's host in deployment ID
hstate() { cli deploy show "$1" --json | jq -r --argjson h "$(cat "$2.id")" '.hosts[] | select(.host_id == $h) | .state'; }

# expect_halted_before ID RING DBVER ROOT...: deployment ID halted and its
# ring number RING (0-based) never started: after another round of the
# agents, each ROOT's database (dbver, the test's own) still says DBVER
# and its host is pending; no host keeps an undelivered result
expect_halted_before() {
	local id=$1 ring=$2 want=$3 r
	shift 3
	expect_eq "deployment $id" "$(cli deploy show "$id" --json | jq -r .state)" halted
	run_agents
	for r in "$@"; do
		expect_eq "db on $r (untouched)" "$(dbver "$r")" "$want"
		expect_eq "deploy show: $r" "$(hstate "$id" "$r")" pending
	done
	expect_eq "ring $ring not started" "$(cli deploy show "$id" --json | jq -r ".rings[$ring].state")" waiting
	for r in $HOSTS_ALL; do
		expect_eq "no results left on $r" "$(ls "$r.agent/results" 2>/dev/null | wc -l)" 0
	done
}
