#!/bin/sh
# Stale hosts: unseen longer than stale_after (from the config file, then
# from PUT /settings); one check-in brings a host back.
. "$(dirname "$0")/lib.sh"

printf '[checkin]\nstale_after = 5s\ninterval = 30s\n' >"$T/conf"
init_server
start_server
new_secret
enroll m-away laptop-1
AWAY=$CRED
CK_MID=m-away CK_HN=laptop-1
checkin "$AWAY" --seq 1 --marker 1 --packages 10
expect 200 "first check-in"
[ "$(jout .checkin_interval)" = 30 ] || fail "interval from the config: $(cat "$T/out")"
enroll m-here desk-1
HERE=$CRED

api GET "/api/v1/hosts?stale=1" "$ADMIN"
expect 200 "stale list"
[ "$(jout length)" = 0 ] || fail "stale too early: $(cat "$T/out")"
sleep 6
# keep one host fresh
CK_MID=m-here CK_HN=desk-1
checkin "$HERE" --seq 1 --marker 1 --packages 10
expect 200 "fresh host"
api GET "/api/v1/hosts?stale=1" "$ADMIN"
[ "$(jout 'map(.hostname) | join(",")')" = laptop-1 ] || fail "stale filter: $(cat "$T/out")"
api GET "/api/v1/hosts/laptop-1" "$ADMIN"
[ "$(jout .stale)" = true ] || fail "host not marked stale"

# the laptop comes back with changes made while away: one delta catches up
CK_MID=m-away CK_HN=laptop-1
checkin "$AWAY" --seq 2 --base-marker 1 --marker 5 --packages 10
expect 200 "return"
[ "$(jout .status)" = ok ] || fail "catch-up: $(cat "$T/out")"
api GET "/api/v1/hosts/laptop-1" "$ADMIN"
[ "$(jout .stale)" = false ] || fail "still stale after returning"
[ "$(jout '.history[0].new_version')" = 5.0-1 ] || fail "catch-up history: $(jout .history)"
api GET "/api/v1/hosts?stale=1" "$ADMIN"
[ "$(jout length)" = 0 ] || fail "stale after return"

# settings: a longer stale_after applies at once and survives a restart
api PUT /api/v1/settings "$ADMIN" '{"stale_after":"1h","checkin_interval":"10m"}'
expect 200 "settings"
[ "$(jout .stale_after_seconds)" = 3600 ] || fail "settings answer: $(cat "$T/out")"
stop_server
start_server
api GET /api/v1/settings "$ADMIN"
[ "$(jout .checkin_interval_seconds)" = 600 ] || fail "settings after restart"
checkin "$AWAY" --seq 3 --unchanged --marker 5 --packages 10
[ "$(jout .checkin_interval)" = 600 ] || fail "agents get the new interval"
api GET "/api/v1/audit" "$ADMIN"
[ "$(jout '[.[] | select(.action=="settings.set")] | length')" = 2 ] || fail "settings not audited"
stop_server
echo ok
