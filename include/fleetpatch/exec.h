/* SPDX-License-Identifier: MIT */
#ifndef FLEETPATCH_EXEC_H
#define FLEETPATCH_EXEC_H

#include <stdbool.h>
#include <sys/types.h>

#include "fleetpatch/buf.h"

/*
 * Run a program with an argv array (never a shell) through posix_spawn,
 * capturing its standard output and error into bounded buffers.
 *
 * argv[0] is looked up in PATH when it contains no '/'.  'envp' NULL keeps
 * the caller's environment; otherwise it is the whole environment.
 * stdin is /dev/null.  Output past a buffer's cap is read and dropped and
 * 'truncated' is set, so a chatty child never blocks.  A child still
 * running after 'timeout_ms' (0 = none) is sent SIGTERM, then SIGKILL.
 */
struct fp_exec_opts {
	const char *const *argv;
	const char *const *envp; /* NULL: inherit */
	const char *cwd;         /* NULL: inherit */
	unsigned timeout_ms;     /* 0: no timeout */
	struct fp_buf *out;      /* NULL: discard stdout */
	struct fp_buf *err;      /* NULL: discard stderr */
	bool merge_stderr;       /* send stderr to 'out' */
};

struct fp_exec_result {
	int exit_code;   /* exit status, or -1 when killed by a signal */
	int term_signal; /* the signal, when killed; else 0 */
	bool timed_out;
	bool truncated;  /* some output was dropped at a buffer's cap */
};

/*
 * Returns 0 when the child ran (whatever its exit status: see 'ret'),
 * FP_ESPAWN when it could not be started (ret->exit_code 127), FP_ENOMEM.
 */
int fp_exec(const struct fp_exec_opts *opts, struct fp_exec_result *ret);

/* True when 'prog' is found as an executable in PATH (or is a path). */
bool fp_exec_have(const char *prog);

#endif
