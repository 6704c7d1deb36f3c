/* SPDX-License-Identifier: MIT */
#ifndef FLEETPATCH_AGENT_NOTIFY_H
#define FLEETPATCH_AGENT_NOTIFY_H

#include "fleetpatch/buf.h"

/*
 * Tell the users logged in to this machine something (an update is
 * coming, a reboot is due at a deadline).
 *
 * For each user with a graphical session whose session bus exists
 * (/run/user/UID/bus), a desktop notification: notify-send run as that
 * user (runuser) with DBUS_SESSION_BUS_ADDRESS=unix:path=/run/user/UID/bus.
 * Users are found with `loginctl list-sessions`, else from /run/user.
 * Every other login (utmp USER_PROCESS entries with a tty) gets a
 * wall-like terminal message written to its tty.
 *
 * Test-only sink: when FLEETPATCH_TEST_NOTIFY_SINK names a file, every
 * message is appended there as "title\tbody\n" instead and no user is
 * disturbed.
 *
 * *ret_count (may be NULL) gets the number of sessions told; 'log' (may
 * be NULL) what was done.  Returns 0 even when nobody is logged in.
 */
int agent_notify_users(const char *title, const char *body,
		       struct fp_buf *log, unsigned *ret_count);

#endif
