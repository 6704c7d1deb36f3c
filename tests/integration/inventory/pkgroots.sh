#!/bin/sh
# Inventory of real rpm and pacman roots: packages built with rpmbuild and
# makepkg, installed by rpm and pacman themselves into temporary roots; the
# agent's package list for --root must equal what rpm -qa and pacman -Q say.
set -eu
LINES=$1
AGENT="$FP_BIN_DIR/fleetpatch-agent"
TMP=$(mktemp -d "${FP_BUILD_DIR:-/tmp}/inventory-pkgroots.XXXXXX")
trap 'rm -rf "$TMP"' EXIT INT TERM
fail() { echo "FAIL: $*" >&2; exit 1; }
chmod 755 "$TMP"
ours() { # root ecosystem -> "name version arch source"
	"$AGENT" inventory --root "$1" --no-updates --json > "$TMP/out.json" ||
		fail "inventory --root $1"
	"$LINES" < "$TMP/out.json" | awk -v e="$2" '$1 == "pkg" && $5 == e { print $2, $3, $4, $6 }' |
		LC_ALL=C sort
}

# rpm: the three fpt-* packages of the pkgroots tests, installed by rpm.
if command -v rpmbuild >/dev/null && command -v createrepo_c >/dev/null; then
	R=$TMP/rpmroot
	mkdir -p "$R/etc"
	printf 'ID="almalinux"\nVERSION_ID="9.3"\nPRETTY_NAME="AlmaLinux 9.3"\n' > "$R/etc/os-release"
	. "$FP_SOURCE_DIR/tests/integration/pkgroots/rpmroot.sh"
	HOME=$TMP/home rpm --root "$R" -qa \
		--qf '%{NAME} %{VERSION}-%{RELEASE} %{ARCH} %{SOURCERPM}\n' |
		sed 's/-[^-]*-[^-]*\.src\.rpm$//' | LC_ALL=C sort > "$TMP/rpm.want"
	[ "$(wc -l < "$TMP/rpm.want")" = 3 ] || fail "rpm lists $(cat "$TMP/rpm.want")"
	ours "$R" rpm > "$TMP/rpm.got"
	diff -u "$TMP/rpm.want" "$TMP/rpm.got" || fail "rpm root differs from rpm -qa"
	"$LINES" < "$TMP/out.json" | grep -qx 'field os_id almalinux' || fail "rpm root os"
	echo "ok rpm root: $(tr '\n' ';' < "$TMP/rpm.got")"
fi

# pacman: a split package (pkgbase fpt-base -> fpt-a, fpt-b) and an epoch.
if command -v makepkg >/dev/null && command -v pacman >/dev/null; then
	R=$TMP/pacroot
	B=$TMP/build
	mkdir -p "$R/var/lib/pacman" "$R/usr/lib" "$B"
	printf 'NAME="Arch Linux"\nID=arch\nBUILD_ID=rolling\n' > "$R/usr/lib/os-release"
	mkdir -p "$R/etc"
	cat > "$B/PKGBUILD" <<'EOT'
pkgbase=fpt-base
pkgname=(fpt-a fpt-b)
pkgver=2.5
pkgrel=3
epoch=1
pkgdesc="fleetpatch inventory test package"
arch=('any')
license=('MIT')
package_fpt-a() { mkdir -p "$pkgdir/usr/share/fpt-a"; echo a > "$pkgdir/usr/share/fpt-a/x"; }
package_fpt-b() { mkdir -p "$pkgdir/usr/share/fpt-b"; echo b > "$pkgdir/usr/share/fpt-b/x"; }
EOT
	chmod 777 "$B"
	(cd "$B" && setpriv --reuid=65534 --regid=65534 --clear-groups \
		env HOME="$B" PKGEXT=.pkg.tar.gz makepkg --nodeps --noconfirm \
		> "$B/makepkg.log" 2>&1) || { cat "$B/makepkg.log" >&2; fail "makepkg"; }
	printf '[options]\nArchitecture = auto\nSigLevel = Never\n' > "$R/etc/pacman.conf"
	pacman --root "$R" --dbpath "$R/var/lib/pacman" --config "$R/etc/pacman.conf" \
		--noconfirm -U "$B"/fpt-a-*.pkg.tar.gz "$B"/fpt-b-*.pkg.tar.gz \
		> "$B/pacman.log" 2>&1 || { cat "$B/pacman.log" >&2; fail "pacman -U"; }
	pacman --root "$R" --dbpath "$R/var/lib/pacman" -Q |
		awk '{ print $1, $2, "any", "fpt-base" }' | LC_ALL=C sort > "$TMP/pac.want"
	[ "$(wc -l < "$TMP/pac.want")" = 2 ] || fail "pacman -Q lists $(cat "$TMP/pac.want")"
	grep -q '^fpt-a 1:2.5-3 ' "$TMP/pac.want" || fail "unexpected pacman -Q: $(cat "$TMP/pac.want")"
	ours "$R" pacman > "$TMP/pac.got"
	diff -u "$TMP/pac.want" "$TMP/pac.got" || fail "pacman root differs from pacman -Q"
	"$LINES" < "$TMP/out.json" | grep -qx 'field os_id arch' || fail "pacman root os"
	echo "ok pacman root: $(tr '\n' ';' < "$TMP/pac.got")"
fi
echo "inventory pkgroots: all checks passed"
