#!/bin/sh
# The rollout scheduler over 100,000 hosts in three rings with 10,000 host
# results per minute, ticking every 5 s and storing what changed after each
# tick (host rows; a full snapshot every 10 minutes).  Target: under 10% of
# one core.  Usage: run-rollout.sh BUILD_DIR
set -eu
build=$(cd "${1:-build}" && pwd)
exec nice "$build/bench/bench_rollout" 100000 10000 5
