#!/bin/sh
# kill -9 the server in the middle of many concurrent check-ins: after a
# restart every check-in it acknowledged is there.
. "$(dirname "$0")/lib.sh"

HOSTS=${KILL9_HOSTS:-40}
init_server
start_server
new_secret
: >"$T/creds"
i=0
while [ $i -lt "$HOSTS" ]; do
	i=$((i + 1))
	"$HELPER" body --enroll "$SECRET" --machine-id "blast-$i" --hostname "blast-$i" \
		--packages 30 >"$T/e.json"
	api POST /api/v1/enroll "" "@$T/e.json"
	expect 201 "enroll $i"
	echo "$(jout .host_id) $(jout .credential)" >>"$T/creds"
done

"$HELPER" blast --url "$URL" --creds "$T/creds" --threads 8 --seconds 40 \
	--acked "$T/acked" >"$T/blast.out" 2>&1 &
BLAST=$!
# let it run, then kill -9 the server mid-flight
n=0
while [ "$(wc -l <"$T/acked" 2>/dev/null || echo 0)" -lt 200 ] && [ $n -lt 250 ]; do
	sleep 0.1
	n=$((n + 1))
done
kill -9 "$PID"
wait "$PID" 2>/dev/null || true
PID=
wait $BLAST || true
acked=$(wc -l <"$T/acked")
[ "$acked" -ge 20 ] || fail "too few check-ins acknowledged before the kill ($acked)"

start_server
# highest acknowledged seq per host; the marker version in the stored
# inventory must be at least that (a later, unacknowledged one may be there too)
sort -k1,1n -k2,2n "$T/acked" | awk '{m[$1]=$2} END {for (h in m) print h, m[h]}' >"$T/max"
missing=0
while read -r host seq; do
	api GET "/api/v1/hosts/$host?history_limit=1" "$ADMIN"
	expect 200 "host $host after restart"
	have=$(jout '.packages_list | map(select(.name=="marker"))[0].version' | cut -d. -f1)
	if [ -z "$have" ] || [ "$have" = null ] || [ "$have" -lt "$seq" ]; then
		echo "host $host: acknowledged seq $seq, stored marker $have" >&2
		missing=$((missing + 1))
	fi
done <"$T/max"
[ $missing -eq 0 ] || fail "$missing hosts lost acknowledged check-ins"
echo "ok: $acked acknowledged check-ins over $(wc -l <"$T/max") hosts all present ($(cat "$T/blast.out"))"
stop_server
