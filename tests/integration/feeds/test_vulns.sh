#!/bin/sh
# Vulnerability feeds end to end: two Debian 12 hosts (one with glibc
# 2.36-9+deb12u1, one with the fix from DSA-5514-1) check in with a real
# agent; the CLI imports the real sample feeds; the listings name the
# vulnerable host with its fix and not the fixed one; a broken import
# changes nothing; 413, 403 and 401.
. "$(dirname "$0")/../client/lib.sh"

: "${FP_SHARED_DATA:?}"
S=$FP_SHARED_DATA/feeds/samples
KEV=$FP_SHARED_DATA/feeds/kev/known_exploited_vulnerabilities.json

printf '[server]\nmax_body = 2M\n' >"$T/conf"
SERVER_ARGS="--config $T/conf"
server_init
server_start
secret=$(cli enroll-secret create) || fail "enroll-secret create"

# libc6 from source glibc, sope (source = binary name)
add_glibc() { # ROOT VERSION
	printf '\nPackage: libc6\nStatus: install ok installed\nArchitecture: amd64\nSource: glibc\nVersion: %s\nDescription: GNU C Library\n' \
		"$2" >>"$1/var/lib/dpkg/status"
}
old=$(make_root old 0123456789abcdef0123456789abc001 deb-old)
add_glibc "$old" 2.36-9+deb12u1
add_pkg "$old" sope 5.8.0-1 amd64
new=$(make_root new 0123456789abcdef0123456789abc002 deb-new)
add_glibc "$new" 2.36-9+deb12u3
add_pkg "$new" sope 5.8.0-1+deb12u1 amd64
# try ARGS...: the CLI's exit status in $RC, its stderr in $T/e
try() {
	set +e
	cli "$@" >/dev/null 2>"$T/e"
	RC=$?
	set -e
}
for h in old new; do
	agent enroll --server "$URL" --secret "$secret" --state-dir "$T/s-$h" \
		--root "$T/roots/$h" >/dev/null || fail "enroll $h"
	checkin "$T/s-$h" >/dev/null || fail "check-in $h"
done

# nothing loaded yet: nothing affected
assert_eq "no feeds" 0 "$(cli vulns --json | jq length)"

# import the real samples; the format told from the content
imp() { # FILE KIND RECORDS
	cli feed import "$1" --json >"$T/imp.json" || fail "import $1"
	assert_eq "kind of $(basename "$1")" "$2" "$(jq -r .kind "$T/imp.json")"
	assert_eq "records of $(basename "$1")" "$3" "$(jq -r .records "$T/imp.json")"
}
imp "$S/vuln-list-debian__tracker__DSA__DSA-5514-1.json" dsa 1
imp "$S/debian__input__debian.json" debian "$(jq '[.[] | keys[]] | length' "$S/debian__input__debian.json")"
imp "$KEV" kev "$(jq '.vulnerabilities | length' "$KEV")"
imp "$S/epss__example-1.csv" epss "$(grep -c '^CVE-' "$S/epss__example-1.csv")"
imp "$S/ubuntu__osv__usn__USN-5614-1.json" osv 1
cli feed import "$S/kev__valid-catalog-1.json" --format kev | grep -q '^imported kev feed kev: 3 records' ||
	fail "readable import output"
imp "$KEV" kev "$(jq '.vulnerabilities | length' "$KEV")"
assert_eq "feeds listed" "debian dsa epss kev osv" \
	"$(cli feed list --json | jq -r '[.[].kind] | sort | join(" ")')"

# the fleet's vulnerabilities
cli vulns --json >"$T/v.json"
jq -e 'length > 0' "$T/v.json" >/dev/null || fail "no vulnerabilities: $(cat "$T/v.json")"
for k in id aliases cves severity kev epss epss_percentile hosts fix_available packages; do
	jq -e "all(has(\"$k\"))" "$T/v.json" >/dev/null || fail "vulns --json lacks $k"
done
dsa() { jq -c ".[] | select(.id == \"$1\") | $2" "$T/v.json"; }
assert_eq "DSA-5514-1 hosts" 1 "$(dsa DSA-5514-1 .hosts)"
assert_eq "DSA-5514-1 kev" true "$(dsa DSA-5514-1 .kev)"
assert_eq "DSA-5514-1 cves" '["CVE-2023-4911"]' "$(dsa DSA-5514-1 .cves)"
assert_eq "DSA-5514-1 fix" true "$(dsa DSA-5514-1 .fix_available)"
assert_eq "DSA-5514-1 package" '["libc6"]' "$(dsa DSA-5514-1 .packages)"
assert_eq "sope CVE hosts" 1 "$(dsa CVE-2025-53603 .hosts)"
assert_eq "sope CVE kev" false "$(dsa CVE-2025-53603 .kev)"
cli vulns >"$T/v.txt" || fail "vulns table"
grep -q '^ID  *SEVERITY' "$T/v.txt" || fail "no table header: $(cat "$T/v.txt")"
grep -q '^DSA-5514-1 ' "$T/v.txt" || fail "no DSA row: $(cat "$T/v.txt")"

# --kev: only known-exploited ones
cli vulns --kev --json >"$T/k.json"
assert_eq "kev only" true "$(jq 'all(.kev) and length > 0' "$T/k.json")"
assert_eq "kev drops sope" 0 "$(jq '[.[] | select(.id == "CVE-2025-53603")] | length' "$T/k.json")"

# --host: the vulnerable host with its fixes, the fixed host clean
cli vulns --host deb-old --json >"$T/h.json"
libc() { jq -r ".[] | select(.package == \"libc6\") | $1" "$T/h.json"; }
assert_eq "libc6 installed" 2.36-9+deb12u1 "$(libc .installed_version)"
assert_eq "libc6 fixed" 2.36-9+deb12u3 "$(libc .fixed_version)"
assert_eq "libc6 source" glibc "$(libc .source)"
assert_eq "libc6 kev" true "$(libc .kev)"
libc '.vulns[]' | grep -qx DSA-5514-1 || fail "libc6 vulns: $(cat "$T/h.json")"
assert_eq "sope fixed" 5.8.0-1+deb12u1 \
	"$(jq -r '.[] | select(.package == "sope") | .fixed_version' "$T/h.json")"
assert_eq "host --kev" libc6 "$(cli vulns --host deb-old --kev --json | jq -r '[.[].package] | join(" ")')"
cli vulns --host deb-old | grep -q '^libc6  *2.36-9+deb12u1  *2.36-9+deb12u3 ' ||
	fail "host table: $(cli vulns --host deb-old)"
assert_eq "fixed host" 0 "$(cli vulns --host deb-new --json | jq length)"
try vulns --host no-such-host
assert_eq "unknown host exit" 1 "$RC"
grep -q 'no such host' "$T/e" || fail "unknown host message: $(cat "$T/e")"

# a broken feed: exit 2, the parser's location, nothing changed
cli vulns --json >"$T/before.json"
cli feed list --json | jq -c 'map(del(.imported_at))' >"$T/feeds-before.json"
sed 's/"Annotations"/"Annotations": 5, "x"/' "$S/vuln-list-debian__tracker__DSA__DSA-5514-1.json" \
	>"$T/vuln-list-debian__tracker__DSA__DSA-5514-1.json"
try feed import "$T/vuln-list-debian__tracker__DSA__DSA-5514-1.json"
assert_eq "broken feed exit" 2 "$RC"
grep -q 'dsa feed: vuln-list-debian__tracker__DSA__DSA-5514-1.json' "$T/e" ||
	fail "broken feed message: $(cat "$T/e")"
printf 'cve,epss,percentile\nCVE-2023-4911,0.5,0.9\nCVE-2023-4912,zero,0.1\n' >"$T/epss.csv"
try feed import "$T/epss.csv"
assert_eq "broken csv exit" 2 "$RC"
grep -q 'epss.csv:3:15: ' "$T/e" || fail "csv message lacks file:line: $(cat "$T/e")"
cli vulns --json >"$T/after.json"
cmp -s "$T/before.json" "$T/after.json" || fail "broken imports changed the listing"
assert_eq "feeds unchanged" "$(cat "$T/feeds-before.json")" \
	"$(cli feed list --json | jq -c 'map(del(.imported_at))')"

# format given and wrong; unknown format; undetectable content
try feed import "$S/epss__example-1.csv" --format osv
assert_eq "wrong format exit" 2 "$RC"
try feed import "$S/epss__example-1.csv" --format yaml
assert_eq "unknown format exit" 2 "$RC"
printf 'hello\n' >"$T/what.txt"
try feed import "$T/what.txt"
assert_eq "undetectable exit" 2 "$RC"
grep -q 'cannot tell the feed format' "$T/e" || fail "undetectable: $(cat "$T/e")"

# oversized: 413 with a clear message, exit 2
head -c 3000000 /dev/zero | tr '\0' ' ' >"$T/big.json"
try feed import "$T/big.json"
assert_eq "oversized exit" 2 "$RC"
grep -q 'over the limit' "$T/e" || fail "oversized message: $(cat "$T/e")"
assert_eq "413" 413 "$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $TOKEN" \
	--data-binary "@$T/big.json" "$URL/api/v1/feeds")"

# roles: a viewer reads but may not import; no credential 401
echo 'viewer-pass-phrase' | cli users add vic --role viewer --password-stdin >/dev/null ||
	fail "users add"
vt=$(cli tokens create --name ci --user vic) || fail "tokens create"
st() { curl -s -o /dev/null -w '%{http_code}' "$@"; }
assert_eq "viewer import" 403 "$(st -H "Authorization: Bearer $vt" \
	--data-binary "@$S/epss__example-1.csv" "$URL/api/v1/feeds")"
assert_eq "viewer vulns" 200 "$(st -H "Authorization: Bearer $vt" "$URL/api/v1/vulns")"
assert_eq "viewer feeds" 200 "$(st -H "Authorization: Bearer $vt" "$URL/api/v1/feeds")"
for p in /feeds /vulns "/vulns?host=deb-old"; do
	assert_eq "anon GET $p" 401 "$(st "$URL/api/v1$p")"
done
assert_eq "anon import" 401 "$(st --data-binary "@$S/epss__example-1.csv" "$URL/api/v1/feeds")"
admin=$TOKEN
TOKEN=$vt
try feed import "$S/epss__example-1.csv"
TOKEN=$admin
assert_eq "viewer import exit" 1 "$RC"
grep -q 'may not' "$T/e" || fail "403 message: $(cat "$T/e")"

# the data is still what it was, across a restart
server_stop
server_start "$PORT"
cli vulns --json >"$T/after2.json"
cmp -s "$T/before.json" "$T/after2.json" || fail "listing changed across restart"

# an advisory with no fix yet, and EPSS scores: a re-import of a name
# replaces that feed
cat >"$T/open.json" <<'JSON'
{"sope": {"CVE-2099-0001": {"releases": {"bookworm": {"status": "open",
  "repositories": {"bookworm": "5.8.0-1"}, "urgency": "low"}}}}}
JSON
cli feed import "$T/open.json" >/dev/null || fail "import open.json"
printf 'cve,epss,percentile\nCVE-2023-4911,0.5,0.9\n' >"$T/scores.csv"
cli feed import "$T/scores.csv" >/dev/null || fail "import scores"
cli vulns --host deb-new --json >"$T/h.json"
assert_eq "no fix yet" 'sope null ["CVE-2099-0001"]' \
	"$(jq -r '.[] | "\(.package) \(.fixed_version) \(.no_fix | tojson)"' "$T/h.json")"
cli vulns --host deb-new | grep -q '^sope .* no fix yet ' || fail "no fix yet in table"
cli vulns --json >"$T/v.json"
assert_eq "epss" 0.5 "$(dsa DSA-5514-1 .epss)"
assert_eq "open CVE on both hosts" 2 "$(dsa CVE-2099-0001 .hosts)"
assert_eq "open CVE fix" false "$(dsa CVE-2099-0001 .fix_available)"
assert_eq "one epss feed" 1 "$(cli feed list --json | jq '[.[] | select(.kind == "epss")] | length')"
printf '{"sope": {}}' >"$T/open.json"
cli feed import "$T/open.json" --format debian >/dev/null || fail "re-import open.json"
assert_eq "re-import replaced" 0 "$(cli vulns --json | jq '[.[] | select(.id == "CVE-2099-0001")] | length')"

# a clean shutdown (under ASan: no leaks, no errors)
kill "$SERVER_PID"
rc=0
wait "$SERVER_PID" || rc=$?
SERVER_PID=
assert_eq "server exit status" 0 "$rc"
grep -q 'ERROR: \(Address\|Leak\)Sanitizer\|runtime error' "$T/server.log" &&
	fail "sanitizer report in the server log"
echo ok
