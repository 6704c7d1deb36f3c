#!/bin/sh
# A staged deployment through a real fleetpatchd under simulated agents
# (bench/loadgen, rollout phase): HOSTS hosts in three rings (RING1 % and
# RING2 % by group, the rest), checking in at RATE per minute.  First a
# baseline (the same check-ins, no deployment), then the deployment of one
# package until every ring is done, then the baseline again; fleetpatchd's
# CPU (/proc/PID/stat) is measured over each, and the deployment compared
# with the mean of the two baselines (the machine is shared and its speed
# drifts over half an hour).  Target: the deployment adds under 10% of
# one core.
# Fails when the deployment did not complete through every ring or a
# result went missing.  Usage: bench/run-rollout-server.sh BUILD_DIR
# Knobs (environment): FP_BENCH_HOSTS (100000), FP_BENCH_RATE (10000
# check-ins per minute), FP_BENCH_RING1 (1), FP_BENCH_RING2 (10),
# FP_BENCH_SOAK (30s), FP_BENCH_THRESHOLD (100), FP_BENCH_FAIL_SHARE (0:
# percent of jobs that fail), FP_BENCH_JOB_SECONDS (2: from a job's
# arrival to its report), FP_BENCH_BASELINE_SECONDS (120),
# FP_BENCH_LIMIT_SECONDS (3600: the deployment phase stops there),
# FP_BENCH_CONNECTIONS (16), FP_BENCH_JSON (a file for the summary).
set -eu
build=$(cd "${1:-build}" && pwd)
bin=$build/bin
hosts=${FP_BENCH_HOSTS:-100000}
rate=${FP_BENCH_RATE:-10000}
ring1=${FP_BENCH_RING1:-1}
ring2=${FP_BENCH_RING2:-10}
soak=${FP_BENCH_SOAK:-30s}
threshold=${FP_BENCH_THRESHOLD:-100}
fail_share=${FP_BENCH_FAIL_SHARE:-0}
job_secs=${FP_BENCH_JOB_SECONDS:-2}
base_secs=${FP_BENCH_BASELINE_SECONDS:-120}
limit=${FP_BENCH_LIMIT_SECONDS:-3600}
conns=${FP_BENCH_CONNECTIONS:-16}
summary=${FP_BENCH_JSON:-}
pkg=fleetpatch-bench
T=$(mktemp -d "${TMPDIR:-/tmp}/fp-bench.XXXXXX")
pid=
lg=
trap '[ -z "$lg" ] || kill "$lg" 2>/dev/null; [ -z "$pid" ] || kill "$pid" 2>/dev/null; wait 2>/dev/null; rm -rf "$T"' EXIT INT TERM

. "$(dirname "$0")/server-lib.sh"
cli() { "$bin/fleetpatch" --server "$url" --token "$token" "$@"; }
# fleetpatchd's user + system CPU so far, in clock ticks
ticks() { awk '{ print $14 + $15 }' "/proc/$pid/stat"; }
now() { date +%s.%N; }
hz=$(getconf CLK_TCK)
lgopts="--agents $hosts --connections $conns --package $pkg --agents-file $T/agents --no-progress --json"

# Poll as a watcher would, the same in both phases: the deployment list.
# Prints the deployment's state and its last ring that runs or soaks.
poll_state() {
	curl -fsS -H "Authorization: Bearer $token" \
		"$url/api/v1/deployments" >"$T/list.json" 2>/dev/null || {
		echo "$state $ring"
		return 0
	}
	jq -r --argjson id "${dep:-0}" 'map(select(.id == $id)) | .[0] |
		"\(.state // "none") \([.rings // [] | to_entries[] |
		select(.value.state == "running" or .value.state == "soaking") |
		.key + 1] | max // "-")"' "$T/list.json"
}
# CPU in % of one core between ticks $1 and $2 over the times $3 and $4
cpu_pct() { echo "$1 $2 $hz $3 $4" | awk '{ printf "%.2f", ($2 - $1) / $3 / ($5 - $4) * 100 }'; }

# Run the rollout phase for at most $1 seconds or until the deployment
# $dep finishes; sets cpu (% of one core), secs, state, and per_ring
# ("R:CPU:SECONDS ..." while ring R was the last one running or soaking).
measure() {
	state=none ring=- per_ring=
	t0=$(now)
	c0=$(ticks)
	tr=$t0 cr=$c0
	# shellcheck disable=SC2086
	nice -n 5 "$bin/fleetpatch-loadgen" --server "$url" $lgopts \
		--phases rollout --rate "$rate/min" --duration "$1" \
		--job-seconds "$job_secs" --fail-share "$fail_share" >"$T/lg.json" &
	lg=$!
	[ -z "${dep:-}" ] || cli deploy approve "$dep" >/dev/null
	while kill -0 "$lg" 2>/dev/null; do
		sleep 2
		# shellcheck disable=SC2046
		set -- $(poll_state)
		state=$1
		if [ "$2" != "$ring" ]; then
			tn=$(now) cn=$(ticks)
			[ "$ring" = - ] || per_ring="$per_ring $ring:$(cpu_pct "$cr" "$cn" "$tr" "$tn"):$(echo "$tr $tn" | awk '{ printf "%.0f", $2 - $1 }')"
			ring=$2 tr=$tn cr=$cn
		fi
		case $state in
		completed | halted | cancelled)
			kill -TERM "$lg" 2>/dev/null || true
			break ;;
		esac
	done
	wait "$lg" || { lg=; echo "loadgen failed" >&2; exit 1; }
	lg=
	c1=$(ticks)
	t1=$(now)
	[ "$ring" = - ] || per_ring="$per_ring $ring:$(cpu_pct "$cr" "$c1" "$tr" "$t1"):$(echo "$tr $t1" | awk '{ printf "%.0f", $2 - $1 }')"
	secs=$(echo "$t0 $t1" | awk '{ printf "%.1f", $2 - $1 }')
	cpu=$(cpu_pct "$c0" "$c1" "$t0" "$t1")
}

load=$(cut -d' ' -f1-3 /proc/loadavg)
echo "# $(nproc) cores, load average $load (shared machine), $(date -u +%FT%TZ)"
start_server
url=http://127.0.0.1:$port
s1=$(cli enroll-secret create --group bench-ring1)
s2=$(cli enroll-secret create --group bench-ring2)
s3=$(cli enroll-secret create)

echo "## enroll $hosts hosts (ring 1: $ring1%, ring 2: $ring2%, ring 3: the rest), package $pkg 1.0-1"
# shellcheck disable=SC2086
nice -n 5 "$bin/fleetpatch-loadgen" --server "$url" --secret "$s3" $lgopts \
	--connections 64 --ring-secret "$s1:$ring1" --ring-secret "$s2:$ring2" \
	--phases enroll,first >"$T/enroll.json"
jq -c '{phase, ok, errors, per_second}' "$T/enroll.json"
[ "$(jq -s 'map(.errors) | add' "$T/enroll.json")" = 0 ] ||
	{ echo "enrollment had errors" >&2; exit 1; }
for r in 1 2 3; do
	g=; [ "$r" = 3 ] || g="--group bench-ring$r"
	# shellcheck disable=SC2086
	cli rings set "bench-ring$r" $g --order "$r" --soak "$soak" \
		--threshold "$threshold" >/dev/null
done

echo "## baseline: $rate check-ins/min for ${base_secs}s, no deployment"
dep=
measure "$base_secs"
base_cpu=$cpu
base_rate=$(jq .checkins_per_minute "$T/lg.json")
echo "fleetpatchd CPU $base_cpu% of one core over ${secs}s ($base_rate check-ins/min)"

echo "## deployment of $pkg through three rings at $rate check-ins/min"
dep=$(cli deploy create --rings bench-ring1,bench-ring2,bench-ring3 \
	--package "$pkg" --name "bench $pkg" --json | jq .id)
measure "$limit"
dep_cpu=$cpu dep_secs=$secs dep_per_ring=$per_ring
cp "$T/lg.json" "$T/dep-lg.json"
cli deploy show "$dep" --json >"$T/dep.json"

# The machine is shared and drifts over half an hour: the baseline again
# after the deployment, and the deployment compared with their mean.
echo "## baseline again after the deployment: ${base_secs}s"
before_cpu=$base_cpu dep_id=$dep dep=
measure "$base_secs"
after_cpu=$cpu
base_cpu=$(echo "$before_cpu $after_cpu" | awk '{ printf "%.2f", ($1 + $2) / 2 }')
echo "fleetpatchd CPU $after_cpu% of one core over ${secs}s ($(jq .checkins_per_minute "$T/lg.json") check-ins/min); baselines before and after: mean $base_cpu%"
dep=$dep_id per_ring=$dep_per_ring
jq -c '{checkins, checkins_per_minute, reports, jobs, jobs_dropped, results, results_failed, results_pending, errors}' "$T/dep-lg.json"
jq -r '.rings[] | "ring \(.name): \(.state), \(.counts.total) hosts, \(.counts.succeeded) succeeded, \(.counts.failed) failed, started \(.started_at // "-"), finished \(.finished_at // "-")"' "$T/dep.json"
promotions=$(jq '[.rings[] | select(.state == "promoted" or .state == "done")] | length - 1' "$T/dep.json")
took=$(jq -r 'if .finished_at and .approved_at then ((.finished_at | fromdate) - (.approved_at | fromdate)) else "-" end' "$T/dep.json")
added=$(echo "$dep_cpu $base_cpu" | awk '{ printf "%.2f", $1 - $2 }')
ratio=$(echo "$dep_cpu $base_cpu" | awk '{ printf "%.2f", ($2 > 0 ? $1 / $2 : 0) }')
echo "fleetpatchd CPU: baseline $base_cpu% (before $before_cpu%, after $after_cpu%), deployment $dep_cpu% over ${dep_secs}s (x$ratio): added $added% of one core (target < 10%)"
for seg in $per_ring; do
	echo "$seg $base_cpu" | awk -F'[: ]' '{ printf "while ring %s ran: %s%% of one core over %ss, added %.2f%%\n", $1, $2, $3, $2 - $4 }'
done
peak=$(for seg in $per_ring; do echo "$seg"; done | awk -F: -v b="$base_cpu" 'BEGIN { m = 0 } { if ($2 - b > m) m = $2 - b } END { printf "%.2f", m }')
echo "deployment $(jq -r .state "$T/dep.json") after ${took}s, $promotions promotions, $(jq .hosts_total "$T/dep.json") hosts"

# Every ring reached and done; every job reported and taken.
jobs=$(jq .jobs "$T/dep-lg.json")
results=$(jq .results "$T/dep-lg.json")
finished=$(jq '[.rings[].counts | .succeeded + .failed + .rolled_back] | add' "$T/dep.json")
[ -z "$summary" ] || jq -n --argjson base "$base_cpu" --argjson cpu "$dep_cpu" \
	--argjson added "$added" --argjson secs "$dep_secs" \
	--argjson peak "$peak" --arg per_ring "$per_ring" \
	--argjson promotions "$promotions" --arg took "$took" \
	--slurpfile lg "$T/dep-lg.json" --slurpfile dep "$T/dep.json" \
	--argjson before "$before_cpu" --argjson after "$after_cpu" \
	'{baseline_cpu: $base, baseline_before: $before, baseline_after: $after,
	  deployment_cpu: $cpu, added_cpu: $added,
	  seconds: $secs, promotions: $promotions, took: $took,
	  added_cpu_peak_ring: $peak, per_ring: $per_ring,
	  loadgen: $lg[0], state: $dep[0].state, reason: $dep[0].reason,
	  rings: [$dep[0].rings[] | {name, state, counts}]}' >"$summary"
bad=
[ "$(jq -r .state "$T/dep.json")" = completed ] ||
	bad="deployment $(jq -r '.state + ": " + .reason' "$T/dep.json")"
[ "$(jq '[.rings[] | select(.state != "done" and .state != "promoted")] | length' "$T/dep.json")" = 0 ] ||
	bad="${bad:+$bad; }not every ring was reached"
[ "$jobs" = "$results" ] && [ "$results" = "$finished" ] ||
	bad="${bad:+$bad; }results missing: $jobs jobs handed out, $results reported, $finished taken by the server"
[ "$(jq .errors "$T/dep-lg.json")" = 0 ] || bad="${bad:+$bad; }check-in errors"
if [ -n "$bad" ]; then
	echo "FAIL: $bad" >&2
	exit 1
fi
stop_server
