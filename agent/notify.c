/* SPDX-License-Identifier: MIT */
/* Telling logged-in users (see notify.h). */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* utmpxname */
#endif
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>
#include <utmpx.h>

#include "fleetpatch/alloc.h"
#include "fleetpatch/err.h"
#include "fleetpatch/exec.h"
#include "notify.h"
#include "state.h" /* agent_log */

#define NOTIFY_MAX_USERS 256
#define NOTIFY_LOGINCTL_MS 5000
#define NOTIFY_EXEC_MS 5000             /* one desktop notification */
#define NOTIFY_BUS_TIMEOUT "--timeout=3" /* busctl's own method timeout */
#define NOTIFY_DESKTOP_BUDGET_MS 20000  /* all desktop notifications */
#define NOTIFY_UTMP_MAX 4096            /* utmp entries looked at */
#define NOTIFY_RUNTIME_DIR "/run/user"
/* PATH of the child (and the search path when the agent has none) */
#define NOTIFY_CHILD_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

/* Say what was done: into 'log' when the caller keeps one, else the log. */
static void note(struct fp_buf *log, const char *level, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void note(struct fp_buf *log, const char *level, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (log)
		fp_buf_addf(log, "%s\n", msg);
	else
		agent_log(level, "%s", msg);
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Length of the UTF-8 character at s (n bytes left) and its code point;
 * 0 when the bytes there are not valid UTF-8. */
static size_t utf8_char(const unsigned char *s, size_t n, uint32_t *ret_cp)
{
	size_t len;
	uint32_t cp, min;

	if (s[0] < 0x80) {
		*ret_cp = s[0];
		return 1;
	}
	if ((s[0] & 0xe0) == 0xc0)
		len = 2, cp = s[0] & 0x1f, min = 0x80;
	else if ((s[0] & 0xf0) == 0xe0)
		len = 3, cp = s[0] & 0x0f, min = 0x800;
	else if ((s[0] & 0xf8) == 0xf0)
		len = 4, cp = s[0] & 0x07, min = 0x10000;
	else
		return 0;
	if (len > n)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	*ret_cp = cp;
	return len;
}

int agent_notify_clean_text(const char *in, size_t max, bool crlf,
			    struct fp_buf *out)
{
	const unsigned char *s = (const unsigned char *)(in ? in : "");
	size_t n = strlen((const char *)s), start = out->len, i = 0;
	int r = 0;

	while (i < n && r == 0) {
		uint32_t cp = 0;
		size_t len = utf8_char(s + i, n - i, &cp);
		const char *rep = NULL;
		size_t rlen;

		if (len == 0)
			rep = "?", len = 1; /* not UTF-8 */
		else if (cp == '\n')
			rep = crlf ? "\r\n" : "\n";
		else if (cp == '\t')
			rep = " ";
		else if (cp < 0x20 || cp == 0x7f || (cp >= 0x80 && cp < 0xa0))
			rep = "?"; /* escapes, bells, C1 controls */
		rlen = rep ? strlen(rep) : len;
		if (out->len - start + rlen > max) {
			r = fp_buf_adds(out, "...");
			break;
		}
		r = rep ? fp_buf_adds(out, rep) : fp_buf_add(out, s + i, len);
		i += len;
	}
	return r;
}

/* A user or file name fit for a log line. */
static const char *printable(const char *s, char *buf, size_t n)
{
	size_t k = 0;

	for (; *s && k + 1 < n; s++)
		buf[k++] = (*s > 0x20 && *s < 0x7f) ? *s : '?';
	buf[k] = '\0';
	return buf;
}

/* The directory holding each user's runtime dir (and so session bus). */
static const char *runtime_root(bool *ret_test)
{
	const char *t = getenv("FLEETPATCH_TEST_RUNTIME_DIR");

	*ret_test = t && t[0];
	return *ret_test ? t : NOTIFY_RUNTIME_DIR;
}

static bool uid_seen(const unsigned *uids, size_t n, unsigned uid)
{
	for (size_t i = 0; i < n; i++)
		if (uids[i] == uid)
			return true;
	return false;
}

/* "1000" -> 1000; no sign, no leading zero, not root. */
static bool parse_uid(const char *s, size_t len, unsigned *ret_uid)
{
	unsigned long v = 0;

	if (len == 0 || len > 10 || (s[0] == '0'))
		return false;
	for (size_t i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		v = v * 10 + (unsigned long)(s[i] - '0');
	}
	if (v == 0 || v >= 0x7fffffffUL)
		return false;
	*ret_uid = (unsigned)v;
	return true;
}

/* loginctl's sessions: "SESSION UID USER SEAT TTY" per line. */
static size_t loginctl_users(unsigned *uids, size_t n)
{
	static const char *const argv[] = { "loginctl", "list-sessions",
					    "--no-legend", NULL };
	struct fp_exec_opts o = { .argv = argv,
				  .timeout_ms = NOTIFY_LOGINCTL_MS };
	struct fp_exec_result res;
	struct fp_buf out;

	if (!fp_exec_have("loginctl"))
		return n;
	fp_buf_init(&out, 1 << 20);
	o.out = &out;
	if (fp_exec(&o, &res) == 0 && res.exit_code == 0) {
		for (char *line = out.data; *line && n < NOTIFY_MAX_USERS;) {
			char *end = strchr(line, '\n'), *p = line;
			unsigned uid;
			size_t len;

			p += strspn(p, " ");
			p += strcspn(p, " \n");
			p += strspn(p, " ");
			len = strcspn(p, " \n");
			if (parse_uid(p, len, &uid) && !uid_seen(uids, n, uid))
				uids[n++] = uid;
			if (!end)
				break;
			line = end + 1;
		}
	}
	fp_buf_release(&out);
	return n;
}

/*
 * Users who may have a session bus: logind's sessions and the runtime
 * directories (/run/user/UID); only the latter under the test-only
 * FLEETPATCH_TEST_RUNTIME_DIR, which stands for /run/user.
 */
static size_t bus_users(const char *root, bool test,
			unsigned uids[NOTIFY_MAX_USERS])
{
	size_t n = test ? 0 : loginctl_users(uids, 0);
	DIR *d = opendir(root);
	struct dirent *de;

	while (d && (de = readdir(d)) && n < NOTIFY_MAX_USERS) {
		unsigned uid;
		if (parse_uid(de->d_name, strlen(de->d_name), &uid) &&
		    !uid_seen(uids, n, uid))
			uids[n++] = uid;
	}
	if (d)
		closedir(d);
	return n;
}

/* The absolute path of 'prog' in PATH (relative entries are skipped). */
static bool find_prog(const char *prog, char *out, size_t n)
{
	const char *path = getenv("PATH");

	if (!path || !path[0])
		path = NOTIFY_CHILD_PATH;
	while (*path) {
		size_t len = strcspn(path, ":");
		struct stat st;

		if (len > 0 && path[0] == '/' &&
		    (size_t)snprintf(out, n, "%.*s/%s", (int)len, path, prog) < n &&
		    stat(out, &st) == 0 && S_ISREG(st.st_mode) &&
		    access(out, X_OK) == 0)
			return true;
		path += len;
		if (*path == ':')
			path++;
	}
	return false;
}

/* "unix:path=P" with the bytes the D-Bus address syntax reserves escaped. */
static int bus_address(const char *path, char *out, size_t n)
{
	static const char ok[] = "-_/.\\*";
	size_t k = (size_t)snprintf(out, n, "unix:path=");

	for (const unsigned char *p = (const unsigned char *)path; *p; p++) {
		bool plain = (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
			     (*p >= '0' && *p <= '9') || strchr(ok, *p);
		int w = plain ? snprintf(out + k, n - k, "%c", *p)
			      : snprintf(out + k, n - k, "%%%02x", *p);
		if (w < 0 || (size_t)w >= n - k)
			return FP_ETOOBIG;
		k += (size_t)w;
	}
	return 0;
}

struct desktop {
	char setpriv[4096];
	char tool[4096];
	bool busctl; /* else notify-send */
	bool usable;
	int64_t deadline_ms; /* all desktop notifications end by then */
};

static void desktop_init(struct desktop *dk, struct fp_buf *log)
{
	memset(dk, 0, sizeof(*dk));
	dk->deadline_ms = now_ms() + NOTIFY_DESKTOP_BUDGET_MS;
	if (!find_prog("setpriv", dk->setpriv, sizeof(dk->setpriv))) {
		note(log, "warning", "no setpriv: desktop notifications are not sent");
		return;
	}
	if (find_prog("busctl", dk->tool, sizeof(dk->tool)))
		dk->busctl = true;
	else if (!find_prog("notify-send", dk->tool, sizeof(dk->tool))) {
		note(log, "warning",
		     "neither busctl nor notify-send: desktop notifications are not sent");
		return;
	}
	dk->usable = true;
}

/* The argv and environment of one desktop notification. */
struct desktop_call {
	char reuid[32], regid[32], opt_addr[640];
	char env_addr[640], env_dir[4200], env_home[4200];
	const char *argv[32], *envp[8];
};

static void desktop_call_build(struct desktop_call *c, const struct desktop *dk,
			       const struct passwd *pw, const char *dir,
			       const char *addr, const char *title,
			       const char *body)
{
	/* Notify(app, replaces_id, icon, summary, body, actions,
	 *        hints {urgency: critical}, expire_timeout: never) */
	static const char *const call[] = {
		NOTIFY_BUS_TIMEOUT, "--", "call", "org.freedesktop.Notifications",
		"/org/freedesktop/Notifications", "org.freedesktop.Notifications",
		"Notify", "susssasa{sv}i", "fleetpatch", "0", "",
	};
	static const char *const send[] = {
		"--app-name=fleetpatch", "--urgency=critical", "--expire-time=0",
		"--",
	};
	size_t k = 0;

	snprintf(c->reuid, sizeof(c->reuid), "--reuid=%u", (unsigned)pw->pw_uid);
	snprintf(c->regid, sizeof(c->regid), "--regid=%u", (unsigned)pw->pw_gid);
	snprintf(c->opt_addr, sizeof(c->opt_addr), "--address=%s", addr);
	snprintf(c->env_addr, sizeof(c->env_addr), "DBUS_SESSION_BUS_ADDRESS=%s",
		 addr);
	snprintf(c->env_dir, sizeof(c->env_dir), "XDG_RUNTIME_DIR=%s", dir);
	snprintf(c->env_home, sizeof(c->env_home), "HOME=%s",
		 pw->pw_dir && pw->pw_dir[0] == '/' ? pw->pw_dir : "/");
	c->envp[0] = "PATH=" NOTIFY_CHILD_PATH;
	c->envp[1] = c->env_addr;
	c->envp[2] = c->env_dir;
	c->envp[3] = c->env_home;
	c->envp[4] = "LANG=C.UTF-8";
	c->envp[5] = NULL;
	c->argv[k++] = dk->setpriv;
	c->argv[k++] = c->reuid;
	c->argv[k++] = c->regid;
	c->argv[k++] = "--clear-groups";
	c->argv[k++] = "--";
	c->argv[k++] = dk->tool;
	if (dk->busctl) {
		c->argv[k++] = c->opt_addr;
		for (size_t i = 0; i < sizeof(call) / sizeof(call[0]); i++)
			c->argv[k++] = call[i];
		c->argv[k++] = title;
		c->argv[k++] = body;
		c->argv[k++] = "0";       /* no actions */
		c->argv[k++] = "1";       /* one hint: */
		c->argv[k++] = "urgency"; /* critical */
		c->argv[k++] = "y";
		c->argv[k++] = "2";
		c->argv[k++] = "0"; /* never expires */
	} else {
		for (size_t i = 0; i < sizeof(send) / sizeof(send[0]); i++)
			c->argv[k++] = send[i];
		c->argv[k++] = title;
		c->argv[k++] = body;
	}
	c->argv[k] = NULL;
}

/*
 * One desktop notification on the session bus ROOT/UID/bus, sent by the
 * user (setpriv drops to the user's uid and gid: a session bus refuses
 * anyone else), bounded in time.
 */
static bool desktop_notify(struct desktop *dk, const char *root, unsigned uid,
			   const char *title, const char *body,
			   struct fp_buf *log)
{
	char dir[4096], bus[4096], addr[600], pwbuf[4096], name[64], shown[200];
	struct passwd pw, *pwp = NULL;
	struct stat st;
	struct desktop_call call;
	struct fp_exec_opts o = { 0 };
	struct fp_exec_result res;
	struct fp_buf err, msg;
	int64_t left;
	bool ok = false;

	if ((size_t)snprintf(dir, sizeof(dir), "%s/%u", root, uid) >= sizeof(dir) ||
	    (size_t)snprintf(bus, sizeof(bus), "%s/bus", dir) >= sizeof(bus) ||
	    lstat(bus, &st) != 0 || !S_ISSOCK(st.st_mode))
		return false; /* no session bus: the terminal then */
	if (st.st_uid != uid) {
		note(log, "warning", "%s belongs to uid %u, not %u: not used",
		     printable(bus, shown, sizeof(shown)), (unsigned)st.st_uid, uid);
		return false;
	}
	if (strlen(bus) >= sizeof(((struct sockaddr_un *)0)->sun_path) ||
	    bus_address(bus, addr, sizeof(addr))) {
		note(log, "warning", "session bus path too long: %s",
		     printable(bus, shown, sizeof(shown)));
		return false;
	}
	if (getpwuid_r(uid, &pw, pwbuf, sizeof(pwbuf), &pwp) != 0 || !pwp) {
		note(log, "warning", "uid %u has a session bus but no account: not told",
		     uid);
		return false;
	}
	printable(pw.pw_name, name, sizeof(name));
	if (!dk->usable)
		return false;
	left = dk->deadline_ms - now_ms();
	if (left < 500) {
		note(log, "warning", "no time left to tell %s (uid %u) on the desktop",
		     name, uid);
		return false;
	}
	desktop_call_build(&call, dk, &pw, dir, addr, title, body);
	fp_buf_init(&err, 4096);
	fp_buf_init(&msg, 512);
	o.argv = call.argv;
	o.envp = call.envp;
	o.err = &err;
	o.timeout_ms = left < NOTIFY_EXEC_MS ? (unsigned)left : NOTIFY_EXEC_MS;
	if (fp_exec(&o, &res) != 0) {
		note(log, "warning", "cannot run %s to tell %s (uid %u)", dk->tool,
		     name, uid);
	} else if (res.timed_out) {
		note(log, "warning",
		     "desktop notification for %s (uid %u) timed out after %u ms",
		     name, uid, o.timeout_ms);
	} else if (res.exit_code != 0) {
		err.data[strcspn(err.data, "\n")] = '\0';
		agent_notify_clean_text(err.data, 200, false, &msg);
		note(log, "warning",
		     "desktop notification for %s (uid %u) failed: %s", name,
		     uid, msg.len ? msg.data : "no message");
	} else {
		note(log, "info", "notified %s (uid %u) on the desktop", name, uid);
		ok = true;
	}
	fp_buf_release(&err);
	fp_buf_release(&msg);
	return ok;
}

#define UT_LINE_SIZE (sizeof(((struct utmpx *)0)->ut_line) + 1)
#define UT_USER_SIZE (sizeof(((struct utmpx *)0)->ut_user) + 1)

/* A login entry of utmp: its line and user as strings, else false. */
static bool utmp_login(const struct utmpx *u, char line[UT_LINE_SIZE],
		       char name[UT_USER_SIZE])
{
	if (u->ut_type != USER_PROCESS)
		return false;
	memcpy(line, u->ut_line, UT_LINE_SIZE - 1);
	line[UT_LINE_SIZE - 1] = '\0';
	memcpy(name, u->ut_user, UT_USER_SIZE - 1);
	name[UT_USER_SIZE - 1] = '\0';
	return true;
}

/* Lines of real terminals only: "pts/N", "ttyX", "console". */
static bool tty_line_ok(const char *line)
{
	size_t n = strlen(line);

	if (!strncmp(line, "pts/", 4))
		return n > 4 && n <= 10 && strspn(line + 4, "0123456789") == n - 4;
	if (!strncmp(line, "tty", 3))
		return n > 3 && n <= 12 &&
		       strspn(line + 3, "abcdefghijklmnopqrstuvwxyz"
					"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789") ==
			       n - 3;
	return !strcmp(line, "console");
}

/* Write the whole message to an open terminal without ever blocking. */
static bool tty_write(int fd, const char *msg, size_t len)
{
	size_t done = 0;

	while (done < len) {
		ssize_t w = write(fd, msg + done, len - done);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			break; /* EAGAIN: the terminal is stopped (^S), full */
		done += (size_t)w;
	}
	return done > 0;
}

/*
 * wall-like: the terminal of every login (utmp USER_PROCESS entries; the
 * test-only FLEETPATCH_TEST_UTMP names another utmp file) whose user was
 * not told on the desktop.  Only a character device that is a terminal
 * and belongs to the login's user is written to.
 */
static unsigned tty_notify(const unsigned *told, size_t n_told,
			   const char *msg, size_t msg_len, struct fp_buf *log)
{
	const char *file = getenv("FLEETPATCH_TEST_UTMP");
	char done[64][sizeof(((struct utmpx *)0)->ut_line) + 1];
	size_t n_done = 0, seen = 0;
	struct utmpx *u;
	unsigned count = 0;

	if (file && file[0] && utmpxname(file) != 0) {
		note(log, "warning", "cannot use utmp file %s", file);
		return 0;
	}
	setutxent();
	while ((u = getutxent()) && seen++ < NOTIFY_UTMP_MAX && n_done < 64) {
		char line[UT_LINE_SIZE], name[UT_USER_SIZE];
		char tty[sizeof(line) + 8], pwbuf[4096], shown[64];
		struct passwd pw, *pwp = NULL;
		struct stat st;
		bool dup = false;
		int fd;

		if (!utmp_login(u, line, name))
			continue;
		if (!tty_line_ok(line))
			continue; /* X displays (":0"), junk, paths */
		for (size_t i = 0; i < n_done; i++)
			dup |= !strcmp(done[i], line);
		if (dup)
			continue;
		if (getpwnam_r(name, &pw, pwbuf, sizeof(pwbuf), &pwp) != 0 || !pwp) {
			note(log, "warning", "%s on %s: no such user: not told",
			     printable(name, shown, sizeof(shown)), line);
			continue;
		}
		if (uid_seen(told, n_told, (unsigned)pw.pw_uid))
			continue;
		snprintf(tty, sizeof(tty), "/dev/%s", line);
		fd = open(tty, O_WRONLY | O_NOCTTY | O_NONBLOCK | O_NOFOLLOW |
				       O_CLOEXEC);
		if (fd < 0)
			continue; /* a stale entry: the terminal is gone */
		if (fstat(fd, &st) != 0 || !S_ISCHR(st.st_mode) || !isatty(fd) ||
		    st.st_uid != pw.pw_uid) {
			note(log, "warning", "%s is not %s's terminal: not written to",
			     tty, printable(name, shown, sizeof(shown)));
			close(fd);
			continue;
		}
		if (tty_write(fd, msg, msg_len)) {
			count++;
			memcpy(done[n_done++], line, sizeof(line));
			note(log, "info", "notified %s on %s",
			     printable(name, shown, sizeof(shown)), tty);
		}
		close(fd);
	}
	endutxent();
	return count;
}

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

int agent_notify_users(const char *title, const char *body,
		       struct fp_buf *log, unsigned *ret_count)
{
	const char *sink = getenv("FLEETPATCH_TEST_NOTIFY_SINK");
	unsigned uids[NOTIFY_MAX_USERS], told[NOTIFY_MAX_USERS];
	struct fp_buf t, b, msg;
	struct desktop dk;
	const char *root;
	bool test;
	size_t n, n_told = 0;
	unsigned count = 0;
	int r;

	fp_buf_init(&t, 4 * NOTIFY_TITLE_MAX);
	fp_buf_init(&b, 4 * NOTIFY_BODY_MAX);
	fp_buf_init(&msg, 8 * (NOTIFY_TITLE_MAX + NOTIFY_BODY_MAX));
	if ((r = agent_notify_clean_text(title, NOTIFY_TITLE_MAX, false, &t)) ||
	    (r = agent_notify_clean_text(body, NOTIFY_BODY_MAX, false, &b)))
		goto out;
	if (sink && sink[0]) {
		r = sink_write(sink, t.data, b.data);
		if (r == 0)
			count = 1;
		goto out;
	}
	root = runtime_root(&test);
	n = bus_users(root, test, uids);
	if (n)
		desktop_init(&dk, log);
	for (size_t i = 0; i < n; i++)
		if (desktop_notify(&dk, root, uids[i], t.data, b.data, log))
			told[n_told++] = uids[i];
	if ((r = fp_buf_addf(&msg, "\r\n\a*** fleetpatch: %s ***\r\n", t.data)) ||
	    (r = agent_notify_clean_text(body, NOTIFY_BODY_MAX, true, &msg)) ||
	    (r = fp_buf_adds(&msg, "\r\n")))
		goto out;
	count = (unsigned)n_told + tty_notify(told, n_told, msg.data, msg.len, log);
out:
	if (r == 0 && ret_count)
		*ret_count = count;
	fp_buf_release(&t);
	fp_buf_release(&b);
	fp_buf_release(&msg);
	return r;
}

/*
 * Logged in: a runtime directory RUNTIME/UID that is a directory owned by
 * UID (logind keeps it while the user has a session), a utmp login whose
 * terminal the user holds (a stale utmp entry alone does not count), or
 * a logind session (not under the test runtime dir; asked last, as it
 * runs loginctl).
 */
bool agent_notify_is_logged_in(unsigned uid)
{
	const char *file = getenv("FLEETPATCH_TEST_UTMP");
	unsigned uids[NOTIFY_MAX_USERS];
	char path[4096];
	const char *root;
	struct utmpx *u;
	struct stat st;
	size_t seen = 0;
	bool test, found = false;

	if (uid == 0)
		return true;
	root = runtime_root(&test);
	if ((size_t)snprintf(path, sizeof(path), "%s/%u", root, uid) < sizeof(path) &&
	    lstat(path, &st) == 0 && S_ISDIR(st.st_mode) && st.st_uid == uid)
		return true;
	if (file && file[0] && utmpxname(file) != 0)
		seen = NOTIFY_UTMP_MAX; /* no utmp to read */
	setutxent();
	while (!found && seen++ < NOTIFY_UTMP_MAX && (u = getutxent())) {
		char line[UT_LINE_SIZE], name[UT_USER_SIZE];
		char tty[sizeof(line) + 8], pwbuf[4096];
		struct passwd pw, *pwp = NULL;

		if (!utmp_login(u, line, name) || !tty_line_ok(line) ||
		    getpwnam_r(name, &pw, pwbuf, sizeof(pwbuf), &pwp) != 0 ||
		    !pwp || pw.pw_uid != uid)
			continue;
		snprintf(tty, sizeof(tty), "/dev/%s", line);
		found = lstat(tty, &st) == 0 && S_ISCHR(st.st_mode) &&
			st.st_uid == uid;
	}
	endutxent();
	return found || (!test && uid_seen(uids, loginctl_users(uids, 0), uid));
}
