# Shared helpers for the fleetpatchd integration tests (sourced).
set -eu
: "${FP_BIN_DIR:?}" "${FP_BUILD_DIR:?}"
FPD=$FP_BIN_DIR/fleetpatchd
HELPER=$FP_BUILD_DIR/tests/fp-test-checkin
T=$(mktemp -d /tmp/fpd-test.XXXXXX)
PID=
SCHEME=${SCHEME:-http}
CURL_EXTRA=""
: >"$T/conf"

cleanup() {
	_st=$?
	if [ -n "$PID" ]; then
		kill "$PID" 2>/dev/null || true
		wait "$PID" 2>/dev/null || _st=1
		if [ $_st -ne 0 ] && [ -f "$T/server.log" ] && [ -z "${FAILED:-}" ]; then
			echo "server did not shut down cleanly:" >&2
			tail -30 "$T/server.log" >&2
		fi
	fi
	rm -rf "$T"
	exit $_st
}
trap cleanup EXIT

fail() {
	FAILED=1
	echo "FAIL: $*" >&2
	if [ -f "$T/server.log" ]; then
		echo "--- server log (tail)" >&2
		tail -20 "$T/server.log" >&2
	fi
	exit 1
}

init_server() {
	ADMIN=$("$FPD" --config "$T/conf" --data "$T/data" init 2>>"$T/server.log") ||
		fail "init failed"
}

start_server() {
	rm -f "$T/port"
	"$FPD" --config "$T/conf" --data "$T/data" --listen 127.0.0.1:0 \
		--ready-file "$T/port" "$@" 2>>"$T/server.log" &
	PID=$!
	i=0
	while [ ! -s "$T/port" ]; do
		kill -0 "$PID" 2>/dev/null || fail "server exited at start"
		i=$((i + 1))
		[ $i -lt 1200 ] || fail "server not ready" # 60 s: loaded, under ASan
		sleep 0.05
	done
	PORT=$(cat "$T/port")
	URL=$SCHEME://127.0.0.1:$PORT
}

# A clean shutdown exits 0 (under ASan also: no leaks, no errors).
stop_server() {
	kill "$PID"
	_rc=0
	wait "$PID" || _rc=$?
	PID=
	[ $_rc -eq 0 ] || fail "server exited with status $_rc on SIGTERM"
}

# api METHOD PATH TOKEN [BODY]: response in $T/out, status in $STATUS.
# BODY "@file" posts a file.
api() {
	_m=$1 _p=$2 _tok=$3
	shift 3
	if [ $# -gt 0 ]; then
		set -- --data-binary "$1" -H "Content-Type: application/json"
	fi
	if [ -n "$_tok" ]; then
		set -- "$@" -H "Authorization: Bearer $_tok"
	fi
	STATUS=$(curl -s $CURL_EXTRA -o "$T/out" -w '%{http_code}' -X "$_m" "$@" "$URL$_p") ||
		STATUS=000
}

expect() {
	[ "$STATUS" = "$1" ] || fail "$2: expected HTTP $1, got $STATUS: $(cat "$T/out" 2>/dev/null)"
}

# Value of a jq filter over the last response.
jout() {
	jq -r "$1" "$T/out"
}

# An error response names the error and (optionally) the JSON path.
expect_error() {
	_status=$1 _path=$2 _what=$3
	expect "$_status" "$_what"
	[ "$(jout .error)" != null ] || fail "$_what: no error field: $(cat "$T/out")"
	[ "$(jout .message)" != null ] || fail "$_what: no message: $(cat "$T/out")"
	if [ -n "$_path" ]; then
		[ "$(jout .path)" = "$_path" ] ||
			fail "$_what: expected path $_path: $(cat "$T/out")"
	fi
}

# new_secret [GROUP]: an enrollment secret in $SECRET
new_secret() {
	if [ $# -gt 0 ]; then
		api POST /api/v1/enroll-secrets "$ADMIN" "{\"group\":\"$1\"}"
	else
		api POST /api/v1/enroll-secrets "$ADMIN" '{}'
	fi
	expect 201 "create enrollment secret"
	SECRET=$(jout .secret)
}

# enroll MACHINE HOSTNAME: host id in $HOST, credential in $CRED
enroll() {
	"$HELPER" body --enroll "$SECRET" --machine-id "$1" --hostname "$2" >"$T/enroll.json"
	api POST /api/v1/enroll "" "@$T/enroll.json"
	expect 201 "enroll $1"
	HOST=$(jout .host_id)
	CRED=$(jout .credential)
}

# checkin CRED ARGS...: post a helper-built check-in body (identity from
# $CK_MID and $CK_HN)
checkin() {
	_cred=$1
	shift
	"$HELPER" body --machine-id "${CK_MID:-test-machine}" \
		--hostname "${CK_HN:-test-host}" "$@" >"$T/checkin.json"
	api POST /api/v1/agent/checkin "$_cred" "@$T/checkin.json"
}

# result_checkin CRED MID SEQ JOB STATUS [PACKAGES-JSON]: an unchanged
# check-in of the marker inventory carrying one job result
result_checkin() {
	"$HELPER" body --machine-id "$2" --hostname x --unchanged --seq "$3" \
		--marker 1 --packages 5 |
		jq -c --argjson j "$4" --arg s "$5" --argjson p "${6:-[]}" \
			'. + {job_results: [{job_id: $j, status: $s, packages: $p}]}' >"$T/ck.json"
	api POST /api/v1/agent/checkin "$1" "@$T/ck.json"
}
