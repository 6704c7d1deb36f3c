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
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
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

static bool maps_deleted(int procfd, const char *pid)
{
	char buf[32768];
	size_t have = 0, total = 0;
	char rel[64];
	int fd;
	bool found = false;

	snprintf(rel, sizeof(rel), "%.20s/maps", pid);
	fd = openat(procfd, rel, O_RDONLY | O_CLOEXEC);
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

static bool exe_deleted(int procfd, const char *pid)
{
	char target[4096], rel[64];
	ssize_t n;

	snprintf(rel, sizeof(rel), "%.20s/exe", pid);
	n = readlinkat(procfd, rel, target, sizeof(target) - 1);

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

/*
 * When the package databases last changed.  A process started after that
 * cannot hold code an update replaced (it mapped what is installed now),
 * so only older processes need their maps read: on a busy machine that
 * is what keeps this scan cheap.  0 when unknown (scan everything).
 */
static time_t last_package_change(void)
{
	static const char *const dbs[] = {
		"/var/lib/dpkg/status", "/var/lib/rpm", "/usr/lib/sysimage/rpm",
		"/var/lib/pacman/local", "/lib/apk/db/installed",
	};
	time_t last = 0;
	struct stat st;

	/* On a dpkg system only dpkg's database counts (see collect.c). */
	if (stat(dbs[0], &st) == 0)
		return st.st_mtime;
	for (size_t i = 1; i < FP_ARRAY_SIZE(dbs); i++)
		if (stat(dbs[i], &st) == 0 && st.st_mtime > last)
			last = st.st_mtime;
	return last;
}

static time_t boot_time(void)
{
	char buf[8192], *p;

	if (fp__read_small("/proc/stat", buf, sizeof(buf)) <= 0)
		return 0;
	p = strstr(buf, "\nbtime ");
	return p ? (time_t)strtoll(p + 7, NULL, 10) : 0;
}

/*
 * From /proc/PID/stat: the start time (seconds since the epoch, 0 when
 * unknown) and whether the process has an address space (kernel threads
 * have none).  One open, one read.
 */
static time_t start_time(int procfd, const char *pid, time_t btime, long hz,
			 bool *ret_user)
{
	char buf[1024], rel[64], *p;
	unsigned long long ticks;
	int fd;
	ssize_t n;

	*ret_user = true;
	snprintf(rel, sizeof(rel), "%.20s/stat", pid);
	fd = openat(procfd, rel, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	/* "pid (comm) state ...": starttime and vsize are the 20th and 21st
	 * fields after ')' */
	p = strrchr(buf, ')');
	for (int i = 0; p && i < 20; i++)
		p = strchr(p + 1, ' ');
	if (!p)
		return 0;
	ticks = strtoull(p + 1, &p, 10);
	*ret_user = strtoull(p, NULL, 10) != 0;
	return btime && hz > 0 ? btime + (time_t)(ticks / (unsigned long long)hz) : 0;
}

int fp__restart_scan(bool all, int *pids, size_t max, size_t *ret_n)
{
	/*
	 * Package managers write their database after removing replaced
	 * files (dpkg after each unpack and configure; rpm, pacman and apk
	 * per transaction), so a process started after its last write maps
	 * only what is installed now.  Two seconds cover the rounding of
	 * the start time and the modification time.
	 */
	const time_t slack = 2;
	time_t btime = boot_time(), changed = btime && !all ? last_package_change() : 0;
	long hz = sysconf(_SC_CLK_TCK);
	DIR *d = opendir("/proc");
	struct dirent *e;
	pid_t self = getpid();
	size_t n = 0;

	*ret_n = 0;
	if (!d)
		return 0;
	while (n < max && (e = readdir(d))) {
		char *end;
		long pid = strtol(e->d_name, &end, 10);
		time_t started;
		bool user, hit;

		if (*end || pid <= 0 || pid > INT32_MAX || pid == self)
			continue;
		/* Paths relative to /proc: no directory fd per process, as
		 * few system calls as possible for the many that are skipped. */
		started = start_time(dirfd(d), e->d_name, btime, hz, &user);
		if (!user || (changed && started > changed + slack))
			continue;
		hit = exe_deleted(dirfd(d), e->d_name) || maps_deleted(dirfd(d), e->d_name);
		if (hit)
			pids[n++] = (int)pid;
	}
	closedir(d);
	*ret_n = n;
	return 0;
}

int fp__restart_add(struct fp_inventory *inv, const int *pids, size_t n,
		    struct fp_diag *diag)
{
	inv->restarts = fp_arena_calloc(&inv->arena, n ? n : 1, sizeof(*inv->restarts));
	if (!inv->restarts)
		return fp_diag_set(diag, FP_ENOMEM, 0, 0, "out of memory");
	for (size_t i = 0; i < n; i++) {
		struct fp_restart *r = &inv->restarts[inv->n_restarts];
		char path[64], comm[64];
		int pfd;
		ssize_t k;

		snprintf(path, sizeof(path), "/proc/%d", pids[i]);
		pfd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (pfd < 0)
			continue; /* gone since the scan */
		int fd = openat(pfd, "comm", O_RDONLY | O_CLOEXEC);
		k = fd >= 0 ? read(fd, comm, sizeof(comm) - 1) : -1;
		if (fd >= 0)
			close(fd);
		if (k < 0)
			k = 0;
		while (k && comm[k - 1] == '\n')
			k--;
		comm[k] = '\0';
		for (ssize_t j = 0; j < k; j++)
			if ((unsigned char)comm[j] < ' ' || comm[j] == 0x7f)
				comm[j] = '?';
		r->pid = pids[i];
		r->name = fp_arena_strdup(&inv->arena, comm);
		r->unit = unit_of(inv, pfd);
		close(pfd);
		if (!r->name)
			return fp_diag_set(diag, FP_ENOMEM, 0, 0, "out of memory");
		inv->n_restarts++;
	}
	return 0;
}
