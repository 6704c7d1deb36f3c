/* SPDX-License-Identifier: MIT */
/*
 * Processes that still run old code after an update: their executable or
 * a mapped library under a system directory was deleted (replaced), as
 * needrestart and needs-restarting find them.  Reads /proc/PID/maps in
 * bounded chunks, line by line.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fleetpatch/inventory.h"
#include "fleetpatch/util.h"
#include "internal.h"

#define RESTART_MAX 4096
#define MAPS_MAX_BYTES (16u << 20) /* per process */

static bool system_path(const char *p, size_t n)
{
	static const char *const dirs[] = { "/usr/", "/lib/", "/lib32/", "/lib64/",
					    "/libx32/", "/bin/", "/sbin/", "/opt/" };

	for (size_t i = 0; i < FP_ARRAY_SIZE(dirs); i++) {
		size_t k = strlen(dirs[i]);
		if (n > k && !memcmp(p, dirs[i], k))
			return true;
	}
	return false;
}

/* True when a mapping line names a deleted file under a system path. */
static bool line_deleted(const char *line, size_t n)
{
	static const char tag[] = " (deleted)";
	const char *slash;

	if (n < sizeof(tag) || memcmp(line + n - (sizeof(tag) - 1), tag, sizeof(tag) - 1))
		return false;
	slash = memchr(line, '/', n);
	return slash && system_path(slash, n - (size_t)(slash - line));
}

static bool maps_deleted(int dirfd)
{
	char buf[8192];
	size_t have = 0, total = 0;
	int fd = openat(dirfd, "maps", O_RDONLY | O_CLOEXEC);
	bool found = false;

	if (fd < 0)
		return false;
	for (;;) {
		ssize_t k = read(fd, buf + have, sizeof(buf) - have);
		char *start = buf, *nl;
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			break;
		have += (size_t)k;
		total += (size_t)k;
		while ((nl = memchr(start, '\n', have - (size_t)(start - buf)))) {
			if (line_deleted(start, (size_t)(nl - start))) {
				found = true;
				goto out_close;
			}
			start = nl + 1;
		}
		have -= (size_t)(start - buf);
		if (have == sizeof(buf))
			have = 0; /* a line longer than the buffer: drop it */
		else
			memmove(buf, start, have);
		if (total > MAPS_MAX_BYTES)
			break;
	}
out_close:
	close(fd);
	return found;
}

static bool exe_deleted(int dirfd)
{
	char target[4096];
	ssize_t n = readlinkat(dirfd, "exe", target, sizeof(target) - 1);

	if (n <= 0)
		return false;
	return line_deleted(target, (size_t)n);
}

/* The systemd unit from /proc/PID/cgroup: the last *.service or *.scope. */
static const char *unit_of(struct fp_inventory *inv, int dirfd)
{
	char buf[4096], path[64];
	const char *best = NULL;
	size_t best_len = 0;
	long n;
	int fd = openat(dirfd, "cgroup", O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return NULL;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return NULL;
	buf[n] = '\0';
	for (char *p = buf; *p;) {
		size_t len = strcspn(p, "/\n");
		if ((len > 8 && !memcmp(p + len - 8, ".service", 8)) ||
		    (len > 6 && !memcmp(p + len - 6, ".scope", 6))) {
			best = p;
			best_len = len;
		}
		p += len;
		if (*p)
			p++;
	}
	if (!best || best_len >= sizeof(path) || !fp__is_token(fp_str_make(best, best_len), 256))
		return NULL;
	return fp_arena_strndup(&inv->arena, best, best_len);
}

int fp__collect_restarts(struct fp_inventory *inv, struct fp_diag *diag)
{
	DIR *d = opendir("/proc");
	struct dirent *e;
	pid_t self = getpid();

	if (!d)
		return 0;
	inv->restarts = fp_arena_calloc(&inv->arena, 64, sizeof(*inv->restarts));
	size_t cap = 64;
	if (!inv->restarts)
		goto out_nomem;
	while ((e = readdir(d))) {
		char comm[64];
		char *end;
		long pid = strtol(e->d_name, &end, 10);
		int pfd;

		if (*end || pid <= 0 || pid == self)
			continue;
		pfd = openat(dirfd(d), e->d_name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (pfd < 0)
			continue;
		if (!exe_deleted(pfd) && !maps_deleted(pfd)) {
			close(pfd);
			continue;
		}
		if (inv->n_restarts == cap) {
			struct fp_restart *n;
			if (cap >= RESTART_MAX) {
				close(pfd);
				break;
			}
			n = fp_arena_calloc(&inv->arena, cap * 2, sizeof(*n));
			if (!n) {
				close(pfd);
				goto out_nomem;
			}
			memcpy(n, inv->restarts, cap * sizeof(*n));
			inv->restarts = n;
			cap *= 2;
		}
		{
			struct fp_restart *r = &inv->restarts[inv->n_restarts];
			int fd = openat(pfd, "comm", O_RDONLY | O_CLOEXEC);
			ssize_t k = fd >= 0 ? read(fd, comm, sizeof(comm) - 1) : -1;
			if (fd >= 0)
				close(fd);
			if (k < 0)
				k = 0;
			while (k && (comm[k - 1] == '\n'))
				k--;
			comm[k] = '\0';
			for (ssize_t i = 0; i < k; i++)
				if ((unsigned char)comm[i] < ' ' || comm[i] == 0x7f)
					comm[i] = '?';
			r->pid = (int)pid;
			r->name = fp_arena_strdup(&inv->arena, comm);
			r->unit = unit_of(inv, pfd);
			close(pfd);
			if (!r->name)
				goto out_nomem;
			inv->n_restarts++;
		}
	}
	closedir(d);
	return 0;
out_nomem:
	closedir(d);
	return fp_diag_set(diag, FP_ENOMEM, 0, 0, "out of memory");
}
