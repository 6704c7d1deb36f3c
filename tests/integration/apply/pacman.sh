#!/bin/bash
# fleetpatch-agent apply against real pacman in a temporary root: packages
# built with makepkg (as the unprivileged user nobody: makepkg refuses
# root), a repo-add repository holding the newest version only, as Arch
# repositories do; older versions come from the package cache.
. "$(dirname "$0")/lib.sh"

step "build packages with makepkg and a repository with repo-add"
chmod 755 "$W"
mkdir -p "$W/repo"
for v in 1.0 1.1; do
	d="$W/build-$v"
	mkdir -p "$d"
	printf 'pkgname=fpdemo\npkgver=%s\npkgrel=1\npkgdesc="fleetpatch test"\narch=(any)\nlicense=(MIT)\npackage() {\n  mkdir -p "$pkgdir/usr/share/fpdemo"\n  echo %s > "$pkgdir/usr/share/fpdemo/version"\n}\n' \
		"$v" "$v" >"$d/PKGBUILD"
	chmod 777 "$d"
	(cd "$d" && setpriv --reuid=65534 --regid=65534 --clear-groups \
		env HOME="$d" PKGEXT=.pkg.tar.gz makepkg --nodeps --noconfirm >"$d/log" 2>&1) ||
		fail "makepkg $v: $(cat "$d/log")"
done
cp "$W/build-1.1/fpdemo-1.1-1-any.pkg.tar.gz" "$W/repo/"
repo-add -q "$W/repo/fpt.db.tar.gz" "$W/repo/fpdemo-1.1-1-any.pkg.tar.gz"

R="$W/host1"
mkroot_shell "$R"
mkdir -p "$R/var/lib/pacman" "$R/var/cache/pacman/pkg"
printf '[options]\nArchitecture = auto\nSigLevel = Never\n[fpt]\nServer = file://%s/repo\n' "$W" >"$R/etc/pacman.conf"
P=(--root "$R" --dbpath "$R/var/lib/pacman" --config "$R/etc/pacman.conf")
pacman "${P[@]}" --noconfirm -U "$W/build-1.0/fpdemo-1.0-1-any.pkg.tar.gz" >/dev/null 2>&1 || fail "bootstrap"
# as if 1.0 had been downloaded into the cache when it was installed
cp "$W/build-1.0/fpdemo-1.0-1-any.pkg.tar.gz" "$R/var/cache/pacman/pkg/"
dbver() { LC_ALL=C pacman "${P[@]}" -Q fpdemo 2>/dev/null | cut -d' ' -f2; }
expect_eq "bootstrap" "$(dbver)" 1.0-1

step "the fix 1.1 from the repository, verified from the local database"
mkjob fix "$R" '{"packages":[{"name":"fpdemo","version":"1.1-1"}]}'
apply "$R" fix
expect_eq "rc ($(cat "$W/err") $(res .message))" "$RC" 0
expect_eq "backend" "$(res .backend)" pacman
expect_eq "package result" "$(res '.packages[0].result')" upgraded
expect_eq "db" "$(dbver)" 1.1-1

step "a version the repository does not have fails clearly"
mkjob nover "$R" '{"packages":[{"name":"fpdemo","version":"7.7-1"}]}'
apply "$R" nover
expect_eq "rc" "$RC" 1
expect_eq "package result" "$(res '.packages[0].result')" failed
expect_contains "$(res .log_tail)" "fpdemo=7.7-1" "log names the target"
expect_eq "db" "$(dbver)" 1.1-1

step "rollback from the package cache, and impossible without it"
mkjob back "$R" '{"action":"rollback","packages":[{"name":"fpdemo","version":"1.0"}]}'
apply "$R" back
expect_eq "rc ($(res .message))" "$RC" 0
expect_eq "package result" "$(res '.packages[0].result')" downgraded
expect_eq "db" "$(dbver)" 1.0-1
mkjob none "$R" '{"action":"rollback","packages":[{"name":"fpdemo","version":"0.9-1"}]}'
apply "$R" none
expect_eq "rc" "$RC" 1
expect_contains "$(res .message)" "rollback impossible: fpdemo 0.9-1" "message"

step "a stale db.lck (pacman killed) is found and removed at start"
touch "$R/var/lib/pacman/db.lck"
set +e
"$AGENT" apply --recover --json --state-dir "$R.state" --root "$R" >"$W/out.json" 2>"$W/err"
RC=$?
set -e
expect_eq "recover rc ($(cat "$W/err"))" "$RC" 0
expect_contains "$(res '.found[]')" "stale lock" "found"
expect_eq "repaired" "$(res .repaired)" true
[ ! -e "$R/var/lib/pacman/db.lck" ] || fail "lock still there"

check_results
echo "OK: apply_pacman ($STEP steps)"
