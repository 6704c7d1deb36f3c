#!/bin/sh
# A real rpm root: packages built with rpmbuild, 1.0 installed with
# `rpm --root`, a createrepo_c repository with 1.1 and an updateinfo.xml
# (modifyrepo_c) marking one of them a security update.  The updates
# fleetpatch reports for that root through dnf must be exactly those.
set -eu
DUMP=$1
TMP=$(mktemp -d "${FP_BUILD_DIR:-/tmp}/pkgroots-rpm.XXXXXX")
trap 'rm -rf "$TMP"' EXIT INT TERM
fail() { echo "FAIL: $*" >&2; exit 1; }
R=$TMP/root

mkdir -p "$R/etc/yum.repos.d"
printf 'ID=fedora\nVERSION_ID=40\nPRETTY_NAME="Fedora Linux 40 (fleetpatch test root)"\n' > "$R/etc/os-release"
. "$(dirname "$0")/rpmroot.sh"

printf '[fpt]\nname=fleetpatch test\nbaseurl=file://%s/repo\ngpgcheck=0\n' "$TMP" \
	> "$R/etc/yum.repos.d/fpt.repo"

# Without a metadata cache dnf -C sees no repository: no updates, and the
# metadata age says unknown (-1).  Stale metadata hides updates.
"$DUMP" "$R" > "$TMP/q0.out" || fail "query without metadata failed"
[ "$(head -1 "$TMP/q0.out")" = "manager	dnf	-1	0" ] || fail "without metadata: $(head -1 "$TMP/q0.out")"

# --refresh runs dnf makecache, then the updates are there.
"$DUMP" --refresh "$R" > "$TMP/q1.out" || fail "query with --refresh failed"
head -1 "$TMP/q1.out" | grep -q '^manager	dnf	' || fail "manager is not dnf: $(head -1 "$TMP/q1.out")"
age=$(head -1 "$TMP/q1.out" | cut -f3)
[ "$age" -ge 0 ] && [ "$age" -lt 600 ] || fail "metadata age after refresh is $age"
tail -n +2 "$TMP/q1.out" > "$TMP/q1.got"
printf 'fpt-hello\tnoarch\t1.0-1\t1.1-1\t0\tfpt\nfpt-sec\tnoarch\t1.0-1\t1.1-1\t1\tfpt\n' > "$TMP/q1.exp"
diff -u "$TMP/q1.exp" "$TMP/q1.got" || fail "dnf updates of the root"

# The same names as dnf's own listing.
HOME=$TMP/home LC_ALL=C dnf -q -C --installroot "$R" check-update 2>/dev/null |
	awk 'NF == 3 { sub(/\.[^.]*$/, "", $1); print $1 }' | sort > "$TMP/dnf.names" || true
cut -f1 "$TMP/q1.got" | diff -u "$TMP/dnf.names" - || fail "names differ from dnf check-update"

# Read-only: the database is unchanged by a query.
sum=$(sha256sum "$R/var/lib/rpm/rpmdb.sqlite")
"$DUMP" "$R" > /dev/null || fail "second query failed"
[ "$(sha256sum "$R/var/lib/rpm/rpmdb.sqlite")" = "$sum" ] || fail "query changed the rpm database"

# The installed side and the whole report, through the agent.
AGENT=${FP_BIN_DIR:?}/fleetpatch-agent
CHECK=$(dirname "$0")/inventory_check.py
"$AGENT" inventory --root "$R" --json --no-updates > "$TMP/inv0.json" ||
	fail "agent inventory --no-updates failed"
python3 "$CHECK" "$TMP/inv0.json" rpm --package fpt-hello=1.0-1=noarch \
	--package fpt-sec=1.0-1=noarch --package fpt-same=1.0-1=noarch ||
	fail "installed rpm packages"
"$AGENT" inventory --root "$R" --json > "$TMP/inv1.json" || fail "agent inventory failed"
python3 "$CHECK" "$TMP/inv1.json" rpm --package fpt-hello=1.0-1=noarch --manager dnf \
	--update fpt-hello=1.0-1=1.1-1=0 --update fpt-sec=1.0-1=1.1-1=1 ||
	fail "agent inventory updates"
echo "rpm root: 2 updates via dnf (1 security), agent inventory agrees"
