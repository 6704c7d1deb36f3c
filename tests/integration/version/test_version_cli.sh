#!/bin/sh
# fleetpatch version compare: the single form, --batch, exit codes and
# messages, and agreement with the real dpkg --compare-versions and
# pacman's vercmp on pairs from the tables.
set -eu
fp="$FP_BIN_DIR/fleetpatch"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fails=0

fail() { echo "FAIL: $*" >&2; fails=$((fails + 1)); }

# expect ECO A B OUT: single compare prints OUT and exits 0.
expect() {
	got=$("$fp" version compare --ecosystem "$1" -- "$2" "$3") ||
		{ fail "$1 '$2' '$3' exited $?"; return; }
	[ "$got" = "$4" ] || fail "$1 '$2' '$3': got '$got', want '$4'"
}
expect deb 1.0 1.0~rc1 '>'
expect deb 1:1.0 2.0 '>'
expect deb 2.36-9+deb12u3 2.36-9+deb12u10 '<'
expect deb 1.0 1.0 '='
expect rpm 1.0~rc1-1 1.0-1 '<'
expect rpm 1.0^git1 1.0 '>'
expect apk 1.0_rc1-r0 1.0-r0 '<'
expect pacman 1:1.0-1 2.0-1 '>'
expect semver v1.2.3 1.2.3 '='
expect semver 1.0.0-rc.1 1.0.0 '<'
expect generic 1.8.0_391 1.8.0_401 '<'
expect generic 17.0.9+9 17.0.10+7 '<'

# Invalid input: exit 2, nothing on stdout, the argument and reason named.
set +e
out=$("$fp" version compare --ecosystem deb "1.0 beta" 1.0 2>"$tmp/err")
rc=$?
set -e
[ $rc -eq 2 ] || fail "invalid version: exit $rc, want 2"
[ -z "$out" ] || fail "invalid version printed '$out'"
grep -q "first (A) version '1.0 beta' is invalid: version string has embedded spaces at column 4" "$tmp/err" ||
	fail "message: $(cat "$tmp/err")"
set +e
"$fp" version compare --ecosystem deb 1.0 "" 2>"$tmp/err"
rc=$?
set -e
[ $rc -eq 2 ] && grep -q "second (B) version '' is invalid" "$tmp/err" ||
	fail "empty version: exit $rc, $(cat "$tmp/err")"
for args in "--ecosystem msi 1 2" "1 2" "--ecosystem deb 1" \
	"--ecosystem deb 1 2 3" "--ecosystem deb --bogus 1 2" \
	"--ecosystem deb --batch 1 2"; do
	set +e
	# shellcheck disable=SC2086
	"$fp" version compare $args >/dev/null 2>&1
	rc=$?
	set -e
	[ $rc -eq 2 ] || fail "usage '$args': exit $rc, want 2"
done

# --batch: one result per line, keeps going after bad lines.
printf '1.0 2.0\n2.0 1.0\n1.0 1.0\nbad 1.0\n\n1.0 2.0 3.0\n1:2 1:2-1\r\n3 2' >"$tmp/in"
set +e
"$fp" version compare --ecosystem deb --batch <"$tmp/in" >"$tmp/out" 2>"$tmp/err"
rc=$?
set -e
printf '<\n>\n=\n!\n!\n!\n<\n>\n' >"$tmp/want"
cmp -s "$tmp/out" "$tmp/want" || fail "batch output: $(tr '\n' ' ' <"$tmp/out")"
[ $rc -eq 2 ] || fail "batch with bad lines: exit $rc, want 2"
grep -q "line 4: first (A) version 'bad' is invalid" "$tmp/err" ||
	fail "batch message: $(cat "$tmp/err")"
grep -q "line 5: expected two versions" "$tmp/err" || fail "batch empty line"

# An over-long line is one '!' and the next lines still count.
{ head -c 300000 /dev/zero | tr '\0' '1'; printf '\n1 2\n2 1\n'; } >"$tmp/long"
set +e
"$fp" version compare --ecosystem deb --batch <"$tmp/long" >"$tmp/out" 2>"$tmp/err"
set -e
[ "$(tr '\n' ' ' <"$tmp/out")" = "! < > " ] ||
	fail "long line: $(tr '\n' ' ' <"$tmp/out")"
grep -q "line 1: longer than" "$tmp/err" || fail "long line message"

# All good lines: exit 0.
printf '1 2\n' | "$fp" version compare --ecosystem rpm --batch >/dev/null ||
	fail "clean batch exit $?"

# A caller feeding one line at a time gets each answer before the next
# line (batch output is flushed whenever input would block).
mkfifo "$tmp/to" "$tmp/from"
timeout 20 "$fp" version compare --ecosystem deb --batch <"$tmp/to" >"$tmp/from" 2>/dev/null &
exec 3>"$tmp/to" 4<"$tmp/from"
echo "1.0 2.0" >&3
r1=$(timeout 10 sh -c 'read -r r; echo "$r"' <&4) || r1=timeout
echo "2:1 1:2" >&3
r2=$(timeout 10 sh -c 'read -r r; echo "$r"' <&4) || r2=timeout
exec 3>&- 4<&-
wait || true
[ "$r1 $r2" = "< >" ] || fail "interactive batch: got '$r1 $r2'"

# Agreement with the real tools on the tables' pairs.
# table -> "A B" lines of the plain comparisons (no leading "-": dpkg
# would take it for an option)
pairs() {
	grep -v '^#' "$FP_TEST_DATA/version/$1" | grep -v '"' |
		awk 'NF == 3 && ($2 == "<" || $2 == "=" || $2 == ">") && $1 !~ /^-/ && $3 !~ /^-/ { print $1, $3 }'
}
pairs deb_dpkg_version.txt >"$tmp/deb"
pairs deb_fleetpatch.txt >>"$tmp/deb"
"$fp" version compare --ecosystem deb --batch <"$tmp/deb" >"$tmp/deb.out"
n=0
while read -r a b && read -r r <&3; do
	case $r in
	'<') op=lt ;; '=') op=eq ;; '>') op=gt ;; *) op=bad ;;
	esac
	dpkg --compare-versions "$a" "$op" "$b" 2>/dev/null ||
		fail "dpkg disagrees: $a $r $b"
	n=$((n + 1))
done <"$tmp/deb" 3<"$tmp/deb.out"
[ "$n" -gt 60 ] || fail "only $n deb pairs checked"

if command -v vercmp >/dev/null; then
	pairs pacman_vercmp.txt >"$tmp/pac"
	pairs pacman_fleetpatch.txt >>"$tmp/pac"
	"$fp" version compare --ecosystem pacman --batch <"$tmp/pac" >"$tmp/pac.out"
	while read -r a b && read -r r <&3; do
		v=$(vercmp "$a" "$b")
		case $v in -1) v='<' ;; 0) v='=' ;; 1) v='>' ;; esac
		[ "$v" = "$r" ] || fail "vercmp disagrees: $a $b: $v vs $r"
	done <"$tmp/pac" 3<"$tmp/pac.out"
fi

[ $fails -eq 0 ] || { echo "$fails failure(s)" >&2; exit 1; }
echo "ok"
