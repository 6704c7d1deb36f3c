#!/bin/bash
# Deferrals by a user who is not root, and the run loop acting on time,
# with real parts: fleetpatchd on a loopback port hands out deployment
# jobs with a deadline and deferrals; `fleetpatch-agent run` (the daemon,
# check-in interval 10 min) manages a real dpkg root and serves its
# deferral drop-box; the user "nobody", logged in on a real
# pseudo-terminal registered in a utmp file, runs `fleetpatch-agent
# defer` with setpriv.  Users are "told" through the test-only
# FLEETPATCH_TEST_NOTIFY_SINK (the desktop and terminal paths are
# notify.sh's); who is logged in is read from FLEETPATCH_TEST_UTMP and
# FLEETPATCH_TEST_RUNTIME_DIR.
#   - nobody defers up to the job's limit, the next is refused clearly;
#     a uid that is not logged in is refused; a symlink or hard link put
#     in the box is never followed or taken; a flood is capped per user
#     (4 requests served at once, 16 entries kept)
#   - the daemon runs a deferred job within seconds of its deadline and
#     a job in its notice period within seconds of its end, not at the
#     next round 10 minutes later
. "$FP_SOURCE_DIR/tests/integration/e2e/lib.sh"

[ "$(id -u)" -eq 0 ] || fail "this test runs as root: it acts as the user nobody with setpriv"
NUID=$(id -u nobody) NGID=$(id -g nobody)

# What the user nobody must reach lives under T in /tmp.
T=$(mktemp -d /tmp/fp-defer.XXXXXX)
chmod 755 "$T"
DAEMON_PID=
trap 'rc=$?; for p in $DAEMON_PID $SERVER_PID $BG_PIDS; do kill "$p" 2>/dev/null && { wait "$p" 2>/dev/null || true; }; done; [ $rc -ne 0 ] && { echo "FAILED (rc=$rc); work dir kept: $W" >&2; tail -30 "$W/daemon.err" >&2; tail -10 "$W/server.log" >&2; }; rm -rf "$T"; [ $rc -eq 0 ] && rm -rf "$W"; exit $rc' EXIT

cp "$FP_BUILD_DIR/tests/fp_test_tty" "$AGENT" "$T/"
chmod 755 "$T/fp_test_tty" "$T/fleetpatch-agent"
ASUSER=(setpriv --reuid="$NUID" --regid="$NGID" --clear-groups --)
BOX=$T/run-agent/defer
export FLEETPATCH_TEST_UTMP="$T/utmp" FLEETPATCH_TEST_RUNTIME_DIR="$T/run" \
	FLEETPATCH_TEST_NOTIFY_SINK="$W/told.txt"
mkdir -p "$T/run"

step "a repository with fpdemo 1.1, 1.2 (1.3 later); a host with 1.1 enrolled with fleetpatchd"
mkdir -p "$W/repo" "$W/pool"
for v in 1.1 1.2 1.3; do
	d="$W/src-$v"
	mkdir -p "$d/DEBIAN" "$d/usr/share/fpdemo"
	echo "$v" >"$d/usr/share/fpdemo/version"
	printf 'Package: fpdemo\nVersion: %s\nArchitecture: all\nMaintainer: fleetpatch tests <tests@fleetpatch.invalid>\nDescription: fleetpatch deferral test package\n' "$v" >"$d/DEBIAN/control"
	dpkg-deb --root-owner-group -b "$d" "$W/pool/fpdemo_${v}_all.deb" >/dev/null
done
publish_deb 1.1 1.2
H=$W/host
mkroot_deb "$H"
cp /etc/os-release "$H/etc/os-release"
dpkg --root="$H" -i "$W/repo/fpdemo_1.1_all.deb" >/dev/null
init_server
enroll_root "$H" 1 "$(enroll_secret --group test 2>/dev/null)"
ST=$H.agent
"$AGENT" run --once --refresh 1s --state-dir "$ST" --root "$H" >>"$W/agents.log" 2>&1 ||
	fail "first check-in: $(tail -5 "$W/agents.log")"
cli rings set test --group test --order 1 --soak 0s >/dev/null

step "nobody is logged in on a terminal"
: >"$T/a.line"
chown "$NUID:$NGID" "$T/a.line"
"${ASUSER[@]}" "$T/fp_test_tty" pty "$T/a.line" /dev/null 170 &
BG_PIDS="$BG_PIDS $!"
for _ in $(seq 600); do [ -s "$T/a.line" ] && break; sleep 0.1; done
[ -s "$T/a.line" ] || fail "no terminal"
"$T/fp_test_tty" utmp "$T/utmp" user nobody "$(cat "$T/a.line")"

# deploy VERSION DEADLINE DEFERRALS NOTICE: a deployment of fpdemo
# VERSION; `run --once` (with the notice period NOTICE) until the host
# got its job, which then waits in the inbox; JOB is its id
deploy() {
	local id i f
	id=$(cli deploy create --rings test --package "fpdemo=$1" --deadline "$2" \
		--deferrals "$3" --json | jq -r .id)
	cli deploy approve "$id" >/dev/null
	for i in $(seq 30); do
		"$AGENT" run --once --refresh 0 --notice "$4" --state-dir "$ST" --root "$H" \
			>>"$W/agents.log" 2>&1 || true
		f=$(ls "$ST"/inbox/*.json 2>/dev/null | head -n 1)
		[ -n "$f" ] && break
		sleep 1
	done
	[ -n "$f" ] || fail "no job for deployment $id: $(cli deploy show "$id")"
	JOB=$(jq -r .payload "$f" | jq -r .job_id)
	DEP=$id
}
start_daemon() {
	"$AGENT" run --refresh 0 --interval 10m --notice "$1" --request-dir "$BOX" \
		--state-dir "$ST" --root "$H" 2>>"$W/daemon.err" &
	DAEMON_PID=$!
	for _ in $(seq 600); do [ -d "$BOX" ] && break; sleep 0.1; done
	[ -d "$BOX" ] || fail "the daemon made no drop-box: $(cat "$W/daemon.err")"
}
stop_daemon() { kill "$DAEMON_PID"; wait "$DAEMON_PID" || fail "daemon exit"; DAEMON_PID=; }
# udefer JOB [UID]: `fleetpatch-agent defer` as nobody (or as uid UID)
udefer() {
	local u=${2:-$NUID}
	set +e
	setpriv --reuid="$u" --regid="$u" --clear-groups -- "$T/fleetpatch-agent" defer \
		--request-dir "$BOX" --wait 20s "$1" >"$W/out.txt" 2>&1
	RC=$?
	set -e
}
pend() { jq -r "$2" "$ST/pending/$1.json"; }
# installed_soon VERSION DUE WHAT: fpdemo VERSION is installed at DUE (a
# wall-clock time) or within 20 s after it, not before
installed_soon() {
	while [ "$(dbver "$H")" != "ii $1" ] && [ "$(date +%s)" -lt $(($2 + 30)) ]; do sleep 0.3; done
	AT=$(date +%s)
	expect_eq "installed ($(tail -5 "$W/daemon.err"))" "$(dbver "$H")" "ii $1"
	echo "    ran $((AT - $2)) s after $3"
	[ "$AT" -ge "$2" ] || fail "ran before $3"
	[ $((AT - $2)) -le 20 ] || fail "ran $((AT - $2)) s after $3"
}
hex() { od -An -N16 -tx1 /dev/urandom | tr -d ' \n'; }
# until_log TEXT: the daemon logged TEXT (it works on its own time: up to
# 60 s for a loaded machine under ASan)
until_log() {
	local i
	for i in $(seq 600); do grep -qF -- "$1" "$W/daemon.err" && return 0; sleep 0.1; done
	fail "the daemon never logged '$1': $(tail -5 "$W/daemon.err")"
}
rfc() { date -u -d "@$1" +%Y-%m-%dT%H:%M:%SZ; }

step "a job with a deadline 35 s away and 2 deferrals; users told; the daemon"
deploy 1.2 35s 2 10m
J1=$JOB D1=$DEP
expect_contains "$(cat "$W/told.txt")" "fleetpatch-agent defer $J1" "told how to defer"
DL1=$(pend "$J1" .deadline)
start_daemon 10m
expect_eq "box mode and owner" "$(stat -c '%a %U' "$BOX")" "1733 root"
expect_eq "box parent" "$(stat -c '%a %U' "$(dirname "$BOX")")" "755 root"
expect_eq "the job waits" "$(dbver "$H")" "ii 1.1"
until_log "job $J1 waiting"
expect_contains "$(cat "$W/daemon.err")" "job $J1 waiting until $(rfc "$DL1"): users were told and may defer it (notice period)" "why it waits"

step "nobody defers it twice; the third time is refused"
udefer "$J1"
expect_eq "first ($(cat "$W/out.txt"))" "$RC" 0
expect_contains "$(cat "$W/out.txt")" "job $J1 deferred until $(rfc "$DL1") (1 deferral left)" "capped at the deadline"
expect_eq "recorded who" "$(pend "$J1" .deferred_by)" "$NUID"
expect_contains "$(cat "$W/daemon.err")" "job $J1 deferred until $(rfc "$DL1") by uid $NUID" "agent log"
udefer "$J1"
expect_eq "second ($(cat "$W/out.txt"))" "$RC" 0
expect_contains "$(cat "$W/out.txt")" "(0 deferrals left)" "second"
udefer "$J1"
expect_eq "third refused" "$RC" 1
expect_contains "$(cat "$W/out.txt")" "fleetpatch-agent defer: job $J1 may be deferred 2 time(s), all used" "clear refusal"
expect_eq "deferrals" "$(pend "$J1" .deferrals)" 2
udefer 999999
expect_eq "unknown job" "$RC" 1
expect_contains "$(cat "$W/out.txt")" "no pending job 999999 on this host" "unknown job"
udefer "$J1" 4242
expect_eq "not logged in: refused" "$RC" 1
expect_contains "$(cat "$W/out.txt")" "uid 4242 is not logged in on this machine" "why"
expect_eq "still 2" "$(pend "$J1" .deferrals)" 2
expect_eq "nothing left behind" "$(ls -A "$BOX" | wc -l)" 0

step "the box: symlinks and hard links are never followed or taken"
printf 'defer %s\n' "$J1" >"$T/rootreq" # root's: followed, it would be root's request
echo "precious" >"$T/victim"
H1=$(hex) H2=$(hex)
"${ASUSER[@]}" ln -s "$T/rootreq" "$BOX/r-$H1"
"${ASUSER[@]}" ln -s "$T/victim" "$BOX/t-$H2" # where the answer is written
"${ASUSER[@]}" ln -s "$T/victim" "$BOX/a-$H2"
printf 'defer %s\n' "$J1" | "${ASUSER[@]}" tee "$BOX/w-$H2" >/dev/null
"${ASUSER[@]}" mv "$BOX/w-$H2" "$BOX/r-$H2"
H3=$(hex)
ln "$T/rootreq" "$BOX/r-$H3" # a hard link (where protected_hardlinks is off)
for _ in $(seq 600); do [ -L "$BOX/r-$H1" ] || [ -e "$BOX/r-$H3" ] || break; sleep 0.1; done
for _ in $(seq 600); do [ -f "$BOX/a-$H2" ] && [ ! -L "$BOX/a-$H2" ] && break; sleep 0.1; done
[ ! -e "$BOX/r-$H1" ] && [ ! -L "$BOX/r-$H1" ] || fail "the symlink stayed"
[ ! -e "$BOX/r-$H3" ] || fail "the hard link stayed"
expect_eq "victim untouched" "$(cat "$T/victim") $(stat -c '%U %a' "$T/victim")" "precious root 644"
expect_eq "rootreq untouched" "$(stat -c '%h %U' "$T/rootreq")" "1 root"
expect_eq "answer owned by the requester" "$(stat -c '%U %a %F' "$BOX/a-$H2")" "nobody 600 regular file"
expect_contains "$(cat "$BOX/a-$H2")" '"status":"refused"' "answered"
# (logged when the pass over the box ends, after the answers it wrote)
until_log "that were not deferral requests (never followed)"
expect_contains "$(cat "$W/daemon.err")" "deferral request r-$H3: not a small plain file of its own (links 2): removed" "hard link"
grep -q "uid 0 " "$W/daemon.err" && fail "a request was taken as root's: $(grep 'uid 0 ' "$W/daemon.err")"
rm -f "$BOX/a-$H2"
expect_eq "still 2" "$(pend "$J1" .deferrals)" 2

step "a flood: at most 4 requests of one user are served at once"
kill -STOP "$DAEMON_PID"
FLOOD=""
for i in $(seq 10); do
	"${ASUSER[@]}" "$T/fleetpatch-agent" defer --request-dir "$BOX" --wait 30s "$J1" >"$W/flood.$i" 2>&1 &
	FLOOD="$FLOOD $!"
done
for _ in $(seq 600); do [ "$(ls "$BOX" | grep -c '^r-')" -eq 10 ] && break; sleep 0.1; done
expect_eq "10 requests waiting" "$(ls "$BOX" | grep -c '^r-')" 10
kill -CONT "$DAEMON_PID"
for p in $FLOOD; do wait "$p" || true; done
expect_eq "refused as too many" "$(cat "$W"/flood.* | grep -c 'too many deferral requests at once (4 at most)')" 6
expect_eq "served (all used)" "$(cat "$W"/flood.* | grep -c 'all used')" 4
expect_eq "still 2" "$(pend "$J1" .deferrals)" 2
echo "    $((DL1 - $(date +%s))) s left before the deadline"
# files a user leaves (here: 20 half-written requests) are cut back to 16
kill -STOP "$DAEMON_PID"
for i in $(seq 20); do "${ASUSER[@]}" touch "$BOX/w-$(hex)"; done
kill -CONT "$DAEMON_PID"
for _ in $(seq 600); do [ "$(ls "$BOX" | grep -c '^w-')" -le 16 ] && break; sleep 0.1; done
expect_eq "a user's entries capped" "$(ls "$BOX" | grep -c '^w-')" 16
rm -f "$BOX"/w-*

step "the deadline: the job runs within seconds of it, not at the next round"
installed_soon 1.2 "$DL1" "the deadline"
expect_contains "$(cat "$W/told.txt")" "Installing updates now (job $J1): the deadline has passed." "told at the deadline"
for _ in $(seq 300); do [ "$(hstate "$D1" "$H")" = succeeded ] && break; sleep 0.2; done
expect_eq "reported to the server at once" "$(hstate "$D1" "$H")" succeeded
stop_daemon

step "a notice period of 4 s: the job runs when it ends"
publish_deb 1.1 1.2 1.3
sleep 1.1
"$AGENT" run --once --refresh 1s --state-dir "$ST" --root "$H" >>"$W/agents.log" 2>&1 ||
	fail "check-in: $(tail -5 "$W/agents.log")"
deploy 1.3 10m 1 4s
J2=$JOB
NU=$(pend "$J2" .notice_until)
[ "$NU" -gt 0 ] || fail "no notice period"
start_daemon 4s
until_log "job $J2 waiting"
echo "    $((NU - $(date +%s))) s of the notice period left once the daemon saw the job"
installed_soon 1.3 "$NU" "the notice period ended"
expect_contains "$(cat "$W/daemon.err")" "job $J2 waiting until $(rfc "$NU"): users were told and may defer it (notice period)" "why it waited"
stop_daemon

echo "OK: defer_box ($STEP steps)"
