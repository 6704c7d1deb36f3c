#!/bin/bash
# fleetpatch-agent apply against real apt-get/dpkg in several temporary
# roots, packages built with dpkg-deb and served from a local repository.
#   fpdemo 1.0, 1.1 (the fix), 1.2 (postinst fails), 1.3 (good; its
#   postinst sleeps while ROOT/slow-postinst exists: for the interrupted
#   run)
. "$(dirname "$0")/lib.sh"

step "build packages and a local apt repository"
mkdir -p "$W/repo"
for v in 1.0 1.1 1.2 1.3; do
	d="$W/src-$v"
	mkdir -p "$d/DEBIAN" "$d/usr/share/fpdemo"
	echo "$v" >"$d/usr/share/fpdemo/version"
	cat >"$d/DEBIAN/control" <<EOF
Package: fpdemo
Version: $v
Architecture: all
Maintainer: fleetpatch tests <tests@fleetpatch.invalid>
Description: fleetpatch apply test package
EOF
	case $v in
	1.2) printf '#!/bin/sh\necho "fpdemo 1.2 postinst failing on purpose" >&2\nexit 1\n' ;;
	1.3) printf '#!/bin/sh\nwhile [ -e /slow-postinst ]; do sleep 0.2; done\necho "fpdemo postinst ok"\n' ;;
	*) printf '#!/bin/sh\necho "fpdemo postinst ok"\n' ;;
	esac >"$d/DEBIAN/postinst"
	chmod 755 "$d/DEBIAN/postinst"
	dpkg-deb --root-owner-group -b "$d" "$W/repo/fpdemo_${v}_all.deb" >/dev/null
done
(cd "$W/repo" && apt-ftparchive packages . >Packages && gzip -k Packages)


ROOTS="$W/host1 $W/host2 $W/host3"
for r in $ROOTS; do mkroot_deb "$r"; done

step "hosts start with 1.0; a job for a package a host lacks is skipped"
for r in $ROOTS; do
	dpkg --root="$r" -i "$W/repo/fpdemo_1.0_all.deb" >/dev/null
	expect_eq "db on $r" "$(dbver "$r")" "ii 1.0"
done
mkjob other "$W/host1" '{"packages":[{"name":"fpother","version":"2.0"}]}'
apply "$W/host1" other
expect_eq "skipped rc" "$RC" 0
expect_eq "status" "$(res .status)" skipped
expect_eq "package result" "$(res '.packages[0].result')" absent

step "the fix 1.1 reaches every host, verified from the database"
for r in $ROOTS; do
	mkjob fix "$r" '{"packages":[{"name":"fpdemo","version":"1.1"}]}'
	apply "$r" fix
	expect_eq "fix rc on $r ($(cat "$W/err"))" "$RC" 0
	expect_eq "status" "$(res .status)" succeeded
	expect_eq "package result" "$(res '.packages[0].result')" upgraded
	expect_eq "old" "$(res '.packages[0].old_version')" 1.0
	expect_eq "new" "$(res '.packages[0].new_version')" 1.1
	expect_eq "db on $r" "$(dbver "$r")" "ii 1.1"
	expect_eq "re-inventoried ($(res .inventory_error))" "$(res '.inventory_hash | length')" 64
	expect_eq "inventory size" "$(res .inventory_packages)" 1
	expect_eq "journal removed" "$(ls "$r.state/journal.json" 2>/dev/null || true)" ""
	[ -s "$r.state/results/$JOB_ID.json" ] || fail "result not saved"
	expect_eq "result file mode" "$(stat -c %a "$r.state/results/$JOB_ID.json")" 600
done

step "an already applied job is unchanged, not failed"
mkjob fix-again "$W/host1" '{"packages":[{"name":"fpdemo","version":"1.1"}]}'
apply "$W/host1" fix-again
expect_eq "rc" "$RC" 0
expect_eq "package result" "$(res '.packages[0].result')" unchanged

step "the broken 1.2 fails (postinst) and is reported with the log tail"
mkjob broken "$W/host1" '{"packages":[{"name":"fpdemo","version":"1.2"}]}'
apply "$W/host1" broken
expect_eq "rc" "$RC" 1
expect_eq "status" "$(res .status)" failed
expect_eq "package result" "$(res '.packages[0].result')" failed
expect_eq "new version" "$(res '.packages[0].new_version')" 1.2
expect_contains "$(res .log_tail)" "postinst failing on purpose" "log tail"
expect_contains "$(res '.packages[0].log_tail')" "fpdemo" "package log tail"
expect_eq "not rolled back" "$(res .rolled_back)" false
expect_eq "db" "$(dbver "$W/host1")" "iF 1.2"

step "rollback on request returns host1 to 1.1"
mkjob rollback1 "$W/host1" '{"action":"rollback","packages":[{"name":"fpdemo","version":"1.1"}]}'
apply "$W/host1" rollback1
expect_eq "rollback rc ($(cat "$W/err"))" "$RC" 0
expect_eq "new" "$(res '.packages[0].new_version')" 1.1
expect_eq "package result" "$(res '.packages[0].result')" downgraded
expect_eq "db" "$(dbver "$W/host1")" "ii 1.1"

step "automatic rollback when the install fails (rollback_on_failure)"
mkjob broken-auto "$W/host2" '{"packages":[{"name":"fpdemo","version":"1.2"}],"rollback_on_failure":true}'
apply "$W/host2" broken-auto
expect_eq "rc" "$RC" 1
expect_eq "status" "$(res .status)" rolled_back
expect_eq "rolled back" "$(res .rolled_back)" true
expect_eq "db" "$(dbver "$W/host2")" "ii 1.1"

step "a failing post hook fails the job and rolls it back"
cat >"$W/health-bad" <<'EOF'
#!/bin/sh
echo "health check: service answers 500 (root $FLEETPATCH_ROOT)" >&2
exit 3
EOF
chmod 755 "$W/health-bad"
mkjob posthook "$W/host2" "$(jq -n --arg h "$W/health-bad" '{packages:[{name:"fpdemo",version:"1.3"}],post_hook:[$h],rollback_on_failure:true}')"
apply "$W/host2" posthook
expect_eq "rc" "$RC" 1
expect_eq "status" "$(res .status)" rolled_back
expect_contains "$(res .message)" "post hook" "message"
expect_contains "$(res .log_tail)" "service answers 500" "hook output in log"
expect_eq "rolled back" "$(res .rolled_back)" true
expect_eq "db" "$(dbver "$W/host2")" "ii 1.1"

step "a failing pre hook means the job is not run"
mkjob prehook "$W/host2" "$(jq -n --arg h "$W/health-bad" '{packages:[{name:"fpdemo",version:"1.3"}],pre_hook:[$h, "--pre"]}')"
apply "$W/host2" prehook
expect_eq "rc" "$RC" 1
expect_contains "$(res .message)" "pre hook" "message"
expect_eq "package result" "$(res '.packages[0].result')" unchanged
expect_eq "db" "$(dbver "$W/host2")" "ii 1.1"

step "rollback impossible when the old version is nowhere"
mkjob rollback-none "$W/host2" '{"action":"rollback","packages":[{"name":"fpdemo","version":"0.9"}]}'
apply "$W/host2" rollback-none
expect_eq "rc" "$RC" 1
expect_contains "$(res .message)" "rollback impossible: fpdemo 0.9" "message"
expect_eq "db" "$(dbver "$W/host2")" "ii 1.1"

step "rollback from the local package cache when the repository dropped the version"
mkdir -p "$W/host3/var/cache/apt/archives"
cp "$W/repo/fpdemo_1.0_all.deb" "$W/host3/var/cache/apt/archives/"
mv "$W/repo/fpdemo_1.0_all.deb" "$W/fpdemo_1.0_all.deb.away"
(cd "$W/repo" && apt-ftparchive packages . >Packages && rm -f Packages.gz && gzip -k Packages)
mkjob rollback-cache "$W/host3" '{"action":"rollback","packages":[{"name":"fpdemo","version":"1.0"}]}'
apply "$W/host3" rollback-cache
expect_eq "rc ($(cat "$W/err"); $(res .message))" "$RC" 0
expect_eq "db" "$(dbver "$W/host3")" "ii 1.0"
mv "$W/fpdemo_1.0_all.deb.away" "$W/repo/fpdemo_1.0_all.deb"
(cd "$W/repo" && apt-ftparchive packages . >Packages && rm -f Packages.gz && gzip -k Packages)

step "refused: tampered, unsigned, expired, replayed, another host, bad names"
mkjob good "$W/host3" '{"packages":[{"name":"fpdemo","version":"1.1"}]}'
jq -c '.payload |= sub("1\\.1"; "1.2")' "$W/good.job" >"$W/tampered.job"
apply "$W/host3" tampered
expect_eq "tampered rc" "$RC" 2
expect_contains "$(cat "$W/err")" "signature does not verify" "tampered"
jq -c 'del(.signature)' "$W/good.job" >"$W/unsigned.job"
apply "$W/host3" unsigned
expect_eq "unsigned rc" "$RC" 2
expect_contains "$(cat "$W/err")" "unsigned" "unsigned"
jq '.issued_at = "2020-01-01T00:00:00Z" | .expires_at = "2020-01-02T00:00:00Z"' "$W/good.payload" >"$W/old.payload"
"$SIGN" sign "$W/server.key" "$W/old.payload" >"$W/old.job"
apply "$W/host3" old
expect_eq "expired rc" "$RC" 2
expect_contains "$(cat "$W/err")" "expired" "expired"
"$SIGN" keygen "$W/other.key" >/dev/null
"$SIGN" sign "$W/other.key" "$W/good.payload" >"$W/otherkey.job"
apply "$W/host3" otherkey
expect_eq "other key rc" "$RC" 2
jq '.host_id = 99' "$W/good.payload" >"$W/elsewhere.payload"
"$SIGN" sign "$W/server.key" "$W/elsewhere.payload" >"$W/elsewhere.job"
apply "$W/host3" elsewhere
expect_eq "other host rc" "$RC" 2
expect_contains "$(cat "$W/err")" "not this host" "other host"
apply "$W/host3" fix
expect_eq "replayed rc" "$RC" 2
expect_contains "$(cat "$W/err")" "replayed" "replayed"
# Bad names never reach a job: the signer refuses them, and a payload
# signed anyway is refused by the agent.
jq '.packages[0].name = "-oAPT::Foo=1"' "$W/good.payload" >"$W/badname.payload"
if "$SIGN" sign "$W/server.key" "$W/badname.payload" >/dev/null 2>&1; then fail "signer took a bad name"; fi
jq '.packages[0].name = "FpDemo"' "$W/good.payload" >"$W/upper.payload"
"$SIGN" sign "$W/server.key" "$W/upper.payload" >"$W/upper.job"
apply "$W/host3" upper
expect_eq "upper-case deb name rc" "$RC" 1
expect_contains "$(res .message)" "not a valid apt package name" "deb name"
mkjob badver "$W/host3" '{"packages":[{"name":"fpdemo","version":"1.1:x:"}]}'
apply "$W/host3" badver
expect_eq "bad deb version rc" "$RC" 1
expect_contains "$(res .message)" "not a valid deb version" "deb version"
expect_eq "db untouched" "$(dbver "$W/host3")" "ii 1.0"

step "a version no repository offers fails clearly"
mkjob nover "$W/host3" '{"packages":[{"name":"fpdemo","version":"7.7"}]}'
apply "$W/host3" nover
expect_eq "rc" "$RC" 1
expect_contains "$(res .log_tail)" "7.7" "log names the version"
expect_eq "db" "$(dbver "$W/host3")" "ii 1.0"

step "apt's lock is waited on with a bound"
# hold_lock SECONDS|released: hold dpkg's frontend lock (fcntl, as apt
# does) for SECONDS, or until $W/lock.release appears (at most 120 s).
# Returns once the lock is held (a loaded machine may take more than a
# second just to start python).
hold_lock() {
	rm -f "$W/locked.ready" "$W/lock.release"
	python3 -c '
import fcntl, os, sys, time
f = open(sys.argv[1], "w")
fcntl.lockf(f, fcntl.LOCK_EX)
open(sys.argv[3], "w").close()
if sys.argv[2] == "released":
    end = time.monotonic() + 120
    while not os.path.exists(sys.argv[4]) and time.monotonic() < end:
        time.sleep(0.05)
else:
    time.sleep(float(sys.argv[2]))' \
		"$W/host3/var/lib/dpkg/lock-frontend" "$1" "$W/locked.ready" "$W/lock.release" &
	HOLDER=$!
	i=0
	while [ ! -e "$W/locked.ready" ]; do
		i=$((i + 1))
		[ $i -lt 1200 ] || fail "the lock holder did not start"
		sleep 0.05
	done
}
# Held for 2 s: a 20 s bound waits it out.
hold_lock 2
mkjob locked "$W/host3" '{"packages":[{"name":"fpdemo","version":"1.1"}]}'
apply "$W/host3" locked --lock-wait 20
wait $HOLDER
expect_eq "waited rc ($(res .message))" "$RC" 0
expect_eq "db" "$(dbver "$W/host3")" "ii 1.1"
# Held until the agent has given up: however slow the agent is to reach
# apt, the lock is still held when apt asks for it.
hold_lock released
mkjob locked2 "$W/host3" '{"action":"rollback","packages":[{"name":"fpdemo","version":"1.0"}]}'
apply "$W/host3" locked2 --lock-wait 1
touch "$W/lock.release"
wait $HOLDER
expect_eq "bounded rc" "$RC" 1
expect_contains "$(res .message)" "lock was not released within 1 s" "lock error"
expect_eq "db" "$(dbver "$W/host3")" "ii 1.1"

step "deferrals: offered to users, deferred within limits, enforced at the deadline"
# The limits, on a job whose deadline is an hour away: however slow the
# agent runs, none of these meets the deadline.
DL=$(date -u -d "@$(($(date -u +%s) + 3600))" +%Y-%m-%dT%H:%M:%SZ)
mkjob deferme "$W/host3" "$(jq -n --arg d "$DL" '{packages:[{name:"fpdemo",version:"1.3"}],deadline:$d,allow_deferrals:2,defer_seconds:600}')"
DEFER_ID=$JOB_ID
export FLEETPATCH_TEST_NOTIFY_SINK="$W/told"
"$AGENT" apply --offer --job "$W/deferme.job" --state-dir "$W/host3.state" >"$W/out.txt" 2>&1 ||
	fail "offer: $(cat "$W/out.txt")"
expect_contains "$(cat "$W/told")" "fleetpatch-agent defer $DEFER_ID" "users told how to defer"
expect_contains "$(cat "$W/told")" "at the latest at $DL" "users told the deadline"
defer() { set +e; "$AGENT" defer --state-dir "$W/host3.state" "$@" >"$W/out.txt" 2>&1; RC=$?; set -e; }
defer "$DEFER_ID"
expect_eq "first deferral ($(cat "$W/out.txt"))" "$RC" 0
expect_contains "$(cat "$W/out.txt")" "1 deferral left" "first deferral"
defer "$DEFER_ID"
expect_eq "second deferral" "$RC" 0
defer "$DEFER_ID"
expect_eq "third deferral refused" "$RC" 1
expect_contains "$(cat "$W/out.txt")" "all used" "limit"
defer 999999
expect_eq "unknown job" "$RC" 1
expect_contains "$(cat "$W/out.txt")" "no pending job" "unknown job"
defer not-a-number
expect_eq "bad job id" "$RC" 2
apply "$W/host3" deferme
expect_eq "deferred rc" "$RC" 0
expect_eq "status" "$(res .status)" deferred
expect_eq "deferrals used" "$(res .deferrals_used)" 2
expect_eq "db untouched" "$(dbver "$W/host3")" "ii 1.1"
# The deadline, on a job deferred once with a deadline a few seconds away:
# only its offer and one deferral must come before it.
DL=$(date -u -d "@$(($(date -u +%s) + 5))" +%Y-%m-%dT%H:%M:%SZ)
mkjob deferlate "$W/host3" "$(jq -n --arg d "$DL" '{packages:[{name:"fpdemo",version:"1.3"}],deadline:$d,allow_deferrals:2,defer_seconds:600}')"
DEFER_ID=$JOB_ID
"$AGENT" apply --offer --job "$W/deferlate.job" --state-dir "$W/host3.state" >"$W/out.txt" 2>&1 ||
	fail "offer: $(cat "$W/out.txt")"
defer "$DEFER_ID"
expect_eq "deferral before the deadline ($(cat "$W/out.txt"))" "$RC" 0
expect_contains "$(cat "$W/out.txt")" "deferred until $DL" "capped at the deadline"
while [ "$(date -u +%s)" -le "$(date -u -d "$DL" +%s)" ]; do sleep 0.3; done
defer "$DEFER_ID"
expect_eq "deferral past the deadline" "$RC" 1
expect_contains "$(cat "$W/out.txt")" "past its deadline" "deadline"
apply "$W/host3" deferlate
expect_eq "enforced rc ($(res .message))" "$RC" 0
expect_eq "status" "$(res .status)" succeeded
expect_eq "db" "$(dbver "$W/host3")" "ii 1.3"
expect_contains "$(cat "$W/told")" "the deadline has passed" "users told"
unset FLEETPATCH_TEST_NOTIFY_SINK

step "reboot: needed (reboot-required), policy window, fake reboot command"
cat >"$W/FAKE_REBOOT_CMD" <<EOF
#!/bin/sh
echo rebooted >>"$W/reboots"
EOF
chmod 755 "$W/FAKE_REBOOT_CMD"
touch "$W/host1/run/reboot-required"
NOW=$(date -u +%s)
WE=$(date -u -d "@$((NOW + 600))" +%Y-%m-%dT%H:%M:%SZ)
mkjob reboot-win "$W/host1" "$(jq -n --arg e "$WE" '{packages:[{name:"fpdemo",version:"1.3"}],reboot:"window",window_end:$e}')"
apply "$W/host1" reboot-win --reboot-command "$W/FAKE_REBOOT_CMD"
expect_eq "rc" "$RC" 0
expect_eq "reboot required" "$(res .reboot_required)" true
expect_eq "action" "$(res .reboot_action)" rebooted
expect_eq "fake reboots" "$(cat "$W/reboots")" rebooted
WS=$(date -u -d "@$((NOW + 3600))" +%Y-%m-%dT%H:%M:%SZ)
WE=$(date -u -d "@$((NOW + 7200))" +%Y-%m-%dT%H:%M:%SZ)
mkjob reboot-later "$W/host1" "$(jq -n --arg s "$WS" --arg e "$WE" '{action:"rollback",packages:[{name:"fpdemo",version:"1.1"}],reboot:"window",window_start:$s,window_end:$e}')"
apply "$W/host1" reboot-later --reboot-command "$W/FAKE_REBOOT_CMD"
expect_eq "action" "$(res .reboot_action)" waiting_for_window
DL=$(date -u -d "@$((NOW + 1800))" +%Y-%m-%dT%H:%M:%SZ)
mkjob reboot-notify "$W/host1" "$(jq -n --arg d "$DL" '{packages:[{name:"fpdemo",version:"1.3"}],reboot:"notify",deadline:$d}')"
FLEETPATCH_TEST_NOTIFY_SINK="$W/notified" apply "$W/host1" reboot-notify --reboot-command "$W/FAKE_REBOOT_CMD"
expect_eq "action" "$(res .reboot_action)" users_notified
expect_contains "$(cat "$W/notified")" "will restart at $DL" "notification"
mkjob reboot-never "$W/host1" '{"action":"rollback","packages":[{"name":"fpdemo","version":"1.1"}],"reboot":"never"}'
apply "$W/host1" reboot-never --reboot-command "$W/FAKE_REBOOT_CMD"
expect_eq "action" "$(res .reboot_action)" not_allowed_by_policy
expect_eq "still one reboot" "$(wc -l <"$W/reboots")" 1

step "two jobs never run at once; a killed run is found and repaired"
touch "$W/host2/slow-postinst"
mkjob slow "$W/host2" '{"packages":[{"name":"fpdemo","version":"1.3"}]}'
SLOW_ID=$JOB_ID
setsid "$AGENT" apply --job "$W/slow.job" --state-dir "$W/host2.state" --root "$W/host2" >"$W/slow.out" 2>&1 &
SLOW=$!
# (up to 60 s: apt-get update, unpack and dpkg on a loaded machine)
for _ in $(seq 600); do
	[ "$(dbver "$W/host2")" = "iF 1.3" ] && break
	sleep 0.1
done
expect_eq "slow run is in postinst" "$(dbver "$W/host2")" "iF 1.3"
[ -s "$W/host2.state/journal.json" ] || fail "no journal while running"
mkjob concurrent "$W/host2" '{"action":"rollback","packages":[{"name":"fpdemo","version":"1.0"}]}'
apply "$W/host2" concurrent
expect_eq "concurrent rc" "$RC" 1
expect_contains "$(cat "$W/err")" "another job is running" "concurrent"
# Power loss: the agent and everything it started die at once (apt gives
# dpkg a session of its own, so walk the process tree, not the group).
descendants() { local c; for c in $(cat /proc/"$1"/task/*/children 2>/dev/null); do echo "$c"; descendants "$c"; done; }
PIDS="$SLOW $(descendants "$SLOW")"
kill -STOP $PIDS 2>/dev/null || true
kill -KILL $PIDS 2>/dev/null || true
wait $SLOW 2>/dev/null || true
rm -f "$W/host2/slow-postinst"
[ -s "$W/host2.state/journal.json" ] || fail "journal gone after kill"
set +e
"$AGENT" apply --recover --json --state-dir "$W/host2.state" --root "$W/host2" >"$W/out.json" 2>"$W/err"
RC=$?
set -e
expect_eq "recover rc ($(cat "$W/err"))" "$RC" 0
expect_eq "status" "$(res .status)" failed
expect_eq "interrupted" "$(res .interrupted)" true
expect_contains "$(res .message)" "interrupted" "message"
expect_eq "job" "$(res .job_id)" "$SLOW_ID"
expect_contains "$(res '.found[]')" "fpdemo 1.3 is half-configured" "found"
expect_contains "$(res '.found[]')" "dpkg: was interrupted" "found"
expect_eq "repaired" "$(res .repaired)" true
expect_eq "db" "$(dbver "$W/host2")" "ii 1.3"
expect_eq "journal gone" "$(ls "$W/host2.state/journal.json" 2>/dev/null || true)" ""
expect_eq "reported" "$(jq -r .interrupted "$W/host2.state/results/$SLOW_ID.json")" true
set +e
"$AGENT" apply --recover --state-dir "$W/host2.state" --root "$W/host2" >"$W/out.txt" 2>&1
RC=$?
set -e
expect_eq "clean now" "$RC" 0
expect_contains "$(cat "$W/out.txt")" "no interrupted run" "clean"

check_results
echo "OK: apply_deb ($STEP steps)"
