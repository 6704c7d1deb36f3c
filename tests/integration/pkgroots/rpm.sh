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

# rpm and dnf find their database through macros; Debian's point at
# ~/.rpmdb.  Use the layout of an rpm distribution for the root.
mkdir -p "$TMP/home" "$TMP/top/SPECS" "$TMP/repo" "$R/etc/yum.repos.d"
echo '%_dbpath /var/lib/rpm' > "$TMP/home/.rpmmacros"

mkrpm() { # name version
	cat > "$TMP/top/SPECS/$1-$2.spec" <<EOT
Name: $1
Version: $2
Release: 1
Summary: fleetpatch test package
License: MIT
BuildArch: noarch
%description
fleetpatch test package
%install
mkdir -p %{buildroot}/usr/share/$1
echo $2 > %{buildroot}/usr/share/$1/version
%files
/usr/share/$1/version
EOT
	HOME=$TMP/home rpmbuild --quiet --define "_topdir $TMP/top" \
		-bb "$TMP/top/SPECS/$1-$2.spec" > "$TMP/rpmbuild.log" 2>&1 ||
		{ cat "$TMP/rpmbuild.log" >&2; fail "rpmbuild $1-$2"; }
}
for p in fpt-hello fpt-sec fpt-same; do mkrpm $p 1.0; done
for p in fpt-hello fpt-sec; do mkrpm $p 1.1; done
RPMS=$TMP/top/RPMS/noarch
HOME=$TMP/home rpm --root "$R" -i "$RPMS/fpt-hello-1.0-1.noarch.rpm" \
	"$RPMS/fpt-sec-1.0-1.noarch.rpm" "$RPMS/fpt-same-1.0-1.noarch.rpm" \
	2> "$TMP/rpm.log" || { cat "$TMP/rpm.log" >&2; fail "rpm --root -i"; }
[ -e "$R/var/lib/rpm/rpmdb.sqlite" ] || fail "no rpm database in the root"

cp "$RPMS"/*.rpm "$TMP/repo/"
createrepo_c -q "$TMP/repo"
cat > "$TMP/updateinfo.xml" <<'EOT'
<?xml version="1.0" encoding="UTF-8"?>
<updates>
  <update from="test@example.org" status="stable" type="security" version="2.0">
    <id>FPT-2026-0001</id>
    <title>fpt-sec security update</title>
    <issued date="2026-01-01 00:00:00"/>
    <severity>Important</severity>
    <description>fixes a test vulnerability</description>
    <pkglist><collection short="fpt"><name>fpt</name>
      <package name="fpt-sec" version="1.1" release="1" epoch="0" arch="noarch">
        <filename>fpt-sec-1.1-1.noarch.rpm</filename></package>
    </collection></pkglist>
  </update>
  <update from="test@example.org" status="stable" type="bugfix" version="2.0">
    <id>FPT-2026-0002</id>
    <title>fpt-hello bug fix</title>
    <issued date="2026-01-01 00:00:00"/>
    <description>fixes a test bug</description>
    <pkglist><collection short="fpt"><name>fpt</name>
      <package name="fpt-hello" version="1.1" release="1" epoch="0" arch="noarch">
        <filename>fpt-hello-1.1-1.noarch.rpm</filename></package>
    </collection></pkglist>
  </update>
</updates>
EOT
modifyrepo_c --mdtype=updateinfo "$TMP/updateinfo.xml" "$TMP/repo/repodata" > /dev/null
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
echo "rpm root: 2 updates via dnf (1 security)"
