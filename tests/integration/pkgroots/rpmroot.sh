# Shared by rpm.sh and zypper.sh: build fpt-hello, fpt-sec and fpt-same
# with rpmbuild, install the 1.0s into $R with `rpm --root`, and make a
# createrepo_c repository in $TMP/repo with the 1.1s and an updateinfo.xml
# (modifyrepo_c) whose security advisory covers fpt-sec only.
# Needs TMP, R and fail() from the caller.

# rpm and dnf find their database through macros; Debian's point at
# ~/.rpmdb.  Use the layout of an rpm distribution for the root.
mkdir -p "$TMP/home" "$TMP/top/SPECS" "$TMP/repo"
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
