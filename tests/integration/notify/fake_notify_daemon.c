/* SPDX-License-Identifier: MIT */
/*
 * fake_notify_daemon: stands in for a desktop notification daemon (GNOME
 * Shell, KDE Plasma, dunst, mako) in the notification tests, where no
 * desktop runs.  It owns org.freedesktop.Notifications on the session
 * bus named by DBUS_SESSION_BUS_ADDRESS (a real dbus-daemon the test
 * started) and records every Notify call, one line each:
 *
 *   uid=U<TAB>app=A<TAB>replaces=N<TAB>icon=I<TAB>summary=S<TAB>body=B
 *   <TAB>actions=N<TAB>urgency=N<TAB>timeout=N
 *
 * uid is the caller's, as the bus daemon knows it (GetConnectionUnixUser);
 * strings have '\\', tab and newline escaped as \\\\, \\t, \\n.
 *
 *   fake_notify_daemon --log FILE --ready FILE [--mode ok|fail|hang]
 *                      [--lifetime SECONDS]
 *
 * --mode fail answers every Notify with an error, --mode hang never
 * answers (a wedged daemon).  The daemon writes --ready once it owns the
 * name, and exits on SIGTERM or after --lifetime (default 120 s), so it
 * never outlives a test.
 */
#include <dbus/dbus.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define NAME "org.freedesktop.Notifications"
#define IFACE "org.freedesktop.Notifications"

static volatile sig_atomic_t stop;

static void on_term(int sig)
{
	(void)sig;
	stop = 1;
}

static void put_escaped(FILE *f, const char *s)
{
	for (; *s; s++) {
		if (*s == '\\')
			fputs("\\\\", f);
		else if (*s == '\t')
			fputs("\\t", f);
		else if (*s == '\n')
			fputs("\\n", f);
		else
			fputc(*s, f);
	}
}

/* Read the string at 'it' and step on; "" when it is not a string. */
static const char *next_string(DBusMessageIter *it)
{
	const char *s = "";

	if (dbus_message_iter_get_arg_type(it) == DBUS_TYPE_STRING)
		dbus_message_iter_get_basic(it, &s);
	dbus_message_iter_next(it);
	return s;
}

static dbus_uint32_t next_u32(DBusMessageIter *it)
{
	dbus_uint32_t v = 0;

	if (dbus_message_iter_get_arg_type(it) == DBUS_TYPE_UINT32)
		dbus_message_iter_get_basic(it, &v);
	dbus_message_iter_next(it);
	return v;
}

/* Record a Notify call; false when its signature is wrong. */
static int record_notify(DBusConnection *c, DBusMessage *m, const char *log)
{
	DBusMessageIter it, sub;
	const char *app, *icon, *summary, *body, *sender;
	dbus_uint32_t replaces;
	dbus_int32_t timeout = -2;
	int urgency = -1, actions = 0;
	unsigned long uid;
	DBusError err;
	FILE *f;

	if (!dbus_message_has_signature(m, "susssasa{sv}i"))
		return 0;
	dbus_message_iter_init(m, &it);
	app = next_string(&it);
	replaces = next_u32(&it);
	icon = next_string(&it);
	summary = next_string(&it);
	body = next_string(&it);
	dbus_message_iter_recurse(&it, &sub);
	while (dbus_message_iter_get_arg_type(&sub) == DBUS_TYPE_STRING) {
		actions++;
		dbus_message_iter_next(&sub);
	}
	dbus_message_iter_next(&it);
	dbus_message_iter_recurse(&it, &sub);
	while (dbus_message_iter_get_arg_type(&sub) == DBUS_TYPE_DICT_ENTRY) {
		DBusMessageIter e, v;
		const char *key;

		dbus_message_iter_recurse(&sub, &e);
		dbus_message_iter_get_basic(&e, &key);
		dbus_message_iter_next(&e);
		dbus_message_iter_recurse(&e, &v);
		if (!strcmp(key, "urgency") &&
		    dbus_message_iter_get_arg_type(&v) == DBUS_TYPE_BYTE) {
			unsigned char b;
			dbus_message_iter_get_basic(&v, &b);
			urgency = b;
		}
		dbus_message_iter_next(&sub);
	}
	dbus_message_iter_next(&it);
	if (dbus_message_iter_get_arg_type(&it) == DBUS_TYPE_INT32)
		dbus_message_iter_get_basic(&it, &timeout);

	sender = dbus_message_get_sender(m);
	dbus_error_init(&err);
	uid = sender ? dbus_bus_get_unix_user(c, sender, &err) : (unsigned long)-1;
	if (dbus_error_is_set(&err))
		dbus_error_free(&err);

	f = fopen(log, "a");
	if (!f)
		return 1;
	fprintf(f, "uid=%lu\tapp=", uid);
	put_escaped(f, app);
	fprintf(f, "\treplaces=%u\ticon=", (unsigned)replaces);
	put_escaped(f, icon);
	fputs("\tsummary=", f);
	put_escaped(f, summary);
	fputs("\tbody=", f);
	put_escaped(f, body);
	fprintf(f, "\tactions=%d\turgency=%d\ttimeout=%d\n", actions, urgency,
		(int)timeout);
	fclose(f);
	return 1;
}

static void answer(DBusConnection *c, DBusMessage *m, const char *mode,
		   const char *log, dbus_uint32_t *next_id)
{
	DBusMessage *reply = NULL;

	if (dbus_message_is_method_call(m, IFACE, "Notify")) {
		if (!record_notify(c, m, log))
			reply = dbus_message_new_error(m, DBUS_ERROR_INVALID_ARGS,
						       "Notify takes susssasa{sv}i");
		else if (!strcmp(mode, "hang"))
			return; /* never answered */
		else if (!strcmp(mode, "fail"))
			reply = dbus_message_new_error(m, DBUS_ERROR_FAILED,
						       "fake daemon told to fail");
		else {
			dbus_uint32_t id = (*next_id)++;
			reply = dbus_message_new_method_return(m);
			dbus_message_append_args(reply, DBUS_TYPE_UINT32, &id,
						 DBUS_TYPE_INVALID);
		}
	} else if (dbus_message_is_method_call(m, IFACE, "GetServerInformation")) {
		const char *v[] = { "fleetpatch-fake-notify-daemon",
				    "fleetpatch tests", "0", "1.2" };
		reply = dbus_message_new_method_return(m);
		dbus_message_append_args(reply, DBUS_TYPE_STRING, &v[0],
					 DBUS_TYPE_STRING, &v[1], DBUS_TYPE_STRING,
					 &v[2], DBUS_TYPE_STRING, &v[3],
					 DBUS_TYPE_INVALID);
	} else if (dbus_message_is_method_call(m, IFACE, "GetCapabilities")) {
		const char *caps[] = { "body" };
		const char **p = caps;
		reply = dbus_message_new_method_return(m);
		dbus_message_append_args(reply, DBUS_TYPE_ARRAY, DBUS_TYPE_STRING,
					 &p, 1, DBUS_TYPE_INVALID);
	} else if (dbus_message_is_method_call(m, IFACE, "CloseNotification")) {
		reply = dbus_message_new_method_return(m);
	} else if (dbus_message_get_type(m) == DBUS_MESSAGE_TYPE_METHOD_CALL) {
		reply = dbus_message_new_error(m, DBUS_ERROR_UNKNOWN_METHOD,
					       "not a notification daemon method");
	}
	if (reply) {
		dbus_connection_send(c, reply, NULL);
		dbus_message_unref(reply);
	}
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "log", required_argument, NULL, 'l' },
		{ "ready", required_argument, NULL, 'r' },
		{ "mode", required_argument, NULL, 'm' },
		{ "lifetime", required_argument, NULL, 't' },
		{ NULL, 0, NULL, 0 },
	};
	const char *log = NULL, *ready = NULL, *mode = "ok";
	long lifetime = 120;
	dbus_uint32_t next_id = 1;
	DBusConnection *c;
	DBusError err;
	time_t end;
	FILE *f;
	int o;

	while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (o) {
		case 'l': log = optarg; break;
		case 'r': ready = optarg; break;
		case 'm': mode = optarg; break;
		case 't': lifetime = strtol(optarg, NULL, 10); break;
		default: return 2;
		}
	}
	if (!log || !ready || (strcmp(mode, "ok") && strcmp(mode, "fail") &&
			       strcmp(mode, "hang"))) {
		fprintf(stderr, "usage: fake_notify_daemon --log FILE --ready FILE [--mode ok|fail|hang] [--lifetime S]\n");
		return 2;
	}
	signal(SIGTERM, on_term);
	signal(SIGINT, on_term);
	dbus_error_init(&err);
	c = dbus_bus_get_private(DBUS_BUS_SESSION, &err);
	if (!c) {
		fprintf(stderr, "fake_notify_daemon: cannot connect: %s\n", err.message);
		return 1;
	}
	if (dbus_bus_request_name(c, NAME, DBUS_NAME_FLAG_DO_NOT_QUEUE, &err) !=
	    DBUS_REQUEST_NAME_REPLY_PRIMARY_OWNER) {
		fprintf(stderr, "fake_notify_daemon: cannot own %s: %s\n", NAME,
			dbus_error_is_set(&err) ? err.message : "taken");
		return 1;
	}
	f = fopen(ready, "w");
	if (!f)
		return 1;
	fprintf(f, "%s\n", mode);
	fclose(f);
	end = time(NULL) + lifetime;
	while (!stop && time(NULL) < end &&
	       dbus_connection_read_write(c, 200)) {
		DBusMessage *m;
		while ((m = dbus_connection_pop_message(c))) {
			answer(c, m, mode, log, &next_id);
			dbus_message_unref(m);
		}
	}
	dbus_connection_close(c);
	dbus_connection_unref(c);
	return 0;
}
