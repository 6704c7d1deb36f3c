/* SPDX-License-Identifier: MIT */
/* The agent's state directory: config, credential, sequence, acked state. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "fleetpatch/alloc.h"
#include "fleetpatch/buf.h"
#include "fleetpatch/err.h"
#include "fleetpatch/util.h"
#include "state.h"

void agent_log(const char *level, const char *fmt, ...)
{
	char ts[32], msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	fprintf(stderr, "fleetpatch-agent: %s %s: %s\n",
		fp_time_rfc3339(time(NULL), ts), level, msg);
}

int agent_path(char *out, size_t n, const char *state_dir, const char *rel)
{
	return fp_path_join(out, n, state_dir, rel);
}

int agent_state_prepare(const char *state_dir)
{
	char p[4096];
	int r;

	r = fp_mkdir_p(state_dir, 0700);
	if (r)
		return r;
	/* An existing directory may have been made with a wider mode. */
	if (chmod(state_dir, 0700) < 0)
		return FP_EIO;
	r = agent_path(p, sizeof(p), state_dir, "spool");
	if (r)
		return r;
	if (mkdir(p, 0700) < 0 && errno != EEXIST)
		return FP_EIO;
	return 0;
}

int agent_json_load(const char *state_dir, const char *rel, json_t **ret)
{
	char p[4096];
	int r;

	r = agent_path(p, sizeof(p), state_dir, rel);
	if (r)
		return r;
	return agent_json_load_path(p, ret);
}

int agent_json_load_path(const char *p, json_t **ret)
{
	struct fp_buf b;
	json_t *j;
	int r;

	fp_buf_init(&b, AGENT_STATE_MAX_FILE);
	r = fp_read_file(p, &b);
	if (r)
		goto out;
	j = json_loadb(b.data, b.len, 0, NULL);
	if (!j) {
		r = FP_EINVAL;
		goto out;
	}
	*ret = j;
out:
	fp_buf_release(&b);
	return r;
}

int agent_json_save(const char *state_dir, const char *rel, const json_t *j)
{
	char p[4096], *s;
	int r;

	r = agent_path(p, sizeof(p), state_dir, rel);
	if (r)
		return r;
	s = json_dumps(j, JSON_COMPACT);
	if (!s)
		return FP_ENOMEM;
	r = fp_write_file_atomic(p, s, strlen(s), 0600);
	free(s);
	return r;
}

int agent_text_load(const char *state_dir, const char *rel, char *out,
		    size_t n)
{
	struct fp_buf b;
	char p[4096];
	size_t len;
	int r;

	r = agent_path(p, sizeof(p), state_dir, rel);
	if (r)
		return r;
	fp_buf_init(&b, 4096);
	r = fp_read_file(p, &b);
	if (r)
		goto out;
	len = b.len;
	while (len && (b.data[len - 1] == '\n' || b.data[len - 1] == ' ' ||
		       b.data[len - 1] == '\r'))
		len--;
	if (len == 0 || len >= n) {
		r = FP_EINVAL;
		goto out;
	}
	memcpy(out, b.data, len);
	out[len] = '\0';
out:
	fp_buf_release(&b);
	return r;
}

int agent_text_save(const char *state_dir, const char *rel, const char *s)
{
	struct fp_buf b;
	char p[4096];
	int r;

	r = agent_path(p, sizeof(p), state_dir, rel);
	if (r)
		return r;
	fp_buf_init(&b, 0);
	r = fp_buf_addf(&b, "%s\n", s);
	if (!r)
		r = fp_write_file_atomic(p, b.data, b.len, 0600);
	fp_buf_release(&b);
	return r;
}

static int copy_field(json_t *j, const char *key, char *out, size_t n)
{
	const char *s = json_string_value(json_object_get(j, key));

	out[0] = '\0';
	if (!s)
		return 0;
	if (strlen(s) >= n)
		return FP_EINVAL;
	memcpy(out, s, strlen(s) + 1);
	return 0;
}

int agent_config_load(const char *state_dir, struct agent_config *ret)
{
	struct agent_config c;
	json_t *j = NULL;
	int r;

	memset(&c, 0, sizeof(c));
	r = agent_json_load(state_dir, "config.json", &j);
	if (r)
		return r;
	if (!json_is_object(j) || copy_field(j, "server", c.server, sizeof(c.server)) ||
	    copy_field(j, "ca_cert", c.ca_cert, sizeof(c.ca_cert)) ||
	    copy_field(j, "root", c.root, sizeof(c.root)) || !c.server[0]) {
		r = FP_EINVAL;
		goto out;
	}
	c.host_id = json_integer_value(json_object_get(j, "host_id"));
	c.checkin_interval =
		json_integer_value(json_object_get(j, "checkin_interval"));
	*ret = c;
out:
	json_decref(j);
	return r;
}

int agent_config_save(const char *state_dir, const struct agent_config *c)
{
	json_t *j;
	int r;

	j = json_pack("{s:s, s:s?, s:s?, s:I, s:I}", "server", c->server,
		      "ca_cert", c->ca_cert[0] ? c->ca_cert : NULL, "root",
		      c->root[0] ? c->root : NULL, "host_id",
		      (json_int_t)c->host_id, "checkin_interval",
		      (json_int_t)c->checkin_interval);
	if (!j)
		return FP_ENOMEM;
	r = agent_json_save(state_dir, "config.json", j);
	json_decref(j);
	return r;
}

/*
 * The sequence must keep increasing even when the state directory is lost
 * and the machine re-enrolls (the server keeps the host and the highest
 * seq it applied), so a fresh counter starts at the current time in
 * milliseconds rather than at 1.
 */
int agent_seq_next(const char *state_dir, unsigned long long *ret_seq)
{
	char s[64], *end;
	unsigned long long seq = 0, floor_seq;
	struct timespec ts;
	int r;

	clock_gettime(CLOCK_REALTIME, &ts);
	floor_seq = (unsigned long long)ts.tv_sec * 1000ULL +
		    (unsigned long long)ts.tv_nsec / 1000000ULL;
	r = agent_text_load(state_dir, "seq", s, sizeof(s));
	if (r == 0) {
		errno = 0;
		seq = strtoull(s, &end, 10);
		if (errno || *end)
			seq = 0;
	} else if (r != FP_ENOENT) {
		return r;
	}
	if (seq == 0)
		seq = floor_seq;
	seq++;
	snprintf(s, sizeof(s), "%llu", seq);
	r = agent_text_save(state_dir, "seq", s);
	if (r)
		return r;
	*ret_seq = seq;
	return 0;
}
