#!/bin/sh
# A real pacman root: packages built with makepkg (run as the unprivileged
# user nobody, since makepkg refuses root), 1.0 installed with
# `pacman -U --root --dbpath --config`, a repo-add repository with 1.1.
# fleetpatch must report 1.0 -> 1.1 from that repository after --refresh,
# which syncs its private database directory, not the system's.
set -eu
DUMP=$1
TMP=$(mktemp -d "${FP_BUILD_DIR:-/tmp}/pkgroots-pacman.XXXXXX")
trap 'rm -rf "$TMP"' EXIT INT TERM
fail() { echo "FAIL: $*" >&2; exit 1; }
chmod 755 "$TMP"
R=$TMP/root
mkdir -p "$TMP/repo" "$R/var/lib/pacman" "$R/etc" "$R/var/cache/pacman/pkg"
printf 'ID=arch\nPRETTY_NAME="Arch Linux (fleetpatch test root)"\n' > "$R/etc/os-release"

mkpkg() { # name version
	d=$TMP/build-$1-$2
	mkdir -p "$d"
	cat > "$d/PKGBUILD" <<EOT
pkgname=$1
pkgver=$2
pkgrel=1
pkgdesc="fleetpatch test package"
arch=('any')
license=('MIT')
package() {
  mkdir -p "\$pkgdir/usr/share/$1"
  echo $2 > "\$pkgdir/usr/share/$1/version"
}
EOT
	chmod 777 "$d"
	(cd "$d" && setpriv --reuid=65534 --regid=65534 --clear-groups \
		env HOME="$d" PKGEXT=.pkg.tar.gz makepkg --nodeps --noconfirm \
		> "$d/makepkg.log" 2>&1) || { cat "$d/makepkg.log" >&2; fail "makepkg $1-$2"; }
	cp "$d/$1-$2-1-any.pkg.tar.gz" "$TMP/"
}
mkpkg fpt-hello 1.0
mkpkg fpt-hello 1.1
mkpkg fpt-same 1.0

cat > "$R/etc/pacman.conf" <<EOT
[options]
Architecture = auto
SigLevel = Never
[fpt]
Server = file://$TMP/repo
EOT
P="--root $R --dbpath $R/var/lib/pacman --config $R/etc/pacman.conf"
pacman $P --noconfirm -U "$TMP/fpt-hello-1.0-1-any.pkg.tar.gz" \
	"$TMP/fpt-same-1.0-1-any.pkg.tar.gz" > "$TMP/pacman.log" 2>&1 ||
	{ cat "$TMP/pacman.log" >&2; fail "pacman -U"; }
cp "$TMP/fpt-hello-1.1-1-any.pkg.tar.gz" "$TMP/fpt-same-1.0-1-any.pkg.tar.gz" "$TMP/repo/"
repo-add -q "$TMP/repo/fpt.db.tar.gz" "$TMP/repo/"*.pkg.tar.gz

# No sync database yet: nothing visible, metadata age unknown.
"$DUMP" "$R" > "$TMP/q0.out" || fail "query before refresh failed"
[ "$(head -1 "$TMP/q0.out")" = "manager	pacman	-1	0" ] || fail "before refresh: $(head -1 "$TMP/q0.out")"

"$DUMP" --refresh "$R" > "$TMP/q1.out" || fail "query with --refresh failed"
age=$(head -1 "$TMP/q1.out" | cut -f3)
[ "$age" -ge 0 ] && [ "$age" -lt 600 ] || fail "metadata age after refresh is $age"
printf 'fpt-hello\t-\t1.0-1\t1.1-1\t0\tfpt\n' > "$TMP/q1.exp"
tail -n +2 "$TMP/q1.out" | diff -u "$TMP/q1.exp" - || fail "pacman updates of the root"

# The refresh synced fleetpatch's database directory, not the system's.
[ -e "$R/var/lib/fleetpatch/pacman/sync/fpt.db" ] || fail "private sync database missing"
[ ! -e "$R/var/lib/pacman/sync/fpt.db" ] || fail "refresh touched the system sync databases"

# pacman's own view through the same databases agrees.
LC_ALL=C pacman --root "$R" --dbpath "$R/var/lib/fleetpatch/pacman" \
	--config "$R/etc/pacman.conf" -Qu > "$TMP/qu.txt"
[ "$(cat "$TMP/qu.txt")" = "fpt-hello 1.0-1 -> 1.1-1" ] || fail "pacman -Qu says: $(cat "$TMP/qu.txt")"

# The installed side and the whole report, through the agent.
AGENT=${FP_BIN_DIR:?}/fleetpatch-agent
CHECK=$(dirname "$0")/inventory_check.py
"$AGENT" inventory --root "$R" --json > "$TMP/inv1.json" || fail "agent inventory failed"
python3 "$CHECK" "$TMP/inv1.json" pacman --package fpt-hello=1.0-1=any \
	--package fpt-same=1.0-1=any --manager pacman --update fpt-hello=1.0-1=1.1-1=0 ||
	fail "agent inventory of the pacman root"

# A broken configuration is an error that names pacman, not "no updates".
echo 'garbage without section' > "$R/etc/pacman.conf"
rc=0; "$DUMP" "$R" > /dev/null 2> "$TMP/q2.err" || rc=$?
[ $rc = 1 ] || fail "broken pacman.conf not reported (exit $rc)"
grep -q 'pacman -Qu failed' "$TMP/q2.err" || fail "unclear error: $(cat "$TMP/q2.err")"
echo "pacman root: fpt-hello 1.0-1 -> 1.1-1 from repository fpt, agent inventory agrees"
