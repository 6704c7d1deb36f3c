/* SPDX-License-Identifier: MIT */
/*
 * fleetpatch version compare --ecosystem E A B
 * fleetpatch version compare --ecosystem E --batch
 *
 * Local only: no server involved.  See docs/cli.md.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "fleetpatch/version.h"

/* A batch line holds two versions, blanks, and some slack. */
#define BATCH_LINE_MAX (2 * FP_VERSION_MAX_LEN + 64)
#define BATCH_IN_SIZE (256 * 1024)
#define BATCH_OUT_SIZE (64 * 1024)

static void usage(FILE *f)
{
	fprintf(f,
		"usage: fleetpatch version compare --ecosystem E A B\n"
		"       fleetpatch version compare --ecosystem E --batch\n"
		"\n"
		"E is one of deb rpm apk pacman semver generic.  Prints <, = or >\n"
		"(A is older, the same, newer than B).  --batch reads \"A B\" lines\n"
		"on stdin and prints one of < = > ! per line (! = invalid, the\n"
		"reason on stderr).  Exit 2 when a version is invalid.\n");
}

/* A message assembled in place: batch mode reports many of them. */
struct msg {
	char buf[512];
	size_t len;
};

static void msg_add(struct msg *m, const char *s, size_t n)
{
	if (n > sizeof(m->buf) - m->len)
		n = sizeof(m->buf) - m->len;
	memcpy(m->buf + m->len, s, n);
	m->len += n;
}

static void msg_adds(struct msg *m, const char *s) { msg_add(m, s, strlen(s)); }

static void msg_addu(struct msg *m, unsigned long v)
{
	char d[24];
	size_t i = sizeof(d);

	do {
		d[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	msg_add(m, d + i, sizeof(d) - i);
}

/* At most 80 bytes of untrusted text, quoted, the unprintable escaped. */
static void msg_add_escaped(struct msg *m, const char *s, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	size_t n = len > 80 ? 80 : len;

	msg_add(m, "'", 1);
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c < 0x20 || c >= 0x7f || c == '\'' || c == '\\') {
			char e[4] = { '\\', 'x', hex[c >> 4], hex[c & 15] };
			msg_add(m, e, 4);
		} else {
			msg_add(m, (const char *)&c, 1);
		}
	}
	msg_adds(m, len > n ? "'..." : "'");
}

/* "which version 'text' is invalid: reason at column N". */
static void report_invalid(unsigned long line, bool second,
			   const struct fp_diag *d, const char *v, size_t len)
{
	struct msg m = { .len = 0 };

	msg_adds(&m, "fleetpatch: version compare: ");
	if (line) {
		msg_adds(&m, "line ");
		msg_addu(&m, line);
		msg_adds(&m, ": ");
	}
	msg_adds(&m, second ? "second (B) version " : "first (A) version ");
	msg_add_escaped(&m, v, len);
	msg_adds(&m, " is invalid: ");
	msg_adds(&m, d->msg);
	if (d->column) {
		msg_adds(&m, " at column ");
		msg_addu(&m, d->column);
	}
	msg_add(&m, "\n", 1);
	fwrite(m.buf, 1, m.len, stderr);
}

/* After a failed compare: say which version is invalid and why. */
static void explain(enum fp_ecosystem eco, unsigned long line, const char *a,
		    size_t alen, const char *b, size_t blen)
{
	struct fp_diag d;

	fp_diag_init(&d, NULL);
	if (fp_version_check(eco, a, alen, &d) != 0) {
		report_invalid(line, false, &d, a, alen);
		return;
	}
	fp_diag_init(&d, NULL);
	fp_version_check(eco, b, blen, &d);
	report_invalid(line, true, &d, b, blen);
}

static int compare_one(enum fp_ecosystem eco, const char *a, const char *b)
{
	int c;

	if (fp_version_compare(eco, a, b, &c, NULL) != 0) {
		explain(eco, 0, a, strlen(a), b, strlen(b));
		return 2;
	}
	puts(c < 0 ? "<" : c > 0 ? ">" : "=");
	return fflush(stdout) == 0 ? 0 : 1;
}

struct out {
	char buf[BATCH_OUT_SIZE];
	size_t len;
	bool failed;
};

static void out_flush(struct out *o)
{
	size_t off = 0;

	while (off < o->len && !o->failed) {
		ssize_t n = write(STDOUT_FILENO, o->buf + off, o->len - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			o->failed = true;
		else
			off += (size_t)n;
	}
	o->len = 0;
}

static void out_put(struct out *o, char c)
{
	if (o->len + 2 > sizeof(o->buf))
		out_flush(o);
	o->buf[o->len++] = c;
	o->buf[o->len++] = '\n';
}

static const bool blank[256] = { [' '] = true, ['\t'] = true, ['\r'] = true };

static bool is_blank(char c) { return blank[(unsigned char)c]; }

/* One "A B" line (without its newline): the result character. */
static char batch_line(enum fp_ecosystem eco, unsigned long lineno, char *s,
		       size_t len)
{
	size_t i = 0, a, alen, b, blen;
	const char *sp;
	int c;

	/* Usual shape "A B": found with memchr() alone. */
	sp = memchr(s, ' ', len);
	if (sp && sp != s && !memchr(s, '\t', len) && !memchr(s, '\r', len) &&
	    (size_t)(sp - s) + 1 < len && !memchr(sp + 1, ' ', len - (size_t)(sp - s) - 1)) {
		a = 0;
		alen = (size_t)(sp - s);
		b = alen + 1;
		blen = len - b;
		goto compare;
	}
	while (i < len && is_blank(s[i]))
		i++;
	a = i;
	while (i < len && !is_blank(s[i]))
		i++;
	alen = i - a;
	while (i < len && is_blank(s[i]))
		i++;
	b = i;
	while (i < len && !is_blank(s[i]))
		i++;
	blen = i - b;
	while (i < len && is_blank(s[i]))
		i++;
	if (alen == 0 || blen == 0 || i < len) {
		fprintf(stderr, "fleetpatch: version compare: line %lu: expected "
				"two versions separated by blanks\n", lineno);
		return '!';
	}
compare:
	if (fp_version_compare_n(eco, s + a, alen, s + b, blen, &c, NULL) != 0) {
		explain(eco, lineno, s + a, alen, s + b, blen);
		return '!';
	}
	return c < 0 ? '<' : c > 0 ? '>' : '=';
}

/*
 * Stream stdin to stdout: a fixed input buffer, lines handled in place,
 * no allocation per line.  A line longer than BATCH_LINE_MAX gets '!' and
 * is skipped up to its newline.
 */
static int compare_batch(enum fp_ecosystem eco)
{
	static char in[BATCH_IN_SIZE], errbuf[BATCH_OUT_SIZE];
	static struct out out;
	size_t have = 0;
	unsigned long lineno = 0;
	bool skipping = false, any_bad = false, eof = false;

	/* Reasons carry their line number: buffer them like the results. */
	setvbuf(stderr, errbuf, _IOFBF, sizeof(errbuf));
	while (!eof || have > 0) {
		size_t start = 0;

		if (!eof) {
			ssize_t n;

			/* Answer what was read before waiting for more, so a
			 * caller feeding lines one by one gets its results. */
			out_flush(&out);
			fflush(stderr);
			n = read(STDIN_FILENO, in + have, sizeof(in) - have);
			if (n < 0 && errno == EINTR)
				continue;
			if (n < 0) {
				out_flush(&out);
				fprintf(stderr, "fleetpatch: version compare: "
						"reading stdin: %s\n",
					strerror(errno));
				return 1;
			}
			if (n == 0)
				eof = true;
			have += (size_t)n;
		}
		for (;;) {
			char *nl = memchr(in + start, '\n', have - start);
			size_t len;

			if (!nl && !(eof && start < have))
				break;
			len = nl ? (size_t)(nl - (in + start)) : have - start;
			if (skipping) {
				skipping = false;
			} else {
				char r;

				lineno++;
				if (len > BATCH_LINE_MAX) {
					fprintf(stderr, "fleetpatch: version compare: "
							"line %lu: longer than %d bytes\n",
						lineno, BATCH_LINE_MAX);
					r = '!';
				} else {
					r = batch_line(eco, lineno, in + start, len);
				}
				any_bad |= r == '!';
				out_put(&out, r);
			}
			start += len + (nl ? 1 : 0);
		}
		/* Keep the partial line; drop an over-long one's head. */
		memmove(in, in + start, have - start);
		have -= start;
		if (have > BATCH_LINE_MAX && !skipping) {
			lineno++;
			fprintf(stderr, "fleetpatch: version compare: line %lu: "
					"longer than %d bytes\n", lineno,
				BATCH_LINE_MAX);
			out_put(&out, '!');
			any_bad = true;
			skipping = true;
		}
		if (skipping)
			have = 0;
	}
	out_flush(&out);
	fflush(stderr);
	if (out.failed) {
		fprintf(stderr, "fleetpatch: version compare: writing stdout "
				"failed\n");
		return 1;
	}
	return any_bad ? 2 : 0;
}

static int cmd_compare(int argc, char **argv)
{
	const char *eco_name = NULL, *pos[2];
	enum fp_ecosystem eco;
	bool batch = false, opts = true;
	int npos = 0;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (opts && strcmp(a, "--") == 0) {
			opts = false;
		} else if (opts && (!strcmp(a, "--help") || !strcmp(a, "-h"))) {
			usage(stdout);
			return 0;
		} else if (opts && (!strcmp(a, "--ecosystem") || !strcmp(a, "-e"))) {
			if (++i >= argc) {
				fprintf(stderr, "fleetpatch: version compare: "
						"%s needs a value\n", a);
				return 2;
			}
			eco_name = argv[i];
		} else if (opts && !strncmp(a, "--ecosystem=", 12)) {
			eco_name = a + 12;
		} else if (opts && !strcmp(a, "--batch")) {
			batch = true;
		} else if (opts && a[0] == '-' && a[1] == '-') {
			fprintf(stderr, "fleetpatch: version compare: unknown option "
					"'%s' (use -- before versions that start "
					"with '-')\n", a);
			return 2;
		} else if (npos < 2) {
			pos[npos++] = a;
		} else {
			fprintf(stderr, "fleetpatch: version compare: too many "
					"arguments\n");
			usage(stderr);
			return 2;
		}
	}
	if (!eco_name) {
		fprintf(stderr, "fleetpatch: version compare: --ecosystem is "
				"required\n");
		usage(stderr);
		return 2;
	}
	if (fp_ecosystem_from_name(eco_name, &eco) != 0) {
		fprintf(stderr, "fleetpatch: version compare: unknown ecosystem "
				"'%s' (deb rpm apk pacman semver generic)\n",
			eco_name);
		return 2;
	}
	if (batch) {
		if (npos) {
			fprintf(stderr, "fleetpatch: version compare: --batch "
					"takes no versions as arguments\n");
			return 2;
		}
		return compare_batch(eco);
	}
	if (npos != 2) {
		fprintf(stderr, "fleetpatch: version compare: expected two "
				"versions\n");
		usage(stderr);
		return 2;
	}
	return compare_one(eco, pos[0], pos[1]);
}

int cmd_version(struct cli_ctx *ctx, int argc, char **argv)
{
	if (argc >= 2 && !strcmp(argv[1], "compare"))
		return cmd_compare(argc - 1, argv + 1);
	if (argc >= 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		usage(stdout);
		return 0;
	}
	usage(stderr);
	return 2;
}
