#!/bin/sh
# Inventory of this machine (--no-updates, JSON to /dev/null) against
# `dpkg-query -W`, side by side in one run: wall time per run (rounds
# alternate between the two so machine load hits both alike) and peak
# RSS.  Targets: at most half of dpkg-query's time, at most 4 MiB RSS.
# Usage: bench/run-inventory.sh BUILD_DIR   (RUNS=N per side, default 300)
set -eu
build=${1:-build}
AGENT="$build/bin/fleetpatch-agent"
RUNS=${RUNS:-300}
ROUNDS=5
per=$((RUNS / ROUNDS))
[ -x "$AGENT" ] || { echo "run-inventory: no $AGENT" >&2; exit 1; }
command -v dpkg-query >/dev/null || { echo "run-inventory: no dpkg-query" >&2; exit 1; }
[ -x /usr/bin/time ] || { echo "run-inventory: /usr/bin/time missing (package time)" >&2; exit 1; }

now_ns() { date +%s%N; }
ours() { "$AGENT" inventory --no-updates --json >/dev/null; }
theirs() { dpkg-query -W >/dev/null; }
loop() { i=0; while [ $i -lt "$per" ]; do "$1"; i=$((i + 1)); done; }

ours; theirs # warm the page cache
t_ours=0; t_theirs=0; r=0
while [ $r -lt $ROUNDS ]; do
	s=$(now_ns); loop ours; e=$(now_ns); t_ours=$((t_ours + e - s))
	s=$(now_ns); loop theirs; e=$(now_ns); t_theirs=$((t_theirs + e - s))
	r=$((r + 1))
done
n=$((per * ROUNDS))
us_ours=$((t_ours / n / 1000)); us_theirs=$((t_theirs / n / 1000))

peak() { m=0; for _ in 1 2 3 4 5; do
	k=$(/usr/bin/time -f %M "$@" 2>&1 >/dev/null | tail -1)
	[ "$k" -gt "$m" ] && m=$k; done; echo "$m"; }
rss_ours=$(peak "$AGENT" inventory --no-updates --json)
rss_theirs=$(peak dpkg-query -W)
pkgs=$("$AGENT" inventory --no-updates | awk '/^packages/ { print $2 }')

ratio=$(awk -v a="$us_ours" -v b="$us_theirs" 'BEGIN { printf "%.2f", a / b }')
printf 'inventory of this machine: %s packages, %d runs each, %d alternating rounds\n' \
	"$pkgs" "$n" "$ROUNDS"
printf '%-44s %10s %12s\n' command "wall/run" "peak RSS"
printf '%-44s %8d us %9d KiB\n' "fleetpatch-agent inventory --no-updates --json" \
	"$us_ours" "$rss_ours"
printf '%-44s %8d us %9d KiB\n' "dpkg-query -W" "$us_theirs" "$rss_theirs"
printf 'time ratio (ours/dpkg-query): %s (target <= 0.50); RSS target <= 4096 KiB\n' "$ratio"
ok=1
awk -v r="$ratio" 'BEGIN { exit !(r <= 0.5) }' || { echo "MISSED: time ratio $ratio > 0.50"; ok=0; }
[ "$rss_ours" -le 4096 ] || { echo "MISSED: peak RSS $rss_ours KiB > 4096"; ok=0; }
[ $ok = 1 ]
