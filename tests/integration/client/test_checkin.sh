#!/bin/sh
# Enrollment and check-in against a real fleetpatchd: full, delta,
# unchanged, need_full, stale catch-up, re-enroll, revoked secret.
. "$(dirname "$0")/lib.sh"

server_init
server_start
secret=$(cli enroll-secret create --group ci) || fail "enroll-secret create"

ra=$(make_root a 0123456789abcdef0123456789abcdef host-a)
sa=$T/state-a
agent enroll --server "$URL" --secret "$secret" --state-dir "$sa" --root "$ra" \
	>"$T/enroll.out" || fail "enroll"
assert_eq "state dir mode" 700 "$(stat -c %a "$sa")"
assert_eq "credential mode" 600 "$(stat -c %a "$sa/credential")"
[ -s "$sa/server.pub" ] || fail "server key not pinned"
host_id=$(jq -r .host_id "$sa/config.json")

# First check-in: the full inventory.
checkin "$sa" || fail "first check-in"
assert_eq "spool after check-in" 0 "$(spool_count "$sa")"
cli hosts --json >"$T/hosts.json"
assert_eq "hosts" 1 "$(jq length "$T/hosts.json")"
assert_eq "hostname" host-a "$(jq -r '.[0].hostname' "$T/hosts.json")"
assert_eq "host id" "$host_id" "$(jq -r '.[0].id' "$T/hosts.json")"
assert_eq "packages" 6 "$(jq -r '.[0].packages' "$T/hosts.json")"
for k in id hostname os packages updates security_updates last_seen; do
	jq -e ".[0] | has(\"$k\")" "$T/hosts.json" >/dev/null ||
		fail "hosts --json lacks $k"
done
cp "$sa/acked.json" "$T/acked-first.json"

# Delta: one upgrade, one removal, one installation.
set_version "$ra" bash 5.2.15-2+b7
remove_pkg "$ra" tzdata
add_pkg "$ra" curl 7.88.1-10+deb12u5 amd64
checkin "$sa" 2>"$T/delta.err" || fail "delta check-in: $(cat "$T/delta.err")"
grep -q "full inventory" "$T/delta.err" && fail "delta check-in fell back to full"
host_json host-a >"$T/host.json"
assert_eq "packages after delta" 6 "$(jq -r .packages "$T/host.json")"
jq -e '.history[] | select(.event == "upgraded" and .name == "bash" and
	.old_version == "5.2.15-2+b2" and .new_version == "5.2.15-2+b7")' \
	"$T/host.json" >/dev/null || fail "history lacks bash upgrade"
jq -e '.history[] | select(.event == "removed" and .name == "tzdata")' \
	"$T/host.json" >/dev/null || fail "history lacks tzdata removal"
jq -e '.history[] | select(.event == "installed" and .name == "curl" and
	.new_version == "7.88.1-10+deb12u5")' "$T/host.json" >/dev/null ||
	fail "history lacks curl installation"
jq -e '.packages_list[] | select(.name == "bash" and .version == "5.2.15-2+b7")' \
	"$T/host.json" >/dev/null || fail "packages_list lacks new bash"
events=$(jq '.history | length' "$T/host.json")

# Unchanged: no new history, last_seen moves on.
seen=$(jq -r .last_seen "$T/host.json")
sleep 1.1
checkin "$sa" || fail "unchanged check-in"
host_json host-a >"$T/host2.json"
assert_eq "history after unchanged" "$events" "$(jq '.history | length' "$T/host2.json")"
[ "$(jq -r .last_seen "$T/host2.json")" != "$seen" ] || fail "last_seen not updated"

# need_full: the agent's acked state is behind the server's, so the
# delta's base does not match; the agent must resend the whole inventory.
cp "$T/acked-first.json" "$sa/acked.json"
set_version "$ra" openssl 3.0.13-1~deb12u1
checkin "$sa" 2>"$T/full.err" || fail "need_full check-in: $(cat "$T/full.err")"
grep -q "asked for the full inventory" "$T/full.err" || fail "no need_full round"
host_json host-a >"$T/host3.json"
jq -e '.packages_list[] | select(.name == "openssl" and .version == "3.0.13-1~deb12u1")' \
	"$T/host3.json" >/dev/null || fail "full inventory not applied"
jq -e '.history[] | select(.event == "upgraded" and .name == "openssl")' \
	"$T/host3.json" >/dev/null || fail "history lacks openssl upgrade"
# A missing acked state also means a full inventory, without a round trip.
rm "$sa/acked.json"
checkin "$sa" || fail "check-in without acked state"
[ -s "$sa/acked.json" ] || fail "acked state not saved"

# Stale: a host unseen for longer than stale_after is marked stale and
# catches up in one check-in.
# (stale_after 2s: the server counts whole seconds; a host seen 3.2 s ago
# is stale, one seen less than 2 s ago is not)
cli settings set stale_after 2s >/dev/null || fail "settings set"
assert_eq "stale_after" 2s "$(cli settings --json | jq -r .stale_after)"
sleep 3.2
assert_eq "stale hosts" host-a "$(cli hosts --stale --json | jq -r '.[].hostname')"
set_version "$ra" zlib1g 1:1.2.13.dfsg-1+b1
# Not stale once it checked in.  Conclusive when the check-in and the
# queries took under 2 s (whole seconds of `date` 1 apart at most); a
# loaded machine may take longer: then check in and ask again.
for try in 1 2 3 4 5; do
	t0=$(date +%s)
	checkin "$sa" || fail "catch-up check-in"
	stale=$(cli hosts --stale --json | jq -r '.[].hostname')
	host_json host-a >"$T/host4.json"
	[ -n "$stale$(jq -r 'select(.stale) | .hostname' "$T/host4.json")" ] &&
		[ $(($(date +%s) - t0)) -gt 1 ] || break
	echo "check-in and queries took more than a second: again ($try)"
done
assert_eq "stale after return" "" "$stale"
assert_eq "stale flag" false "$(jq -r .stale "$T/host4.json")"
jq -e '.history[] | select(.name == "zlib1g" and .new_version == "1:1.2.13.dfsg-1+b1")' \
	"$T/host4.json" >/dev/null || fail "catch-up change missing"
cli settings set stale_after 7d >/dev/null || fail "settings"
set +e
cli settings set stale_after soon >/dev/null 2>&1
assert_eq "bad duration" 2 $?
set -e

# Re-enrolling the same machine keeps its host id and history; the old
# credential stops working.
old_cred=$(cat "$sa/credential")
agent enroll --server "$URL" --secret "$secret" --state-dir "$sa" --root "$ra" \
	>/dev/null || fail "re-enroll"
assert_eq "host id after re-enroll" "$host_id" "$(jq -r .host_id "$sa/config.json")"
assert_eq "hosts after re-enroll" 1 "$(cli hosts --json | jq length)"
[ "$(cat "$sa/credential")" != "$old_cred" ] || fail "credential not renewed"
code=$(curl -s -o /dev/null -w '%{http_code}' -X POST -H "Authorization: Bearer $old_cred" \
	-H 'Content-Type: application/json' -d '{}' "$URL/api/v1/agent/checkin")
assert_eq "old credential" 401 "$code"
checkin "$sa" || fail "check-in after re-enroll"
host_json host-a >"$T/host5.json"
[ "$(jq '.history | length' "$T/host5.json")" -ge "$events" ] || fail "history lost"

# A clone (same machine-id, another hostname, the original seen recently)
# is refused and reported, never merged.
rc_clone=$(make_root clone 0123456789abcdef0123456789abcdef host-clone)
if agent enroll --server "$URL" --secret "$secret" --state-dir "$T/state-clone" \
	--root "$rc_clone" 2>"$T/clone.err"; then
	fail "a cloned machine-id was enrolled"
fi
grep -q "already enrolled" "$T/clone.err" || fail "clone message: $(cat "$T/clone.err")"
assert_eq "hosts after clone" 1 "$(cli hosts --json | jq length)"
[ ! -e "$T/state-clone/credential" ] || fail "clone got a credential"

# A revoked secret stops working at once.
sid=$(cli enroll-secret list --json | jq -r '.[0].id')
cli enroll-secret revoke "$sid" >/dev/null || fail "revoke"
rb=$(make_root b fedcba9876543210fedcba9876543210 host-b)
if agent enroll --server "$URL" --secret "$secret" --state-dir "$T/state-b" \
	--root "$rb" 2>"$T/revoked.err"; then
	fail "enrollment with a revoked secret succeeded"
fi
grep -q "refused" "$T/revoked.err" || fail "unclear message: $(cat "$T/revoked.err")"
assert_eq "hosts after revoked enroll" 1 "$(cli hosts --json | jq length)"

# Bad usage is exit 2.
set +e
agent enroll --secret x >/dev/null 2>&1
assert_eq "enroll without --server" 2 $?
agent run --once --state-dir "$T/nowhere" >/dev/null 2>&1
assert_eq "run when not enrolled" 1 $?
set -e
echo ok
