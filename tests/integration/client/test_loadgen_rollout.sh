#!/bin/sh
# fleetpatch-loadgen's rollout phase through bench/run-rollout-server.sh,
# in small (the benchmark itself is 100,000 hosts): 300 simulated hosts in
# three rings take a deployment through a real fleetpatchd, every job is
# reported and taken; then with failing jobs the deployment halts in the
# first ring, the next ring never starts and the script fails.
. "$(dirname "$0")/lib.sh"

bench() { # NAME [VAR=VALUE...]
	name=$1
	shift
	env FP_BENCH_HOSTS=300 FP_BENCH_RATE=6000 FP_BENCH_RING1=10 \
		FP_BENCH_RING2=30 FP_BENCH_BASELINE_SECONDS=2 FP_BENCH_SOAK=1s \
		FP_BENCH_JOB_SECONDS=0.2 FP_BENCH_LIMIT_SECONDS=90 \
		FP_BENCH_JSON="$T/$name.json" "$@" \
		sh "$FP_SOURCE_DIR/bench/run-rollout-server.sh" "$FP_BUILD_DIR" \
		>"$T/$name.out" 2>&1
}

bench ok || { cat "$T/ok.out"; fail "the benchmark failed"; }
cat "$T/ok.out"
j=$T/ok.json
assert_eq "state" completed "$(jq -r .state "$j")"
assert_eq "rings" "promoted promoted done" "$(jq -r '[.rings[].state] | join(" ")' "$j")"
assert_eq "hosts" 300 "$(jq '[.rings[].counts.total] | add' "$j")"
assert_eq "succeeded" 300 "$(jq '[.rings[].counts.succeeded] | add' "$j")"
n=$(jq '.rings[0].counts.total' "$j")
[ "$n" -ge 10 ] && [ "$n" -le 60 ] || fail "ring 1 should hold about 10% of 300 hosts: $n"
assert_eq "promotions" 2 "$(jq .promotions "$j")"
assert_eq "jobs" 300 "$(jq .loadgen.jobs "$j")"
assert_eq "results" 300 "$(jq .loadgen.results "$j")"
assert_eq "pending results" 0 "$(jq .loadgen.results_pending "$j")"
assert_eq "errors" 0 "$(jq .loadgen.errors "$j")"
[ "$(jq .loadgen.checkins "$j")" -gt 300 ] || fail "too few check-ins"
grep -q "added .* of one core" "$T/ok.out" || fail "no CPU figure"
grep -q "^## baseline again after the deployment" "$T/ok.out" || fail "no second baseline"
jq -e '(.baseline_cpu - (.baseline_before + .baseline_after) / 2) | fabs <= 0.006' "$j" >/dev/null ||
	fail "baseline is not the mean of before and after: $(jq -c '{baseline_cpu, baseline_before, baseline_after}' "$j")"

# Half the jobs fail: ring 1 breaches its 90% threshold and halts.
if bench halt FP_BENCH_FAIL_SHARE=50 FP_BENCH_THRESHOLD=90; then
	cat "$T/halt.out"
	fail "a halted deployment must fail the benchmark"
fi
cat "$T/halt.out"
j=$T/halt.json
assert_eq "state" halted "$(jq -r .state "$j")"
assert_eq "ring 2" waiting "$(jq -r '.rings[1].state' "$j")"
assert_eq "ring 3" waiting "$(jq -r '.rings[2].state' "$j")"
[ "$(jq .loadgen.results_failed "$j")" -gt 0 ] || fail "no failed results"
assert_eq "failed" "$(jq .loadgen.results_failed "$j")" \
	"$(jq '.rings[0].counts.failed' "$j")"
grep -q "FAIL: deployment halted" "$T/halt.out" || fail "no reason given"
echo ok
