#!/bin/sh
# Enrollment and check-in per docs/protocol: full, unchanged, delta,
# need_full, seq idempotency, history events, re-enrollment, clones,
# revoked secrets.
. "$(dirname "$0")/lib.sh"

init_server
start_server
new_secret web
enroll m-0001 web-1
H1=$HOST C1=$CRED
CK_MID=m-0001 CK_HN=web-1
[ ${#C1} -eq 43 ] || fail "credential length ${#C1}"
[ "$(jout .server_public_key | base64 -d | wc -c)" -eq 32 ] || fail "public key"
[ "$(jout .checkin_interval)" = 900 ] || fail "checkin_interval"

# before the first inventory an unchanged check-in gets need_full
checkin "$C1" --unchanged --seq 1 --marker 1
expect 200 "unchanged before full"
[ "$(jout .status)" = need_full ] || fail "expected need_full: $(cat "$T/out")"

# full inventory
checkin "$C1" --seq 2 --marker 1 --packages 20
expect 200 "full check-in"
[ "$(jout .status)" = ok ] || fail "full status"
HASH1=$(jout .inventory_hash)
api GET "/api/v1/hosts/$H1" "$ADMIN"
expect 200 "host show"
[ "$(jout .packages)" = 21 ] || fail "package count $(jout .packages)"
[ "$(jout .updates)" = 1 ] && [ "$(jout .security_updates)" = 1 ] || fail "updates"
[ "$(jout '.packages_list | map(select(.name=="marker"))[0].version')" = 1.0-1 ] || fail "marker"
[ "$(jout .inventory_hash)" = "$HASH1" ] || fail "stored hash"
[ "$(jout '.groups[0]')" = web ] || fail "secret's group not joined"
[ "$(jout '.history | length')" = 0 ] || fail "first inventory makes no history"

# unchanged with the right hash
checkin "$C1" --unchanged --seq 3 --marker 1 --packages 20
expect 200 unchanged
[ "$(jout .status)" = ok ] || fail "unchanged status: $(cat "$T/out")"

# delta: marker 1 -> 2 (an upgrade)
checkin "$C1" --seq 4 --base-marker 1 --marker 2 --packages 20
expect 200 delta
[ "$(jout .status)" = ok ] || fail "delta status: $(cat "$T/out")"
HASH2=$(jout .inventory_hash)
[ "$HASH2" != "$HASH1" ] || fail "hash did not move"
# delta against a base the server does not have -> need_full, nothing applied
checkin "$C1" --seq 5 --base-marker 7 --marker 8 --packages 20
expect 200 "bad base"
[ "$(jout .status)" = need_full ] || fail "expected need_full for a wrong base"
[ "$(jout .inventory_hash)" = "$HASH2" ] || fail "need_full returns the server's hash"
# delta on the right base whose result does not hash to inventory_hash
# -> need_full, nothing applied
checkin "$C1" --seq 5 --base-marker 2 --marker 3 --packages 20 --wrong-hash
expect 200 "delta with wrong resulting hash"
[ "$(jout .status)" = need_full ] || fail "expected need_full for a wrong result"
[ "$(jout .inventory_hash)" = "$HASH2" ] || fail "wrong result moved the hash"
# a downgrade as a full inventory (marker 2 -> 1)
checkin "$C1" --seq 6 --marker 1 --packages 20
expect 200 "full downgrade"
api GET "/api/v1/hosts/web-1?history_limit=10" "$ADMIN"
expect 200 "host by name"
[ "$(jout '.history | length')" = 2 ] || fail "history: $(jout .history)"
[ "$(jout '.history[0].event')" = downgraded ] || fail "newest first: $(jout .history)"
[ "$(jout '.history[1].event')" = upgraded ] || fail "upgrade event"
[ "$(jout '.history[1].old_version')" = 1.0-1 ] && [ "$(jout '.history[1].new_version')" = 2.0-1 ] ||
	fail "versions in event: $(jout '.history[1]')"
# packages removed and installed: 20 -> 18 packages (pkg0018, pkg0019 removed)
checkin "$C1" --seq 7 --marker 1 --packages 18
expect 200 "full with removals"
api GET "/api/v1/hosts/$H1" "$ADMIN"
[ "$(jout '[.history[] | select(.event=="removed")] | length')" = 2 ] || fail "removed events"
[ "$(jout .packages)" = 19 ] || fail "count after removal"

# seq idempotency: a spooled retry of seq 4 (old delta) is acknowledged, not applied
checkin "$C1" --seq 4 --base-marker 1 --marker 2 --packages 20
expect 200 "duplicate seq"
[ "$(jout .status)" = ok ] || fail "duplicate acked"
api GET "/api/v1/hosts/$H1" "$ADMIN"
[ "$(jout '.packages_list | map(select(.name=="marker"))[0].version')" = 1.0-1 ] ||
	fail "duplicate seq was applied"
[ "$(jout '.history | length')" = 4 ] || fail "duplicate made history"

# sharing: a second host with the same image shares the package set
enroll m-0002 web-2
C2=$CRED
CK_MID=m-0002 CK_HN=web-2
checkin "$C2" --seq 1 --marker 1 --packages 18
expect 200 "second host full"
n_sets=$(sqlite3 "$T/data/fleetpatch.db" "SELECT count(DISTINCT pkgset_id) FROM hosts")
[ "$n_sets" = 1 ] || fail "identical inventories not shared ($n_sets sets)"

CK_MID=m-0001 CK_HN=web-1
# an agent credential writes only its own host: the body cannot name another
api GET "/api/v1/hosts" "$C1"
expect_error 403 "" "host credential on an admin route"

# re-enrollment keeps the host and history; the old credential stops at once
enroll m-0001 web-1
[ "$HOST" = "$H1" ] || fail "re-enroll made a new host ($HOST)"
checkin "$C1" --unchanged --seq 8 --marker 1 --packages 18
expect_error 401 "" "old credential after re-enroll"
checkin "$CRED" --unchanged --seq 1 --marker 1 --packages 18
expect 200 "new credential (seq restarts)"
[ "$(jout .status)" = ok ] || fail "state kept across re-enroll: $(cat "$T/out")"
api GET "/api/v1/hosts/$H1" "$ADMIN"
[ "$(jout '.history | length')" = 4 ] || fail "history lost on re-enroll"

# a clone: same machine-id, other hostname, recently seen -> 409 + audit
"$HELPER" body --enroll "$SECRET" --machine-id m-0001 --hostname evil-clone >"$T/clone.json"
api POST /api/v1/enroll "" "@$T/clone.json"
expect_error 409 inventory.machine_id "clone"
jout .message | grep -q "already enrolled as host $H1" || fail "clone message: $(cat "$T/out")"
api GET "/api/v1/audit?limit=5" "$ADMIN"
[ "$(jout '[.[] | select(.action=="enroll.clone_refused")] | length')" = 1 ] || fail "clone not audited"
api GET /api/v1/hosts "$ADMIN"
[ "$(jout 'length')" = 2 ] || fail "clone merged or added"

# a revoked secret stops working at once; unknown secret too
SID=$(sqlite3 "$T/data/fleetpatch.db" "SELECT max(id) FROM enroll_secrets")
api DELETE "/api/v1/enroll-secrets/$SID" "$ADMIN"
expect 200 "revoke secret"
"$HELPER" body --enroll "$SECRET" --machine-id m-0003 --hostname web-3 >"$T/e3.json"
api POST /api/v1/enroll "" "@$T/e3.json"
expect_error 401 secret "revoked secret"
"$HELPER" body --enroll "not-a-secret" --machine-id m-0003 --hostname web-3 >"$T/e3.json"
api POST /api/v1/enroll "" "@$T/e3.json"
expect_error 401 secret "unknown secret"
api GET /api/v1/enroll-secrets "$ADMIN"
[ "$(jout '.[0].revoked')" = true ] && [ "$(jout '.[0].uses')" = 3 ] || fail "secret list: $(cat "$T/out")"

# an expired secret
api POST /api/v1/enroll-secrets "$ADMIN" '{"expires_in":"1s"}'
expect 201 "short secret"
SECRET=$(jout .secret)
sleep 2
"$HELPER" body --enroll "$SECRET" --machine-id m-0004 --hostname web-4 >"$T/e4.json"
api POST /api/v1/enroll "" "@$T/e4.json"
expect_error 401 secret "expired secret"

# fleet-wide updates
api GET "/api/v1/updates?security=1" "$ADMIN"
expect 200 updates
[ "$(jout '.[0].name')" = pkg0001 ] && [ "$(jout '.[0].hosts')" = 2 ] || fail "fleet updates: $(cat "$T/out")"

# a flatpak (vendor version, kind) next to the deb packages; the hash the
# test computes itself, as the agent does: sorted "eco\tname\tarch\tversion"
CK_MID=m-0002 CK_HN=web-2
"$HELPER" body --machine-id m-0002 --hostname web-2 --seq 2 --marker 1 --packages 18 |
	jq -c '.inventory.packages += [{"name":"org.gnome.Calculator","version":"45.0 (beta)",
		"arch":"x86_64","source":"flathub","ecosystem":"generic","kind":"flatpak"}]' >"$T/fp.json"
hash=$(jq -r '.inventory.packages | map([.ecosystem, .name, .arch, .version]) | sort | .[] | join("\t")' \
	"$T/fp.json" | sha256sum | cut -d' ' -f1)
jq -c --arg h "$hash" '.inventory_hash = $h' "$T/fp.json" >"$T/fp2.json"
api POST /api/v1/agent/checkin "$C2" "@$T/fp2.json"
expect 200 "inventory with a flatpak"
[ "$(jout .inventory_hash)" = "$hash" ] || fail "server hash differs from the agent's"
api GET /api/v1/hosts/web-2 "$ADMIN"
[ "$(jout '.packages_list | map(select(.kind=="flatpak"))[0].version')" = "45.0 (beta)" ] ||
	fail "flatpak not stored: $(jout .packages_list)"
[ "$(jout '.history[0].event')" = installed ] || fail "flatpak install event"

# the same delta on the same base from more hosts: the writer remembers
# the first result (set and history events) and gives it to the others;
# a claim that does not match what is remembered still gets need_full
new_secret memo
for n in 5 6 7; do
	enroll m-000$n web-$n
	eval C$n=\$CRED
	CK_MID=m-000$n CK_HN=web-$n
	checkin "$CRED" --seq 1 --marker 4 --packages 30
	expect 200 "memo host $n full"
done
for n in 5 6; do
	eval cred=\$C$n
	CK_MID=m-000$n CK_HN=web-$n
	checkin "$cred" --seq 2 --base-marker 4 --marker 5 --packages 30
	expect 200 "memo host $n delta"
	[ "$(jout .status)" = ok ] || fail "memo delta $n: $(cat "$T/out")"
	api GET "/api/v1/hosts/web-$n" "$ADMIN"
	[ "$(jout '.packages_list | map(select(.name=="marker"))[0].version')" = 5.0-1 ] ||
		fail "web-$n: marker not upgraded"
	[ "$(jout '.history | length')" = 1 ] && [ "$(jout '.history[0].event')" = upgraded ] &&
		[ "$(jout '.history[0].old_version')" = 4.0-1 ] &&
		[ "$(jout '.history[0].new_version')" = 5.0-1 ] || fail "web-$n history: $(jout .history)"
done
same=$(sqlite3 "$T/data/fleetpatch.db" \
	"SELECT count(DISTINCT pkgset_id) FROM hosts WHERE hostname IN ('web-5','web-6')")
[ "$same" = 1 ] || fail "same delta, different sets ($same)"
CK_MID=m-0007 CK_HN=web-7
checkin "$C7" --seq 2 --base-marker 4 --marker 5 --packages 30 --wrong-hash
expect 200 "memo host 7 wrong claim"
[ "$(jout .status)" = need_full ] || fail "remembered delta with a wrong claim: $(cat "$T/out")"
api GET /api/v1/hosts/web-7 "$ADMIN"
[ "$(jout '.packages_list | map(select(.name=="marker"))[0].version')" = 4.0-1 ] &&
	[ "$(jout '.history | length')" = 0 ] || fail "web-7 changed by a refused delta"

# restart: everything is still there
stop_server
start_server
api GET "/api/v1/hosts/$H1" "$ADMIN"
expect 200 "after restart"
[ "$(jout '.history | length')" = 4 ] || fail "history after restart"
stop_server
echo ok
