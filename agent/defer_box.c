/* SPDX-License-Identifier: MIT */
/* Deferral requests from users who are not root (see defer_box.h). */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* O_PATH */
#endif
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "defer_box.h"
#include "fleetpatch/alloc.h"
#include "fleetpatch/util.h"
#include "jobs.h"
#include "notify.h"
#include "state.h" /* agent_log */

#define BOX_MODE 01733
#define HEX_LEN AGENT_DEFER_HEX_LEN
#define NAME_LEN (2 + HEX_LEN) /* "r-" + hex */
#define POLL_MS 100

static bool box_mode_ok(const struct stat *st, uid_t owner)
{
	return S_ISDIR(st->st_mode) && st->st_uid == owner &&
	       (st->st_mode & 07777) == BOX_MODE;
}

int agent_defer_box_prepare(const char *box, struct fp_diag *diag)
{
	char parent[4096];
	struct stat st;
	char *slash;
	int r;

	if (snprintf(parent, sizeof(parent), "%s", box) >= (int)sizeof(parent))
		return fp_diag_set(diag, FP_ETOOBIG, 0, 0, "%s: path too long", box);
	slash = strrchr(parent, '/');
	if (slash && slash != parent)
		*slash = '\0';
	else
		snprintf(parent, sizeof(parent), "%s", slash ? "/" : ".");
	if ((r = fp_mkdir_p(parent, 0755)))
		return fp_diag_set(diag, r, 0, 0, "%s: cannot create: %s", parent,
				   fp_strerror(r));
	/* Whoever may replace entries of the parent could swap the box. */
	if (lstat(parent, &st) != 0 || !S_ISDIR(st.st_mode) ||
	    (st.st_uid != 0 && st.st_uid != geteuid()) ||
	    ((st.st_mode & 022) && !(st.st_mode & S_ISVTX)))
		return fp_diag_set(diag, FP_EPERM, 0, 0,
				   "%s: not a directory only root may change", parent);
	if (mkdir(box, 0700) != 0 && errno != EEXIST)
		return fp_diag_set(diag, FP_EIO, 0, 0, "%s: cannot create: %s", box,
				   strerror(errno));
	if (lstat(box, &st) != 0 || !S_ISDIR(st.st_mode) || st.st_uid != geteuid())
		return fp_diag_set(diag, FP_EPERM, 0, 0,
				   "%s: exists and is not a directory of ours: not used", box);
	if ((st.st_mode & 07777) != BOX_MODE && chmod(box, BOX_MODE) != 0)
		return fp_diag_set(diag, FP_EIO, 0, 0, "%s: cannot chmod: %s", box,
				   strerror(errno));
	return 0;
}

/* The answer: written aside, handed to the user, renamed into place. */
static void answer(int dfd, const char *hex, uid_t uid, const json_t *a)
{
	char tmp[NAME_LEN + 1], dst[NAME_LEN + 1];
	char *text = json_dumps(a, JSON_COMPACT);
	int fd;

	snprintf(tmp, sizeof(tmp), "t-%s", hex);
	snprintf(dst, sizeof(dst), "a-%s", hex);
	if (!text)
		return;
	unlinkat(dfd, tmp, 0);
	fd = openat(dfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
		    0600);
	if (fd >= 0) {
		size_t len = strlen(text);
		bool ok = write(fd, text, len) == (ssize_t)len &&
			  write(fd, "\n", 1) == 1 && fchown(fd, uid, (gid_t)-1) == 0;
		close(fd);
		if (!ok || renameat(dfd, tmp, dfd, dst) != 0) {
			agent_log("warning", "cannot answer a deferral request of uid %u",
				  (unsigned)uid);
			unlinkat(dfd, tmp, 0);
		}
	}
	free(text);
}

static void refuse(int dfd, const char *hex, uid_t uid, long long job_id,
		   const char *why)
{
	json_t *a = json_pack("{s:I, s:s, s:s}", "job_id", (json_int_t)job_id,
			      "status", "refused", "error", why);

	agent_log("info", "deferral request of uid %u for job %lld refused: %s",
		  (unsigned)uid, job_id, why);
	if (a)
		answer(dfd, hex, uid, a);
	json_decref(a);
}

struct uid_count {
	uid_t uid;
	unsigned n;
};

/* How many requests of 'uid' this pass saw, this one included. */
static unsigned count_uid(struct uid_count *c, size_t *n, size_t max, uid_t uid)
{
	for (size_t i = 0; i < *n; i++)
		if (c[i].uid == uid)
			return ++c[i].n;
	if (*n == max)
		return AGENT_DEFER_PER_UID + 1; /* too many users in one pass */
	c[*n].uid = uid;
	c[*n].n = 1;
	return c[(*n)++].n;
}

/* One request r-HEX: 1 when it was answered. */
static int serve_one(int dfd, const char *name, const char *hex,
		     const char *state_dir, time_t now, struct uid_count *c,
		     size_t *n_c)
{
	char buf[AGENT_DEFER_REQUEST_MAX + 1], t[32], why[512];
	struct fp_diag diag;
	struct stat st;
	json_t *a;
	time_t until;
	long long id;
	ssize_t len;
	int fd, left = 0, r;

	fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY |
				       O_CLOEXEC);
	if (fd < 0) {
		if (errno != ENOENT) /* ELOOP: a symlink, never followed */
			unlinkat(dfd, name, 0);
		return 0;
	}
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_nlink != 1 ||
	    st.st_size > AGENT_DEFER_REQUEST_MAX) {
		/* A hard link to someone else's file names no requester. */
		agent_log("warning", "deferral request %s: not a small plain file "
			  "of its own (links %lu): removed", name,
			  (unsigned long)st.st_nlink);
		close(fd);
		unlinkat(dfd, name, 0);
		return 0;
	}
	len = read(fd, buf, sizeof(buf));
	close(fd);
	/* Removing it first tells a user who gives up that it was taken. */
	if (unlinkat(dfd, name, 0) != 0)
		return 0; /* withdrawn */
	id = len > 0 ? agent_defer_request_parse(buf, (size_t)len) : 0;
	if (count_uid(c, n_c, AGENT_DEFER_SCAN_MAX, st.st_uid) > AGENT_DEFER_PER_UID) {
		snprintf(why, sizeof(why), "too many deferral requests at once (%d at most)",
			 AGENT_DEFER_PER_UID);
		refuse(dfd, hex, st.st_uid, id, why);
		return 1;
	}
	if (id <= 0) {
		refuse(dfd, hex, st.st_uid, 0, "malformed request (want \"defer JOB_ID\")");
		return 1;
	}
	if (!agent_notify_is_logged_in((unsigned)st.st_uid)) {
		snprintf(why, sizeof(why),
			 "uid %u is not logged in on this machine: only a logged-in user may defer",
			 (unsigned)st.st_uid);
		refuse(dfd, hex, st.st_uid, id, why);
		return 1;
	}
	fp_diag_init(&diag, NULL);
	r = agent_job_defer(state_dir, id, now, (unsigned)st.st_uid, &until, &left,
			    &diag);
	if (r) {
		refuse(dfd, hex, st.st_uid, id, diag.msg[0] ? diag.msg : fp_strerror(r));
		return 1;
	}
	fp_time_rfc3339(until, t);
	agent_log("info", "job %lld deferred until %s by uid %u (%d deferral%s left)",
		  id, t, (unsigned)st.st_uid, left, left == 1 ? "" : "s");
	a = json_pack("{s:I, s:s, s:s, s:i}", "job_id", (json_int_t)id, "status",
		      "deferred", "deferred_until", t, "deferrals_left", left);
	if (a)
		answer(dfd, hex, st.st_uid, a);
	json_decref(a);
	return 1;
}

unsigned agent_defer_box_serve(const char *box, const char *state_dir,
			       time_t now)
{
	struct uid_count *c = NULL, *e = NULL;
	size_t n_c = 0, n_e = 0, scanned = 0;
	unsigned served = 0, junk = 0;
	struct dirent *de;
	struct stat st;
	DIR *d;
	int dfd;

	dfd = open(box, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (dfd < 0)
		return 0;
	if (fstat(dfd, &st) != 0 || !box_mode_ok(&st, geteuid()) ||
	    !(d = fdopendir(dfd))) {
		close(dfd);
		return 0;
	}
	c = fp_calloc(AGENT_DEFER_SCAN_MAX, sizeof(*c));
	e = fp_calloc(AGENT_DEFER_SCAN_MAX, sizeof(*e));
	while (c && e && (de = readdir(d)) && scanned++ < AGENT_DEFER_SCAN_MAX) {
		char hex[HEX_LEN + 1], kind;

		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (fstatat(dfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0)
			continue;
		kind = agent_defer_box_name_kind(de->d_name, hex);
		if (!kind || !S_ISREG(st.st_mode) ||
		    /* a flood of one user's files is cut back at once */
		    count_uid(e, &n_e, AGENT_DEFER_SCAN_MAX, st.st_uid) >
			    AGENT_DEFER_ENTRIES_PER_UID) {
			/* not ours: symlinks, directories, other names */
			junk++;
			unlinkat(dfd, de->d_name, S_ISDIR(st.st_mode) ? AT_REMOVEDIR : 0);
		} else if (kind == 'r') {
			served += serve_one(dfd, de->d_name, hex, state_dir, now, c, &n_c);
		} else if (st.st_mtime < now - AGENT_DEFER_STALE_S ||
			   st.st_mtime > now + AGENT_DEFER_STALE_S) {
			unlinkat(dfd, de->d_name, 0); /* nobody waits for it */
		}
	}
	if (junk)
		agent_log("warning", "%s: removed %u entr%s that were not deferral "
			  "requests (never followed) or too many of one user", box, junk,
			  junk == 1 ? "y" : "ies");
	fp_free(c);
	fp_free(e);
	closedir(d);
	return served;
}

/* The answer a-HEX if it is there: 1, 0 not yet, or an fp_err. */
static int read_answer(int dfd, const char *hex, json_t **ret)
{
	char name[NAME_LEN + 1], buf[AGENT_DEFER_ANSWER_MAX];
	struct stat st;
	ssize_t len;
	json_t *j;
	int fd;

	snprintf(name, sizeof(name), "a-%s", hex);
	fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? 0 : FP_EIO;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_uid != getuid()) {
		close(fd);
		return FP_EPERM;
	}
	len = read(fd, buf, sizeof(buf));
	close(fd);
	unlinkat(dfd, name, 0);
	if (len <= 0 || !(j = json_loadb(buf, (size_t)len, 0, NULL)) ||
	    !json_is_object(j)) {
		if (len > 0)
			json_decref(j);
		return FP_EINVAL;
	}
	*ret = j;
	return 1;
}

/* Wait up to 'ms' for the answer. */
static int wait_answer(int dfd, const char *hex, unsigned ms, json_t **ret)
{
	for (unsigned waited = 0;; waited += POLL_MS) {
		struct timespec ts = { 0, POLL_MS * 1000000L };
		int r = read_answer(dfd, hex, ret);

		if (r != 0 || waited >= ms)
			return r;
		nanosleep(&ts, NULL);
	}
}

int agent_defer_box_request(const char *box, int64_t job_id, unsigned wait_s,
			    json_t **ret_answer, struct fp_diag *diag)
{
	char hex[HEX_LEN + 1], w[NAME_LEN + 1], rq[NAME_LEN + 1], text[64];
	unsigned char rnd[HEX_LEN / 2];
	json_t *a = NULL;
	struct stat st;
	int dfd, fd, r, len;
	bool ok;

	/* O_PATH: the box may be entered, not listed */
	dfd = open(box, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (dfd < 0)
		return fp_diag_set(diag, errno == ENOENT ? FP_ENOENT : FP_EIO, 0, 0,
				   "%s: %s: is the agent running (fleetpatch-agent run takes "
				   "deferral requests)?", box, strerror(errno));
	if (fstat(dfd, &st) != 0 || !S_ISDIR(st.st_mode) || st.st_uid != 0 ||
	    !(st.st_mode & S_ISVTX) || (st.st_mode & S_IRWXO) != 3) {
		close(dfd);
		return fp_diag_set(diag, FP_EPERM, 0, 0,
				   "%s: not root's deferral drop-box (mode 1733): not used", box);
	}
	if ((r = fp_random_bytes(rnd, sizeof(rnd)))) {
		close(dfd);
		return fp_diag_set(diag, r, 0, 0, "no random bytes: %s", fp_strerror(r));
	}
	fp_hex_encode(rnd, sizeof(rnd), hex);
	snprintf(w, sizeof(w), "w-%s", hex);
	snprintf(rq, sizeof(rq), "r-%s", hex);
	len = snprintf(text, sizeof(text), "defer %lld\n", (long long)job_id);
	fd = openat(dfd, w, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	ok = fd >= 0 && write(fd, text, (size_t)len) == len;
	if (fd >= 0 && close(fd) != 0)
		ok = false;
	if (!ok || renameat(dfd, w, dfd, rq) != 0) {
		r = fp_diag_set(diag, FP_EIO, 0, 0, "%s: cannot write a request: %s", box,
				strerror(errno));
		if (fd >= 0)
			unlinkat(dfd, w, 0);
		goto out;
	}
	r = wait_answer(dfd, hex, wait_s * 1000, &a);
	if (r == 0 && unlinkat(dfd, rq, 0) == 0) {
		r = fp_diag_set(diag, FP_ETIMEDOUT, 0, 0,
				"no answer from the agent within %u s: the request was withdrawn "
				"(the agent does not answer while it installs updates; try again)",
				wait_s);
		goto out;
	}
	if (r == 0) /* the agent took it: its answer is on the way */
		r = wait_answer(dfd, hex, 10000, &a);
	if (r == 0)
		r = fp_diag_set(diag, FP_ETIMEDOUT, 0, 0,
				"the agent took the request but did not answer: see its log");
	else if (r < 0)
		r = fp_diag_set(diag, r, 0, 0, "%s: unusable answer: %s", box,
				fp_strerror(r));
	else {
		*ret_answer = a;
		r = 0;
	}
out:
	close(dfd);
	return r;
}
