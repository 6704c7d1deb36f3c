#!/bin/bash
# Telling logged-in users, through the real paths:
#  - desktop: a real dbus-daemon session bus owned by the user "nobody"
#    at RUNTIME/65534/bus, with fake_notify_daemon (a stand-in for GNOME
#    Shell / KDE / dunst, which cannot run here) owning
#    org.freedesktop.Notifications and recording every Notify call with
#    the caller's uid as the bus daemon knows it;
#  - terminal: real pseudo-terminals held by fp_test_tty, registered in a
#    utmp file as login/sshd would, read back on the master side;
#  - a job with a window, a deadline and two deferrals through both.
# The agent is pointed at the test runtime dir and utmp file with its
# test-only FLEETPATCH_TEST_RUNTIME_DIR and FLEETPATCH_TEST_UTMP; the
# discovery, privilege drop, bus call and terminal write are the real ones.
. "$FP_SOURCE_DIR/tests/integration/apply/lib.sh"

[ "$(id -u)" -eq 0 ] || fail "this test runs as root: it drops to the user nobody as the agent does"
NUID=$(id -u nobody) NGID=$(id -g nobody)
for p in dbus-daemon setpriv busctl notify-send; do
	command -v "$p" >/dev/null || fail "$p is missing (scripts/deps installs it)"
done

# Everything the user nobody must reach lives under T in /tmp (the build
# tree may not be searchable for other users).
T=$(mktemp -d /tmp/fp-notify.XXXXXX)
chmod 755 "$T"
PIDS=""
cleanup() {
	local p
	for p in $PIDS; do kill "$p" 2>/dev/null || true; done
	for p in $PIDS; do wait "$p" 2>/dev/null || true; done
	rm -rf "$T"
}
trap 'rc=$?; [ $rc -ne 0 ] && { cat "$T/daemon.err" >&2; cp -r "$T" "$W/T" 2>/dev/null; }; cleanup; [ $rc -ne 0 ] && echo "FAILED (rc=$rc); work dir kept: $W" >&2; [ $rc -eq 0 ] && rm -rf "$W"; exit $rc' EXIT

cp "$FP_BUILD_DIR/tests/fake_notify_daemon" "$FP_BUILD_DIR/tests/fp_test_tty" "$T/"
chmod 755 "$T/fake_notify_daemon" "$T/fp_test_tty"
# (exec'd, not a function, where a background job's pid must be the
# program's own)
ASUSER=(setpriv --reuid="$NUID" --regid="$NGID" --clear-groups --)
asuser() { "${ASUSER[@]}" "$@"; }
# user-owned file
ufile() { : >"$1"; chown "$NUID:$NGID" "$1"; }
wait_file() {
	local i
	for i in $(seq 600); do [ -s "$1" ] && return 0; sleep 0.1; done
	fail "$1 did not appear"
}
# wait_grep FILE TEXT: the text shows up within 30 s (a pty is read
# async; a loaded machine under ASan)
wait_grep() {
	local i
	for i in $(seq 300); do tr -d '\r' <"$1" | grep -qF -- "$2" && return 0; sleep 0.1; done
	fail "'$2' not in $1: $(tr -d '\r' <"$1")"
}
# D-Bus address escaping of a path (what the agent must do too)
dbus_escape() {
	local s=$1 out="" c i
	for ((i = 0; i < ${#s}; i++)); do
		c=${s:i:1}
		case $c in
		[A-Za-z0-9_/.*-]) out+=$c ;;
		*) out+=$(printf '%%%02x' "'$c") ;;
		esac
	done
	printf '%s' "$out"
}

cat >"$T/bus.conf" <<'EOF'
<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <!-- session.conf without service directories: nothing is activated -->
  <type>session</type>
  <listen>unix:tmpdir=/tmp</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
EOF

# start_bus SOCKET: the user's session bus, run by the user.
start_bus() {
	mkdir -p "$(dirname "$1")"
	chown "$NUID:$NGID" "$(dirname "$1")"
	chmod 700 "$(dirname "$1")"
	BUS_PID=$(asuser dbus-daemon --config-file="$T/bus.conf" \
		--address="unix:path=$(dbus_escape "$1")" --fork --print-pid)
	PIDS="$PIDS $BUS_PID"
	BUS_ADDR="unix:path=$(dbus_escape "$1")"
	[ -S "$1" ] || fail "no bus socket at $1"
}
# start_daemon MODE: the stand-in notification daemon on BUS_ADDR.
start_daemon() {
	ufile "$T/ready"
	DBUS_SESSION_BUS_ADDRESS=$BUS_ADDR "${ASUSER[@]}" "$T/fake_notify_daemon" --log "$T/notes.log" \
		--ready "$T/ready" --mode "$1" --lifetime 170 2>>"$T/daemon.err" &
	DAEMON_PID=$!
	PIDS="$PIDS $DAEMON_PID"
	wait_file "$T/ready"
}
stop_daemon() { kill "$DAEMON_PID"; wait "$DAEMON_PID" 2>/dev/null || true; }
# start_pty NAME [root]: a terminal held by nobody (or root); its line
# ("pts/N") in $T/NAME.line, what reaches it in $T/NAME.out.
start_pty() {
	local run=("${ASUSER[@]}")
	[ "${2:-}" = root ] && run=()
	ufile "$T/$1.line"
	ufile "$T/$1.out"
	: >"$T/$1.line"
	"${run[@]}" "$T/fp_test_tty" pty "$T/$1.line" "$T/$1.out" 170 &
	PIDS="$PIDS $!"
	wait_file "$T/$1.line"
}
line() { cat "$T/$1.line"; }
out() { tr -d '\r' <"$T/$1.out"; }
notes() { cat "$T/notes.log" 2>/dev/null || true; }
nnotes() { grep -c . "$T/notes.log" 2>/dev/null || true; }

export FLEETPATCH_TEST_RUNTIME_DIR="$T/run" FLEETPATCH_TEST_UTMP="$T/utmp"
ufile "$T/notes.log"

step "a package repository and a host root with fpdemo 1.1"
mkdir -p "$W/repo"
for v in 1.1 1.3; do
	d="$W/src-$v"
	mkdir -p "$d/DEBIAN" "$d/usr/share/fpdemo"
	echo "$v" >"$d/usr/share/fpdemo/version"
	printf 'Package: fpdemo\nVersion: %s\nArchitecture: all\nMaintainer: fleetpatch tests <tests@fleetpatch.invalid>\nDescription: fleetpatch notify test package\n' "$v" >"$d/DEBIAN/control"
	dpkg-deb --root-owner-group -b "$d" "$W/repo/fpdemo_${v}_all.deb" >/dev/null
done
(cd "$W/repo" && apt-ftparchive packages . >Packages && gzip -k Packages)
mkroot_deb "$W/host"
dpkg --root="$W/host" -i "$W/repo/fpdemo_1.1_all.deb" >/dev/null
expect_eq "db" "$(dbver "$W/host")" "ii 1.1"
ST="$W/host.state"
# offer NAME FIELDS: a new job offered to the users; agent stderr in $W/err
offer() {
	mkjob "$1" "$W/host" "$2"
	set +e
	"$AGENT" apply --offer --job "$W/$1.job" --state-dir "$ST" >"$W/out.txt" 2>"$W/err"
	RC=$?
	set -e
	expect_eq "offer rc ($(cat "$W/out.txt" "$W/err"))" "$RC" 0
}

step "nobody is logged in: an offer tells no one, says nothing, and the job runs"
DL=$(date -u -d "@$(($(date -u +%s) + 1800))" +%Y-%m-%dT%H:%M:%SZ)
offer quiet "$(jq -n --arg d "$DL" '{packages:[{name:"fpdemo",version:"1.3"}],deadline:$d,allow_deferrals:2}')"
expect_eq "agent log" "$(cat "$W/err")" ""
apply "$W/host" quiet
expect_eq "status ($(cat "$W/err"))" "$(res .status)" succeeded
expect_eq "db" "$(dbver "$W/host")" "ii 1.3"
dpkg --root="$W/host" -i "$W/repo/fpdemo_1.1_all.deb" >/dev/null 2>&1

step "desktop: the user's session bus and a notification daemon on it"
start_bus "$T/run/$NUID/bus"
start_daemon ok
start_pty a
"$T/fp_test_tty" utmp "$T/utmp" user nobody "$(line a)"
NOW=$(date -u +%s)
WS=$(date -u -d "@$((NOW - 60))" +%Y-%m-%dT%H:%M:%SZ)
WE=$(date -u -d "@$((NOW + 3600))" +%Y-%m-%dT%H:%M:%SZ)
DL=$(date -u -d "@$((NOW + 1800))" +%Y-%m-%dT%H:%M:%SZ)
offer desk "$(jq -n --arg s "$WS" --arg e "$WE" --arg d "$DL" \
	'{packages:[{name:"fpdemo",version:"1.3"},{name:"fpother"}],window_start:$s,window_end:$e,deadline:$d,allow_deferrals:2,defer_seconds:600}')"
expect_eq "one notification" "$(nnotes)" 1
N=$(notes)
expect_contains "$N" "^uid=$NUID	" "sent as the user, not root"
expect_contains "$N" "	app=fleetpatch	" "app name"
expect_contains "$N" "	summary=updates pending	" "title"
expect_contains "$N" "(job $JOB_ID): fpdemo 1.3, fpother," "package names"
expect_contains "$N" "in the maintenance window $WS to $WE" "window"
expect_contains "$N" "at the latest at $DL" "deadline"
expect_contains "$N" "postpone it by 10 min (2 times at most" "deferral limit"
expect_contains "$N" "fleetpatch-agent defer $JOB_ID" "how to defer"
expect_contains "$N" "	urgency=2	timeout=0$" "critical, never expires"
expect_contains "$(cat "$W/err")" "notified nobody (uid $NUID) on the desktop" "agent log"
echo "    recorded: $N"
sleep 0.3
expect_eq "told on the desktop: not on the terminal too" "$(out a)" ""
# told they may postpone it: the job waits (a notice period, at most
# until the deadline) instead of running at once
apply "$W/host" desk
expect_eq "status right after the offer" "$(res .status)" deferred
expect_contains "$(res .message)" "users were told and may defer it (notice period)" "why it waits"
expect_eq "db untouched" "$(dbver "$W/host")" "ii 1.1"

step "desktop through notify-send where busctl is missing"
mkdir -p "$T/bin"
ln -sf "$(command -v setpriv)" "$T/bin/setpriv"
ln -sf "$(command -v notify-send)" "$T/bin/notify-send"
mkjob ns "$W/host" '{"packages":[{"name":"fpdemo","version":"1.3"}],"deadline":"'"$DL"'"}'
PATH="$T/bin" "$AGENT" apply --offer --job "$W/ns.job" --state-dir "$ST" >"$W/out.txt" 2>"$W/err" ||
	fail "offer: $(cat "$W/err")"
expect_eq "two notifications" "$(nnotes)" 2
N=$(tail -n 1 "$T/notes.log")
expect_contains "$N" "^uid=$NUID	app=fleetpatch	" "notify-send as the user"
expect_contains "$N" "(job $JOB_ID): fpdemo 1.3, at the latest at $DL." "text"
expect_contains "$N" "	urgency=2	timeout=0$" "critical, never expires"

step "a failing notification daemon: the terminal instead"
stop_daemon
start_daemon fail
offer fail1 '{"packages":[{"name":"fpdemo","version":"1.3"}]}'
expect_eq "the daemon was asked" "$(nnotes)" 3
expect_contains "$(cat "$W/err")" "desktop notification for nobody (uid $NUID) failed: " "logged"
wait_grep "$T/a.out" "*** fleetpatch: updates pending ***"
wait_grep "$T/a.out" "(job $JOB_ID): fpdemo 1.3, now."
expect_eq "once" "$(out a | grep -c 'fleetpatch: updates pending')" 1

step "a hanging notification daemon: bounded, then the terminal"
stop_daemon
start_daemon hang
T0=$(date +%s%N)
offer hang1 '{"packages":[{"name":"fpdemo","version":"1.3"}]}'
MS=$((($(date +%s%N) - T0) / 1000000))
echo "    offer with a hanging daemon took $MS ms"
[ "$MS" -lt 9000 ] || fail "a hanging daemon held the agent $MS ms"
expect_eq "the daemon was asked" "$(nnotes)" 4
expect_contains "$(cat "$W/err")" "desktop notification for nobody (uid $NUID)" "logged"
wait_grep "$T/a.out" "(job $JOB_ID): fpdemo 1.3, now."

step "no notification daemon on the bus: the terminal"
stop_daemon
offer nodaemon '{"packages":[{"name":"fpdemo","version":"1.3"}]}'
expect_contains "$(cat "$W/err")" "failed: " "logged"
wait_grep "$T/a.out" "(job $JOB_ID): fpdemo 1.3, now."

step "a dead bus (stale socket): the terminal, quickly"
kill -KILL "$BUS_PID" # a crash: the socket stays
for _ in $(seq 50); do kill -0 "$BUS_PID" 2>/dev/null || break; sleep 0.1; done
[ -S "$T/run/$NUID/bus" ] || fail "the stale socket is gone"
T0=$(date +%s%N)
offer deadbus '{"packages":[{"name":"fpdemo","version":"1.3"}]}'
MS=$((($(date +%s%N) - T0) / 1000000))
[ "$MS" -lt 5000 ] || fail "a dead bus held the agent $MS ms"
wait_grep "$T/a.out" "(job $JOB_ID): fpdemo 1.3, now."
expect_eq "no new notification" "$(nnotes)" 4

step "a bus socket that is not the user's is not used"
rm -f "$T/run/$NUID/bus"
python3 -c 'import socket,sys; s=socket.socket(socket.AF_UNIX); s.bind(sys.argv[1])' "$T/run/$NUID/bus"
offer foreign '{"packages":[{"name":"fpdemo","version":"1.3"}]}'
expect_contains "$(cat "$W/err")" "belongs to uid 0, not $NUID: not used" "logged"
wait_grep "$T/a.out" "(job $JOB_ID): fpdemo 1.3, now."
rm -rf "$T/run/$NUID"

step "terminals: only real terminals of the login's user, each once"
start_pty b root      # held by root: not nobody's terminal
start_pty c           # nobody's, but the login ended (DEAD_PROCESS)
start_pty d           # nobody's second login
"$T/fp_test_tty" utmp "$T/utmp" user nobody "$(line b)"
"$T/fp_test_tty" utmp "$T/utmp" dead nobody "$(line c)"
"$T/fp_test_tty" utmp "$T/utmp" user nobody "$(line d)"
"$T/fp_test_tty" utmp "$T/utmp" user nobody null
"$T/fp_test_tty" utmp "$T/utmp" user nobody "pts/../null"
"$T/fp_test_tty" utmp "$T/utmp" user nobody "pts/99999"
"$T/fp_test_tty" utmp "$T/utmp" user fp-no-such-user tty63
"$T/fp_test_tty" utmp "$T/utmp" user nobody ":0"
BEFORE_A=$(out a | grep -c 'fleetpatch: updates pending')
# 60 packages: the text names 8 and counts the rest
PKGS=$(jq -nc '[range(60) | {name: ("fplong-package-name-" + (. | tostring)), version: "1.0"}]')
offer many "$(jq -n --argjson p "$PKGS" '{packages:$p}')"
wait_grep "$T/a.out" "fplong-package-name-7 1.0 and 52 more, now."
wait_grep "$T/d.out" "fplong-package-name-7 1.0 and 52 more, now."
expect_eq "a once more" "$(out a | grep -c 'fleetpatch: updates pending')" "$((BEFORE_A + 1))"
sleep 0.3
expect_eq "root's terminal untouched" "$(out b)" ""
expect_eq "ended login untouched" "$(out c)" ""
expect_contains "$(cat "$W/err")" "/dev/$(line b) is not nobody's terminal: not written to" "logged"
expect_contains "$(cat "$W/err")" "fp-no-such-user on tty63: no such user" "logged"
expect_contains "$(cat "$W/err")" "notified nobody on /dev/$(line d)" "logged"
# the terminal message starts on a line of its own and rings the bell
grep -q $'^\a\\*\\*\\* fleetpatch: updates pending \\*\\*\\*\r' "$T/d.out" || fail "terminal framing: $(od -c "$T/d.out" | head)"

step "a bus path with characters the D-Bus address syntax reserves"
export FLEETPATCH_TEST_RUNTIME_DIR="$T/odd dir,x=y;z"
mkdir -p "$FLEETPATCH_TEST_RUNTIME_DIR"
chmod 755 "$FLEETPATCH_TEST_RUNTIME_DIR"
start_bus "$FLEETPATCH_TEST_RUNTIME_DIR/$NUID/bus"
start_daemon ok
offer odd '{"packages":[{"name":"fpdemo","version":"1.3"}]}'
expect_contains "$(tail -n 1 "$T/notes.log")" "(job $JOB_ID): fpdemo 1.3, now." "notified over the odd path"
# a path too long for a unix socket is refused with a message
LONG="$T/$(printf 'x%.0s' $(seq 100))"
mkdir -p "$LONG/$NUID"
python3 -c 'import socket,os,sys; os.chdir(sys.argv[1]); s=socket.socket(socket.AF_UNIX); s.bind("bus")' "$LONG/$NUID"
chown -R "$NUID:$NGID" "$LONG/$NUID"
mkdir -p "$W/long.state"
cp "$ST/server.pub" "$ST/config.json" "$W/long.state/"
FLEETPATCH_TEST_RUNTIME_DIR=$LONG "$AGENT" apply --offer --job "$W/odd.job" --state-dir "$W/long.state" >/dev/null 2>"$W/err" ||
	fail "offer: $(cat "$W/err")"
expect_contains "$(cat "$W/err")" "session bus path too long" "long path"

step "deferrals and the deadline, told through the desktop"
# The limits, on a job whose deadline is an hour away: however slow the
# agent runs, none of these meets the deadline (that is the next job's).
NOW=$(date -u +%s)
DL=$(date -u -d "@$((NOW + 3600))" +%Y-%m-%dT%H:%M:%SZ)
offer deferme "$(jq -n --arg s "$WS" --arg e "$WE" --arg d "$DL" \
	'{packages:[{name:"fpdemo",version:"1.3"}],window_start:$s,window_end:$e,deadline:$d,allow_deferrals:2,defer_seconds:600}')"
DEFER_ID=$JOB_ID
N=$(tail -n 1 "$T/notes.log")
expect_contains "$N" "^uid=$NUID	" "as the user"
expect_contains "$N" "fleetpatch-agent defer $DEFER_ID" "how to defer"
expect_contains "$N" "at the latest at $DL" "deadline"
defer() { set +e; "$@" defer --state-dir "$ST" "$DEFER_ID" >"$W/out.txt" 2>&1; RC=$?; set -e; }
# the user runs the agent's own binary; the state dir is root's (0700):
# a user asks the running agent (defer_box.sh), and none runs here
cp "$AGENT" "$T/fleetpatch-agent"
chmod 711 "$W"
set +e
asuser "$T/fleetpatch-agent" defer --request-dir "$T/no-agent" "$DEFER_ID" >"$W/out.txt" 2>&1
RC=$?
set -e
expect_eq "no agent to ask ($(cat "$W/out.txt"))" "$RC" 1
expect_contains "$(cat "$W/out.txt")" "is the agent running" "clear refusal"
defer "$AGENT"
expect_eq "first deferral ($(cat "$W/out.txt"))" "$RC" 0
expect_contains "$(cat "$W/out.txt")" "job $DEFER_ID deferred until .* (1 deferral left)" "first"
defer "$AGENT"
expect_eq "second deferral" "$RC" 0
expect_contains "$(cat "$W/out.txt")" "(0 deferrals left)" "second"
UNTIL=$(sed -n 's/.* deferred until \([^ ]*\) (0 deferrals left).*/\1/p' "$W/out.txt")
[ -n "$UNTIL" ] || fail "no time in: $(cat "$W/out.txt")"
defer "$AGENT"
expect_eq "third deferral refused" "$RC" 1
expect_contains "$(cat "$W/out.txt")" "fleetpatch-agent defer: job $DEFER_ID may be deferred 2 time(s), all used" "limit"
apply "$W/host" deferme
expect_eq "deferred rc ($(cat "$W/err"))" "$RC" 0
expect_eq "status" "$(res .status)" deferred
expect_eq "deferrals used" "$(res .deferrals_used)" 2
expect_contains "$(res .message)" "deferred by the user root (uid 0) until $UNTIL" "who deferred"
expect_eq "db untouched" "$(dbver "$W/host")" "ii 1.1"
# The deadline, on a job whose deadline is a few seconds away: only its
# offer and one deferral must come before it.
DL=$(date -u -d "@$(($(date -u +%s) + 5))" +%Y-%m-%dT%H:%M:%SZ)
offer deferlate "$(jq -n --arg s "$WS" --arg e "$WE" --arg d "$DL" \
	'{packages:[{name:"fpdemo",version:"1.3"}],window_start:$s,window_end:$e,deadline:$d,allow_deferrals:2,defer_seconds:600}')"
DEFER_ID=$JOB_ID
defer "$AGENT"
expect_eq "deferral before the deadline ($(cat "$W/out.txt"))" "$RC" 0
expect_contains "$(cat "$W/out.txt")" "job $DEFER_ID deferred until $DL (1 deferral left)" "capped at the deadline"
while [ "$(date -u +%s)" -le "$(date -u -d "$DL" +%s)" ]; do sleep 0.3; done
defer "$AGENT"
expect_eq "deferral past the deadline" "$RC" 1
expect_contains "$(cat "$W/out.txt")" "past its deadline" "deadline"
BEFORE=$(nnotes)
apply "$W/host" deferlate
expect_eq "enforced rc ($(res .message))" "$RC" 0
expect_eq "status" "$(res .status)" succeeded
expect_eq "db" "$(dbver "$W/host")" "ii 1.3"
expect_eq "users told" "$(nnotes)" "$((BEFORE + 1))"
N=$(tail -n 1 "$T/notes.log")
expect_contains "$N" "^uid=$NUID	app=fleetpatch	" "as the user"
expect_contains "$N" "summary=installing updates	body=Installing updates now (job $DEFER_ID): the deadline has passed." "told at the deadline"

step "the same at the deadline when the desktop fails: the terminal"
stop_daemon
start_daemon fail
dpkg --root="$W/host" -i "$W/repo/fpdemo_1.1_all.deb" >/dev/null 2>&1
DL=$(date -u -d "@$(($(date -u +%s) + 2))" +%Y-%m-%dT%H:%M:%SZ)
offer late "$(jq -n --arg d "$DL" '{packages:[{name:"fpdemo",version:"1.3"}],deadline:$d,allow_deferrals:1}')"
LATE=$JOB_ID
while [ "$(date -u +%s)" -le "$(date -u -d "$DL" +%s)" ]; do sleep 0.3; done
apply "$W/host" late
expect_eq "status" "$(res .status)" succeeded
wait_grep "$T/d.out" "Installing updates now (job $LATE): the deadline has passed."

echo "OK: notify_users ($STEP steps)"
