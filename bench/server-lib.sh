# Shared by the bench/run-*server*.sh scripts (sourced): a real fleetpatchd
# on SQLite in the temporary directory $T, on a random loopback port.
# Expects $bin and $T; sets $pid, $port and $token.

start_server() {
	"$bin/fleetpatchd" --data "$T/data" init >"$T/init.out"
	token=$(grep -Eo '[A-Za-z0-9_-]{40,}' "$T/init.out" | tail -n 1)
	for _ in 1 2 3 4 5; do
		port=$((20000 + $(od -An -N2 -tu2 /dev/urandom) % 40000))
		"$bin/fleetpatchd" --data "$T/data" --listen "127.0.0.1:$port" \
			>"$T/server.log" 2>&1 &
		pid=$!
		for _ in $(seq 50); do
			curl -fsS "http://127.0.0.1:$port/api/v1/health" >/dev/null 2>&1 && return 0
			sleep 0.1
		done
		kill "$pid" 2>/dev/null || true
		pid=
	done
	echo "fleetpatchd did not start" >&2
	exit 1
}
stop_server() { kill "$pid"; wait "$pid" 2>/dev/null || true; pid=; rm -rf "$T/data"; }
