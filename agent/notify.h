/* SPDX-License-Identifier: MIT */
#ifndef FLEETPATCH_AGENT_NOTIFY_H
#define FLEETPATCH_AGENT_NOTIFY_H

#include <stdbool.h>
#include <stddef.h>

#include "fleetpatch/buf.h"

/*
 * Tell the users logged in to this machine something (an update is
 * coming, a reboot is due at a deadline).
 *
 * Desktop: every user with a session bus, found through logind
 * (`loginctl list-sessions`) and the runtime directories /run/user/UID,
 * whose socket /run/user/UID/bus belongs to that user, gets an
 * org.freedesktop.Notifications.Notify call (app "fleetpatch", urgency
 * critical, never expiring), sent as that user: `setpriv --reuid UID
 * --regid GID --clear-groups` runs `busctl --address=unix:path=... call`
 * (or, without busctl, `notify-send`) with a fixed environment.  A
 * session bus refuses root, so this is not only courtesy.  Each call is
 * bounded (5 s), all of them together too (20 s).
 *
 * Terminal: every login in utmp (USER_PROCESS, line "pts/N", "ttyX" or
 * "console") whose user was not told on the desktop (no bus, bus call
 * failed or timed out) gets a wall-like message written to its terminal,
 * without blocking; only a terminal device owned by that user.
 *
 * Text: title and body are cut to NOTIFY_TITLE_MAX / NOTIFY_BODY_MAX
 * bytes ("..." marks a cut), invalid UTF-8 and control characters become
 * '?' (no terminal escapes reach a user).
 *
 * Test-only knobs, never set in production:
 *   FLEETPATCH_TEST_NOTIFY_SINK  append "title\tbody\n" to this file
 *                                instead; nobody is disturbed
 *   FLEETPATCH_TEST_RUNTIME_DIR  stands for /run/user (logind is not
 *                                asked then)
 *   FLEETPATCH_TEST_UTMP         a utmp file read instead of the system's
 *
 * *ret_count (may be NULL) gets the number of sessions told; what was
 * done and what failed goes to 'log' when given, else to the agent's log
 * (stderr).  Returns 0 even when nobody is logged in.
 */
#define NOTIFY_TITLE_MAX 120
#define NOTIFY_BODY_MAX 1500

int agent_notify_users(const char *title, const char *body,
		       struct fp_buf *log, unsigned *ret_count);

/*
 * Whether the user 'uid' is logged in to this machine now: a logind
 * session, a runtime directory (/run/user/UID, owned by UID) or a utmp
 * login on a terminal that UID holds.  Root always is.  The test-only
 * FLEETPATCH_TEST_RUNTIME_DIR and FLEETPATCH_TEST_UTMP apply here too.
 */
bool agent_notify_is_logged_in(unsigned uid);

/*
 * Append 'in' to 'out' as valid UTF-8 without control characters, at
 * most 'max' bytes of it plus "..." when cut (on a character boundary).
 * '\n' stays (as "\r\n" when 'crlf'), '\t' becomes a space, other
 * controls, DEL, C1 controls and bytes that are not UTF-8 become '?'.
 */
int agent_notify_clean_text(const char *in, size_t max, bool crlf,
			    struct fp_buf *out);

#endif
