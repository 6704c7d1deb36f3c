#!/bin/bash
# End to end with real parts: a fleetpatchd on a loopback port, the admin
# CLI, four fleetpatch-agent run --once, each managing its own dpkg root
# fed from a local apt repository with fpdemo 1.0, 1.1 (the fix) and 1.2
# (postinst fails).  Rings: "test" (one host, by group), "production"
# (the rest).
#   - the fix 1.1 reaches every host (each root's dpkg database and
#     deploy show --json); a host whose pinned key does not match refuses
#     its job, which is reported, and gets it on retry once fixed
#   - the broken 1.2 (with a post hook: rollback_on_failure) fails in the
#     test ring and is rolled back to 1.1 there; the server is down when
#     the result is made: it stays in results/ until the server is back;
#     the deployment halts and production stays at 1.1
. "$(dirname "$0")/lib.sh"

step "packages 1.0, 1.1, 1.2; the repository offers 1.0 and 1.1"
mkdir -p "$W/repo" "$W/pool"
for v in 1.0 1.1 1.2; do
	d="$W/src-$v"
	mkdir -p "$d/DEBIAN" "$d/usr/share/fpdemo"
	echo "$v" >"$d/usr/share/fpdemo/version"
	printf 'Package: fpdemo\nVersion: %s\nArchitecture: all\nMaintainer: fleetpatch tests <tests@fleetpatch.invalid>\nDescription: fleetpatch e2e test package\n' "$v" >"$d/DEBIAN/control"
	if [ "$v" = 1.2 ]; then
		printf '#!/bin/sh\necho "fpdemo 1.2 postinst failing on purpose" >&2\nexit 1\n'
	else
		printf '#!/bin/sh\necho "fpdemo postinst ok"\n'
	fi >"$d/DEBIAN/postinst"
	chmod 755 "$d/DEBIAN/postinst"
	dpkg-deb --root-owner-group -b "$d" "$W/pool/fpdemo_${v}_all.deb" >/dev/null
done
publish_deb 1.0 1.1

step "fleetpatchd on a loopback port"
init_server

step "four hosts with fpdemo 1.0, enrolled (host1 in group test)"
SECRET_TEST=$(enroll_secret --group test)
SECRET=$(enroll_secret)
N=0
for h in host1 host2 host3 host4; do
	r=$W/$h
	N=$((N + 1))
	mkroot_deb "$r"
	cp /etc/os-release "$r/etc/os-release"
	dpkg --root="$r" -i "$W/repo/fpdemo_1.0_all.deb" >/dev/null
	s=$SECRET
	[ $h = host1 ] && s=$SECRET_TEST
	enroll_root "$r" "$N" "$s"
done
HOSTS_ALL="$W/host1 $W/host2 $W/host3 $W/host4"

run_agents --refresh 1s

step "rings test (group test) and production (the rest)"
cli rings set test --group test --order 1 --soak 0s >/dev/null
cli rings set production --order 2 --soak 0s --threshold 50 >/dev/null

step "host4's pinned key no longer matches: its job is refused and reported"
cp "$W/host4.agent/server.pub" "$W/server.pub.good"
printf '%s\n' "$PUB" >"$W/host4.agent/server.pub"

step "deployment of the fix 1.1"
D1=$(cli deploy create --rings test,production --package fpdemo=1.1 --name "fpdemo fix" --json | jq -r .id)
cli deploy approve "$D1" >/dev/null
until_state "$D1" completed
for r in $W/host1 $W/host2 $W/host3; do
	expect_eq "db on $r" "$(dbver "$r")" "ii 1.1"
	expect_eq "deploy show: $r" "$(hstate "$D1" "$r")" succeeded
done
expect_eq "db on host4 (refused)" "$(dbver "$W/host4")" "ii 1.0"
expect_eq "deploy show: host4" "$(hstate "$D1" "$W/host4")" failed
grep -q "refused" "$W/agents.log" || fail "refusal not logged"
expect_eq "refusal delivered" "$(ls "$W/host4.agent/results" | wc -l)" 0

step "with the right key again, a retry brings host4 to 1.1"
cp "$W/server.pub.good" "$W/host4.agent/server.pub"
cli deploy retry "$D1" --host "$(cat "$W/host4.id")" >/dev/null
until_state "$D1" completed
expect_eq "db on host4" "$(dbver "$W/host4")" "ii 1.1"
expect_eq "deploy show: host4" "$(hstate "$D1" "$W/host4")" succeeded
expect_eq "all succeeded" "$(cli deploy show "$D1" --json | jq '[.hosts[] | select(.state == "succeeded")] | length')" 4

step "the broken 1.2 fails in the test ring and is rolled back; the server goes down meanwhile"
publish_deb 1.0 1.1 1.2
sleep 1
run_agents --refresh 1s
# The pre hook stops the server once, while host1 runs its job.
printf '#!/bin/sh\nif [ -e "%s/down-once" ]; then rm -f "%s/down-once"; kill "$(cat "%s/server.pid")"; fi\nexit 0\n' "$W" "$W" "$W" >"$W/hook-down"
chmod 755 "$W/hook-down"
touch "$W/down-once"
D2=$(cli deploy create --rings test,production --package fpdemo=1.2 --pre-hook "$W/hook-down" --post-hook /bin/true --name "fpdemo broken" --json | jq -r .id)
cli deploy approve "$D2" >/dev/null
for i in $(seq 1 20); do
	[ -e "$W/down-once" ] || break
	"$AGENT" run --once --state-dir "$W/host1.agent" --root "$W/host1" >>"$W/agents.log" 2>&1 || true
	sleep 1
done
[ ! -e "$W/down-once" ] || fail "host1 never ran its job"
wait "$SERVER_PID" 2>/dev/null || true
SERVER_PID=
expect_eq "db on host1 (rolled back)" "$(dbver "$W/host1")" "ii 1.1"
"$AGENT" run --once --state-dir "$W/host1.agent" --root "$W/host1" >>"$W/agents.log" 2>&1 &&
	fail "run --once succeeded with the server down"
expect_eq "result kept while the server is down" "$(ls "$W/host1.agent/results" | wc -l)" 1
expect_eq "its status" "$(jq -r .status "$W"/host1.agent/results/*.json)" rolled_back

step "the server is back: the result is delivered, the deployment halts"
start_server "$PORT"
until_state "$D2" halted
expect_eq "test host state" "$(hstate "$D2" "$W/host1")" rolled_back
expect_eq "db on host1 (rolled back)" "$(dbver "$W/host1")" "ii 1.1"
expect_halted_before "$D2" 1 "ii 1.1" "$W/host2" "$W/host3" "$W/host4"

step "a job handed out before a server restart comes again with the same id and signature, runs once"
# until_host ID ROOT STATE: wait for the scheduler (2 s tick; up to 60 s
# for a loaded machine under ASan)
until_host() {
	local i
	for i in $(seq 1 120); do
		[ "$(hstate "$1" "$2")" = "$3" ] && return 0
		sleep 0.5
	done
	fail "host $2 in deployment $1 is $(hstate "$1" "$2"), not $3"
}
stop_server_now() { kill "$SERVER_PID"; wait "$SERVER_PID" || fail "fleetpatchd exit status $?"; SERVER_PID=; }
D3=$(cli deploy create --rings production --package fpdemo=1.1 --name "fpdemo again" --json | jq -r .id)
cli deploy approve "$D3" >/dev/null
until_host "$D3" "$W/host2" sent
# another job holds host2's job lock: the job is kept in its inbox, not run
flock "$W/host2.agent/job.lock" "$AGENT" run --once --state-dir "$W/host2.agent" --root "$W/host2" >>"$W/agents.log" 2>&1 ||
	fail "run --once with the job lock held"
expect_eq "job kept in the inbox" "$(ls "$W/host2.agent/inbox" | wc -l)" 1
J3=$(jq -r .payload "$W"/host2.agent/inbox/*.json | jq -r .job_id)
stop_server_now
cp -a "$W/data" "$W/data.before-report"
start_server "$PORT"
"$AGENT" run --once --state-dir "$W/host2.agent" --root "$W/host2" >"$W/host2.run" 2>&1 ||
	fail "run --once on host2 after the restart: $(cat "$W/host2.run")"
cat "$W/host2.run" >>"$W/agents.log"
# a new id would have run a second job: the same envelope met its inbox copy
expect_eq "jobs run after the restart" "$(grep -c "job [0-9]* succeeded" "$W/host2.run")" 1
expect_eq "the one handed out before" "$(grep -c "job $J3 succeeded" "$W/host2.run")" 1
expect_eq "deploy show: host2" "$(hstate "$D3" "$W/host2")" succeeded
expect_eq "its stored result" "$(cli deploy show "$D3" --json | jq -r --argjson h "$(cat "$W/host2.id")" '.hosts[] | select(.host_id == $h) | .result.status')" succeeded

step "the server lost the report (restored from before it): the agent reports the stored result again"
stop_server_now
rm -rf "$W/data" && mv "$W/data.before-report" "$W/data"
start_server "$PORT"
expect_eq "restored: host2 unreported" "$(hstate "$D3" "$W/host2")" sent
"$AGENT" run --once --state-dir "$W/host2.agent" --root "$W/host2" >>"$W/agents.log" 2>&1 ||
	fail "run --once on host2 after the restore"
grep -q "job $J3 came again: it already ran; reporting its stored result again" "$W/agents.log" ||
	fail "stored result not reported again: $(tail -5 "$W/agents.log")"
expect_eq "not run twice" "$(grep -c "job $J3 succeeded" "$W/agents.log")" 1
expect_eq "deploy show: host2 again" "$(hstate "$D3" "$W/host2")" succeeded
until_state "$D3" completed

step "operator rollback of the fix: host2 and host3 return to 1.0; refusals say what and why"
if cli deploy rollback "$D2" --host "$(cat "$W/host1.id")" 2>"$W/cli.err"; then fail "rollback of a rolled-back job accepted"; fi
grep -q "nothing to roll back: deployment $D2 changed no package version here" "$W/cli.err" ||
	fail "nothing-to-roll-back message: $(cat "$W/cli.err")"
if cli deploy rollback "$D1" --ring staging 2>"$W/cli.err"; then fail "unknown ring accepted"; fi
grep -q 'has no ring "staging" (its rings: test, production)' "$W/cli.err" || fail "ring message: $(cat "$W/cli.err")"
if cli deploy rollback "$D1" --ring test --host host2 2>"$W/cli.err"; then fail "host outside the ring accepted"; fi
grep -q "is in ring \"production\", not \"test\"" "$W/cli.err" || fail "host/ring message: $(cat "$W/cli.err")"
cli deploy rollback "$D1" --host host2 --host host3 >"$W/rb.out" || fail "deploy rollback"
expect_eq "two rollback jobs" "$(grep -c "rollback job [0-9]*: fpdemo -> 1.0" "$W/rb.out")" 2
if cli deploy rollback "$D1" --ring production 2>"$W/cli.err"; then fail "rollback while one runs"; fi
grep -q "is still running" "$W/cli.err" || fail "running message: $(cat "$W/cli.err")"
expect_eq "requested: host2" "$(rbstate "$D1" "$W/host2")" running
run_agents
expect_eq "db on host2 (rolled back)" "$(dbver "$W/host2")" "ii 1.0"
expect_eq "db on host3 (rolled back)" "$(dbver "$W/host3")" "ii 1.0"
expect_eq "db on host1 (not selected)" "$(dbver "$W/host1")" "ii 1.1"
expect_eq "db on host4 (not selected)" "$(dbver "$W/host4")" "ii 1.1"
cli deploy show "$D1" --json >"$W/show.json"
for r in $W/host2 $W/host3; do
	expect_eq "deploy show --json: $r" "$(jq -r --argjson h "$(cat "$r.id")" \
		'.hosts[] | select(.host_id == $h) | .rollback | .state + " " + .packages[0].old_version + " -> " + .packages[0].new_version' \
		"$W/show.json")" "rolled_back 1.1 -> 1.0"
done
expect_eq "deploy show --json: host1" "$(jq -r --argjson h "$(cat "$W/host1.id")" '.hosts[] | select(.host_id == $h) | .rollback' "$W/show.json")" null

step "the repository dropped 1.0: host4's rollback is impossible, with the agent's reason"
publish_deb 1.1 1.2
sleep 1
run_agents --refresh 1s
cli deploy rollback "$D1" --host host4 >/dev/null || fail "deploy rollback host4"
run_agents
expect_eq "db on host4 (unchanged)" "$(dbver "$W/host4")" "ii 1.1"
expect_eq "deploy show: host4" "$(rbstate "$D1" "$W/host4")" impossible
cli deploy show "$D1" >"$W/show.txt"
grep -q "^host $(cat "$W/host4.id"): rollback impossible: fpdemo 1.0 is in no repository" "$W/show.txt" ||
	fail "deploy show reason: $(cat "$W/show.txt")"
echo "ok"
