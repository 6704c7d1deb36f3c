/* SPDX-License-Identifier: MIT */
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fleetpatch/buf.h"
#include "fleetpatch/exec.h"
#include "fleetpatch/util.h"
#include "vpairs.h"

struct strset {
	char **v;
	size_t n, alloc;
};

static uint64_t rng_state;

static uint64_t rnd(void)
{
	uint64_t x = rng_state;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return rng_state = x;
}

static int add(struct strset *s, const char *p, size_t len)
{
	char *c;

	if (len == 0 || len > 200)
		return 0;
	if (s->n == s->alloc) {
		size_t na = s->alloc ? s->alloc * 2 : 4096;
		char **nv = realloc(s->v, na * sizeof(*nv));
		if (!nv)
			return -1;
		s->v = nv;
		s->alloc = na;
	}
	c = malloc(len + 1);
	if (!c)
		return -1;
	memcpy(c, p, len);
	c[len] = '\0';
	s->v[s->n++] = c;
	return 0;
}

/* Version strings of one control-file paragraph line. */
static int scan_line(struct strset *s, const char *l, size_t len)
{
	const char *e = l + len, *p, *q;

	if (len > 9 && memcmp(l, "Version: ", 9) == 0)
		return add(s, l + 9, len - 9);
	/* "Source: name (version)" and relations "(>= version)". */
	if (!(len > 8 && memcmp(l, "Source: ", 8) == 0) &&
	    !memchr(l, '(', len))
		return 0;
	if (l[0] == ' ')
		return 0; /* description text */
	for (p = l; p < e && (p = memchr(p, '(', (size_t)(e - p))); p = q) {
		p++;
		while (p < e && strchr("<>= ", *p))
			p++;
		q = memchr(p, ')', (size_t)(e - p));
		if (!q)
			break;
		if (add(s, p, (size_t)(q - p)))
			return -1;
	}
	return 0;
}

static int scan(struct strset *s, const char *data, size_t len)
{
	const char *p = data, *e = data + len;

	while (p < e) {
		const char *nl = memchr(p, '\n', (size_t)(e - p));
		size_t l = nl ? (size_t)(nl - p) : (size_t)(e - p);
		if (scan_line(s, p, l))
			return -1;
		p += l + 1;
	}
	return 0;
}

static int load_lists(struct strset *s)
{
	glob_t g;
	int found = 0;

	if (glob("/var/lib/apt/lists/*_Packages*", 0, NULL, &g) == 0) {
		for (size_t i = 0; i < g.gl_pathc; i++) {
			const char *argv[] = { "/usr/lib/apt/apt-helper",
					       "cat-file", g.gl_pathv[i], NULL };
			struct fp_buf out;
			struct fp_exec_opts o = { .argv = argv,
						  .timeout_ms = 60000 };
			struct fp_exec_result r;

			if (strstr(g.gl_pathv[i], ".diff_Index"))
				continue;
			fp_buf_init(&out, (size_t)512 << 20);
			o.out = &out;
			if (fp_exec(&o, &r) == 0 && r.exit_code == 0 &&
			    !r.truncated) {
				if (scan(s, out.data, out.len)) {
					fp_buf_release(&out);
					globfree(&g);
					return -1;
				}
				found++;
			}
			fp_buf_release(&out);
		}
		globfree(&g);
	}
	{
		FILE *f = fopen("/var/lib/dpkg/status", "re");
		char line[8192];

		if (f) {
			while (fgets(line, sizeof(line), f))
				scan_line(s, line, strcspn(line, "\n"));
			fclose(f);
			found++;
		}
	}
	return found ? 0 : -1;
}

static int cmpstr(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void uniq(struct strset *s)
{
	size_t o = 0;

	qsort(s->v, s->n, sizeof(*s->v), cmpstr);
	for (size_t i = 0; i < s->n; i++) {
		if (o && strcmp(s->v[o - 1], s->v[i]) == 0) {
			free(s->v[i]);
			continue;
		}
		s->v[o++] = s->v[i];
	}
	s->n = o;
}

/* One mutation of v into out (size 512). */
static void mutate(const char *v, char *out, size_t cap)
{
	static const char *const tails[] = {
		"~", "~rc1", "~~", "^", "^git1", "+b1", "+b2", "+deb12u1",
		"+deb12u10", "+deb11u3", "a", "A", ".", ".0", "-1", "-",
		"+nmu1", "~bpo12+1", "-0", "1",
	};
	static const char edits[] = "0123456789azZ.+-~:^_ ";
	const char *colon = strchr(v, ':');
	size_t len = strlen(v), k;

	switch (rnd() % 8) {
	case 0: /* add or drop an epoch */
		if (colon)
			snprintf(out, cap, "%s", colon + 1);
		else
			snprintf(out, cap, "%u:%s", (unsigned)(rnd() % 3), v);
		break;
	case 1:
	case 2:
		snprintf(out, cap, "%s%s", v,
			 tails[rnd() % (sizeof(tails) / sizeof(tails[0]))]);
		break;
	case 3: /* change one character */
		snprintf(out, cap, "%s", v);
		k = rnd() % len;
		out[k] = edits[rnd() % (sizeof(edits) - 1)];
		break;
	case 4: /* drop one character */
		k = rnd() % len;
		snprintf(out, cap, "%.*s%s", (int)k, v, v + k + 1);
		break;
	case 5: /* insert ~ or ^ or a letter */
		k = rnd() % (len + 1);
		snprintf(out, cap, "%.*s%c%s", (int)k, v, "~^b+"[rnd() % 4],
			 v + k);
		break;
	case 6: /* odd epochs */
		snprintf(out, cap, "%s%s",
			 (const char *[]){ "+1:", "-0:", "-1:", "00:",
					   "2147483647:", "2147483648:",
					   ":", " " }[rnd() % 8],
			 colon ? colon + 1 : v);
		break;
	default: /* bump a digit */
		snprintf(out, cap, "%s", v);
		for (k = len; k > 0; k--) {
			if (out[k - 1] >= '0' && out[k - 1] <= '8') {
				out[k - 1]++;
				break;
			}
		}
		break;
	}
}

int vpairs_load(struct vpairs *vp, size_t max_pairs, uint64_t seed)
{
	struct strset s = { 0 };
	size_t n_real, n_mut, np = 0;
	uint32_t *src = NULL;
	char buf[512];

	memset(vp, 0, sizeof(*vp));
	rng_state = seed ? seed : 0x9e3779b97f4a7c15ULL;
	if (load_lists(&s) != 0 || s.n == 0) {
		fprintf(stderr, "vpairs: no apt lists or dpkg status readable\n");
		free(s.v);
		return -1;
	}
	uniq(&s);
	n_real = s.n;
	/* Mutations: about half as many as the real versions. */
	n_mut = n_real / 2 + 1;
	src = malloc(n_mut * sizeof(*src));
	if (!src)
		goto fail;
	for (size_t i = 0; i < n_mut; i++) {
		size_t before = s.n;
		src[i] = (uint32_t)(rnd() % n_real);
		mutate(s.v[src[i]], buf, sizeof(buf));
		if (add(&s, buf, strlen(buf)))
			goto fail;
		if (s.n == before)
			src[i] = UINT32_MAX; /* empty: not added */
	}
	vp->pairs = malloc(max_pairs * sizeof(*vp->pairs));
	if (!vp->pairs)
		goto fail;
	for (size_t i = 0; i + 1 < n_real && np < max_pairs; i++)
		vp->pairs[np++] = (struct vpair){ (uint32_t)i, (uint32_t)i + 1 };
	for (size_t i = 0, m = n_real; i < n_mut && np < max_pairs; i++) {
		/* a mutation against the version it came from */
		if (src[i] != UINT32_MAX)
			vp->pairs[np++] = (struct vpair){ (uint32_t)m++, src[i] };
	}
	while (np < max_pairs)
		vp->pairs[np++] = (struct vpair){ (uint32_t)(rnd() % s.n),
						  (uint32_t)(rnd() % s.n) };
	vp->v = s.v;
	vp->nv = s.n;
	vp->n_real = n_real;
	vp->npairs = np;
	free(src);
	return 0;
fail:
	free(src);
	for (size_t i = 0; i < s.n; i++)
		free(s.v[i]);
	free(s.v);
	free(vp->pairs);
	vp->pairs = NULL;
	return -1;
}

void vpairs_release(struct vpairs *vp)
{
	for (size_t i = 0; i < vp->nv; i++)
		free(vp->v[i]);
	free(vp->v);
	free(vp->pairs);
	memset(vp, 0, sizeof(*vp));
}

int vpairs_write(const struct vpairs *vp, const char *path)
{
	FILE *f = fopen(path, "we");

	if (!f)
		return -1;
	for (size_t i = 0; i < vp->npairs; i++) {
		const char *a = vp->v[vp->pairs[i].a], *b = vp->v[vp->pairs[i].b];
		if (strpbrk(a, " \t") || strpbrk(b, " \t"))
			continue; /* not expressible as one "A B" line */
		fprintf(f, "%s %s\n", a, b);
	}
	return fclose(f) == 0 ? 0 : -1;
}
