# Shared by the apply integration tests (sourced).  Real package managers
# in temporary roots; jobs signed with a real ed25519 key by fp_sign_job.
set -euo pipefail

: "${FP_BIN_DIR:?}" "${FP_BUILD_DIR:?}"
AGENT="$FP_BIN_DIR/fleetpatch-agent"
SIGN="$FP_BUILD_DIR/tests/fp_sign_job"
W=$(mktemp -d "$FP_BUILD_DIR/apply-test.XXXXXX")
trap 'rc=$?; [ $rc -ne 0 ] && echo "FAILED (rc=$rc); work dir kept: $W" >&2; [ $rc -eq 0 ] && rm -rf "$W"; exit $rc' EXIT
STEP=0

step() { STEP=$((STEP + 1)); echo "--- [$STEP] $*"; }
fail() { echo "FAIL: $*" >&2; exit 1; }

# expect_eq WHAT GOT WANT
expect_eq() { [ "$2" = "$3" ] || fail "$1: got '$2', want '$3'"; }
expect_contains() { grep -q -- "$2" <<<"$1" || fail "$3: '$2' not in: $1"; }

PUB=$("$SIGN" keygen "$W/server.key")

# A root that can run maintainer scripts chrooted: a shell, sleep, cat and
# the C library copied from this machine (a real image has its own).
mkroot_shell() {
	local r=$1
	mkdir -p "$r/usr/bin" "$r/usr/lib/x86_64-linux-gnu" "$r/usr/lib64" "$r/tmp" "$r/etc"
	ln -sfn usr/bin "$r/bin"
	ln -sfn usr/lib "$r/lib"
	ln -sfn usr/lib64 "$r/lib64"
	cp /bin/dash "$r/usr/bin/sh"
	cp /bin/sleep /bin/cat /bin/true /bin/false "$r/usr/bin/"
	local lib
	for lib in $(ldd /bin/dash /bin/sleep /bin/cat | awk '/=> \//{print $3} /^\t\/lib/{print $1}' | sort -u); do
		mkdir -p "$r/$(dirname "$lib")"
		cp -L "$lib" "$r/$lib"
	done
	# a state dir per root: each root is its own enrolled "host"
	HOSTS=$((HOSTS + 1))
	mkdir -p "$r.state"
	printf '%s\n' "$PUB" >"$r.state/server.pub"
	printf '{"host_id": %d}\n' "$HOSTS" >"$r.state/config.json"
	echo "$HOSTS" >"$r.hostid"
}
HOSTS=10

# A root for apt/dpkg using the repository $W/repo; dbver ROOT says how
# fpdemo stands in its database ("ii 1.1").
mkroot_deb() {
	local r=$1
	mkroot_shell "$r"
	mkdir -p "$r/var/lib/dpkg/info" "$r/var/lib/dpkg/updates" "$r/var/lib/dpkg/triggers" \
		"$r/etc/apt/sources.list.d" "$r/etc/apt/apt.conf.d" "$r/etc/apt/preferences.d" \
		"$r/etc/apt/trusted.gpg.d" "$r/var/cache/apt/archives/partial" \
		"$r/var/lib/apt/lists/partial" "$r/var/log/apt" "$r/run"
	touch "$r/var/lib/dpkg/status" "$r/var/lib/dpkg/available"
	echo "deb [trusted=yes] file:$W/repo ./" >"$r/etc/apt/sources.list"
}
dbver() { dpkg-query --admindir="$1/var/lib/dpkg" -W -f='${db:Status-Abbrev}${Version}' fpdemo 2>/dev/null || true; }
JOBS=100

# mkjob NAME ROOT JSON-FIELDS: job NAME for the host of ROOT, signed, valid
# for an hour, with a fresh job id and nonce.
mkjob() {
	local name=$1 root=$2 fields=$3 now
	now=$(date -u +%s)
	JOBS=$((JOBS + 1))
	jq -n --argjson id "$JOBS" --argjson host "$(cat "$root.hostid")" \
		--arg nonce "$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')" \
		--arg c "$(date -u -d "@$((now - 60))" +%Y-%m-%dT%H:%M:%SZ)" \
		--arg e "$(date -u -d "@$((now + 3600))" +%Y-%m-%dT%H:%M:%SZ)" \
		--argjson f "$fields" \
		'{job_id: $id, host_id: $host, deployment_id: 1, nonce: $nonce,
		  issued_at: $c, expires_at: $e, action: "install", reboot: "never"} + $f' >"$W/$name.payload"
	"$SIGN" sign "$W/server.key" "$W/$name.payload" >"$W/$name.job"
	JOB_ID=$JOBS
}

# apply ROOT JOBNAME [more args]: runs the agent, result JSON in $W/out.json,
# exit status in $RC, stderr in $W/err.
apply() {
	local root=$1 name=$2
	shift 2
	set +e
	"$AGENT" apply --job "$W/$name.job" --state-dir "$root.state" --root "$root" --json "$@" >"$W/out.json" 2>"$W/err"
	RC=$?
	set -e
}

res() { jq -r "$1" "$W/out.json"; }

# Every saved job result decodes as the server decodes results.
check_results() {
	local f n=0
	for f in "$W"/*.state/results/*.json; do
		[ -e "$f" ] || continue
		"$SIGN" result "$f" || fail "result $f does not decode"
		n=$((n + 1))
	done
	[ "$n" -gt 0 ] || fail "no results saved"
	echo "    $n results decode as the server decodes them"
}
