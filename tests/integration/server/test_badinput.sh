#!/bin/sh
# Hostile bodies get a 4xx JSON error naming what and where; the server
# stays up and nothing is written.
. "$(dirname "$0")/lib.sh"

printf '[server]\nmax_body = 64K\nmax_packages = 50\n' >"$T/conf"
init_server
start_server
new_secret
enroll m-bad bad-1
CK_MID=m-bad CK_HN=bad-1
checkin "$CRED" --seq 1 --marker 1 --packages 20
expect 200 "good full check-in"

DB=$T/data/fleetpatch.db
snapshot() {
	sqlite3 "$DB" "SELECT (SELECT count(*) FROM packages), (SELECT count(*) FROM pkgsets),
		(SELECT count(*) FROM events), (SELECT count(*) FROM hosts),
		(SELECT group_concat(last_seq || ':' || pkgset_id || ':' || coalesce(updset_id, '')) FROM hosts),
		(SELECT count(*) FROM users), (SELECT count(*) FROM groups),
		(SELECT count(*) FROM settings), (SELECT count(*) FROM enroll_secrets)"
}
BEFORE=$(snapshot)

post() { # body-file expected-status expected-path what
	api POST /api/v1/agent/checkin "$CRED" "@$1"
	expect_error "$2" "$3" "$4"
}

"$HELPER" body --machine-id m-bad --hostname bad-1 --seq 2 --marker 2 --packages 20 >"$T/full.json"

printf '{"seq": 2, "inventory_hash": ' >"$T/b"
post "$T/b" 400 "" "truncated JSON"
jout .message | grep -q "malformed JSON" || fail "malformed message: $(cat "$T/out")"
printf '' >"$T/b"
post "$T/b" 400 "" "empty body"
printf '[1,2]' >"$T/b"
post "$T/b" 400 "" "not an object"
printf '{"seq":2,"seq":3}' >"$T/b"
post "$T/b" 400 "" "duplicate keys"
printf '\377\376{}' >"$T/b"
post "$T/b" 400 "" "not UTF-8"

jq -c '.seq = "two"' "$T/full.json" >"$T/b"
post "$T/b" 400 seq "seq as a string"
jq -c '.seq = -1' "$T/full.json" >"$T/b"
post "$T/b" 400 seq "negative seq"
jq -c '.bogus = 1' "$T/full.json" >"$T/b"
post "$T/b" 400 bogus "unknown field"
jq -c '.inventory_hash = "abc"' "$T/full.json" >"$T/b"
post "$T/b" 400 inventory_hash "short hash"
jq -c '.inventory.packages[3].version = "not a version!"' "$T/full.json" >"$T/b"
post "$T/b" 400 "inventory.packages[3].version" "invalid version"
jq -c '.inventory.packages[2].name = 5' "$T/full.json" >"$T/b"
post "$T/b" 400 "inventory.packages[2].name" "name as a number"
jq -c '.inventory.packages[4].ecosystem = "cobol"' "$T/full.json" >"$T/b"
post "$T/b" 400 "inventory.packages[4].ecosystem" "unknown ecosystem"
# the inventory object is lib/inventory's wire form (it may grow fields);
# the check-in envelope and deltas are strict
"$HELPER" body --machine-id m-bad --hostname bad-1 --seq 2 --base-marker 1 --marker 2 \
	--packages 20 >"$T/delta.json"
jq -c '.delta.added[0].colour = "red"' "$T/delta.json" >"$T/b"
post "$T/b" 400 "delta.added[0].colour" "unknown package field"
jq -c '.delta.added[0].kind = "appimage"' "$T/delta.json" >"$T/b"
post "$T/b" 400 "delta.added[0].kind" "unknown kind"
jq -c '.delta.removed = [{"name":"x"}]' "$T/delta.json" >"$T/b"
post "$T/b" 400 "delta.removed[0].ecosystem" "removed without ecosystem"
jq -c '.inventory.packages[5] = .inventory.packages[6]' "$T/full.json" >"$T/b"
post "$T/b" 400 "inventory.packages" "duplicate package"
jq -c '.updates[0].security = "yes"' "$T/full.json" >"$T/b"
post "$T/b" 400 "updates[0].security" "bool as a string"
jq -c '.inventory.hardware = [1]' "$T/full.json" >"$T/b"
post "$T/b" 400 "inventory.hardware" "hardware as an array"
jq -c '.inventory.packages[0].version = "9.9-9"' "$T/full.json" >"$T/b"
post "$T/b" 400 inventory_hash "hash does not match the packages"
jq -c '. + {delta: {base_hash: .inventory_hash, added: []}}' "$T/full.json" >"$T/b"
post "$T/b" 400 delta "inventory and delta together"
# deep nesting is refused by the parser, not the stack
{ printf '{"seq":2,"inventory_hash":"%s","job_results":' "$(jq -r .inventory_hash "$T/full.json")"
  head -c 30000 /dev/zero | tr '\0' '['; } >"$T/b"
post "$T/b" 400 "" "deep nesting"

# too many packages (max_packages = 50) -> 413 with the path
"$HELPER" body --machine-id m-bad --hostname bad-1 --seq 2 --marker 2 --packages 60 >"$T/b"
post "$T/b" 413 inventory.packages "too many packages"
# over max_body (64K): by Content-Length, and chunked without one
"$HELPER" body --machine-id m-bad --hostname bad-1 --seq 2 --marker 2 --packages 2000 >"$T/big"
[ "$(wc -c <"$T/big")" -gt 65536 ] || fail "big body not big"
post "$T/big" 413 "" "oversized body"
STATUS=$(curl -s -o "$T/out" -w '%{http_code}' -H "Authorization: Bearer $CRED" \
	-H "Transfer-Encoding: chunked" -H "Content-Type: application/json" \
	--data-binary "@$T/big" "$URL/api/v1/agent/checkin")
expect_error 413 "" "oversized chunked body"

# admin bodies
api POST /api/v1/users "$ADMIN" '{"name":"ann","role":"root"}'
expect_error 400 role "bad role"
api POST /api/v1/users "$ADMIN" '{"name":"bad name","role":"viewer"}'
expect_error 400 name "bad user name"
api POST /api/v1/users "$ADMIN" '{"name":"ann","role":"viewer","password":"short"}'
expect_error 400 password "short password"
api POST /api/v1/users "$ADMIN" '{"name":"ann","role":"viewer","extra":true}'
expect_error 400 extra "unknown admin field"
api POST /api/v1/groups "$ADMIN" '{"name":"g","kind":"dynamic"}'
expect_error 400 rule "dynamic group without a rule"
api POST /api/v1/groups "$ADMIN" '{"name":"g","kind":"dynamic","rule":{"planet":"mars"}}'
expect_error 400 rule "unknown rule"
api PUT /api/v1/settings "$ADMIN" '{"stale_after":"soon"}'
expect_error 400 stale_after "bad duration"
api POST /api/v1/enroll-secrets "$ADMIN" '{"expires_in":7}'
expect_error 400 expires_in "duration as a number"
api POST /api/v1/enroll "" '{"secret":"x"}'
expect_error 400 inventory "enroll without inventory"
api POST /api/v1/enroll "" '{"secret":"x","inventory":{"hostname":"h"}}'
expect_error 400 inventory.machine_id "enroll without machine-id"

api GET /api/v1/health ""
expect 200 "still alive"
AFTER=$(snapshot)
[ "$BEFORE" = "$AFTER" ] || fail "database changed: $BEFORE -> $AFTER"
# and the good body still goes in
api POST /api/v1/agent/checkin "$CRED" "@$T/full.json"
expect 200 "good body after the bad ones"
stop_server
echo ok
