#!/bin/sh
# fleetpatchd --data DIR init: directory, database, key, admin token;
# refuses to re-initialise; config errors are reported with file:line.
. "$(dirname "$0")/lib.sh"

init_server
[ -n "$ADMIN" ] || fail "no token printed"
[ "$(stat -c %a "$T/data")" = 700 ] || fail "data dir mode $(stat -c %a "$T/data")"
[ "$(stat -c %a "$T/data/signing.key")" = 600 ] || fail "signing.key not 0600"
[ "$(stat -c %a "$T/data/fleetpatch.db")" = 600 ] || fail "database not 0600"

# the token is stored hashed: it does not appear in the database
if grep -q -- "$ADMIN" "$T/data/fleetpatch.db"; then fail "token stored in clear"; fi
# every migration applied, once
sqlite3 "$T/data/fleetpatch.db" "SELECT count(*) = max(version) AND max(version) >= 4 FROM schema_version" |
	grep -qx 1 || fail "schema_version not recorded"

# re-init refuses and changes nothing
key_before=$(sha256sum <"$T/data/signing.key")
if "$FPD" --config "$T/conf" --data "$T/data" init >"$T/reinit.out" 2>"$T/reinit.err"; then
	fail "re-init succeeded"
fi
grep -q "already initialised" "$T/reinit.err" || fail "re-init message: $(cat "$T/reinit.err")"
[ ! -s "$T/reinit.out" ] || fail "re-init printed a token"
[ "$(sha256sum <"$T/data/signing.key")" = "$key_before" ] || fail "re-init changed the key"

start_server
api GET /api/v1/health ""
expect 200 health
[ "$(jout .status)" = ok ] || fail "health status"
api GET /api/v1/users "$ADMIN"
expect 200 "admin token works"
[ "$(jout '.[0].name')" = admin ] && [ "$(jout '.[0].role')" = admin ] || fail "admin user: $(cat "$T/out")"
api GET /api/v1/nonexistent "$ADMIN"
expect_error 404 "" "unknown route"
api PUT /api/v1/hosts "$ADMIN" '{}'
expect_error 405 "" "wrong method"
stop_server

# config: unknown keys and bad values are errors with file:line
printf '[server]\nthreads = 4\nbogus = 1\n' >"$T/bad.conf"
if "$FPD" --config "$T/bad.conf" --data "$T/data" 2>"$T/err"; then fail "bad config accepted"; fi
grep -q "bad.conf:3" "$T/err" || fail "config error location: $(cat "$T/err")"
if "$FPD" --config "$T/missing.conf" --data "$T/data" 2>"$T/err"; then fail "missing config accepted"; fi
# a server without init says so
if "$FPD" --config "$T/conf" --data "$T/nodata" --listen 127.0.0.1:0 2>"$T/err"; then fail "started without init"; fi
grep -q "init" "$T/err" || fail "no hint to init: $(cat "$T/err")"
echo "ok"
