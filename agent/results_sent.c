/* SPDX-License-Identifier: MIT */
/*
 * Delivered job results (jobs.h): kept in sent/ so a job handed out again
 * is answered with its stored result, never run twice.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "fleetpatch/alloc.h"
#include "fleetpatch/util.h"
#include "jobs.h"
#include "state.h"

#define STATE_PATH_MAX 4096

static int state_path(char out[STATE_PATH_MAX], const char *state_dir,
		      const char *rel)
{
	return fp_path_join(out, STATE_PATH_MAX, state_dir, rel);
}

static void result_rel(char rel[64], const char *dir, int64_t job_id)
{
	snprintf(rel, 64, "%s/%lld.json", dir, (long long)job_id);
}

/*
 * Delivered results stay in sent/ while their job could still be handed
 * out again (FP_JOB_MAX_LIFETIME), at most AGENT_SENT_MAX of them: the
 * oldest go first.
 */
void agent_jobs_sent_prune(const char *dir, time_t now)
{
	struct {
		char name[32];
		time_t mtime;
	} *v = fp_calloc(AGENT_SENT_MAX + 1, sizeof(*v));
	char path[STATE_PATH_MAX];
	struct dirent *de;
	size_t n = 0;
	DIR *d = v ? opendir(dir) : NULL;

	while (d && (de = readdir(d))) {
		struct stat sb;
		size_t l = strlen(de->d_name), oldest = 0;

		if (l < 6 || l >= sizeof(v[0].name) ||
		    strcmp(de->d_name + l - 5, ".json") ||
		    fp_path_join(path, sizeof(path), dir, de->d_name) ||
		    stat(path, &sb) != 0)
			continue;
		if ((int64_t)(now - sb.st_mtime) > FP_JOB_MAX_LIFETIME) {
			unlink(path);
			continue;
		}
		memcpy(v[n].name, de->d_name, l + 1);
		v[n++].mtime = sb.st_mtime;
		if (n <= AGENT_SENT_MAX)
			continue;
		for (size_t i = 1; i < n; i++)
			if (v[i].mtime < v[oldest].mtime)
				oldest = i;
		if (fp_path_join(path, sizeof(path), dir, v[oldest].name) == 0)
			unlink(path);
		v[oldest] = v[--n];
	}
	if (d)
		closedir(d);
	fp_free(v);
}

int agent_jobs_result_sent(const char *state_dir, int64_t job_id)
{
	char path[STATE_PATH_MAX], to[STATE_PATH_MAX], dir[STATE_PATH_MAX];
	char rel[64];

	result_rel(rel, "results", job_id);
	if (state_path(path, state_dir, rel))
		return FP_ETOOBIG;
	result_rel(rel, AGENT_SENT_DIR, job_id);
	if (state_path(to, state_dir, rel) ||
	    state_path(dir, state_dir, AGENT_SENT_DIR))
		return FP_ETOOBIG;
	/* Kept in sent/ so a job handed out again is answered, not re-run. */
	if (fp_mkdir_p(dir, 0700) == 0 && rename(path, to) == 0) {
		agent_jobs_sent_prune(dir, time(NULL));
		return 0;
	}
	return unlink(path) == 0 || errno == ENOENT ? 0 : FP_EIO;
}

bool agent_jobs_report_again(const char *state_dir, int64_t job_id)
{
	char from[STATE_PATH_MAX], to[STATE_PATH_MAX], rel[64];

	result_rel(rel, "results", job_id);
	if (state_path(to, state_dir, rel) || access(to, F_OK) == 0)
		return false; /* not delivered yet: it goes out anyway */
	result_rel(rel, AGENT_SENT_DIR, job_id);
	if (state_path(from, state_dir, rel) || access(from, F_OK) != 0)
		return false;
	return rename(from, to) == 0;
}
