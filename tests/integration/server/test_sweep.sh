#!/bin/sh
# Sets no host uses any more are swept (items with them, history kept),
# and a delta the writer remembered onto a swept set is worked out again
# rather than pointing a host at a deleted set.
. "$(dirname "$0")/lib.sh"

printf '[server]\nsweep_interval = 1s\n' >"$T/conf"
init_server
start_server
new_secret
DB=$T/data/fleetpatch.db
q() { sqlite3 "$DB" "$1"; }
# wait_for SQL VALUE: the sweep runs every second (up to 60 s: a loaded
# machine under ASan)
wait_for() {
	i=0
	while [ "$(q "$1")" != "$2" ]; do
		i=$((i + 1))
		[ $i -lt 600 ] || fail "waited for '$1' = $2, got $(q "$1")"
		sleep 0.1
	done
}

enroll m-x hx
CX=$CRED
enroll m-y hy
CY=$CRED
CK_MID=m-x CK_HN=hx
checkin "$CX" --seq 1 --marker 1 --packages 25
expect 200 "x full"
CK_MID=m-y CK_HN=hy
checkin "$CY" --seq 1 --marker 1 --packages 25
expect 200 "y full"
[ "$(q 'SELECT count(*) FROM pkgsets')" = 1 ] || fail "one shared set expected"

# x: delta 1 -> 2 (remembered: set A + delta -> set B), then a full 3 (set C)
CK_MID=m-x CK_HN=hx
checkin "$CX" --seq 2 --base-marker 1 --marker 2 --packages 25
expect 200 "x delta"
[ "$(jout .status)" = ok ] || fail "x delta: $(cat "$T/out")"
B=$(q "SELECT pkgset_id FROM hosts WHERE hostname = 'hx'")
checkin "$CX" --seq 3 --marker 3 --packages 25
expect 200 "x full 3"
# B is used by nobody now: swept with its items; A (y) and C (x) stay
wait_for "SELECT count(*) FROM pkgsets WHERE id = $B" 0
[ "$(q "SELECT count(*) FROM pkgset_items WHERE set_id = $B")" = 0 ] || fail "items of a swept set left"
[ "$(q 'SELECT count(*) FROM pkgsets')" = 2 ] || fail "a used set was swept"
[ "$(q 'SELECT count(*) FROM pkgset_items')" = 52 ] || fail "items: $(q 'SELECT count(*) FROM pkgset_items')"
# logged once the sweep's last chunk is done, just after its commit
i=0
until grep -q "swept 1 package sets" "$T/server.log"; do
	i=$((i + 1))
	[ $i -lt 100 ] || fail "sweep not logged"
	sleep 0.1
done
# history still names the versions of the swept set
api GET "/api/v1/hosts/hx?history_limit=10" "$ADMIN"
[ "$(jout '.history[-1].old_version')" = 1.0-1 ] && [ "$(jout '.history[-1].new_version')" = 2.0-1 ] ||
	fail "history after sweep: $(jout .history)"

# y sends the very delta x sent: the remembered result named B, which is
# gone; the server must work it out again
CK_MID=m-y CK_HN=hy
checkin "$CY" --seq 2 --base-marker 1 --marker 2 --packages 25
expect 200 "y delta after sweep"
[ "$(jout .status)" = ok ] || fail "y delta: $(cat "$T/out")"
api GET /api/v1/hosts/hy "$ADMIN"
[ "$(jout '.packages_list | map(select(.name=="marker"))[0].version')" = 2.0-1 ] ||
	fail "y not at 2.0-1"
[ "$(jout '.packages')" = 26 ] || fail "y package count $(jout .packages)"
[ "$(jout '.history | length')" = 1 ] && [ "$(jout '.history[0].event')" = upgraded ] ||
	fail "y history: $(jout .history)"
[ "$(q 'PRAGMA foreign_key_check')" = "" ] || fail "dangling references: $(q 'PRAGMA foreign_key_check')"
# A is unused now: swept too
wait_for "SELECT count(*) FROM pkgsets" 2
stop_server
echo ok
