#!/bin/sh
# fleetpatch-loadgen smoke test (the benchmark itself is bench/run-server.sh):
# 50 simulated agents enroll, then two short rounds of check-ins; every
# request must succeed and the server must hold the 50 hosts.
. "$(dirname "$0")/lib.sh"

server_init
server_start
secret=$(cli enroll-secret create) || fail "secret"
"$BIN/fleetpatch-loadgen" --server "$URL" --secret "$secret" --agents 50 \
	--connections 8 --duration 1 --phases enroll,first,full,delta,unchanged \
	--min-packages 800 --max-packages 900 --images 2 --json --no-progress \
	>"$T/lg.json" || fail "loadgen"
cat "$T/lg.json"
assert_eq "phases" 5 "$(wc -l <"$T/lg.json")"
assert_eq "errors" 0 "$(jq -s 'map(.errors) | add' "$T/lg.json")"
assert_eq "enrolled" 50 "$(jq -s '.[] | select(.phase == "enroll") | .ok' "$T/lg.json")"
for p in first full delta unchanged; do
	n=$(jq -s ".[] | select(.phase == \"$p\") | .ok" "$T/lg.json")
	[ "$n" -gt 0 ] || fail "no successful $p check-in"
done
assert_eq "need_full" 0 "$(jq -s 'map(.need_full) | add' "$T/lg.json")"
cli hosts --json >"$T/hosts.json"
assert_eq "hosts" 50 "$(jq length "$T/hosts.json")"
n=$(jq '.[0].packages' "$T/hosts.json")
[ "$n" -ge 800 ] && [ "$n" -le 900 ] || fail "packages per host: $n"
echo ok
