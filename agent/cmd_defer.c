/* SPDX-License-Identifier: MIT */
/*
 * fleetpatch-agent defer [--state-dir DIR] [--request-dir DIR]
 *                        [--wait DURATION] [--json] JOB_ID
 *
 * Postpone a pending job by the job's deferral period, as many times as
 * the job allows and never past its deadline.  Root changes the state
 * directory itself; any other user asks the running agent through its
 * drop-box (agent/defer_box.h) and waits for the answer.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agent.h"
#include "defer_box.h"
#include "fleetpatch/util.h"
#include "jobs.h"

#define USAGE "usage: fleetpatch-agent defer [--state-dir DIR] [--request-dir DIR] " \
	      "[--wait DURATION] [--json] JOB_ID\n"

/* A user: ask the agent, print its answer. */
static int defer_by_request(const char *box, long long id, int64_t wait_s,
			    bool as_json)
{
	struct fp_diag diag;
	json_t *a = NULL;
	const char *st, *until, *err;
	int r, left;

	fp_diag_init(&diag, NULL);
	r = agent_defer_box_request(box, id, (unsigned)wait_s, &a, &diag);
	if (r) {
		fprintf(stderr, "fleetpatch-agent defer: %s\n",
			diag.msg[0] ? diag.msg : fp_strerror(r));
		return 1;
	}
	st = json_string_value(json_object_get(a, "status"));
	until = json_string_value(json_object_get(a, "deferred_until"));
	err = json_string_value(json_object_get(a, "error"));
	left = (int)json_integer_value(json_object_get(a, "deferrals_left"));
	r = st && !strcmp(st, "deferred") && until ? 0 : 1;
	if (as_json) {
		char *s = json_dumps(a, JSON_COMPACT);
		if (s)
			printf("%s\n", s);
		free(s);
	} else if (r == 0) {
		printf("job %lld deferred until %.32s (%d deferral%s left)\n", id,
		       until, left, left == 1 ? "" : "s");
	}
	if (r)
		fprintf(stderr, "fleetpatch-agent defer: %.512s\n",
			err ? err : "the agent refused (no reason given)");
	json_decref(a);
	return r;
}

int cmd_defer(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "state-dir", required_argument, NULL, 's' },
		{ "request-dir", required_argument, NULL, 'q' },
		{ "wait", required_argument, NULL, 'w' },
		{ "json", no_argument, NULL, 'J' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *state_dir = AGENT_DEFAULT_STATE_DIR;
	const char *box = AGENT_DEFAULT_REQUEST_DIR;
	int64_t wait_s = 30;
	bool as_json = false;
	struct fp_diag diag;
	char t[32];
	time_t until;
	int c, r, left = 0;
	long long id;
	char *end;

	optind = 1;
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (c) {
		case 's': state_dir = optarg; break;
		case 'q': box = optarg; break;
		case 'w':
			if (fp_duration_parse(optarg, &wait_s) || wait_s < 1 ||
			    wait_s > 600) {
				fprintf(stderr, "fleetpatch-agent defer: --wait wants 1s..10m: %.64s\n",
					optarg);
				return 2;
			}
			break;
		case 'J': as_json = true; break;
		case 'h':
			printf(USAGE);
			return 0;
		default:
			fprintf(stderr, USAGE);
			return 2;
		}
	}
	if (optind + 1 != argc) {
		fprintf(stderr, USAGE);
		return 2;
	}
	errno = 0;
	id = strtoll(argv[optind], &end, 10);
	if (*end || end == argv[optind] || id <= 0 || errno == ERANGE) {
		fprintf(stderr, "fleetpatch-agent defer: not a job id: %.64s%s\n",
			argv[optind], strlen(argv[optind]) > 64 ? "..." : "");
		return 2;
	}
	if (geteuid() != 0)
		return defer_by_request(box, id, wait_s, as_json);
	fp_diag_init(&diag, NULL);
	r = agent_job_defer(state_dir, id, time(NULL), (unsigned)getuid(), &until,
			    &left, &diag);
	if (r) {
		/* no file or position to name: the message alone */
		fprintf(stderr, "fleetpatch-agent defer: %s\n",
			diag.msg[0] ? diag.msg : fp_strerror(r));
		return r == FP_EINVAL ? 2 : 1;
	}
	fp_time_rfc3339(until, t);
	if (as_json)
		printf("{\"job_id\": %lld, \"deferred_until\": \"%s\", \"deferrals_left\": %d}\n",
		       id, t, left);
	else
		printf("job %lld deferred until %s (%d deferral%s left)\n",
		       id, t, left, left == 1 ? "" : "s");
	return 0;
}
