#!/bin/sh
# Admin resources: groups (static, dynamic by os/tag/hostname), tags,
# host filters, forgetting hosts, fleet updates by group.
. "$(dirname "$0")/lib.sh"

init_server
start_server
new_secret
for h in web-1 web-2 db-1; do
	enroll "m-$h" "$h"
	CK_MID=m-$h CK_HN=$h
	checkin "$CRED" --seq 1 --marker 1 --packages 5
	expect 200 "check-in $h"
done

api POST /api/v1/groups "$ADMIN" '{"name":"webs","kind":"dynamic","rule":{"hostname":"web-*"}}'
expect 201 "dynamic group by hostname"
api POST /api/v1/groups "$ADMIN" '{"name":"debians","kind":"dynamic","rule":{"os":"debian"}}'
expect 201 "dynamic group by os"
api POST /api/v1/groups "$ADMIN" '{"name":"prods","kind":"dynamic","rule":{"tag":"prod"}}'
expect 201 "dynamic group by tag"
api POST /api/v1/groups "$ADMIN" '{"name":"pets","kind":"static"}'
expect 201 "static group"
api POST /api/v1/groups "$ADMIN" '{"name":"pets","kind":"static"}'
expect_error 409 name "duplicate group"
api POST /api/v1/groups/pets/hosts "$ADMIN" '{"hosts":["db-1", 2]}'
expect 200 "add members"
api POST /api/v1/groups/pets/hosts "$ADMIN" '{"hosts":["db-1", "nohost"]}'
expect_error 404 "hosts[1]" "unknown member"
api POST /api/v1/groups/webs/hosts "$ADMIN" '{"hosts":["db-1"]}'
expect_error 400 "" "members of a dynamic group"

api POST /api/v1/hosts/db-1/tags "$ADMIN" '{"tags":["prod","eu"]}'
expect 200 "tag"
api POST /api/v1/hosts/db-1/tags "$ADMIN" '{"tags":["bad tag"]}'
expect_error 400 "tags[0]" "bad tag"
api GET /api/v1/tags "$ADMIN"
[ "$(jout 'map("\(.name)=\(.hosts)") | join(",")')" = "eu=1,prod=1" ] || fail "tags: $(cat "$T/out")"

api GET /api/v1/groups "$ADMIN"
expect 200 groups
[ "$(jout 'map("\(.name)=\(.hosts)") | join(",")')" = "debians=3,pets=2,prods=1,webs=2" ] ||
	fail "group counts: $(cat "$T/out")"
api GET "/api/v1/hosts?group=webs" "$ADMIN"
[ "$(jout 'map(.hostname) | join(",")')" = "web-1,web-2" ] || fail "group filter: $(cat "$T/out")"
api GET "/api/v1/hosts?group=prods" "$ADMIN"
[ "$(jout 'map(.hostname) | join(",")')" = "db-1" ] || fail "tag group"
api GET "/api/v1/hosts?os=debian&search=WEB-2" "$ADMIN"
[ "$(jout 'map(.hostname) | join(",")')" = "web-2" ] || fail "os+search filter: $(cat "$T/out")"
api GET "/api/v1/hosts?os=fedora" "$ADMIN"
[ "$(jout length)" = 0 ] || fail "os filter"
api GET "/api/v1/hosts/db-1" "$ADMIN"
[ "$(jout '.groups | sort | join(",")')" = "debians,pets,prods" ] || fail "host groups: $(jout .groups)"
[ "$(jout '.tags | sort | join(",")')" = "eu,prod" ] || fail "host tags"
api GET "/api/v1/hosts?needs_reboot=1" "$ADMIN"
[ "$(jout length)" = 0 ] || fail "needs_reboot filter"
api GET "/api/v1/updates?group=pets" "$ADMIN"
[ "$(jout '.[0].hosts')" = 2 ] || fail "updates by group: $(cat "$T/out")"

api DELETE /api/v1/hosts/db-1/tags/prod "$ADMIN"
expect 200 untag
api GET "/api/v1/hosts?group=prods" "$ADMIN"
[ "$(jout length)" = 0 ] || fail "untag left dynamic membership"
api DELETE /api/v1/groups/pets/hosts/db-1 "$ADMIN"
expect 200 "remove member"
api DELETE /api/v1/groups/pets/hosts/db-1 "$ADMIN"
expect_error 404 "" "remove non-member"
api DELETE /api/v1/groups/pets "$ADMIN"
expect 200 "delete group"
api DELETE /api/v1/groups/pets "$ADMIN"
expect_error 404 "" "delete missing group"

# forgetting a host: gone with its credential
api DELETE /api/v1/hosts/web-2 "$ADMIN"
expect 200 "forget host"
CK_MID=m-web-2 CK_HN=web-2
checkin "$CRED" --seq 2 --unchanged --marker 1 --packages 5
expect 200 "db-1 credential still fine"
api GET /api/v1/hosts "$ADMIN"
[ "$(jout 'map(.hostname) | join(",")')" = "db-1,web-1" ] || fail "after forget: $(cat "$T/out")"

api GET "/api/v1/audit?limit=200" "$ADMIN"
for a in group.create group.add_hosts host.tag host.untag group.remove_host group.delete host.delete; do
	[ "$(jout "[.[] | select(.action==\"$a\")] | length")" -ge 1 ] || fail "$a not audited"
done
stop_server
echo ok
