/* SPDX-License-Identifier: MIT */
/*
 * fleetpatch-agent defer [--state-dir DIR] [--json] JOB_ID
 *
 * Postpone a pending job by the job's deferral period, as many times as
 * the job allows and never past its deadline.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent.h"
#include "fleetpatch/util.h"
#include "jobs.h"

int cmd_defer(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "state-dir", required_argument, NULL, 's' },
		{ "json", no_argument, NULL, 'J' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *state_dir = AGENT_DEFAULT_STATE_DIR;
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
		case 'J': as_json = true; break;
		case 'h':
			printf("usage: fleetpatch-agent defer [--state-dir DIR] [--json] JOB_ID\n");
			return 0;
		default:
			fprintf(stderr, "usage: fleetpatch-agent defer [--state-dir DIR] [--json] JOB_ID\n");
			return 2;
		}
	}
	if (optind + 1 != argc) {
		fprintf(stderr, "usage: fleetpatch-agent defer [--state-dir DIR] [--json] JOB_ID\n");
		return 2;
	}
	errno = 0;
	id = strtoll(argv[optind], &end, 10);
	if (*end || end == argv[optind] || id <= 0 || errno == ERANGE) {
		fprintf(stderr, "fleetpatch-agent defer: not a job id: %.64s%s\n",
			argv[optind], strlen(argv[optind]) > 64 ? "..." : "");
		return 2;
	}
	fp_diag_init(&diag, NULL);
	r = agent_job_defer(state_dir, id, time(NULL), &until, &left, &diag);
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
