/* SPDX-License-Identifier: MIT */
/*
 * Benchmark of the rollout state machine as the server's scheduler runs
 * it: one deployment over N hosts in three rings (1%, 9%, 90%), host
 * results arriving at R per minute (each applied as it comes, as the
 * check-in handler does), a scheduler tick every T seconds, and after
 * each tick what a server stores: the deployment without its hosts plus
 * the host rows that changed (encoded as JSON), and a full snapshot with
 * every host every 10 minutes.  Simulated
 * time runs as fast as the CPU allows; the figure that matters is CPU
 * seconds spent per simulated second (x 100 = percent of one core).
 *
 *   bench_rollout [hosts] [results_per_minute] [tick_seconds]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fleetpatch/rollout.h"

static double cpu_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	long hosts = argc > 1 ? strtol(argv[1], NULL, 10) : 100000;
	long per_min = argc > 2 ? strtol(argv[2], NULL, 10) : 10000;
	long tick_every = argc > 3 ? strtol(argv[3], NULL, 10) : 5;
	struct fp_deployment dep;
	struct fp_rollout_actions acts;
	struct fp_rollout_env env = { .now = 1796000000 };
	struct fp_diag d;
	int64_t *queue, *dirty;
	size_t n_dirty = 0, rows = 0;
	size_t qhead = 0, qtail = 0;
	long ring_size[3], results = 0, ticks = 0, saves = 0;
	double cpu0, cpu_tick = 0, cpu_res = 0, cpu_save = 0, t;
	size_t json_bytes = 0;
	time_t start = env.now;
	unsigned seed = 1;

	if (hosts < 100 || per_min < 60 || tick_every < 1) {
		fprintf(stderr, "usage: bench_rollout [hosts>=100] [results/min>=60] [tick s>=1]\n");
		return 2;
	}
	ring_size[0] = hosts / 100;
	ring_size[1] = hosts * 9 / 100;
	ring_size[2] = hosts - ring_size[0] - ring_size[1];
	fp_deployment_init(&dep);
	fp_rollout_actions_init(&acts);
	fp_diag_init(&d, NULL);
	dep.id = 1;
	dep.state = FP_DEP_APPROVED;
	dep.n_rings = 3;
	for (int r = 0; r < 3; r++) {
		snprintf(dep.rings[r].name, sizeof(dep.rings[r].name), "ring%d", r);
		dep.rings[r].success_threshold = 95;
		dep.rings[r].soak = 600;
	}
	for (long i = 0, id = 1; i < 3; i++)
		for (long k = 0; k < ring_size[i]; k++)
			if (fp_deployment_add_host(&dep, id++, (size_t)i, false))
				return 1;
	if (fp_deployment_check(&dep, env.now, NULL, 0, &d)) {
		fprintf(stderr, "check: %s\n", d.msg);
		return 1;
	}
	queue = calloc((size_t)hosts + 1, sizeof(*queue));
	dirty = calloc((size_t)hosts * 2 + 1, sizeof(*dirty));
	if (!queue || !dirty)
		return 1;
	cpu0 = cpu_now();
	while (dep.state != FP_DEP_COMPLETED && dep.state != FP_DEP_HALTED &&
	       env.now - start < 7 * 86400) {
		/* One simulated second: its share of results, then maybe a tick. */
		long due = per_min / 60 + ((env.now % 60) < per_min % 60);
		t = cpu_now();
		for (long i = 0; i < due && qhead < qtail; i++) {
			int64_t host = queue[qhead++];
			dirty[n_dirty++] = host;
			struct fp_rollout_host *h = fp_deployment_host(&dep, host);
			struct fp_rollout_event ev = {
				.kind = FP_EV_RESULT, .host_id = host,
				.job_id = h->job_id,
				.status = (rand_r(&seed) % 100) < 1 ? FP_JOB_FAILED
								    : FP_JOB_SUCCEEDED };
			acts.n = 0;
			if (fp_rollout_apply(&dep, &ev, &env, &acts, &d))
				return 1;
			results++;
		}
		cpu_res += cpu_now() - t;
		if (env.now % tick_every == 0) {
			t = cpu_now();
			acts.n = 0;
			if (fp_rollout_tick(&dep, &env, &acts))
				return 1;
			for (size_t i = 0; i < acts.n; i++)
				if (acts.v[i].kind == FP_ACT_DISPATCH) {
					queue[qtail++] = acts.v[i].host_id;
					dirty[n_dirty++] = acts.v[i].host_id;
				}
			ticks++;
			cpu_tick += cpu_now() - t;
			t = cpu_now();
			bool full = (env.now - start) % 600 == 0;
			json_t *j = fp_deployment_to_json(&dep, full);
			char *s = json_dumps(j, JSON_COMPACT);
			json_bytes += strlen(s);
			free(s);
			json_decref(j);
			for (size_t i = 0; i < n_dirty; i++) {
				json_t *h = fp_rollout_host_to_json(
					fp_deployment_host(&dep, dirty[i]));
				s = json_dumps(h, JSON_COMPACT);
				json_bytes += strlen(s);
				free(s);
				json_decref(h);
			}
			rows += n_dirty;
			n_dirty = 0;
			saves++;
			cpu_save += cpu_now() - t;
		}
		env.now++;
	}
	t = cpu_now() - cpu0;
	printf("rollout: %ld hosts in 3 rings (%ld/%ld/%ld), %ld results/min, tick every %lds\n",
	       hosts, ring_size[0], ring_size[1], ring_size[2], per_min, tick_every);
	printf("rollout: state %s after %ld simulated s (%.1f h); %ld results, %ld ticks, %ld saves: %zu host rows, %zu JSON bytes\n",
	       fp_dep_state_name(dep.state), (long)(env.now - start),
	       (double)(env.now - start) / 3600, results, ticks, saves, rows, json_bytes);
	printf("rollout: cpu %.2f s total: results %.3f s, ticks %.2f s, json saves %.2f s\n",
	       t, cpu_res, cpu_tick, cpu_save);
	printf("rollout: %.2f%% of one core (state machine %.2f%%, json %.2f%%)\n",
	       100.0 * t / (double)(env.now - start),
	       100.0 * (cpu_res + cpu_tick) / (double)(env.now - start),
	       100.0 * cpu_save / (double)(env.now - start));
	free(queue);
	free(dirty);
	fp_rollout_actions_release(&acts);
	fp_deployment_release(&dep);
	return dep.state == FP_DEP_COMPLETED || dep.state == FP_DEP_HALTED ? 0 : 1;
}
