/* SPDX-License-Identifier: MIT */
/* Telling logged-in users (see notify.h). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <utmpx.h>

#include "fleetpatch/alloc.h"
#include "fleetpatch/err.h"
#include "fleetpatch/exec.h"
#include "notify.h"

#define NOTIFY_MAX_USERS 256
#define NOTIFY_TIMEOUT_MS 10000

static int sink_write(const char *path, const char *title, const char *body)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
	struct fp_buf b;
	int r = 0;

	if (fd < 0)
		return FP_EIO;
	fp_buf_init(&b, 1 << 16);
	if (fp_buf_addf(&b, "%s\t%s\n", title, body) ||
	    write(fd, b.data, b.len) != (ssize_t)b.len)
		r = FP_EIO;
	fp_buf_release(&b);
	close(fd);
	return r;
}

/* Users with a session bus: from loginctl, else /run/user/<uid>. */
static size_t bus_users(unsigned uids[NOTIFY_MAX_USERS])
{
	static const char *const argv[] = { "loginctl", "list-sessions",
					    "--no-legend", NULL };
	struct fp_exec_opts o = { .argv = argv, .timeout_ms = NOTIFY_TIMEOUT_MS };
	struct fp_exec_result res;
	struct fp_buf out;
	size_t n = 0;

	fp_buf_init(&out, 1 << 20);
	o.out = &out;
	if (fp_exec_have("loginctl") && fp_exec(&o, &res) == 0 &&
	    res.exit_code == 0) {
		/* "SESSION UID USER SEAT TTY" per line */
		for (char *line = out.data; *line && n < NOTIFY_MAX_USERS;) {
			char *end = strchr(line, '\n');
			char *p = line;
			unsigned long uid;
			char *e;

			while (*p == ' ')
				p++;
			p += strcspn(p, " ");
			uid = strtoul(p, &e, 10);
			if (e != p && uid > 0 && uid < 0x7fffffff) {
				bool dup = false;
				for (size_t i = 0; i < n; i++)
					dup |= uids[i] == uid;
				if (!dup)
					uids[n++] = (unsigned)uid;
			}
			if (!end)
				break;
			line = end + 1;
		}
	} else {
		DIR *d = opendir("/run/user");
		struct dirent *de;

		while (d && (de = readdir(d)) && n < NOTIFY_MAX_USERS) {
			char *e;
			unsigned long uid = strtoul(de->d_name, &e, 10);
			if (*e == '\0' && e != de->d_name && uid > 0)
				uids[n++] = (unsigned)uid;
		}
		if (d)
			closedir(d);
	}
	fp_buf_release(&out);
	return n;
}

static bool desktop_notify(unsigned uid, const char *title, const char *body,
			   struct fp_buf *log)
{
	char bus[64], addr[128], user[256];
	struct passwd pw, *pwp = NULL;
	char pwbuf[4096];
	struct stat st;
	struct fp_exec_opts o = { 0 };
	struct fp_exec_result res;
	const char *argv[12];
	size_t k = 0;

	snprintf(bus, sizeof(bus), "/run/user/%u/bus", uid);
	if (stat(bus, &st) != 0 || !S_ISSOCK(st.st_mode) ||
	    !fp_exec_have("notify-send") || !fp_exec_have("runuser"))
		return false;
	if (getpwuid_r(uid, &pw, pwbuf, sizeof(pwbuf), &pwp) != 0 || !pwp)
		return false;
	snprintf(user, sizeof(user), "%s", pw.pw_name);
	snprintf(addr, sizeof(addr), "DBUS_SESSION_BUS_ADDRESS=unix:path=%s",
		 bus);
	argv[k++] = "runuser";
	argv[k++] = "-u";
	argv[k++] = user;
	argv[k++] = "--";
	argv[k++] = "env";
	argv[k++] = addr;
	argv[k++] = "notify-send";
	argv[k++] = "--urgency=critical";
	argv[k++] = "--";
	argv[k++] = title;
	argv[k++] = body;
	argv[k] = NULL;
	o.argv = argv;
	o.timeout_ms = NOTIFY_TIMEOUT_MS;
	if (fp_exec(&o, &res) != 0 || res.exit_code != 0)
		return false;
	if (log)
		fp_buf_addf(log, "notified %s (uid %u) on the desktop\n", user,
			    uid);
	return true;
}

/* wall-like: write to the tty of every login not told on the desktop. */
static unsigned tty_notify(const unsigned *told, size_t n_told,
			   const char *title, const char *body,
			   struct fp_buf *log)
{
	struct utmpx *u;
	unsigned count = 0;
	struct fp_buf msg;

	fp_buf_init(&msg, 1 << 16);
	fp_buf_addf(&msg, "\r\n\a*** fleetpatch: %s ***\r\n%s\r\n", title,
		    body);
	setutxent();
	while ((u = getutxent())) {
		char tty[64 + sizeof(u->ut_line)];
		struct passwd pw, *pwp = NULL;
		char pwbuf[4096], name[sizeof(u->ut_user) + 1];
		bool skip = false;
		int fd;

		if (u->ut_type != USER_PROCESS || !u->ut_line[0] ||
		    memchr(u->ut_line, '/', strnlen(u->ut_line, sizeof(u->ut_line))) ||
		    !strncmp(u->ut_line, "..", 2))
			continue;
		memcpy(name, u->ut_user, sizeof(u->ut_user));
		name[sizeof(u->ut_user)] = '\0';
		if (getpwnam_r(name, &pw, pwbuf, sizeof(pwbuf), &pwp) == 0 &&
		    pwp)
			for (size_t i = 0; i < n_told; i++)
				skip |= told[i] == pw.pw_uid;
		if (skip)
			continue;
		snprintf(tty, sizeof(tty), "/dev/%.*s", (int)sizeof(u->ut_line),
			 u->ut_line);
		fd = open(tty, O_WRONLY | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
		if (fd < 0)
			continue;
		if (write(fd, msg.data, msg.len) > 0) {
			count++;
			if (log)
				fp_buf_addf(log, "notified %s on %s\n", name,
					    tty);
		}
		close(fd);
	}
	endutxent();
	fp_buf_release(&msg);
	return count;
}

int agent_notify_users(const char *title, const char *body,
		       struct fp_buf *log, unsigned *ret_count)
{
	const char *sink = getenv("FLEETPATCH_TEST_NOTIFY_SINK");
	unsigned uids[NOTIFY_MAX_USERS], told[NOTIFY_MAX_USERS];
	size_t n, n_told = 0;
	unsigned count = 0;
	int r;

	if (sink && sink[0]) {
		r = sink_write(sink, title, body);
		if (r == 0 && ret_count)
			*ret_count = 1;
		return r;
	}
	n = bus_users(uids);
	for (size_t i = 0; i < n; i++)
		if (desktop_notify(uids[i], title, body, log))
			told[n_told++] = uids[i];
	count = (unsigned)n_told + tty_notify(told, n_told, title, body, log);
	if (ret_count)
		*ret_count = count;
	return 0;
}
