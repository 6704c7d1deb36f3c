/* SPDX-License-Identifier: MIT */
/* fleetpatchd.conf (INI, via inih); flags override it in main.c. */
#include <errno.h>
#include <ini.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fleetpatch/util.h"
#include "scheduler.h"
#include "server.h"

void fpd_config_defaults(struct fpd_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	snprintf(cfg->listen, sizeof(cfg->listen), "127.0.0.1:8580");
	snprintf(cfg->data_dir, sizeof(cfg->data_dir), "/var/lib/fleetpatch");
	cfg->max_body = 32u << 20;
	cfg->threads = 32;
	cfg->readers = 8;
	cfg->batch_max = 512;
	cfg->max_connections = 4096;
	cfg->stale_after = 7 * 86400;
	cfg->checkin_interval = 15 * 60;
	cfg->job_timeout = FPD_JOB_TIMEOUT_DEFAULT;
	cfg->sweep_interval = 3600;
	cfg->log_level = FPD_LOG_INFO;
	fp_decode_limits_default(&cfg->limits);
}

int fpd_size_parse(const char *s, size_t *ret)
{
	char *end;
	unsigned long long v;

	if (!*s || *s == '-')
		return FP_EINVAL;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || end == s)
		return FP_EINVAL;
	switch (*end) {
	case '\0': break;
	case 'k': case 'K': v <<= 10; end++; break;
	case 'm': case 'M': v <<= 20; end++; break;
	case 'g': case 'G': v <<= 30; end++; break;
	default: return FP_EINVAL;
	}
	if (*end && strcmp(end, "B") && strcmp(end, "iB"))
		return FP_EINVAL;
	*ret = (size_t)v;
	return 0;
}

static int parse_uint(const char *s, unsigned lo, unsigned hi, unsigned *ret)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || end == s || *end || v < lo || v > hi)
		return FP_EINVAL;
	*ret = (unsigned)v;
	return 0;
}

struct load_ctx {
	struct fpd_config *cfg;
	char *err;
	size_t errlen;
};

static int on_value(void *user, const char *section, const char *name,
		    const char *value)
{
	struct load_ctx *x = user;
	struct fpd_config *c = x->cfg;
	unsigned u;
	size_t sz;
	int64_t d;

#define IS(s, n) (!strcmp(section, s) && !strcmp(name, n))
	if (IS("server", "listen"))
		snprintf(c->listen, sizeof(c->listen), "%s", value);
	else if (IS("server", "data"))
		snprintf(c->data_dir, sizeof(c->data_dir), "%s", value);
	else if (IS("server", "tls_cert"))
		snprintf(c->tls_cert, sizeof(c->tls_cert), "%s", value);
	else if (IS("server", "tls_key"))
		snprintf(c->tls_key, sizeof(c->tls_key), "%s", value);
	else if (IS("server", "threads") && !parse_uint(value, 1, 1024, &u))
		c->threads = u;
	else if (IS("server", "db_readers") && !parse_uint(value, 1, 63, &u))
		c->readers = u;
	else if (IS("server", "batch_max") && !parse_uint(value, 1, 100000, &u))
		c->batch_max = u;
	else if (IS("server", "max_connections") && !parse_uint(value, 1, 1000000, &u))
		c->max_connections = u;
	else if (IS("server", "max_body") && !fpd_size_parse(value, &sz) && sz >= 1024)
		c->max_body = sz;
	else if (IS("server", "max_packages") && !parse_uint(value, 1, 10000000, &u))
		c->limits.max_packages = u;
	else if (IS("server", "log_level") && !fpd_log_parse_level(value, &c->log_level))
		;
	else if (IS("checkin", "interval") && !fp_duration_parse(value, &d) && d > 0)
		c->checkin_interval = d;
	else if (IS("checkin", "stale_after") && !fp_duration_parse(value, &d) && d > 0)
		c->stale_after = d;
	else if (IS("rollout", "job_timeout") && !fp_duration_parse(value, &d) &&
		 d > 0 && d <= FPD_JOB_LIFETIME)
		c->job_timeout = d;
	else if (IS("server", "sweep_interval") && !fp_duration_parse(value, &d) && d > 0)
		c->sweep_interval = d;
	else {
		snprintf(x->err, x->errlen, "[%s] %s = %s: unknown key or invalid value",
			 section, name, value);
		return 0;
	}
#undef IS
	return 1;
}

int fpd_config_load(struct fpd_config *cfg, const char *path, bool must_exist,
		    char *err, size_t errlen)
{
	struct load_ctx x = { cfg, err, errlen };
	char msg[512] = "";
	FILE *f;
	int line;

	f = fopen(path, "re");
	if (!f) {
		if (errno == ENOENT && !must_exist)
			return 0;
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return FP_EIO;
	}
	x.err = msg;
	x.errlen = sizeof(msg);
	line = ini_parse_file(f, on_value, &x);
	fclose(f);
	if (line != 0) {
		snprintf(err, errlen, "%s:%d: %s", path, line,
			 msg[0] ? msg : "syntax error");
		return FP_EINVAL;
	}
	return 0;
}
