#!/bin/sh
# The spool: with the server down, reports survive agent restarts and are
# delivered in order once it is back; the bound collapses the oldest.
. "$(dirname "$0")/lib.sh"

server_init
server_start
secret=$(cli enroll-secret create) || fail "enroll-secret create"
ra=$(make_root a 11111111111111111111111111111111 spool-a)
sa=$T/state-a
agent enroll --server "$URL" --secret "$secret" --state-dir "$sa" --root "$ra" \
	>/dev/null || fail "enroll"
checkin "$sa" || fail "first check-in"

server_stop
# Three reports while the server is down, each from a new agent process
# (an agent restart), the middle ones from a daemon that is stopped.
set_version "$ra" bash 5.2.15-2+b3
if checkin "$sa" 2>"$T/down.err"; then fail "check-in succeeded with no server"; fi
grep -q "spool" "$T/down.err" || fail "no spool message: $(cat "$T/down.err")"
assert_eq "spooled" 1 "$(spool_count "$sa")"
assert_eq "spool file mode" 600 \
	"$(stat -c %a "$(ls "$sa"/spool/*.json | head -n 1)")"

set_version "$ra" bash 5.2.15-2+b4
# (its deferral drop-box in T, not the machine's /run/fleetpatch-agent)
"$BIN/fleetpatch-agent" run --refresh 0 --interval 1s --state-dir "$sa" \
	--request-dir "$T/run-agent/defer" 2>"$T/daemon.err" &
echo $! >>"$T/agent-pids"
dpid=$!
# until the daemon spooled its first report (up to 60 s: a loaded machine
# under ASan), then stop it
for _ in $(seq 600); do
	[ "$(spool_count "$sa")" -ge 2 ] && break
	kill -0 "$dpid" 2>/dev/null || break
	sleep 0.1
done
kill -TERM "$dpid"
wait "$dpid" || fail "daemon did not stop cleanly"
n=$(spool_count "$sa")
[ "$n" -ge 2 ] || fail "daemon spooled nothing ($n)"

remove_pkg "$ra" tzdata
if checkin "$sa" 2>/dev/null; then fail "check-in succeeded with no server"; fi
n=$(spool_count "$sa")
[ "$n" -ge 3 ] || fail "expected at least 3 spooled reports, got $n"

# Back up on the same address: everything is delivered, in order.
server_start "$PORT"
checkin "$sa" >"$T/deliver.out" || fail "delivery: $(cat "$T/deliver.out")"
assert_eq "spool after delivery" 0 "$(spool_count "$sa")"
host_json spool-a >"$T/host.json"
# In order: b2 -> b3 -> b4, never a downgrade.
jq -e '.history[] | select(.name == "bash" and .old_version == "5.2.15-2+b2" and
	.new_version == "5.2.15-2+b3")' "$T/host.json" >/dev/null ||
	fail "missing b2 -> b3: $(jq -c '[.history[] | select(.name == "bash")]' "$T/host.json")"
jq -e '.history[] | select(.name == "bash" and .old_version == "5.2.15-2+b3" and
	.new_version == "5.2.15-2+b4")' "$T/host.json" >/dev/null || fail "missing b3 -> b4"
jq -e '.history[] | select(.event == "downgraded")' "$T/host.json" >/dev/null &&
	fail "reports delivered out of order"
jq -e '.history[] | select(.event == "removed" and .name == "tzdata")' \
	"$T/host.json" >/dev/null || fail "missing tzdata removal"

# The bound: with room for two reports, the oldest collapses into the next.
server_stop
for v in b5 b6 b7; do
	set_version "$ra" bash "5.2.15-2+$v"
	agent run --once --refresh 0 --spool-max 2 --state-dir "$sa" 2>/dev/null && fail "no server?"
done
assert_eq "bounded spool" 2 "$(spool_count "$sa")"
server_start "$PORT"
checkin "$sa" >/dev/null || fail "delivery after collapse"
host_json spool-a >"$T/host2.json"
jq -e '.history[] | select(.name == "bash" and .old_version == "5.2.15-2+b4" and
	.new_version == "5.2.15-2+b6")' "$T/host2.json" >/dev/null ||
	fail "collapsed report: expected b4 -> b6: $(jq -c '[.history[] | select(.name == "bash")]' "$T/host2.json")"
jq -e '.history[] | select(.name == "bash" and .new_version == "5.2.15-2+b7")' \
	"$T/host2.json" >/dev/null || fail "newest report lost"
echo ok
