#!/bin/sh
# TLS: the agent and the CLI verify the server's certificate; a
# self-signed server is reached only with its CA given (--ca-cert,
# FLEETPATCH_CA_CERT), and the agent keeps using the CA it enrolled with.
. "$(dirname "$0")/lib.sh"

openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
	-subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 \
	-keyout "$T/key.pem" -out "$T/cert.pem" 2>/dev/null || fail "openssl"
chmod 600 "$T/key.pem"
SCHEME=https
SERVER_ARGS="--tls-cert $T/cert.pem --tls-key $T/key.pem"
CURL_CA="--cacert $T/cert.pem"
server_init
server_start

# The CLI refuses an unverified server, and accepts it with the CA.
set +e
cli hosts --json >/dev/null 2>"$T/cli.err"
rc=$?
set -e
assert_eq "CLI without CA" 1 "$rc"
grep -q '^fleetpatch: cannot reach' "$T/cli.err" || fail "CLI error: $(cat "$T/cli.err")"
export FLEETPATCH_CA_CERT="$T/cert.pem"
secret=$(cli enroll-secret create) || fail "CLI with CA"

r=$(make_root t 22222222222222222222222222222222 tls-a)
if agent enroll --server "$URL" --secret "$secret" --state-dir "$T/s-bad" \
	--root "$r" 2>"$T/enroll.err"; then
	fail "enrolled with an unverified server"
fi
agent enroll --server "$URL" --secret "$secret" --state-dir "$T/s" --root "$r" \
	--ca-cert "$T/cert.pem" >/dev/null || fail "enroll with --ca-cert"
assert_eq "stored CA" "$T/cert.pem" "$(jq -r .ca_cert "$T/s/config.json")"
checkin "$T/s" >/dev/null || fail "check-in over TLS"
assert_eq "host over TLS" tls-a "$(cli hosts --json | jq -r '.[0].hostname')"
echo ok
