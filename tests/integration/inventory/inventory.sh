#!/bin/sh
# fleetpatch-agent inventory against the real dpkg database of this machine
# and against fake roots: the package list must equal dpkg-query's
# installed (ii/hi) packages exactly; hostile databases and a missing
# os-release give exit 2 and an error naming the file and line.  (Restart
# detection is tested in tests/unit/inventory: the command only looks at
# processes older than the last package change.)
set -eu
LINES=$1
AGENT="$FP_BIN_DIR/fleetpatch-agent"
DATA="$FP_TEST_DATA/inventory"
TMP=$(mktemp -d "${FP_BUILD_DIR:-/tmp}/inventory.XXXXXX")
trap 'rm -rf "$TMP"' EXIT INT TERM
fail() { echo "FAIL: $*" >&2; exit 1; }

# dpkg-query's view: installed (ii) and held (hi) packages.
dpkg_want() {
	dpkg-query ${1:+--admindir="$1"} -W \
		-f='${db:Status-Abbrev} ${Package} ${Version} ${Architecture}\n' |
		awk '$1 == "ii" || $1 == "hi" { print $2, $3, $4 }' | LC_ALL=C sort
}
ours() { "$LINES" | awk '$1 == "pkg" && $5 == "deb" { print $2, $3, $4 }' | LC_ALL=C sort; }

# 1. This machine.  Other work on the machine (unattended-upgrades, say)
# may install packages meanwhile: compare only when dpkg-query says the
# same before and after.
for try in 1 2 3 4 5; do
	dpkg_want > "$TMP/live.before"
	"$AGENT" inventory --no-updates --json > "$TMP/live.json" || fail "live inventory failed"
	"$AGENT" inventory --no-updates > "$TMP/summary" || fail "summary failed"
	dpkg_want > "$TMP/live.want"
	cmp -s "$TMP/live.before" "$TMP/live.want" && break
	echo "live: the dpkg database changed during the inventory, again ($try)"
	sleep 2
done
ours < "$TMP/live.json" > "$TMP/live.got"
[ -s "$TMP/live.want" ] || fail "dpkg-query listed nothing"
diff -u "$TMP/live.want" "$TMP/live.got" || fail "live package list differs from dpkg-query"
"$LINES" < "$TMP/live.json" > "$TMP/live.lines"
grep -qx "field os_id $(. /etc/os-release; echo "$ID")" "$TMP/live.lines" || fail "os id"
grep -qx "field kernel $(uname -r)" "$TMP/live.lines" || fail "kernel"
grep -qx "field arch $(uname -m)" "$TMP/live.lines" || fail "arch"
grep -qx "field updates_checked 0" "$TMP/live.lines" || fail "--no-updates still checked"
echo "ok live: $(wc -l < "$TMP/live.got") packages equal dpkg-query"

# The summary names the package count per ecosystem.
n=$(wc -l < "$TMP/live.want")
grep -q "^packages  *$n deb $n\$" "$TMP/summary" || { cat "$TMP/summary"; fail "summary count"; }

# 2. A fake root with a copied status file.
R="$TMP/root"
mkdir -p "$R/var/lib/dpkg" "$R/etc" "$R/boot"
cp /var/lib/dpkg/status "$R/var/lib/dpkg/status"
cp /etc/os-release "$R/etc/os-release"
echo 0123456789abcdef0123456789abcdef > "$R/etc/machine-id"
: > "$R/boot/vmlinuz-6.1.0-7-amd64"
: > "$R/boot/vmlinuz-6.1.0-21-amd64"
"$AGENT" inventory --root "$R" --no-updates --json > "$TMP/root.json" || fail "--root inventory failed"
ours < "$TMP/root.json" > "$TMP/root.got"
dpkg_want "$R/var/lib/dpkg" > "$TMP/root.want"
diff -u "$TMP/root.want" "$TMP/root.got" || fail "--root package list differs"
"$LINES" < "$TMP/root.json" > "$TMP/root.lines"
grep -qx "field kernel 6.1.0-21-amd64" "$TMP/root.lines" || fail "--root kernel"
grep -qx "field machine_id 0123456789abcdef0123456789abcdef" "$TMP/root.lines" || fail "--root machine-id"
grep -q '"uptime_seconds":-1' "$TMP/root.json" || fail "--root reported live uptime"
echo "ok --root: fake root equals dpkg-query --admindir"

# 3. Hostile databases: exit 2, file:line on stderr, nothing on stdout.
for case in truncated:4 binary:3 long-line:4 long-field:3 version-space:3 empty-upstream:3; do
	name=${case%%:*}
	line=${case#*:}
	cp "$DATA/dpkg/hostile-$name" "$R/var/lib/dpkg/status"
	rc=0
	"$AGENT" inventory --root "$R" --no-updates --json > "$TMP/bad.out" 2> "$TMP/bad.err" || rc=$?
	[ "$rc" = 2 ] || fail "hostile $name: exit $rc, want 2"
	[ ! -s "$TMP/bad.out" ] || fail "hostile $name: output written"
	grep -q "$R/var/lib/dpkg/status:$line" "$TMP/bad.err" ||
		{ cat "$TMP/bad.err"; fail "hostile $name: no file:line"; }
	echo "ok hostile $name: $(cat "$TMP/bad.err")"
done
cp /var/lib/dpkg/status "$R/var/lib/dpkg/status"

# 4. Missing os-release: the inventory is still printed, then exit 2
# naming the file.
rm "$R/etc/os-release"
rc=0
"$AGENT" inventory --root "$R" --no-updates --json > "$TMP/noos.json" 2> "$TMP/noos.err" || rc=$?
[ "$rc" = 2 ] || fail "missing os-release: exit $rc, want 2"
grep -q "$R/etc/os-release" "$TMP/noos.err" || fail "missing os-release: file not named"
ours < "$TMP/noos.json" > "$TMP/noos.got"
diff -q "$TMP/root.want" "$TMP/noos.got" >/dev/null || fail "missing os-release lost packages"
echo "ok missing os-release: $(cat "$TMP/noos.err")"

# 5. Bad usage.
rc=0; "$AGENT" inventory --bogus 2>/dev/null || rc=$?
[ "$rc" = 2 ] || fail "unknown option: exit $rc"
rc=0; "$AGENT" inventory --root "$TMP/none" --no-updates >/dev/null 2>&1 || rc=$?
[ "$rc" = 2 ] || fail "missing root directory: exit $rc, want 2"

echo "inventory: all checks passed"
