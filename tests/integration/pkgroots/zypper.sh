#!/bin/sh
# The rpm root of rpm.sh, managed by zypper this time: a repository file in
# etc/zypp/repos.d, `zypper --root` refreshes, and the updates fleetpatch
# reports (list-updates, with security from the needed security patches'
# Conflicts) must be fpt-hello and fpt-sec 1.0-1 -> 1.1-1, fpt-sec security.
set -eu
DUMP=$1
TMP=$(mktemp -d "${FP_BUILD_DIR:-/tmp}/pkgroots-zypper.XXXXXX")
trap 'rm -rf "$TMP"' EXIT INT TERM
fail() { echo "FAIL: $*" >&2; exit 1; }
R=$TMP/root

mkdir -p "$R/etc/zypp/repos.d"
printf 'ID=opensuse-leap\nVERSION_ID=15.6\nPRETTY_NAME="openSUSE Leap 15.6 (fleetpatch test root)"\n' > "$R/etc/os-release"
. "$(dirname "$0")/rpmroot.sh"
printf '[fpt]\nname=fleetpatch test\nbaseurl=file://%s/repo\nenabled=1\nautorefresh=0\ngpgcheck=0\ntype=rpm-md\n' \
	"$TMP" > "$R/etc/zypp/repos.d/fpt.repo"

# Nothing cached yet: no updates visible and the age is unknown.
"$DUMP" "$R" > "$TMP/q0.out" 2> "$TMP/q0.err" || fail "query before refresh failed: $(cat "$TMP/q0.err")"
[ "$(head -1 "$TMP/q0.out")" = "manager	zypper	-1	0" ] || fail "before refresh: $(head -1 "$TMP/q0.out")"

"$DUMP" --refresh "$R" > "$TMP/q1.out" || fail "query with --refresh failed"
age=$(head -1 "$TMP/q1.out" | cut -f3)
[ "$age" -ge 0 ] && [ "$age" -lt 600 ] || fail "metadata age after refresh is $age"
printf 'fpt-hello\tnoarch\t1.0-1\t1.1-1\t0\tfpt\nfpt-sec\tnoarch\t1.0-1\t1.1-1\t1\tfpt\n' > "$TMP/q1.exp"
tail -n +2 "$TMP/q1.out" | diff -u "$TMP/q1.exp" - || fail "zypper updates of the root"

# zypper's own listing names the same packages.
ZYPP_READONLY_HACK=1 LC_ALL=C zypper --root "$R" -n --no-refresh -q list-updates |
	awk -F' *\\| *' '$1 == "v" { print $3 }' | sort > "$TMP/zy.names"
tail -n +2 "$TMP/q1.out" | cut -f1 | diff -u "$TMP/zy.names" - || fail "names differ from zypper list-updates"

# The query is read-only: no lock file left, the database unchanged.
sum=$(sha256sum "$R/var/lib/rpm/rpmdb.sqlite")
"$DUMP" "$R" > /dev/null || fail "second query failed"
[ "$(sha256sum "$R/var/lib/rpm/rpmdb.sqlite")" = "$sum" ] || fail "query changed the rpm database"
[ ! -e "$R/run/zypp.pid" ] || [ ! -s "$R/run/zypp.pid" ] || fail "query left a zypp lock"

# The installed side and the whole report, through the agent.
AGENT=${FP_BIN_DIR:?}/fleetpatch-agent
CHECK=$(dirname "$0")/inventory_check.py
"$AGENT" inventory --root "$R" --json > "$TMP/inv1.json" || fail "agent inventory failed"
python3 "$CHECK" "$TMP/inv1.json" rpm --package fpt-hello=1.0-1=noarch \
	--package fpt-sec=1.0-1=noarch --package fpt-same=1.0-1=noarch --manager zypper \
	--update fpt-hello=1.0-1=1.1-1=0 --update fpt-sec=1.0-1=1.1-1=1 ||
	fail "agent inventory of the zypper root"
echo "zypper root: 2 updates (1 security), agent inventory agrees"
