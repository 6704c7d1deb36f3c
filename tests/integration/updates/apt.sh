#!/bin/sh
# Pending apt updates as fleetpatch sees them must equal `apt list
# --upgradable`: on this machine, and in a temporary root with its own dpkg
# status and two local repositories (one a "-security" suite), where
# updates are sure to exist.  Also: --refresh fetches the lists, a failing
# refresh is reported without losing the query, the query writes nothing.
set -eu
DUMP=$1
TMP=$(mktemp -d "${FP_BUILD_DIR:-/tmp}/updates-apt.XXXXXX")
trap 'rm -rf "$TMP"' EXIT INT TERM
fail() { echo "FAIL: $*" >&2; exit 1; }

# `apt list --upgradable` as "name arch installed candidate security"
apt_list() {
	LC_ALL=C apt list --upgradable "$@" 2>/dev/null | awk '
	/upgradable from:/ {
		split($1, a, "/"); name = a[1]; suites = a[2]
		sec = 0; n = split(suites, s, ",")
		for (i = 1; i <= n; i++) if (s[i] ~ /-security$/) sec = 1
		old = $NF; sub(/\]$/, "", old)
		print name "\t" $3 "\t" old "\t" $2 "\t" sec
	}' | sort
}
ours() { tail -n +2 | cut -f1-5 | sort; }
# The same five columns from `fleetpatch-agent inventory --json`.
AGENT=${FP_BIN_DIR:?}/fleetpatch-agent
agent_updates() {
	python3 -c '
import json, sys
inv = json.load(open(sys.argv[1]))
assert inv["updates_checked"] and inv["package_manager"] == "apt", "updates not checked by apt"
for u in inv["updates"]:
    print("\t".join([u["name"], u["arch"], u["installed_version"],
                     u["candidate_version"], "1" if u["security"] else "0"]))
' "$1" | sort
}

# 1. This machine (possibly no updates at all: still must be equal),
# through the agent (fp_updates_query on the live system).  Other work on
# the machine may install packages or update the lists meanwhile: compare
# only when apt list says the same before and after.
for try in 1 2 3 4 5; do
	apt_list > "$TMP/live.before"
	"$AGENT" inventory --json > "$TMP/live.json" || fail "agent inventory of the live system failed"
	apt_list > "$TMP/live.want"
	cmp -s "$TMP/live.before" "$TMP/live.want" && break
	echo "live: the system changed during the query, again ($try)"
	sleep 2
done
agent_updates "$TMP/live.json" > "$TMP/live.got"
diff -u "$TMP/live.want" "$TMP/live.got" || fail "live updates differ from apt list --upgradable"
echo "live: $(wc -l < "$TMP/live.got") updates, $(awk -F'\t' '$5==1' "$TMP/live.got" | wc -l) security, equal to apt list"

# 2. A temporary root with local repositories.
mkdeb() { # name version repo-dir
	d=$TMP/build-$1-$2
	mkdir -p "$d/DEBIAN"
	printf 'Package: %s\nVersion: %s\nArchitecture: all\nMaintainer: Test <t@example.org>\nDescription: fleetpatch test package\n' "$1" "$2" > "$d/DEBIAN/control"
	dpkg-deb -Zgzip --build "$d" "$3/$1_$2_all.deb" > /dev/null
}
R=$TMP/root
mkdir -p "$TMP/repo/plain" "$TMP/repo/security" "$R/var/lib/dpkg" \
	"$R/etc/apt/apt.conf.d" "$R/etc/apt/preferences.d" \
	"$R/etc/apt/sources.list.d" "$R/var/lib/apt/lists/partial" \
	"$R/var/cache/apt/archives/partial"
mkdeb fpt-plain 1.1 "$TMP/repo/plain"
mkdeb fpt-same 1.0 "$TMP/repo/plain"
mkdeb fpt-new 1.0 "$TMP/repo/plain"
mkdeb fpt-both 1.1 "$TMP/repo/plain"
mkdeb fpt-epoch 1:0.9 "$TMP/repo/plain"
mkdeb fpt-sec 1.1~rc1 "$TMP/repo/security"
# The very same file in both suites, as archives do (a rebuilt .deb with
# the same version is a different package to apt).
cp "$TMP/repo/plain/fpt-both_1.1_all.deb" "$TMP/repo/security/"
mkdeb fpt-old 0.9 "$TMP/repo/security"
for s in plain security; do
	suite=bookworm; [ $s = security ] && suite=bookworm-security
	(cd "$TMP/repo/$s" && apt-ftparchive packages . > Packages 2>/dev/null &&
	 apt-ftparchive -o APT::FTPArchive::Release::Suite=$suite \
		-o APT::FTPArchive::Release::Origin=FPTest release . > Release)
done
for p in fpt-plain:1.0 fpt-sec:1.0 fpt-same:1.0 fpt-both:1.0 fpt-epoch:2.0 fpt-old:1.0; do
	printf 'Package: %s\nStatus: install ok installed\nPriority: optional\nSection: misc\nMaintainer: Test <t@example.org>\nArchitecture: all\nVersion: %s\nDescription: test\n\n' "${p%%:*}" "${p#*:}"
done > "$R/var/lib/dpkg/status"
printf 'deb [trusted=yes] file:%s ./\n' "$TMP/repo/plain" "$TMP/repo/security" > "$R/etc/apt/sources.list"
printf 'ID=debian\nVERSION_ID="12"\nVERSION_CODENAME=bookworm\nPRETTY_NAME="Debian GNU/Linux 12 (fleetpatch test root)"\n' > "$R/etc/os-release"
sum_before=$(sha256sum "$R/var/lib/dpkg/status")

# Without lists nothing is visible: stale metadata hides updates.
"$DUMP" "$R" > "$TMP/r0.out" || fail "query of the fresh root failed"
[ "$(head -1 "$TMP/r0.out" | cut -f4)" = 0 ] || fail "updates seen before any refresh"

"$DUMP" --refresh "$R" > "$TMP/r1.out" || fail "query with --refresh failed"
age=$(head -1 "$TMP/r1.out" | cut -f3)
[ "$age" -ge 0 ] && [ "$age" -lt 600 ] || fail "metadata age after refresh is $age"
set -- -o Dir="$R" -o Dir::State::status="$R/var/lib/dpkg/status"
apt_list "$@" > "$TMP/r1.want"
ours < "$TMP/r1.out" > "$TMP/r1.got"
diff -u "$TMP/r1.want" "$TMP/r1.got" || fail "root updates differ from apt list --upgradable"
# And what that is, so equal-but-empty cannot pass.
cat > "$TMP/r1.exp" <<EOT
fpt-both	all	1.0	1.1	1
fpt-epoch	all	2.0	1:0.9	0
fpt-plain	all	1.0	1.1	0
fpt-sec	all	1.0	1.1~rc1	1
EOT
diff -u "$TMP/r1.exp" "$TMP/r1.got" || fail "root updates are not the expected three"
grep -q '^fpt-sec	.*bookworm-security$' "$TMP/r1.out" || fail "origin of fpt-sec missing"

# The agent reports the same for the root, beside its installed packages.
"$AGENT" inventory --root "$R" --json > "$TMP/r1.json" || fail "agent inventory of the root failed"
agent_updates "$TMP/r1.json" | diff -u "$TMP/r1.exp" - || fail "agent inventory updates of the root"
python3 "$FP_SOURCE_DIR/tests/integration/pkgroots/inventory_check.py" "$TMP/r1.json" deb \
	--package fpt-plain=1.0=all --package fpt-epoch=2.0=all --package fpt-old=1.0=all ||
	fail "agent inventory packages of the root"

# Read-only: the status is untouched and no package cache was written.
[ "$(sha256sum "$R/var/lib/dpkg/status")" = "$sum_before" ] || fail "dpkg status changed"
[ ! -e "$R/var/cache/apt/pkgcache.bin" ] || fail "query wrote a package cache"

# A refresh that fails is reported, and the query still answers.
printf 'deb [trusted=yes] file:%s/missing ./\n' "$TMP" >> "$R/etc/apt/sources.list"
rc=0; "$DUMP" --refresh "$R" > "$TMP/r2.out" 2> "$TMP/r2.err" || rc=$?
[ $rc = 3 ] || fail "failed refresh not reported (exit $rc)"
grep -q 'apt-get update failed' "$TMP/r2.err" || fail "refresh error does not say what failed: $(cat "$TMP/r2.err")"
ours < "$TMP/r2.out" | diff -u "$TMP/r1.exp" - || fail "updates lost after a failed refresh"
echo "root: 4 updates (2 security) equal to apt list --upgradable, agent agrees"
