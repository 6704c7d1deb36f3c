#!/bin/sh
# fleetpatchd under simulated agents (bench/loadgen): check-in throughput
# and latency, full inventories per second, mass enrollment with the
# server's memory.  Usage: bench/run-server.sh BUILD_DIR
# Knobs (environment): FP_BENCH_AGENTS (2000), FP_BENCH_SECONDS (10 per
# phase), FP_BENCH_CONNECTIONS (64), FP_BENCH_ENROLL_HOSTS (1000000),
# FP_BENCH_ENROLL_SECONDS (300: the mass enrollment stops there),
# FP_BENCH_ENROLL_INVENTORY (full: each enrollment carries an image's
# packages; empty: identity only, the fast path to many hosts),
# FP_BENCH_PHASES (enroll,first,full,unchanged,delta), FP_BENCH_MASS
# (1; 0 skips the mass enrollment).
set -eu
build=$(cd "${1:-build}" && pwd)
bin=$build/bin
agents=${FP_BENCH_AGENTS:-2000}
secs=${FP_BENCH_SECONDS:-10}
conns=${FP_BENCH_CONNECTIONS:-64}
mass=${FP_BENCH_ENROLL_HOSTS:-1000000}
mass_secs=${FP_BENCH_ENROLL_SECONDS:-300}
mass_inv=${FP_BENCH_ENROLL_INVENTORY:-full}
phases=${FP_BENCH_PHASES:-enroll,first,full,unchanged,delta}
do_mass=${FP_BENCH_MASS:-1}
T=$(mktemp -d "${TMPDIR:-/tmp}/fp-bench.XXXXXX")
pid=
trap '[ -z "$pid" ] || kill "$pid" 2>/dev/null; wait 2>/dev/null; rm -rf "$T"' EXIT INT TERM

. "$(dirname "$0")/server-lib.sh"
rss() { awk '/^VmRSS/ { printf "%.1f MiB", $2 / 1024 }' "/proc/$pid/status"; }
hwm() { awk '/^VmHWM/ { printf "%.1f MiB", $2 / 1024 }' "/proc/$pid/status"; }

echo "# $(nproc) cores, $(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo), $(date -u +%FT%TZ)"

# 1. Check-ins: enroll a fleet, then timed rounds of each kind.
start_server
url=http://127.0.0.1:$port
secret=$("$bin/fleetpatch" --server "$url" --token "$token" enroll-secret create)
echo "## check-ins: $agents agents, $conns connections, $secs s per phase"
nice -n 5 "$bin/fleetpatch-loadgen" --server "$url" --secret "$secret" \
	--agents "$agents" --connections "$conns" --duration "$secs" \
	--phases "$phases" --no-progress
echo "server RSS $(rss) (peak $(hwm))"
stop_server
[ "$do_mass" = 1 ] || exit 0

# 2. Mass enrollment: as many of $mass hosts as $mass_secs seconds allow,
# each with the full inventory of one of the fleet's images.
start_server
url=http://127.0.0.1:$port
secret=$("$bin/fleetpatch" --server "$url" --token "$token" enroll-secret create)
echo "## mass enrollment: up to $mass hosts in $mass_secs s ($mass_inv inventories)"
nice -n 5 "$bin/fleetpatch-loadgen" --server "$url" --secret "$secret" \
	--agents "$mass" --connections "$conns" --phases enroll \
	--enroll-limit "$mass_secs" --enroll-inventory "$mass_inv" --no-progress --json | tee "$T/mass.json"
echo "hosts enrolled: $(jq .ok "$T/mass.json"); server RSS $(rss) (peak $(hwm)); data dir $(du -sh "$T/data" | cut -f1)"
stop_server
