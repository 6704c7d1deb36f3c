#!/bin/sh
# The admin CLI against a real fleetpatchd: every listing's --json parsed
# with jq, writes visible in the listings, errors and exit codes.
. "$(dirname "$0")/lib.sh"

server_init
server_start
secret=$(cli enroll-secret create --group web --expires 1h) || fail "secret"
for h in web-1 web-2 db-1; do
	mid=$(printf '%s' "$h" | sha256sum | cut -c1-32)
	r=$(make_root "$h" "$mid" "$h")
	agent enroll --server "$URL" --secret "$secret" --state-dir "$T/s-$h" \
		--root "$r" >/dev/null || fail "enroll $h"
	checkin "$T/s-$h" >/dev/null || fail "check-in $h"
done

# hosts and its filters
cli hosts --json >"$T/hosts.json"
assert_eq "hosts" 3 "$(jq length "$T/hosts.json")"
assert_eq "packages" "6 6 6" "$(jq -r '[.[].packages] | map(tostring) | join(" ")' "$T/hosts.json")"
assert_eq "search" db-1 "$(cli hosts --search db- --json | jq -r '.[].hostname')"
assert_eq "os filter" 3 "$(cli hosts --os debian --json | jq length)"
assert_eq "os filter (none)" 0 "$(cli hosts --os fedora --json | jq length)"
assert_eq "needs reboot" 0 "$(cli hosts --needs-reboot --json | jq length)"
cli hosts >"$T/hosts.txt"
grep -q '^ID  *HOSTNAME' "$T/hosts.txt" || fail "no table header"
assert_eq "table rows" 4 "$(wc -l <"$T/hosts.txt")"

# host show
cli host show web-1 --json >"$T/web1.json"
assert_eq "host show" web-1 "$(jq -r .hostname "$T/web1.json")"
assert_eq "packages_list" 6 "$(jq '.packages_list | length' "$T/web1.json")"
cli host show web-1 | grep -q '^hostname: *web-1' || fail "readable host show"

# enroll secrets
cli enroll-secret list --json >"$T/secrets.json"
assert_eq "secret group" web "$(jq -r '.[0].group' "$T/secrets.json")"
assert_eq "secret uses" 3 "$(jq -r '.[0].uses' "$T/secrets.json")"
jq -e '.[0] | has("secret") | not' "$T/secrets.json" >/dev/null ||
	fail "secret listed in clear"

# groups: static and dynamic
cli groups create prod >/dev/null || fail "groups create"
cli groups create dbs --dynamic --hostname 'db-*' >/dev/null || fail "dynamic group"
cli groups add prod web-1 web-2 >/dev/null || fail "groups add"
cli groups --json >"$T/groups.json"
assert_eq "static members" 2 "$(jq '.[] | select(.name == "prod") | .hosts' "$T/groups.json")"
assert_eq "dynamic kind" dynamic "$(jq -r '.[] | select(.name == "dbs") | .kind' "$T/groups.json")"
assert_eq "dynamic members" 1 "$(jq '.[] | select(.name == "dbs") | .hosts' "$T/groups.json")"
assert_eq "hosts --group" "web-1 web-2" \
	"$(cli hosts --group prod --json | jq -r '[.[].hostname] | sort | join(" ")')"
cli groups remove prod web-2 >/dev/null || fail "groups remove"
assert_eq "after remove" web-1 "$(cli hosts --group prod --json | jq -r '.[].hostname')"
cli groups delete dbs >/dev/null || fail "groups delete"
# "web" is the enrollment secret's group.
assert_eq "groups left" "prod web" "$(cli groups list --json | jq -r '[.[].name] | sort | join(" ")')"

# tags
cli tags add db-1 critical eu >/dev/null || fail "tags add"
cli tags --json >"$T/tags.json"
assert_eq "tags" "critical eu" "$(jq -r '[.[].name] | sort | join(" ")' "$T/tags.json")"
assert_eq "tag hosts" 1 "$(jq '.[] | select(.name == "eu") | .hosts' "$T/tags.json")"
cli tags remove db-1 eu >/dev/null || fail "tags remove"
assert_eq "host tags" critical "$(cli host show db-1 --json | jq -r '.tags | join(" ")')"

# updates (fake roots have no package lists: an empty array)
cli updates --json >"$T/updates.json"
assert_eq "updates is an array" array "$(jq -r type "$T/updates.json")"
cli updates --security --json | jq -e 'type == "array"' >/dev/null || fail "updates --security"

# users and tokens
echo 's3cret-pass-phrase' | cli users add ann --role viewer --password-stdin >/dev/null ||
	fail "users add"
assert_eq "user role" viewer "$(cli users --json | jq -r '.[] | select(.name == "ann") | .role')"
vt=$(cli tokens create --name ci --user ann) || fail "tokens create"
assert_eq "viewer reads" 3 "$("$BIN/fleetpatch" --server "$URL" --token "$vt" hosts --json | jq length)"
set +e
"$BIN/fleetpatch" --server "$URL" --token "$vt" groups create nope 2>"$T/403.err"
rc=$?
set -e
assert_eq "viewer write exit" 1 "$rc"
grep -q '^fleetpatch: ' "$T/403.err" || fail "error format: $(cat "$T/403.err")"
tid=$(cli tokens --json | jq -r '.[] | select(.name == "ci") | .id')
cli tokens revoke "$tid" >/dev/null || fail "tokens revoke"
set +e
"$BIN/fleetpatch" --server "$URL" --token "$vt" hosts >/dev/null 2>&1
assert_eq "revoked token" 1 $?
cli users add bob --role emperor >/dev/null 2>"$T/400.err"
assert_eq "bad role exit" 2 $?
"$BIN/fleetpatch" --server "$URL" hosts >/dev/null 2>&1
assert_eq "no token" 2 $?
cli hosts --frobnicate >/dev/null 2>&1
assert_eq "bad option" 2 $?
set -e
grep -q '^fleetpatch: ' "$T/400.err" || fail "400 format: $(cat "$T/400.err")"
cli users delete ann >/dev/null || fail "users delete"

# host delete
cli host delete web-2 >/dev/null || fail "host delete"
assert_eq "hosts after delete" 2 "$(cli hosts --json | jq length)"

# audit
cli audit --limit 50 --json >"$T/audit.json"
[ "$(jq length "$T/audit.json")" -ge 5 ] || fail "audit too short"
jq -e '.[] | select(.target | tostring | test("ann"))' "$T/audit.json" >/dev/null ||
	fail "user creation not audited"
assert_eq "audit limit" 2 "$(cli audit --limit 2 --json | jq length)"
echo ok
