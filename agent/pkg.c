/* SPDX-License-Identifier: MIT */
/* What the package-manager backends share (see pkg.h). */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "fleetpatch/alloc.h"
#include "fleetpatch/err.h"
#include "fleetpatch/exec.h"
#include "pkg.h"

static const struct agent_pkg_backend *const backends[] = {
	&agent_pkg_apt, &agent_pkg_dnf, &agent_pkg_zypper, &agent_pkg_pacman,
};

const struct agent_pkg_backend *agent_pkg_find(const char *name)
{
	for (size_t i = 0; i < sizeof(backends) / sizeof(backends[0]); i++)
		if (name && !strcmp(backends[i]->name, name) &&
		    backends[i]->install)
			return backends[i];
	return NULL;
}

const struct agent_pkg_backend *agent_pkg_detect(const char *root)
{
	for (size_t i = 0; i < sizeof(backends) / sizeof(backends[0]); i++)
		if (backends[i]->detect(root))
			return backends[i];
	return NULL;
}

bool agent_root_is_live(const char *root)
{
	return !root || !root[0] || !strcmp(root, "/");
}

static void argv_push(struct agent_argv *a, const char *s, char *owned)
{
	if (a->err)
		goto out_free;
	if (a->n + 2 > a->alloc) {
		size_t na = a->alloc ? a->alloc * 2 : 32;
		const char **nv = fp_reallocarray(a->v, na, sizeof(*nv));
		if (!nv) {
			a->err = FP_ENOMEM;
			goto out_free;
		}
		a->v = nv;
		a->alloc = na;
	}
	if (owned) {
		char **no = fp_reallocarray(a->owned, a->n_owned + 1,
					    sizeof(*no));
		if (!no) {
			a->err = FP_ENOMEM;
			goto out_free;
		}
		a->owned = no;
		a->owned[a->n_owned++] = owned;
	}
	a->v[a->n++] = s;
	a->v[a->n] = NULL;
	return;
out_free:
	fp_free(owned);
}

void agent_argv_add(struct agent_argv *a, const char *s)
{
	if (!s) {
		a->err = FP_EINVAL;
		return;
	}
	argv_push(a, s, NULL);
}

void agent_argv_addf(struct agent_argv *a, const char *fmt, ...)
{
	struct fp_buf b;
	va_list ap;
	char *s;

	fp_buf_init(&b, 1 << 16);
	va_start(ap, fmt);
	if (fp_buf_vaddf(&b, fmt, ap) != 0)
		a->err = FP_ENOMEM;
	va_end(ap);
	s = fp_buf_detach(&b, NULL);
	if (!s)
		a->err = FP_ENOMEM;
	if (a->err) {
		fp_free(s);
		return;
	}
	argv_push(a, s, s);
}

void agent_argv_release(struct agent_argv *a)
{
	for (size_t i = 0; i < a->n_owned; i++)
		fp_free(a->owned[i]);
	fp_free(a->owned);
	fp_free(a->v);
	memset(a, 0, sizeof(*a));
}

int agent_pkg_run(const struct agent_pkg_ctx *ctx, const char *const *argv,
		  const char *const *envp, struct fp_buf *out, int *ret_exit)
{
	struct fp_exec_opts o = { 0 };
	struct fp_exec_result res;
	struct fp_buf tmp;
	int r;

	fp_buf_init(&tmp, (size_t)4 << 20);
	if (ctx->log) {
		fp_buf_adds(ctx->log, "$");
		for (size_t i = 0; argv[i]; i++) {
			fp_buf_addch(ctx->log, ' ');
			fp_buf_adds(ctx->log, argv[i]);
		}
		fp_buf_addch(ctx->log, '\n');
	}
	o.argv = argv;
	o.envp = envp;
	o.timeout_ms = ctx->timeout_s ? ctx->timeout_s * 1000u : 0;
	if (out) {
		o.out = out;
		o.err = &tmp;
	} else {
		o.out = &tmp;
		o.merge_stderr = true;
	}
	r = fp_exec(&o, &res);
	if (ctx->log) {
		fp_buf_add(ctx->log, tmp.data, tmp.len);
		if (tmp.len && tmp.data[tmp.len - 1] != '\n')
			fp_buf_addch(ctx->log, '\n');
		if (res.timed_out)
			fp_buf_addf(ctx->log, "(timed out after %u s)\n",
				    ctx->timeout_s);
		else if (res.term_signal)
			fp_buf_addf(ctx->log, "(killed by signal %d)\n",
				    res.term_signal);
		else if (r == 0 && res.exit_code)
			fp_buf_addf(ctx->log, "(exit status %d)\n",
				    res.exit_code);
		else if (r)
			fp_buf_addf(ctx->log, "(could not run %s: %s)\n",
				    argv[0], fp_strerror(r));
	}
	fp_buf_release(&tmp);
	if (r)
		return r;
	*ret_exit = res.timed_out || res.term_signal ? -1 : res.exit_code;
	return res.timed_out ? FP_ETIMEDOUT : 0;
}

int agent_pkg_run_locked(const struct agent_pkg_ctx *ctx,
			 const char *const *argv, const char *const *envp,
			 const char *lock_text, int *ret_exit)
{
	struct agent_pkg_ctx c = *ctx;
	struct fp_buf out;
	unsigned waited = 0;
	int r, ex = 0;

	fp_buf_init(&out, (size_t)1 << 20);
	c.log = &out;
	for (;;) {
		fp_buf_reset(&out);
		r = agent_pkg_run(&c, argv, envp, NULL, &ex);
		if (r || ex == 0 || !strstr(out.data, lock_text) ||
		    waited >= ctx->lock_wait_s)
			break;
		sleep(1);
		waited++;
	}
	if (ctx->log) {
		if (waited)
			fp_buf_addf(ctx->log, "(waited %u s for the lock)\n",
				    waited);
		fp_buf_add(ctx->log, out.data, out.len);
	}
	if (r == 0 && ex != 0 && waited && waited >= ctx->lock_wait_s &&
	    strstr(out.data, lock_text))
		r = FP_EBUSY;
	fp_buf_release(&out);
	if (r == 0)
		*ret_exit = ex;
	return r;
}

bool agent_pkg_version_matches(enum fp_ecosystem eco, const char *installed,
			       const char *target)
{
	size_t n;

	if (!installed || !target)
		return false;
	if (!strcmp(installed, target))
		return true;
	if ((eco != FP_ECO_RPM && eco != FP_ECO_PACMAN) || strchr(target, '-'))
		return false;
	/* rpm, pacman: "1.1" names 1.1 of any release: "1.1-3" matches. */
	n = strlen(target);
	return !strncmp(installed, target, n) && installed[n] == '-' &&
	       !strchr(installed + n + 1, '-');
}

char *agent_log_tail(const struct fp_buf *log, size_t max)
{
	const char *p = log->data;
	size_t len = log->len;

	if (len > max) {
		const char *nl;
		p += len - max;
		len = max;
		nl = memchr(p, '\n', len);
		if (nl && (size_t)(nl - p) < len - 1) {
			len -= (size_t)(nl + 1 - p);
			p = nl + 1;
		}
	}
	return fp_strndup(p, len);
}

extern char **environ;

const char **agent_env_with(const char *const *extra)
{
	size_t n = 0, ne = 0, k = 0;
	const char **env;

	while (environ[n])
		n++;
	while (extra[ne])
		ne++;
	env = fp_calloc(n + ne + 1, sizeof(*env));
	if (!env)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		bool replaced = false;
		for (size_t j = 0; j < ne && !replaced; j++) {
			size_t kl = strcspn(extra[j], "=");
			replaced = !strncmp(environ[i], extra[j], kl + 1);
		}
		if (!replaced)
			env[k++] = environ[i];
	}
	for (size_t j = 0; j < ne; j++)
		env[k++] = extra[j];
	env[k] = NULL;
	return env;
}
