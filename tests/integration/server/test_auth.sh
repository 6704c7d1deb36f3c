#!/bin/sh
# 401/403 for every route: no credential, a bad one, each role, a host
# credential, revoked tokens and deleted users (effective at once).
. "$(dirname "$0")/lib.sh"

init_server
start_server
new_secret
enroll m-auth host-auth
HOSTCRED=$CRED

mkuser() { # name role [password] -> token in $TOK
	if [ $# -gt 2 ]; then
		api POST /api/v1/users "$ADMIN" "{\"name\":\"$1\",\"role\":\"$2\",\"password\":\"$3\"}"
	else
		api POST /api/v1/users "$ADMIN" "{\"name\":\"$1\",\"role\":\"$2\"}"
	fi
	expect 201 "create $1"
	api POST /api/v1/tokens "$ADMIN" "{\"name\":\"t\",\"user\":\"$1\"}"
	expect 201 "token for $1"
	TOK=$(jout .token)
}
mkuser vera viewer "correct horse"
VIEWER=$TOK
mkuser otto operator
OPERATOR=$TOK

# method path least-role  (least role: none, host, viewer, operator, admin)
cat >"$T/routes" <<'ROUTES'
GET /api/v1/health none
POST /api/v1/agent/checkin host
GET /api/v1/hosts viewer
GET /api/v1/hosts/1 viewer
DELETE /api/v1/hosts/999 admin
POST /api/v1/hosts/1/tags admin
DELETE /api/v1/hosts/1/tags/x admin
GET /api/v1/updates viewer
GET /api/v1/enroll-secrets admin
POST /api/v1/enroll-secrets admin
DELETE /api/v1/enroll-secrets/999 admin
GET /api/v1/groups viewer
POST /api/v1/groups admin
DELETE /api/v1/groups/nogroup admin
POST /api/v1/groups/nogroup/hosts admin
DELETE /api/v1/groups/nogroup/hosts/1 admin
GET /api/v1/tags viewer
GET /api/v1/users admin
POST /api/v1/users admin
DELETE /api/v1/users/nobody admin
GET /api/v1/tokens viewer
POST /api/v1/tokens viewer
DELETE /api/v1/tokens/999 viewer
GET /api/v1/audit admin
GET /api/v1/settings admin
PUT /api/v1/settings admin
GET /api/v1/rings viewer
POST /api/v1/rings operator
DELETE /api/v1/rings/nosuch operator
GET /api/v1/windows viewer
POST /api/v1/windows operator
GET /api/v1/windows/nosuch viewer
DELETE /api/v1/windows/nosuch operator
GET /api/v1/policies viewer
POST /api/v1/policies operator
DELETE /api/v1/policies/nosuch operator
GET /api/v1/deployments viewer
POST /api/v1/deployments operator
GET /api/v1/deployments/999 viewer
POST /api/v1/deployments/999/approve operator
GET /api/v1/feeds viewer
POST /api/v1/feeds operator
GET /api/v1/vulns viewer
ROUTES

rank() {
	case $1 in
	none) echo 0 ;; viewer) echo 1 ;; operator) echo 2 ;; admin) echo 3 ;; host) echo 9 ;;
	esac
}

n=0
while read -r method path least; do
	n=$((n + 1))
	for who in anon bogus viewer operator admin host; do
		case $who in
		anon) tok= ;; bogus) tok=not-a-real-token ;; viewer) tok=$VIEWER ;;
		operator) tok=$OPERATOR ;; admin) tok=$ADMIN ;; host) tok=$HOSTCRED ;;
		esac
		# an empty JSON object body: enough to get past auth to validation
		if [ "$method" = GET ] || [ "$method" = DELETE ]; then
			api "$method" "$path" "$tok"
		else
			api "$method" "$path" "$tok" '{}'
		fi
		if [ "$least" = none ]; then
			want=ok
		elif [ "$who" = anon ] || [ "$who" = bogus ]; then
			want=401
		elif [ "$least" = host ]; then
			[ "$who" = host ] && want=ok || want=403
		elif [ "$who" = host ]; then
			want=403
		elif [ "$(rank "$who")" -ge "$(rank "$least")" ]; then
			want=ok
		else
			want=403
		fi
		case $want in
		ok)
			case $STATUS in
			401 | 403 | 000 | 5*) fail "$who $method $path: got $STATUS: $(cat "$T/out")" ;;
			esac
			;;
		*)
			expect_error "$want" "" "$who $method $path"
			;;
		esac
	done
done <"$T/routes"
[ $n -eq 43 ] || fail "route table read $n routes"
# Every route the server has is in the table above (those without
# authentication, enroll and login, are tested on their own below).
sed -n 's|^[[:space:]]*{ "\([A-Z]*\)", V1 "\([^"]*\)".*|\1 /api/v1\2|p' \
	"$FP_SOURCE_DIR/server/router.c" >"$T/server-routes"
[ -s "$T/server-routes" ] || fail "no routes read from server/router.c"
while read -r method path; do
	case $path in /api/v1/enroll | /api/v1/login) continue ;; esac
	re="^$method $(printf '%s' "$path" | sed 's|{}|[^/ ]*|g') "
	grep -q "$re" "$T/routes" || fail "route $method $path is not in the auth table"
done <"$T/server-routes"

# a user token cannot check in
checkin "$VIEWER" --unchanged --seq 1
expect_error 403 "" "user token on checkin"

# POST /api/v1/login: wrong password 401, right one gives a working token
api POST /api/v1/login "" '{"name":"vera","password":"wrong password"}'
expect_error 401 "" "wrong password"
api POST /api/v1/login "" '{"name":"vera","password":"correct horse"}'
expect 200 login
SESSION=$(jout .token)
api GET /api/v1/hosts "$SESSION"
expect 200 "session token"

# revoking a token takes effect at once
api GET /api/v1/tokens "$VIEWER"
expect 200 "own tokens"
[ "$(jout 'map(.user) | unique | .[]')" = vera ] || fail "viewer sees others' tokens: $(cat "$T/out")"
TID=$(jout '.[0].id')
api DELETE "/api/v1/tokens/$TID" "$VIEWER"
expect 200 "revoke own token"
api GET /api/v1/hosts "$VIEWER"
expect_error 401 "" "revoked token"
# another user's token cannot be revoked by a non-admin
api GET /api/v1/tokens "$ADMIN"
OTID=$(jout '[.[] | select(.user=="otto")][0].id')
api DELETE "/api/v1/tokens/$OTID" "$SESSION"
expect_error 404 "" "revoking another user's token"
api GET /api/v1/hosts "$OPERATOR"
expect 200 "operator token still works"

# deleting a user kills their tokens at once
api DELETE /api/v1/users/otto "$ADMIN"
expect 200 "delete user"
api GET /api/v1/hosts "$OPERATOR"
expect_error 401 "" "deleted user's token"

# every admin write is audited with who and from where
api GET "/api/v1/audit?limit=1000" "$ADMIN"
expect 200 audit
[ "$(jout '[.[] | select(.action=="user.delete" and .user=="admin" and .remote_addr=="127.0.0.1")] | length')" = 1 ] ||
	fail "user.delete not audited: $(cat "$T/out")"
[ "$(jout '[.[] | select(.action=="token.revoke" and .user=="vera")] | length')" = 1 ] ||
	fail "token.revoke not audited"
stop_server
echo ok
