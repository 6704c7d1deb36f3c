#!/bin/sh
# When the store cannot write the rollout's state (jobs issued, results),
# the check-in that carried it is refused with a 5xx, nothing is lost:
# the job goes out again, the result is taken again, and after a restart
# every state is as acknowledged.  The failing write is the test-only
# FLEETPATCH_TEST_FAIL_FEED (store_sqlite_rollout.c): while the file it
# names exists, the store rolls the rollout's writes back.
. "$(dirname "$0")/../server/lib.sh"

FAIL=$T/fail-feed
export FLEETPATCH_TEST_FAIL_FEED="$FAIL"
init_server
start_server

new_secret test
enroll m-0001 test-1
H1=$HOST C1=$CRED
new_secret
enroll m-0002 prod-1
C2=$CRED
CK_MID=m-0001 CK_HN=test-1 checkin "$C1" --seq 1 --marker 1 --packages 5
expect 200 "first check-in of host 1"
CK_MID=m-0002 CK_HN=prod-1 checkin "$C2" --seq 1 --marker 1 --packages 5
expect 200 "first check-in of host 2"
api POST /api/v1/rings "$ADMIN" '{"name":"test","group":"test","soak":0}'
expect 201 "ring test"
api POST /api/v1/rings "$ADMIN" '{"name":"prod"}'
expect 201 "ring prod"
api POST /api/v1/deployments "$ADMIN" '{"what":{"selector":"packages","packages":[{"name":"marker","version":"1.0-1"}]},"rings":["test","prod"]}'
expect 201 "create deployment"
D=$(jout .id)
api POST "/api/v1/deployments/$D/approve" "$ADMIN"
expect 200 approve

# the job cannot be stored: the check-in is refused and carries no job
touch "$FAIL"
CK_MID=m-0001 CK_HN=test-1 checkin "$C1" --unchanged --seq 2 --marker 1 --packages 5
case $STATUS in 5??) ;; *) fail "check-in while the store fails: HTTP $STATUS: $(cat "$T/out")" ;; esac
[ "$(jout '.jobs // [] | length')" = 0 ] || fail "a job went out unstored: $(cat "$T/out")"
grep -q "rollout state not stored" "$T/server.log" || fail "no error in the log"
# the same check-in once the store works: the job goes out (again)
rm -f "$FAIL"
CK_MID=m-0001 CK_HN=test-1 checkin "$C1" --unchanged --seq 2 --marker 1 --packages 5
expect 200 "check-in after the store recovered"
[ "$(jout '.jobs | length')" = 1 ] || fail "the job did not go out again: $(cat "$T/out")"
J1=$(jout '.jobs[0].payload' | jq -r .job_id)
CK_MID=m-0001 CK_HN=test-1 checkin "$C1" --unchanged --seq 3 --marker 1 --packages 5
[ "$(jout '.jobs | length')" = 0 ] || fail "job handed out twice"

# stored_result: the deployment as stored, after a restart
stored_result() {
	stop_server
	start_server
	rm -f "$FAIL"
	api GET "/api/v1/deployments/$D" "$ADMIN"
	expect 200 "show after restart"
}

# failed_writes N: wait until the log names N failed writes of the
# rollout state (the scheduler ticks every 2 s; up to 60 s for a loaded
# machine under ASan)
failed_writes() {
	i=0
	while [ "$(grep -c "rollout state not stored" "$T/server.log")" -lt "$1" ]; do
		i=$((i + 1))
		[ $i -lt 240 ] || fail "no tick tried to store the rollout state again"
		sleep 0.25
	done
}

# the result cannot be stored: refused, and a restart shows none
touch "$FAIL"
n0=$(grep -c "rollout state not stored" "$T/server.log")
result_checkin "$C1" m-0001 4 "$J1" succeeded
case $STATUS in 5??) ;; *) fail "result while the store fails: HTTP $STATUS: $(cat "$T/out")" ;; esac
failed_writes $((n0 + 2)) # a scheduler tick tries again, and fails again
rm -f "$FAIL"
stop_server
touch "$FAIL" # nothing may be written at stop either: the restart shows
start_server  # what was acknowledged
rm -f "$FAIL"
api GET "/api/v1/deployments/$D" "$ADMIN"
expect 200 "show after restart"
h1=$(jq -c --argjson h "$H1" '.hosts[] | select(.host_id == $h)' "$T/out")
[ "$(echo "$h1" | jq -r .state)" = sent ] || fail "unacknowledged result kept: $h1"
[ "$(echo "$h1" | jq -r .job_id)" = "$J1" ] || fail "job id changed: $h1"
# the job is still due: handed out again, byte for byte (it was stored)
CK_MID=m-0001 CK_HN=test-1 checkin "$C1" --unchanged --seq 5 --marker 1 --packages 5
expect 200 "check-in after restart"
[ "$(jout '.jobs[0].payload' | jq -r .job_id)" = "$J1" ] || fail "stored job not sent again: $(cat "$T/out")"

# the result again, the store fails again: in memory the host succeeded
# and the next tick promotes the ring, but neither is stored; once the
# store works, a tick stores every deployment whole (and the result
# that came back from the failed write)
touch "$FAIL"
n0=$(grep -c "rollout state not stored" "$T/server.log")
result_checkin "$C1" m-0001 6 "$J1" succeeded
case $STATUS in 5??) ;; *) fail "result while the store fails (2): HTTP $STATUS" ;; esac
jout .message | grep -q "job results and jobs not stored" || fail "message: $(cat "$T/out")"
failed_writes $((n0 + 2)) # the check-in's write and a tick's
api GET "/api/v1/deployments/$D" "$ADMIN"
[ "$(jout '.rings[0].state')" = promoted ] || fail "not promoted in memory: $(cat "$T/out")"
rm -f "$FAIL"
# the next tick stores it all in one write: the result and the promotion
i=0
until [ "$(sqlite3 "$T/data/fleetpatch.db" "SELECT count(*) FROM job_reports WHERE job_id = $J1")" = 1 ] &&
	[ "$(sqlite3 "$T/data/fleetpatch.db" "SELECT count(*) FROM deployments WHERE id = $D AND body LIKE '%\"promoted\"%'")" = 1 ]; do
	i=$((i + 1))
	[ $i -lt 240 ] || fail "no tick stored the rollout state once the store worked"
	sleep 0.25
done
touch "$FAIL" # and the stop stores nothing
stored_result
h1=$(jq -c --argjson h "$H1" '.hosts[] | select(.host_id == $h)' "$T/out")
[ "$(echo "$h1" | jq -r .state)" = succeeded ] || fail "result lost: $h1"
[ "$(echo "$h1" | jq -r .result.status)" = succeeded ] || fail "stored result lost: $h1"
[ "$(jout '.rings[0].state')" = promoted ] || fail "promotion lost: $(cat "$T/out")"
CK_MID=m-0002 CK_HN=prod-1 checkin "$C2" --unchanged --seq 2 --marker 1 --packages 5
expect 200 "production check-in"
[ "$(jout '.jobs | length')" = 1 ] || fail "production job after promotion: $(cat "$T/out")"
stop_server
echo "ok: rollout state through a failing store"
