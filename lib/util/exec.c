/* SPDX-License-Identifier: MIT */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "fleetpatch/err.h"
#include "fleetpatch/exec.h"

extern char **environ;

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Append what the pipe has to 'b'; past the cap, read and drop. */
static int drain(int fd, struct fp_buf *b, bool *truncated)
{
	char tmp[16384];
	ssize_t n = read(fd, tmp, sizeof(tmp));

	if (n < 0)
		return errno == EINTR || errno == EAGAIN ? 1 : 0;
	if (n == 0)
		return 0;
	if (b && fp_buf_add(b, tmp, (size_t)n) != 0) {
		/* Keep as much as fits, then drop the rest. */
		size_t room = b->cap > b->len ? b->cap - b->len : 0;
		if (room)
			fp_buf_add(b, tmp, room < (size_t)n ? room : (size_t)n);
		*truncated = true;
	}
	return 1;
}

int fp_exec(const struct fp_exec_opts *o, struct fp_exec_result *ret)
{
	posix_spawn_file_actions_t fa;
	int outp[2] = { -1, -1 }, errp[2] = { -1, -1 };
	int r = FP_ESPAWN, status = 0, live = 0;
	pid_t pid = -1;
	long long deadline = o->timeout_ms ? now_ms() + o->timeout_ms : 0;
	bool term_sent = false;
	struct fp_exec_result res = { 0 };

	if (pipe2(outp, O_CLOEXEC) < 0)
		goto out;
	if (!o->merge_stderr && pipe2(errp, O_CLOEXEC) < 0)
		goto out_close;
	if (posix_spawn_file_actions_init(&fa) != 0)
		goto out_close;
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_adddup2(&fa, outp[1], 1);
	posix_spawn_file_actions_adddup2(&fa, o->merge_stderr ? outp[1] : errp[1],
					 2);
	if (o->cwd)
		posix_spawn_file_actions_addchdir_np(&fa, o->cwd);
	errno = posix_spawnp(&pid, o->argv[0], &fa, NULL,
			     (char *const *)o->argv,
			     o->envp ? (char *const *)o->envp : environ);
	posix_spawn_file_actions_destroy(&fa);
	if (errno != 0) {
		pid = -1;
		res.exit_code = 127;
		goto out_close;
	}
	close(outp[1]);
	outp[1] = -1;
	if (errp[1] >= 0) {
		close(errp[1]);
		errp[1] = -1;
	}
	live = 1 + (errp[0] >= 0);
	while (live > 0) {
		struct pollfd pf[2];
		int nf = 0, wait_ms = -1;

		if (outp[0] >= 0)
			pf[nf++] = (struct pollfd){ .fd = outp[0], .events = POLLIN };
		if (errp[0] >= 0)
			pf[nf++] = (struct pollfd){ .fd = errp[0], .events = POLLIN };
		if (deadline) {
			long long left = deadline - now_ms();
			if (left <= 0) {
				kill(pid, term_sent ? SIGKILL : SIGTERM);
				res.timed_out = true;
				deadline = now_ms() + 2000; /* grace, then KILL */
				term_sent = true;
				continue;
			}
			wait_ms = (int)left;
		}
		if (poll(pf, (nfds_t)nf, wait_ms) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		for (int i = 0; i < nf; i++) {
			if (!(pf[i].revents & (POLLIN | POLLHUP | POLLERR)))
				continue;
			bool is_out = pf[i].fd == outp[0];
			if (!drain(pf[i].fd, is_out ? o->out : o->err,
				   &res.truncated)) {
				close(pf[i].fd);
				if (is_out)
					outp[0] = -1;
				else
					errp[0] = -1;
				live--;
			}
		}
	}
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (WIFEXITED(status)) {
		res.exit_code = WEXITSTATUS(status);
	} else {
		res.exit_code = -1;
		res.term_signal = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
	}
	r = 0;
out_close:
	for (int i = 0; i < 2; i++) {
		if (outp[i] >= 0)
			close(outp[i]);
		if (errp[i] >= 0)
			close(errp[i]);
	}
out:
	if (ret)
		*ret = res;
	return r;
}

bool fp_exec_have(const char *prog)
{
	const char *path = getenv("PATH");
	char buf[4096];

	if (strchr(prog, '/'))
		return access(prog, X_OK) == 0;
	if (!path)
		path = "/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin";
	while (*path) {
		const char *end = strchr(path, ':');
		size_t n = end ? (size_t)(end - path) : strlen(path);
		if (n && n + strlen(prog) + 2 < sizeof(buf)) {
			memcpy(buf, path, n);
			buf[n] = '/';
			memcpy(buf + n + 1, prog, strlen(prog) + 1);
			if (access(buf, X_OK) == 0)
				return true;
		}
		if (!end)
			break;
		path = end + 1;
	}
	return false;
}
