/* SPDX-License-Identifier: MIT */
/*
 * fp_test_tty: a logged-in user's terminal for the notification tests.
 *
 *   fp_test_tty pty NAMEFILE OUTFILE SECONDS
 *     Open a real pseudo-terminal (posix_openpt), write its line
 *     ("pts/N") to NAMEFILE, keep the terminal side open (as a login
 *     shell would) and copy everything written to it, as read on the
 *     master side, to OUTFILE until SIGTERM or SECONDS passed.  The
 *     terminal belongs to whoever runs this (devpts), so run it as the
 *     user it stands for.
 *
 *   fp_test_tty utmp FILE TYPE USER LINE
 *     Append a utmp record (TYPE "user" = USER_PROCESS, "dead" =
 *     DEAD_PROCESS) for USER on LINE to FILE (created if absent), as
 *     login(1) or sshd would in /var/run/utmp.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>
#include <utmpx.h>

static volatile sig_atomic_t stop;

static void on_term(int sig)
{
	(void)sig;
	stop = 1;
}

static int run_pty(const char *namefile, const char *outfile, long seconds)
{
	int m = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC), s, out;
	const char *name;
	time_t end = time(NULL) + seconds;
	FILE *f;

	if (m < 0 || grantpt(m) || unlockpt(m) || !(name = ptsname(m))) {
		perror("fp_test_tty: pty");
		return 1;
	}
	s = open(name, O_RDWR | O_NOCTTY | O_CLOEXEC);
	out = open(outfile, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	if (s < 0 || out < 0) {
		perror("fp_test_tty: open");
		return 1;
	}
	f = fopen(namefile, "w");
	if (!f || fprintf(f, "%s\n", name + strlen("/dev/")) < 0 || fclose(f)) {
		perror("fp_test_tty: name file");
		return 1;
	}
	signal(SIGTERM, on_term);
	while (!stop && time(NULL) < end) {
		struct pollfd p = { .fd = m, .events = POLLIN };
		char buf[4096];
		ssize_t n;

		if (poll(&p, 1, 200) <= 0)
			continue;
		n = read(m, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		if (write(out, buf, (size_t)n) != n)
			return 1;
	}
	return 0;
}

/* utmp fields need no terminating NUL when full. */
static void copy_field(char *dst, size_t n, const char *src)
{
	size_t l = strlen(src);

	memcpy(dst, src, l < n ? l : n);
}

static int add_utmp(const char *file, const char *type, const char *user,
		    const char *line)
{
	struct utmpx u;
	struct timeval tv;
	size_t ll = strlen(line);
	int fd = open(file, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);

	if (fd < 0) {
		perror(file);
		return 1;
	}
	close(fd);
	memset(&u, 0, sizeof(u));
	u.ut_type = strcmp(type, "dead") ? USER_PROCESS : DEAD_PROCESS;
	u.ut_pid = getpid();
	copy_field(u.ut_line, sizeof(u.ut_line), line);
	copy_field(u.ut_id, sizeof(u.ut_id), ll > 4 ? line + ll - 4 : line);
	copy_field(u.ut_user, sizeof(u.ut_user), user);
	gettimeofday(&tv, NULL);
	u.ut_tv.tv_sec = (int32_t)tv.tv_sec;
	u.ut_tv.tv_usec = (int32_t)tv.tv_usec;
	if (utmpxname(file) != 0) {
		perror("utmpxname");
		return 1;
	}
	setutxent();
	if (!pututxline(&u)) {
		perror("pututxline");
		return 1;
	}
	endutxent();
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 5 && !strcmp(argv[1], "pty"))
		return run_pty(argv[2], argv[3], strtol(argv[4], NULL, 10));
	if (argc == 6 && !strcmp(argv[1], "utmp"))
		return add_utmp(argv[2], argv[3], argv[4], argv[5]);
	fprintf(stderr, "usage: fp_test_tty pty NAMEFILE OUTFILE SECONDS\n"
			"       fp_test_tty utmp FILE user|dead USER LINE\n");
	return 2;
}
