#!/bin/sh
# Version comparison throughput, fleetpatch beside the real libraries on
# the same pairs in one run (bench/bench_version.c):
#  1. in-process loops: fp vs libdpkg, librpm's rpmvercmp and rpmverCmp,
#     with allocations per comparison (fleetpatch must make none);
#  2. batch end to end: `fleetpatch version compare --ecosystem deb
#     --batch` vs the libdpkg loop reading the same "A B" file (both
#     print < = > ! per line; the outputs must be identical).  Best of 5,
#     by CPU time (user+sys) and by wall time.
# Usage: bench/run-version.sh BUILD_DIR
set -eu
build=${1:-build}
bench="$build/bench/bench_version"
fp="$build/bin/fleetpatch"
[ -x "$bench" ] || { echo "run-version: $bench not built" >&2; exit 1; }
[ -x "$fp" ] || { echo "run-version: $fp not built" >&2; exit 1; }

"$bench" run 1000000

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$bench" pairs "$tmp/pairs"
# Four copies: enough lines that start-up time does not count.
cat "$tmp/pairs" "$tmp/pairs" "$tmp/pairs" "$tmp/pairs" >"$tmp/in"
lines=$(wc -l <"$tmp/in")

for round in 1 2 3 4 5; do
	"$bench" cpu "$tmp/in" "$tmp/fp.out" "$fp" version compare \
		--ecosystem deb --batch >>"$tmp/fp.t"
	"$bench" cpu "$tmp/in" "$tmp/dpkg.out" "$bench" dpkg-batch >>"$tmp/dpkg.t"
done
cmp -s "$tmp/fp.out" "$tmp/dpkg.out" || {
	echo "run-version: fleetpatch and libdpkg batch outputs differ" >&2
	exit 1
}
paste "$tmp/fp.t" "$tmp/dpkg.t" | awk -v n="$lines" '
	NR == 1 || $1 < fc { fc = $1 } NR == 1 || $2 < fw { fw = $2 }
	NR == 1 || $3 < dc { dc = $3 } NR == 1 || $4 < dw { dw = $4 }
	END {
		printf "batch deb  %d lines, outputs identical\n", n
		printf "  cpu      fleetpatch CLI %6.2f M lines/s   libdpkg loop %6.2f M lines/s   ratio %.2fx\n", n / fc / 1e6, n / dc / 1e6, dc / fc
		printf "  wall     fleetpatch CLI %6.2f M lines/s   libdpkg loop %6.2f M lines/s   ratio %.2fx\n", n / fw / 1e6, n / dw / 1e6, dw / fw
	}'
