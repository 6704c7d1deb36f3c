#!/bin/bash
# End to end with real parts, the rpm/dnf twin of e2e_deb.sh: a
# fleetpatchd (SQLite) on a loopback port, the admin CLI, five
# fleetpatch-agent run --once, each managing its own dnf --installroot
# root fed from a local createrepo_c repository (file:// baseurl) with
# fpdemo 1.0, 1.1 (the fix) and 1.2 (broken: its %post scriptlet fails),
# all built here with rpmbuild.  Rings: "test" (host1, host2, by group)
# and "production" (the rest).
#
# What dnf does with a failing %post (dnf 4.14, rpm 4.18, Debian 12): it
# prints "warning: %post(fpdemo-1.2-1.noarch) scriptlet failed, exit
# status 1" and "Error in POSTIN scriptlet in rpm package fpdemo", but the
# transaction completes, 1.2 stays installed and dnf exits 0.  The rpm
# database alone therefore says 1.2 succeeded; what catches it is the
# deployment's post hook, a health check that the installed version is
# the one %post configured (%post writes /var/lib/fpdemo/configured).  The
# test accepts either behaviour of dnf (a failed transaction would leave
# the job "failed" with 1.1 in the database), says which one it saw, and
# asserts the failure reaches the server and halts the deployment.
#
#   - a man in the middle (tamper_proxy.py, which also records the job
#     results as the agents send them) alters host5's job on the
#     way: the agent refuses it (signature does not verify), reports it,
#     and nothing is installed; on retry without it host5 gets the fix
#   - the fix 1.1 reaches every host (each root's rpm database, the
#     configuration its %post wrote, deploy show --json)
#   - the broken 1.2 fails in the test ring, both test hosts are rolled
#     back to 1.1 (rollback_on_failure, from the post hook), the
#     deployment halts and production stays at 1.1
#   - the operator rolls the fix back in production (deploy rollback):
#     those hosts return to 1.0 with dnf, the test hosts stay at 1.1
. "$(dirname "$0")/lib.sh"

# rpm finds its database through %_dbpath; Debian's points at ~/.rpmdb.
# The roots use the layout of an rpm distribution.
mkdir -p "$W/home" "$W/repo"
echo '%_dbpath /var/lib/rpm' >"$W/home/.rpmmacros"
xrpm() { HOME=$W/home rpm "$@"; }
dbver() { xrpm -q --root="$1" --qf '%{VERSION}-%{RELEASE}\n' fpdemo 2>/dev/null || true; }
configured() { cat "$1/var/lib/fpdemo/configured" 2>/dev/null || echo none; }

step "rpmbuild: fpbase (the root's /bin/sh), fpdemo 1.0, 1.1, 1.2 (%post fails)"
{
	# The roots get dash copied in (mkroot_shell); this package tells rpm
	# so, for the scriptlets' Requires(post): /bin/sh, and names the
	# release so dnf need not guess it.
	printf 'Name: fpbase\nVersion: 1\nRelease: 1\nSummary: base of a fleetpatch test root\n'
	printf 'License: MIT\nBuildArch: noarch\nProvides: /bin/sh\n'
	printf 'Provides: system-release(releasever) = 40\n%%description\nbase\n%%files\n'
} >"$W/fpbase.spec"
for v in 1.0 1.1 1.2; do
	{
		printf 'Name: fpdemo\nVersion: %s\nRelease: 1\nSummary: fleetpatch e2e test package\n' "$v"
		printf 'License: MIT\nBuildArch: noarch\n%%description\nfleetpatch e2e test package\n'
		printf '%%install\nmkdir -p %%{buildroot}/usr/share/fpdemo %%{buildroot}/var/lib/fpdemo\n'
		printf 'echo %s > %%{buildroot}/usr/share/fpdemo/version\n' "$v"
		printf '%%files\n/usr/share/fpdemo/version\n%%dir /var/lib/fpdemo\n%%post\n'
		if [ "$v" = 1.2 ]; then
			printf 'echo "fpdemo 1.2 post failing on purpose" >&2\nexit 1\n'
		else
			printf 'echo %s > /var/lib/fpdemo/configured\n' "$v"
		fi
	} >"$W/fpdemo-$v.spec"
done
for s in "$W"/*.spec; do
	HOME=$W/home rpmbuild --quiet --define "_topdir $W/rpmbuild" -bb "$s" >"$W/rpmbuild.log" 2>&1 ||
		fail "rpmbuild $s: $(cat "$W/rpmbuild.log")"
done
POOL=$W/rpmbuild/RPMS/noarch
publish() { # publish VERSION...: the repository offers fpbase and these
	rm -f "$W/repo"/*.rpm
	cp "$POOL/fpbase-1-1.noarch.rpm" "$W/repo/"
	for v in "$@"; do cp "$POOL/fpdemo-$v-1.noarch.rpm" "$W/repo/"; done
	createrepo_c -q --update "$W/repo" || fail "createrepo_c"
}
publish 1.0 1.1

step "fleetpatchd on a loopback port; a man in the middle in front of it"
init_server
python3 "$(dirname "$0")/tamper_proxy.py" "$URL" "$W/proxy.port" "$W/tamper" "$W/tamper.log" \
	"$W/results.jsonl" 2>>"$W/proxy.err" &
BG_PIDS=$!
for _ in $(seq 1 600); do # 60 s: a loaded machine
	[ -s "$W/proxy.port" ] && break
	kill -0 "$BG_PIDS" 2>/dev/null || fail "tamper proxy: $(cat "$W/proxy.err")"
	sleep 0.1
done
[ -s "$W/proxy.port" ] || fail "tamper proxy did not start"
PROXY_URL=http://127.0.0.1:$(cat "$W/proxy.port")

step "five dnf roots with fpdemo 1.0 (host1, host2 in group test), all through the proxy"
SECRET_TEST=$(enroll_secret --group test)
SECRET=$(enroll_secret)
N=0
HOSTS_ALL=
for h in host1 host2 host3 host4 host5; do
	r=$W/$h
	N=$((N + 1))
	mkroot_shell "$r"
	mkdir -p "$r/etc/yum.repos.d" "$r/etc/dnf" "$r/var/lib/rpm"
	printf 'ID=fedora\nVERSION_ID=40\nPRETTY_NAME="Fedora Linux 40 (fleetpatch e2e root)"\n' >"$r/etc/os-release"
	# The image's own dnf.conf: only our file:// repository, no plugins,
	# downloaded packages kept (a rollback may come from the cache).
	printf '[main]\ngpgcheck=0\nkeepcache=1\ninstall_weak_deps=0\nplugins=0\nskip_if_unavailable=0\n' \
		>"$r/etc/dnf/dnf.conf"
	printf '[fpdemo]\nname=fpdemo\nbaseurl=file://%s/repo\ngpgcheck=0\nenabled=1\n' "$W" \
		>"$r/etc/yum.repos.d/fpdemo.repo"
	xrpm --root="$r" -i "$POOL/fpbase-1-1.noarch.rpm" "$POOL/fpdemo-1.0-1.noarch.rpm" >"$W/rpm.log" 2>&1 ||
		fail "rpm -i into $r: $(cat "$W/rpm.log")"
	expect_eq "bootstrap $h" "$(dbver "$r")" 1.0-1
	# The same repository metadata for every root: made once, copied.
	if [ $h = host1 ]; then
		HOME=$W/home dnf -q --installroot="$r" --disablerepo='*' --enablerepo=fpdemo makecache \
			>"$W/dnf.log" 2>&1 || fail "dnf makecache: $(cat "$W/dnf.log")"
	else
		mkdir -p "$r/var/cache" && cp -a "$W/host1/var/cache/dnf" "$r/var/cache/"
	fi
	expect_eq "bootstrap %post $h" "$(configured "$r")" 1.0
	s=$SECRET
	[ $h = host1 ] || [ $h = host2 ] && s=$SECRET_TEST
	enroll_root "$r" "$N" "$s" "$PROXY_URL"
	HOSTS_ALL="$HOSTS_ALL $r"
done
run_agents --refresh 1s
expect_eq "hosts the server knows" "$(cli hosts --json | jq length)" 5

step "rings test (group test) and production (the rest)"
cli rings set test --group test --order 1 --soak 0s >/dev/null
cli rings set production --order 2 --soak 0s --threshold 50 >/dev/null

# The post hook of both deployments: fpdemo is healthy when the version
# installed is the one its %post configured.
cat >"$W/health" <<'HOOK'
#!/bin/sh
v=$(cat "$FLEETPATCH_ROOT/usr/share/fpdemo/version")
c=$(cat "$FLEETPATCH_ROOT/var/lib/fpdemo/configured" 2>/dev/null)
if [ "$v" != "$c" ]; then
	echo "health check: fpdemo $v installed but configured for ${c:-nothing}" >&2
	exit 1
fi
echo "health check: fpdemo $v ok"
HOOK
chmod 755 "$W/health"

# stored ID ROOT JQ: JQ over the result the server stored for ROOT's
# current job in deployment ID (deploy show --json)
stored() { cli deploy show "$1" --json | jq -r --argjson h "$(cat "$2.id")" ".hosts[] | select(.host_id == \$h) | .result | $3"; }
# reported ID ROOT JQ: JQ over the last result ROOT's agent sent (as the
# proxy saw it) for its current job in deployment ID
reported() {
	local j
	j=$(cli deploy show "$1" --json | jq --argjson h "$(cat "$2.id")" '.hosts[] | select(.host_id == $h) | .job_id')
	jq -rs --argjson j "$j" "map(select(.job_id == \$j and .status != \"running\")) | last | $3" "$W/results.jsonl"
}

step "deployment of the fix 1.1; host5's job is altered on the way (1.1 -> 1.2)"
echo "$(cat "$W/host5.id") 1.2-1" >"$W/tamper"
# The version without its release: the server, like dnf, takes any
# release of 1.1 (the hosts report 1.1-1 as on offer).
D1=$(cli deploy create --rings test,production --package fpdemo=1.1 --post-hook "$W/health" \
	--name "fpdemo fix" --json | jq -r .id)
cli deploy approve "$D1" >/dev/null
until_state "$D1" completed
for r in $W/host1 $W/host2 $W/host3 $W/host4; do
	expect_eq "rpm db on $r" "$(dbver "$r")" 1.1-1
	expect_eq "%post of 1.1 ran on $r" "$(configured "$r")" 1.1
	expect_eq "deploy show: $r" "$(hstate "$D1" "$r")" succeeded
done
grep -q "^job [0-9]*: versions set to 1.2-1" "$W/tamper.log" || fail "the proxy altered no job"
expect_eq "rpm db on host5 (tampered job refused)" "$(dbver "$W/host5")" 1.0-1
expect_eq "deploy show: host5" "$(hstate "$D1" "$W/host5")" failed
expect_eq "reported: host5" "$(reported "$D1" "$W/host5" .status)" refused
expect_contains "$(reported "$D1" "$W/host5" .message)" "signature does not verify" "host5's report"
case $(reported "$D1" "$W/host5" .message) in
"job refused: signature does not verify"*) ;;
*) fail "host5's report should say 'job refused:' once: $(reported "$D1" "$W/host5" .message)" ;;
esac
expect_eq "stored by the server: host5" "$(stored "$D1" "$W/host5" .status)" refused
expect_contains "$(stored "$D1" "$W/host5" .message)" "signature does not verify" "host5's stored result"
grep -q "signature does not verify" "$W/agents.log" || fail "refusal not logged: $(tail "$W/agents.log")"
expect_eq "refusal delivered" "$(ls "$W/host5.agent/results" | wc -l)" 0

step "without the man in the middle, a retry brings host5 to 1.1"
rm -f "$W/tamper"
cli deploy retry "$D1" --host "$(cat "$W/host5.id")" >/dev/null
until_state "$D1" completed
expect_eq "rpm db on host5" "$(dbver "$W/host5")" 1.1-1
expect_eq "deploy show: host5" "$(hstate "$D1" "$W/host5")" succeeded
expect_eq "stored by the server: host5" "$(stored "$D1" "$W/host5" .status)" succeeded
expect_eq "all succeeded" "$(cli deploy show "$D1" --json | jq '[.hosts[] | select(.state == "succeeded")] | length')" 5
expect_eq "jobs altered" "$(wc -l <"$W/tamper.log")" 1

step "the broken 1.2 fails in the test ring; both test hosts go back to 1.1"
publish 1.0 1.1 1.2
run_agents --refresh 1s
D2=$(cli deploy create --rings test,production --package fpdemo=1.2-1 --post-hook "$W/health" \
	--name "fpdemo broken" --json | jq -r .id)
cli deploy approve "$D2" >/dev/null
until_state "$D2" halted
for r in $W/host1 $W/host2; do
	st=$(hstate "$D2" "$r")
	expect_eq "reported: $r" "$(reported "$D2" "$r" .status)" "$st"
	expect_eq "stored by the server: $r" "$(stored "$D2" "$r" .status)" "$st"
	log=$(reported "$D2" "$r" .log_tail)
	expect_contains "$log" "post failing on purpose" "the %post of 1.2 ran on $r"
	if grep -q "scriptlet failed" <<<"$log" && [ "$st" = rolled_back ]; then
		# dnf kept the %post failure a warning: 1.2 was installed, the
		# health check failed, the agent rolled back with dnf.
		how="dnf exited 0 with 1.2 installed; the post hook failed; rolled back"
		expect_eq "message: $r" "$(reported "$D2" "$r" .message)" "post hook $W/health failed"
		expect_eq "stored message: $r" "$(stored "$D2" "$r" .message)" "post hook $W/health failed"
		expect_contains "$log" "health check: fpdemo 1.2 installed but configured for 1.1" "hook output"
		expect_eq "rolled_back: $r" "$(reported "$D2" "$r" .rolled_back)" true
		grep -q "host $(cat "$r.id") job $(reported "$D2" "$r" .job_id) rolled_back: post hook" "$W/server.log" ||
			fail "the server did not log $r's rollback"
		expect_eq "%post of 1.1 ran again on $r" "$(configured "$r")" 1.1
	else
		how="dnf failed the transaction"
		expect_eq "deploy show: $r" "$st" failed
		expect_eq "package result: $r" "$(reported "$D2" "$r" '.packages[0].result')" failed
	fi
	expect_eq "reported version: $r" "$(reported "$D2" "$r" '.packages[0].new_version')" 1.1-1
	expect_eq "rpm db on $r (back at the fix)" "$(dbver "$r")" 1.1-1
done
echo "    $how"

step "the deployment halted; production stays at 1.1"
expect_halted_before "$D2" 1 1.1-1 "$W/host3" "$W/host4" "$W/host5"

step "operator rollback of the fix in production: host3, host4, host5 back to 1.0 with dnf"
if cli deploy rollback "$D2" --ring test 2>"$W/cli.err"; then fail "rollback of rolled-back jobs accepted"; fi
grep -q "nothing to roll back: deployment $D2 changed no package version" "$W/cli.err" ||
	fail "nothing-to-roll-back message: $(cat "$W/cli.err")"
cli deploy rollback "$D1" --ring production >"$W/rb.out" || fail "deploy rollback"
# host5's first job was refused (no packages): the plan goes back to the
# version before the retry that changed it
expect_eq "three rollback jobs" "$(grep -c "rollback job [0-9]*: fpdemo -> 1.0-1" "$W/rb.out")" 3
expect_eq "requested: host3" "$(rbstate "$D1" "$W/host3")" running
run_agents
cli deploy show "$D1" --json >"$W/show.json"
for r in $W/host3 $W/host4 $W/host5; do
	expect_eq "rpm db on $r (rolled back)" "$(dbver "$r")" 1.0-1
	expect_eq "%post of 1.0 ran again on $r" "$(configured "$r")" 1.0
	expect_eq "deploy show --json: $r" "$(jq -r --argjson h "$(cat "$r.id")" \
		'.hosts[] | select(.host_id == $h) | .rollback | .state + " " + .packages[0].old_version + " -> " + .packages[0].new_version' \
		"$W/show.json")" "rolled_back 1.1-1 -> 1.0-1"
done
for r in $W/host1 $W/host2; do
	expect_eq "rpm db on $r (not selected)" "$(dbver "$r")" 1.1-1
	expect_eq "deploy show: $r" "$(rbstate "$D1" "$r")" null
done
echo "ok"
