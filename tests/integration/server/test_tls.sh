#!/bin/sh
# HTTPS with a self-signed certificate made here with openssl.
SCHEME=https
. "$(dirname "$0")/lib.sh"

openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
	-keyout "$T/key.pem" -out "$T/cert.pem" -days 2 -subj /CN=127.0.0.1 \
	-addext subjectAltName=IP:127.0.0.1 2>/dev/null || fail "openssl"
init_server
start_server --tls-cert "$T/cert.pem" --tls-key "$T/key.pem"
CURL_EXTRA="--cacert $T/cert.pem"
api GET /api/v1/health ""
expect 200 "health over TLS"
new_secret
enroll m-tls tls-1
CK_MID=m-tls CK_HN=tls-1
checkin "$CRED" --seq 1 --marker 1 --packages 10
expect 200 "check-in over TLS"
# plain HTTP to the TLS port does not get an answer
code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 "http://127.0.0.1:$PORT/api/v1/health" || true)
[ "$code" != 200 ] || fail "plain HTTP answered on the TLS port"
# an untrusted certificate is refused by the client
CURL_EXTRA=""
api GET /api/v1/health ""
[ "$STATUS" = 000 ] || fail "self-signed certificate accepted without --cacert"
stop_server
# cert without key is a usage error
if "$FPD" --config "$T/conf" --data "$T/data" --tls-cert "$T/cert.pem" 2>"$T/err"; then
	fail "cert without key accepted"
fi
echo ok
