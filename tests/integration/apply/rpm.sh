#!/bin/bash
# fleetpatch-agent apply against real dnf/rpm in temporary roots (dnf
# --installroot), packages built with rpmbuild, a repository made with
# createrepo_c.
#   fpdemo 1.0, 1.1 (the fix), 1.2 (broken: its %pretrans fails, which
#   fails the whole rpm transaction; a failing %post would not), 1.3
#   (installs fine but breaks the service: the post hook catches it)
. "$(dirname "$0")/lib.sh"

step "build packages with rpmbuild and a repository with createrepo_c"
mkdir -p "$W/repo"
for v in 1.0 1.1 1.2 1.3; do
	{
		printf 'Name: fpdemo\nVersion: %s\nRelease: 1\nSummary: fleetpatch apply test package\n' "$v"
		printf 'License: MIT\nBuildArch: noarch\n%%description\nfleetpatch apply test package\n'
		printf '%%install\nmkdir -p %%{buildroot}/usr/share/fpdemo\n'
		printf 'echo %s > %%{buildroot}/usr/share/fpdemo/version\n' "$v"
		printf '%%files\n/usr/share/fpdemo/version\n'
		if [ "$v" = 1.2 ]; then
			printf '%%pretrans -p <lua>\nerror("fpdemo 1.2 pretrans failing on purpose")\n'
		fi
	} >"$W/fpdemo-$v.spec"
	rpmbuild --quiet --define "_topdir $W/rpmbuild" -bb "$W/fpdemo-$v.spec" >/dev/null 2>&1 ||
		fail "rpmbuild $v"
done
cp "$W"/rpmbuild/RPMS/noarch/*.rpm "$W/repo/"
createrepo_c -q "$W/repo"

mkroot_rpm() {
	local r=$1
	mkroot_shell "$r"
	mkdir -p "$r/etc/yum.repos.d"
	printf '[fpdemo]\nname=fpdemo\nbaseurl=file://%s/repo\ngpgcheck=0\nenabled=1\n' "$W" \
		>"$r/etc/yum.repos.d/fpdemo.repo"
	dnf -y -q --installroot="$r" install fpdemo-1.0 >/dev/null 2>&1 || fail "bootstrap $r"
}
dbver() { rpm -q --root="$1" --qf '%{VERSION}-%{RELEASE}' fpdemo 2>/dev/null || true; }

ROOTS="$W/host1 $W/host2"
for r in $ROOTS; do
	mkroot_rpm "$r"
	expect_eq "bootstrap" "$(dbver "$r")" 1.0-1
done

step "the fix 1.1 reaches every host, verified from the rpm database"
for r in $ROOTS; do
	mkjob fix "$r" '{"packages":[{"name":"fpdemo","version":"1.1"}]}'
	apply "$r" fix
	expect_eq "rc on $r ($(cat "$W/err"))" "$RC" 0
	expect_eq "backend" "$(res .backend)" dnf
	expect_eq "status" "$(res .status)" succeeded
	expect_eq "package result" "$(res '.packages[0].result')" upgraded
	expect_eq "old" "$(res '.packages[0].old_version')" 1.0-1
	expect_eq "new" "$(res '.packages[0].new_version')" 1.1-1
	expect_eq "db" "$(dbver "$r")" 1.1-1
	expect_eq "re-inventoried ($(res .inventory_error))" "$(res '.inventory_hash | length')" 64
done

step "the broken 1.2 fails (pretrans) and nothing changes"
mkjob broken "$W/host1" '{"packages":[{"name":"fpdemo","version":"1.2-1"}]}'
apply "$W/host1" broken
expect_eq "rc" "$RC" 1
expect_eq "status" "$(res .status)" failed
expect_eq "package result" "$(res '.packages[0].result')" failed
expect_eq "new" "$(res '.packages[0].new_version')" 1.1-1
expect_contains "$(res .log_tail)" "pretrans failing on purpose" "log tail"
expect_eq "db" "$(dbver "$W/host1")" 1.1-1

step "1.3 installs but the post hook fails: rolled back with dnf to 1.1"
cat >"$W/health-bad" <<'HOOK'
#!/bin/sh
if [ "$(cat "$FLEETPATCH_ROOT/usr/share/fpdemo/version")" = 1.3 ]; then
	echo "health check: 1.3 answers 500" >&2
	exit 1
fi
HOOK
chmod 755 "$W/health-bad"
mkjob posthook "$W/host2" "$(jq -n --arg h "$W/health-bad" '{packages:[{name:"fpdemo",version:"1.3"}],post_hook:[$h],rollback_on_failure:true}')"
apply "$W/host2" posthook
expect_eq "rc" "$RC" 1
expect_eq "status" "$(res .status)" rolled_back
expect_eq "rolled back" "$(res .rolled_back)" true
expect_contains "$(res .log_tail)" "1.3 answers 500" "hook output"
expect_eq "db" "$(dbver "$W/host2")" 1.1-1

step "rollback on request to 1.0 (a downgrade in one dnf transaction)"
mkjob rollback "$W/host1" '{"action":"rollback","packages":[{"name":"fpdemo","version":"1.0"}]}'
apply "$W/host1" rollback
expect_eq "rc ($(res .message))" "$RC" 0
expect_eq "package result" "$(res '.packages[0].result')" downgraded
expect_eq "db" "$(dbver "$W/host1")" 1.0-1

step "rollback impossible, a version nowhere, a tampered job"
mkjob nowhere "$W/host1" '{"action":"rollback","packages":[{"name":"fpdemo","version":"0.9"}]}'
apply "$W/host1" nowhere
expect_eq "rc" "$RC" 1
expect_contains "$(res .message)" "rollback impossible: fpdemo 0.9" "message"
mkjob nover "$W/host1" '{"packages":[{"name":"fpdemo","version":"7.7"}]}'
apply "$W/host1" nover
expect_eq "rc" "$RC" 1
expect_eq "package result" "$(res '.packages[0].result')" failed
expect_eq "db" "$(dbver "$W/host1")" 1.0-1
jq -c '.payload |= sub("7\\.7"; "1.1")' "$W/nover.job" >"$W/tampered.job"
apply "$W/host1" tampered
expect_eq "tampered rc" "$RC" 2
expect_contains "$(cat "$W/err")" "signature does not verify" "tampered"

step "repair action: a clean rpm database needs nothing"
mkjob repair "$W/host1" '{"action":"repair","packages":[]}'
apply "$W/host1" repair
expect_eq "rc ($(res .message))" "$RC" 0
expect_eq "found" "$(res '.found | length')" 0

step "zypper: the same packages into a root configured for zypper"
Z="$W/host3"
mkroot_shell "$Z"
mkdir -p "$Z/etc/zypp/repos.d"
printf '[fpdemo]\nname=fpdemo\nbaseurl=file://%s/repo\ngpgcheck=0\nenabled=1\nautorefresh=1\n' "$W" \
	>"$Z/etc/zypp/repos.d/fpdemo.repo"
zypper --root "$Z" --non-interactive -q install fpdemo=1.0 >/dev/null 2>&1 || fail "zypper bootstrap"
expect_eq "bootstrap" "$(dbver "$Z")" 1.0-1
mkjob zfix "$Z" '{"packages":[{"name":"fpdemo","version":"1.1"}]}'
apply "$Z" zfix
expect_eq "rc ($(cat "$W/err") $(res .message))" "$RC" 0
expect_eq "backend" "$(res .backend)" zypper
expect_eq "package result" "$(res '.packages[0].result')" upgraded
expect_eq "db" "$(dbver "$Z")" 1.1-1
mkjob zbroken "$Z" '{"packages":[{"name":"fpdemo","version":"1.2-1"}],"rollback_on_failure":true}'
apply "$Z" zbroken
expect_eq "rc" "$RC" 1
expect_eq "status" "$(res .status)" failed
expect_contains "$(res .log_tail)" "pretrans failing on purpose" "log tail"
expect_eq "db" "$(dbver "$Z")" 1.1-1
mkjob zrollback "$Z" '{"action":"rollback","packages":[{"name":"fpdemo","version":"1.0"}]}'
apply "$Z" zrollback
expect_eq "rollback rc ($(res .message))" "$RC" 0
expect_eq "package result" "$(res '.packages[0].result')" downgraded
expect_eq "db" "$(dbver "$Z")" 1.0-1

check_results
echo "OK: apply_rpm ($STEP steps)"
