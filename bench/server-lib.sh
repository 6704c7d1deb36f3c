# Shared by the bench/run-*server*.sh scripts (sourced): a real fleetpatchd
# on SQLite in the temporary directory $T, on a free loopback port.
# Expects $bin and $T; sets $pid, $port and $token.

start_server() {
	"$bin/fleetpatchd" --data "$T/data" init >"$T/init.out"
	token=$(grep -Eo '[A-Za-z0-9_-]{40,}' "$T/init.out" | tail -n 1)
	# Port 0: the kernel picks a free one and the server names it in its
	# ready file, written once it listens (a health check on a port of our
	# choosing could be answered by another server holding that port).
	rm -f "$T/server.port"
	"$bin/fleetpatchd" --data "$T/data" --listen 127.0.0.1:0 \
		--ready-file "$T/server.port" >"$T/server.log" 2>&1 &
	pid=$!
	for _ in $(seq 1200); do # 60 s: a loaded machine under ASan
		if [ -s "$T/server.port" ]; then
			port=$(cat "$T/server.port")
			return 0
		fi
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.05
	done
	kill "$pid" 2>/dev/null || true
	pid=
	echo "fleetpatchd did not start: $(tail -5 "$T/server.log")" >&2
	exit 1
}
stop_server() { kill "$pid"; wait "$pid" 2>/dev/null || true; pid=; rm -rf "$T/data"; }
