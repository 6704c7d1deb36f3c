#!/bin/sh
# A two-ring deployment through a real fleetpatchd on SQLite: bad input
# gets clear 4xx answers, jobs arrive signed at check-in once, results
# promote the test ring, a failure in production halts it, retry and
# resume finish it, and a restart keeps every state.
. "$(dirname "$0")/../server/lib.sh"

init_server
start_server

# hosts: one in group "test", two others (production takes the rest)
new_secret test
enroll m-0001 test-1
H1=$HOST C1=$CRED
new_secret
enroll m-0002 prod-1
H2=$HOST C2=$CRED
enroll m-0003 prod-2
H3=$HOST C3=$CRED
for h in 1 2 3; do
	eval "cred=\$C$h"
	CK_MID=m-000$h CK_HN=host-$h checkin "$cred" --seq 1 --marker 1 --packages 5
	expect 200 "first check-in of host $h"
done

# rings, windows and policies: validation with a path
api POST /api/v1/rings "$ADMIN" '{"name":"test","group":"test","soak":0}'
expect 201 "ring test"
api POST /api/v1/rings "$ADMIN" '{"name":"prod","success_threshold":100,"max_failures":0}'
expect 201 "ring prod"
api POST /api/v1/rings "$ADMIN" '{"name":"bad","success_threshold":150}'
expect_error 400 success_threshold "threshold over 100"
api GET /api/v1/rings "$ADMIN"
expect 200 "ring list"
[ "$(jout 'length')" = 2 ] || fail "two rings: $(cat "$T/out")"
api POST /api/v1/windows "$ADMIN" '{"name":"w","days":"daily","start":"02:00","duration":"1h","time_zone":"Mars/Base"}'
expect_error 400 time_zone "unknown time zone"
api POST /api/v1/windows "$ADMIN" '{"name":"never","days":[],"start":"02:00","duration":"1h"}'
expect_error 400 days "window that never opens"
api POST /api/v1/windows "$ADMIN" '{"name":"nightly","days":"daily","start":"02:30","duration":"2h","time_zone":"Europe/Berlin"}'
expect 201 "window"
api GET "/api/v1/windows/nightly?at=2026-03-29T00:00:00Z" "$ADMIN"
expect 200 "window show"
[ "$(jout .next_open)" = 2026-03-29T01:00:00Z ] || fail "spring-forward opening: $(cat "$T/out")"
api POST /api/v1/policies "$ADMIN" '{"name":"sec","selector":"security","stages":[{"ring":"nope"}]}'
expect_error 404 "stages[0].ring" "policy with an unknown ring"

# deployments: clear answers for bad input
api POST /api/v1/deployments "$ADMIN" '{"what":{"selector":"packages","packages":[{"name":"no-such-pkg"}]},"rings":["test","prod"]}'
expect_error 400 "" "package no host has"
jout .message | grep -q 'no host in the rings has package "no-such-pkg"' || fail "message: $(cat "$T/out")"
api POST /api/v1/deployments "$ADMIN" '{"what":{"selector":"packages","packages":[{"name":"marker","version":"9.9-9"}]},"rings":["test","prod"]}'
expect_error 400 "what.packages[0].version" "unknown version"
# marker 1.0-1 is installed: without its revision a deb version is another
# version (only an rpm version without a release means any release)
api POST /api/v1/deployments "$ADMIN" '{"what":{"selector":"packages","packages":[{"name":"marker","version":"1.0"}]},"rings":["test","prod"]}'
expect_error 400 "what.packages[0].version" "deb version without its revision"
api POST /api/v1/deployments "$ADMIN" '{"what":{"selector":"packages","packages":[{"name":"marker"}]},"rings":["test","prod"],"deadline":"2020-01-01T00:00:00Z"}'
expect_error 400 deadline "deadline in the past"
api POST /api/v1/deployments "$ADMIN" '{"what":{"selector":"packages","packages":[{"name":"marker"}]},"rings":["nope"]}'
expect_error 404 "" "unknown ring"
api POST /api/v1/deployments "$ADMIN" '{"what":{"selector":"everything"},"rings":["test"]}'
expect_error 400 what.selector "unknown selector"

# the deployment
api POST /api/v1/deployments "$ADMIN" '{"name":"marker 2","what":{"selector":"packages","packages":[{"name":"marker","version":"1.0-1"}]},"rings":["test","prod"],"post_hook":["/bin/true"]}'
expect 201 "create deployment"
D=$(jout .id)
[ "$(jout .state)" = pending_approval ] || fail "state $(jout .state)"
[ "$(jout '.rings[0].counts.total')" = 1 ] || fail "test ring size: $(cat "$T/out")"
[ "$(jout '.rings[1].counts.total')" = 2 ] || fail "prod ring size"
api POST "/api/v1/deployments/$D/resume" "$ADMIN"
expect_error 409 "" "resume before approval"

CK_MID=m-0001 CK_HN=test-1 checkin "$C1" --unchanged --seq 2 --marker 1 --packages 5
[ "$(jout '.jobs | length')" = 0 ] || fail "job before approval"
api POST "/api/v1/deployments/$D/approve" "$ADMIN"
expect 200 approve
[ "$(jout .state)" = running ] || fail "running: $(cat "$T/out")"

# host 1 gets its signed job once; production hosts get nothing yet
CK_MID=m-0001 CK_HN=test-1 checkin "$C1" --unchanged --seq 3 --marker 1 --packages 5
expect 200 "check-in with job"
[ "$(jout '.jobs | length')" = 1 ] || fail "one job: $(cat "$T/out")"
jout '.jobs[0].payload' >"$T/payload"
[ "$(jq -r .host_id "$T/payload")" = "$H1" ] || fail "job host"
[ "$(jq -r .deployment_id "$T/payload")" = "$D" ] || fail "job deployment"
[ "$(jq -r '.packages[0].name' "$T/payload")" = marker ] || fail "job package"
[ "$(jq -r '.post_hook[0]' "$T/payload")" = /bin/true ] || fail "job hook"
[ "$(jout '.jobs[0].signature' | base64 -d | wc -c)" = 64 ] || fail "signature"
J1=$(jq -r .job_id "$T/payload")
# no deadline, no deferrals: a job lives a day
[ "$(jq '(.expires_at | fromdateiso8601) - (.issued_at | fromdateiso8601)' "$T/payload")" = 86400 ] ||
	fail "job lifetime: $(cat "$T/payload")"
CK_MID=m-0001 CK_HN=test-1 checkin "$C1" --unchanged --seq 4 --marker 1 --packages 5
[ "$(jout '.jobs | length')" = 0 ] || fail "job delivered twice"
CK_MID=m-0002 CK_HN=prod-1 checkin "$C2" --unchanged --seq 2 --marker 1 --packages 5
[ "$(jout '.jobs | length')" = 0 ] || fail "production job before promotion"

# wait_until PATH JQ VALUE WHAT: poll GET PATH until JQ gives VALUE (the
# scheduler ticks every 2 s; up to 60 s for a loaded machine under ASan)
wait_until() {
	i=0
	while :; do
		api GET "$1" "$ADMIN"
		[ "$(jout "$2")" = "$3" ] && return 0
		i=$((i + 1))
		[ $i -lt 240 ] || fail "$4: $(cat "$T/out")"
		sleep 0.25
	done
}

# a malformed result is refused with its path, nothing applied
"$HELPER" body --machine-id m-0001 --hostname x --unchanged --seq 5 --marker 1 --packages 5 |
	jq -c '. + {job_results: [{job_id: 1, status: "done"}]}' >"$T/ck.json"
api POST /api/v1/agent/checkin "$C1" "@$T/ck.json"
expect_error 400 "job_results[0].status" "bad job result"

result_checkin "$C1" m-0001 6 "$J1" succeeded
expect 200 "result"
# the test ring soaks 0 s and is promoted
wait_until "/api/v1/deployments/$D" '.rings[1].state' running "production never started"
[ "$(jout '.hosts | map(select(.host_id=='"$H1"'))[0].state')" = succeeded ] || fail "host 1 state"

CK_MID=m-0002 CK_HN=prod-1 checkin "$C2" --unchanged --seq 3 --marker 1 --packages 5
[ "$(jout '.jobs | length')" = 1 ] || fail "production job: $(cat "$T/out")"
J2=$(jout '.jobs[0].payload' | jq -r .job_id)
CK_MID=m-0003 CK_HN=prod-2 checkin "$C3" --unchanged --seq 2 --marker 1 --packages 5
J3=$(jout '.jobs[0].payload' | jq -r .job_id)
result_checkin "$C2" m-0002 4 "$J2" failed
expect 200 "failed result"
wait_until "/api/v1/deployments/$D?hosts=0" .state halted "never halted"
jout .reason | grep -q 'ring "prod"' || fail "halt reason: $(jout .reason)"
api POST "/api/v1/deployments/$D/resume" "$ADMIN"
expect_error 409 "" "resume while the breach holds"
api POST "/api/v1/deployments/$D/retry" "$ADMIN" "{\"hosts\":[$H3]}"
expect_error 409 "" "retry of a host that did not fail"
api POST "/api/v1/deployments/$D/retry" "$ADMIN" '{}'
expect 200 retry
api POST "/api/v1/deployments/$D/resume" "$ADMIN"
expect 200 resume
CK_MID=m-0002 CK_HN=prod-1 checkin "$C2" --unchanged --seq 5 --marker 1 --packages 5
[ "$(jout '.jobs | length')" = 1 ] || fail "retried job: $(cat "$T/out")"
J2B=$(jout '.jobs[0].payload' | jq -r .job_id)
[ "$J2B" != "$J2" ] || fail "retry reused the job id"
result_checkin "$C2" m-0002 6 "$J2B" succeeded
result_checkin "$C3" m-0003 3 "$J3" succeeded
wait_until "/api/v1/deployments/$D" .state completed "never completed"
api POST "/api/v1/deployments/$D/cancel" "$ADMIN"
expect_error 409 "" "cancel a completed deployment"

# a restart keeps it all; and a database of schema 5 (reports in the
# job rows) comes up with every report moved to job_reports (migration 6)
api GET "/api/v1/deployments/$D" "$ADMIN"
jout '[.hosts[] | {host_id, job_id, result}]' >"$T/results-before"
[ "$(jq '[.[] | select(.result.status == "succeeded")] | length' "$T/results-before")" = 3 ] ||
	fail "results before restart: $(cat "$T/results-before")"
stop_server
sqlite3 "$T/data/fleetpatch.db" "
UPDATE deployment_jobs SET status = r.status, result = r.result,
  reported_at = r.reported_at FROM job_reports r WHERE r.job_id = deployment_jobs.job_id;
DROP TABLE job_reports;
DROP TABLE IF EXISTS feeds; -- migration 7
DELETE FROM schema_version WHERE version >= 6;" || fail "cannot make a schema 5 database"
start_server
[ "$(sqlite3 "$T/data/fleetpatch.db" "SELECT max(version) FROM schema_version")" -ge 6 ] ||
	fail "migration 6 not applied"
[ "$(sqlite3 "$T/data/fleetpatch.db" "SELECT count(*) FROM deployment_jobs WHERE status IS NOT NULL")" = 0 ] ||
	fail "reports left in the job rows"
api GET "/api/v1/deployments/$D" "$ADMIN"
expect 200 "show after restart"
jout '[.hosts[] | {host_id, job_id, result}]' >"$T/results-after"
cmp -s "$T/results-before" "$T/results-after" ||
	fail "results after the migration: $(cat "$T/results-before") -> $(cat "$T/results-after")"
[ "$(jout .state)" = completed ] || fail "state after restart: $(jout .state)"
[ "$(jout '.hosts | map(select(.state=="succeeded")) | length')" = 3 ] || fail "hosts after restart: $(cat "$T/out")"
[ "$(jout '.hosts | map(select(.host_id=='"$H2"'))[0].attempts')" = 2 ] || fail "attempts"
api GET /api/v1/deployments "$ADMIN"
[ "$(jout 'length')" = 1 ] || fail "list"
[ "$(jout '.[0] | has("hosts")')" = false ] || fail "listing carries hosts"

# the same through the CLI
FP="$FP_BIN_DIR/fleetpatch --server $URL --token $ADMIN"
$FP rings --json >"$T/cli.json" || fail "rings --json"
[ "$(jq -r '.[0].name' "$T/cli.json")" = prod ] || fail "rings --json: $(cat "$T/cli.json")"
$FP rings set pilot --tag pilot --soak 2d --threshold 95 --max-failures 3 --batch 10 \
	--window nightly --reboot window >"$T/cli.out" || fail "rings set"
grep -q "saved ring pilot" "$T/cli.out" || fail "rings set output: $(cat "$T/cli.out")"
$FP rings | grep -q "^pilot .*pilot .*2d .*95" || fail "rings table: $($FP rings)"
if $FP rings set bad --threshold abc 2>"$T/cli.err"; then fail "bad threshold accepted"; fi
$FP window set weekend --days sat,sun --start 23:00 --duration 3h --tz America/New_York >/dev/null ||
	fail "window set"
$FP window show weekend --at 2026-11-01T00:00:00Z --json >"$T/cli.json" || fail "window show"
[ "$(jq -r .next_open "$T/cli.json")" = 2026-11-01T03:00:00Z ] || fail "window show: $(cat "$T/cli.json")"
$FP window | grep -q "^weekend" || fail "window list"
printf '{"name":"sec","selector":"security","auto_approve":false,"every":"1d","stages":[{"ring":"test","soak":"2d","success_threshold":95},{"ring":"prod"}]}' >"$T/policy.json"
$FP policy set "$T/policy.json" >/dev/null || fail "policy set"
$FP policy --json | jq -e '.[0].stages[0].soak == "2d"' >/dev/null || fail "policy list"
# the policy runs at the next tick: the fleet has a pending security update
wait_until /api/v1/deployments '[.[] | select(.created_by == "policy:sec")] | length' 1 \
	"policy created no deployment"
[ "$(jout '.[] | select(.created_by == "policy:sec") | .state')" = pending_approval ] ||
	fail "policy deployment state: $(cat "$T/out")"
[ "$(jout '.[] | select(.created_by == "policy:sec") | .what.selector')" = security ] ||
	fail "policy deployment selector"
if $FP deploy create --rings test,prod --package no-such-pkg 2>"$T/cli.err"; then
	fail "deploy of a missing package accepted"
else
	[ $? -eq 2 ] || fail "exit status for bad input"
fi
grep -q 'no host in the rings has package' "$T/cli.err" || fail "cli message: $(cat "$T/cli.err")"
$FP deploy create --rings test,prod --package marker=1.0-1 --name "cli deploy" \
	--post-hook '["/bin/true","--quiet"]' --deadline 7d >"$T/cli.out" || fail "deploy create"
D2=$(sed -n 's/^created deployment \([0-9]*\) (pending_approval)$/\1/p' "$T/cli.out")
[ -n "$D2" ] || fail "deploy create output: $(cat "$T/cli.out")"
$FP deploy approve "$D2" | grep -q "running" || fail "deploy approve"
$FP deploy pause "$D2" | grep -q "paused" || fail "deploy pause"
$FP deploy show "$D2" >"$T/cli.out" || fail "deploy show"
grep -q "^test .*running" "$T/cli.out" && grep -q "^prod .*waiting" "$T/cli.out" ||
	fail "deploy show rings: $(cat "$T/cli.out")"
grep -q "^$H1 .*test .*sent" "$T/cli.out" || fail "deploy show hosts: $(cat "$T/cli.out")"
$FP deploy show "$D2" --json | jq -e '.post_hook == ["/bin/true","--quiet"]' >/dev/null ||
	fail "deploy show --json"
if $FP deploy approve "$D2" 2>"$T/cli.err"; then fail "approve twice"; fi
grep -q "cannot approve" "$T/cli.err" || fail "approve twice message: $(cat "$T/cli.err")"
$FP deploy cancel "$D2" --reason "testing" | grep -q cancelled || fail "deploy cancel"
$FP deploy list --json >"$T/cli.json" 2>"$T/cli.err" || fail "deploy list: $(cat "$T/cli.err")"
jq -e 'length == 3' "$T/cli.json" >/dev/null || fail "deploy list: $(cat "$T/cli.json")"
CK_MID=m-0001 CK_HN=test-1 checkin "$C1" --unchanged --seq 20 --marker 1 --packages 5
[ "$(jout '.jobs | length')" = 0 ] || fail "job of a cancelled deployment delivered"

# a job handed out before a restart comes again with the same id and
# signature (stored when handed out), once
D3=$($FP deploy create --rings test --package marker --deadline 3d --deferrals 40 --json | jq -r .id)
$FP deploy approve "$D3" >/dev/null || fail "approve D3"
CK_MID=m-0001 CK_HN=test-1 checkin "$C1" --unchanged --seq 21 --marker 1 --packages 5
jout '.jobs[0]' >"$T/job-before"
JA=$(jq -r .payload "$T/job-before" | jq -r .job_id)
[ "$JA" != null ] || fail "D3 job: $(cat "$T/out")"
# a job users may keep waiting longer than a day lives until its deadline
# and a day more (40 deferrals of an hour reach no further), so a
# deferral within the limits never lets it expire
jq -r .payload "$T/job-before" >"$T/payload"
jq -e '(.expires_at | fromdateiso8601) - (.deadline | fromdateiso8601) == 86400' "$T/payload" >/dev/null ||
	fail "job lifetime with a deadline: $(cat "$T/payload")"
stop_server
start_server
CK_MID=m-0001 CK_HN=test-1 checkin "$C1" --unchanged --seq 22 --marker 1 --packages 5
jout '.jobs[0]' >"$T/job-after"
cmp -s "$T/job-before" "$T/job-after" ||
	fail "job after restart differs: $(cat "$T/job-before") -> $(cat "$T/job-after")"
CK_MID=m-0001 CK_HN=test-1 checkin "$C1" --unchanged --seq 23 --marker 1 --packages 5
[ "$(jout '.jobs | length')" = 0 ] || fail "job handed out twice after the restart"
api GET "/api/v1/deployments/$D3" "$ADMIN"
[ "$(jout '.hosts | map(select(.host_id=='"$H1"'))[0] | .state + " " + (.handed_out | tostring)')" = "sent true" ] ||
	fail "D3 host after restart: $(cat "$T/out")"
result_checkin "$C1" m-0001 24 "$JA" succeeded
expect 200 "report of the re-sent job"
wait_until "/api/v1/deployments/$D3" .state completed "D3 never completed"
stop_server

# a job handed out and never reported times out ([rollout] job_timeout):
# failed, its batch slot goes to the next host; a job only queued for a
# host that has not checked in does not time out
printf '[rollout]\njob_timeout = 3s\n' >"$T/conf"
start_server
FP="$FP_BIN_DIR/fleetpatch --server $URL --token $ADMIN"
api POST /api/v1/rings "$ADMIN" '{"name":"one-by-one","batch_size":1,"success_threshold":0}'
expect 201 "ring one-by-one"
D4=$($FP deploy create --rings one-by-one --package marker --json | jq -r .id)
$FP deploy approve "$D4" >/dev/null || fail "approve D4"
CK_MID=m-0001 CK_HN=test-1 checkin "$C1" --unchanged --seq 30 --marker 1 --packages 5
[ "$(jout '.jobs | length')" = 1 ] || fail "D4 job: $(cat "$T/out")"
CK_MID=m-0002 CK_HN=prod-1 checkin "$C2" --unchanged --seq 30 --marker 1 --packages 5
[ "$(jout '.jobs | length')" = 0 ] || fail "batch of one exceeded"
wait_until "/api/v1/deployments/$D4" '.hosts | map(select(.host_id=='"$H1"'))[0].state' failed \
	"the unreported job never timed out"
[ "$(jout '.rings[0].counts.failed')" = 1 ] || fail "timeout not counted: $(cat "$T/out")"
jout '.hosts | map(select(.host_id=='"$H1"'))[0].result.message' | grep -q "^timed out" ||
	fail "no 'timed out' reason: $(cat "$T/out")"
[ "$(jout '.hosts | map(select(.host_id=='"$H2"'))[0].state')" = sent ] ||
	fail "slot not freed: $(cat "$T/out")"
grep -q "host $H1 job [0-9]* timed out" "$T/server.log" || fail "timeout not logged"
sleep 4
api GET "/api/v1/deployments/$D4" "$ADMIN"
[ "$(jout '.hosts | map(select(.host_id=='"$H2"'))[0].state')" = sent ] ||
	fail "a job never handed out timed out: $(cat "$T/out")"
# From here on jobs are handed out and reported, or checked while they
# run, and a slow run must not see them time out: a long job_timeout.
printf '[rollout]\njob_timeout = 1h\n' >"$T/conf"
stop_server
start_server
FP="$FP_BIN_DIR/fleetpatch --server $URL --token $ADMIN"
CK_MID=m-0002 CK_HN=prod-1 checkin "$C2" --unchanged --seq 31 --marker 1 --packages 5
J4=$(jout '.jobs[0].payload' | jq -r .job_id)
result_checkin "$C2" m-0002 32 "$J4" succeeded \
	'[{"name":"marker","old_version":"1","new_version":"1.0-1","result":"upgraded"}]'
expect 200 "D4 result"

# operator rollback: refusals say what and why, nothing is issued
rb() { api POST "/api/v1/deployments/$1/rollback" "$ADMIN" "$2"; }
rb "$D4" '{"ring":"nope"}'
expect_error 404 ring "unknown ring"
jout .message | grep -q 'no ring "nope" (its rings: one-by-one)' || fail "ring message: $(cat "$T/out")"
rb "$D4" '{"hosts":[999999]}'
expect_error 404 "hosts[0]" "host not in the deployment"
rb "$D4" '{"hosts":"all"}'
expect_error 400 hosts "hosts not an array"
rb "$D4" '{"host":1}'
expect_error 400 host "unknown field"
rb "$D4" '{"ring":"-x"}'
expect_error 400 ring "invalid ring name"
rb "$D4" "{\"hosts\":[$H1]}"
expect_error 409 "" "rollback of a host the deployment changed nothing on"
jout .message | grep -q "nothing to roll back: deployment $D4 changed no package version here" ||
	fail "nothing message: $(cat "$T/out")"
rb "$D3" '{}'
expect_error 409 "" "rollback of a deployment that installed nothing"
api POST "/api/v1/deployments/$D4/rollback" "" '{}'
expect 401 "rollback without a token"
# the deployment's whole ring: host 2 gets a job, the others are listed
$FP deploy rollback "$D4" --ring one-by-one --json >"$T/rb.json" || fail "deploy rollback"
[ "$(jq -r '.rollbacks | length' "$T/rb.json")" = 1 ] || fail "rollback answer: $(cat "$T/rb.json")"
[ "$(jq -r '.rollbacks[0].host_id' "$T/rb.json")" = "$H2" ] || fail "rollback host"
[ "$(jq -c '.rollbacks[0].packages' "$T/rb.json")" = '[{"name":"marker","version":"1"}]' ] ||
	fail "rollback packages: $(cat "$T/rb.json")"
jq -e '.nothing_to_roll_back | map(.host_id) | index('"$H1"') != null' "$T/rb.json" >/dev/null ||
	fail "host 1 not listed as nothing to roll back"
JR=$(jq -r '.rollbacks[0].job_id' "$T/rb.json")
api GET /api/v1/audit "$ADMIN"
jout '.[] | select(.action == "deployment.rollback") | .target' | grep -qx "$D4" || fail "rollback not audited"
CK_MID=m-0002 CK_HN=prod-1 checkin "$C2" --unchanged --seq 33 --marker 1 --packages 5
jout '.jobs[0]' >"$T/rb-before"
[ "$(jq -r .payload "$T/rb-before" | jq -r '.action + " " + (.job_id | tostring)')" = "rollback $JR" ] ||
	fail "rollback job: $(cat "$T/out")"
if $FP deploy rollback "$D4" --host "$H2" 2>"$T/cli.err"; then fail "second rollback while one runs"; fi
grep -q "rollback job $JR of deployment $D4 is still running" "$T/cli.err" || fail "running message: $(cat "$T/cli.err")"
api GET "/api/v1/deployments/$D4" "$ADMIN"
[ "$(jout '.hosts | map(select(.host_id=='"$H2"'))[0].rollback.state')" = running ] ||
	fail "rollback state: $(cat "$T/out")"
# handed out before a restart: the same signed job again
stop_server
start_server
FP="$FP_BIN_DIR/fleetpatch --server $URL --token $ADMIN"
CK_MID=m-0002 CK_HN=prod-1 checkin "$C2" --unchanged --seq 34 --marker 1 --packages 5
jout '.jobs[0]' >"$T/rb-after"
cmp -s "$T/rb-before" "$T/rb-after" || fail "rollback job after restart: $(cat "$T/rb-after")"
result_checkin "$C2" m-0002 35 "$JR" succeeded \
	'[{"name":"marker","old_version":"1.0-1","new_version":"1","result":"downgraded"}]'
expect 200 "rollback result"
$FP deploy show "$D4" --json >"$T/show.json"
[ "$(jq -r '.hosts | map(select(.host_id=='"$H2"'))[0].rollback | .state + " " + .packages[0].new_version' "$T/show.json")" = "rolled_back 1" ] ||
	fail "rolled back: $(cat "$T/show.json")"
$FP deploy show "$D4" | grep -q "^$H2 .*rolled_back" || fail "deploy show table: $($FP deploy show "$D4")"

# a job reported running before a restart still times out after it
D5=$($FP deploy create --rings test --package marker --json | jq -r .id)
$FP deploy approve "$D5" >/dev/null || fail "approve D5"
CK_MID=m-0001 CK_HN=test-1 checkin "$C1" --unchanged --seq 40 --marker 1 --packages 5
J5=$(jout '.jobs[0].payload' | jq -r .job_id)
result_checkin "$C1" m-0001 41 "$J5" running
expect 200 "running report"
printf '[rollout]\njob_timeout = 2s\n' >"$T/conf"
stop_server
start_server
wait_until "/api/v1/deployments/$D5" '.hosts[0].state' failed "a running job never timed out after a restart"

# a host never runs two jobs at once: while its rollback runs, a new
# deployment's job for it waits (host 1 is free and gets its job; host 3
# still holds an undelivered job of D4)
FP="$FP_BIN_DIR/fleetpatch --server $URL --token $ADMIN"
$FP deploy rollback "$D4" --host "$H2" --json >"$T/rb.json" || fail "second rollback of host 2"
JR2=$(jq -r '.rollbacks[0].job_id' "$T/rb.json")
[ "$JR2" != "$JR" ] || fail "rollback job id reused"
D6=$($FP deploy create --rings prod --package marker --json | jq -r .id)
$FP deploy approve "$D6" >/dev/null || fail "approve D6"
api GET "/api/v1/deployments/$D6" "$ADMIN"
[ "$(jout '[.hosts[] | select(.host_id=='"$H1"' or .host_id=='"$H2"') | .state] | join(" ")')" = "sent pending" ] ||
	fail "a host with a running rollback got a job: $(cat "$T/out")"
result_checkin "$C2" m-0002 42 "$JR2" succeeded '[]'
wait_until "/api/v1/deployments/$D6" '.hosts | map(select(.host_id=='"$H2"'))[0].state' sent \
	"host 2 never got its job after the rollback"
stop_server
echo "rollout server test passed"
