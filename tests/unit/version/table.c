/* SPDX-License-Identifier: MIT */
#include <stdio.h>
#include <string.h>

#include "table.h"

/* Next field at *p into out; quoted fields keep their blanks. */
static int field(char **p, char *out, size_t cap)
{
	char *s = *p, *e;
	size_t n;

	while (*s == ' ' || *s == '\t')
		s++;
	if (*s == '\0' || *s == '#')
		return 0;
	if (*s == '"') {
		e = strchr(s + 1, '"');
		if (!e)
			return -1;
		n = (size_t)(e - s - 1);
		if (n >= cap)
			return -1;
		memcpy(out, s + 1, n);
		out[n] = '\0';
		*p = e + 1;
		return 1;
	}
	e = s;
	while (*e && *e != ' ' && *e != '\t')
		e++;
	n = (size_t)(e - s);
	if (n >= cap)
		return -1;
	memcpy(out, s, n);
	out[n] = '\0';
	*p = e;
	return 1;
}

int vtable_each(const char *path, void (*fn)(const struct vcase *c, void *arg),
		void *arg)
{
	FILE *f = fopen(path, "r");
	char buf[4096], f1[1100], f2[1100], f3[1100], *p;
	unsigned line = 0;
	int count = 0;

	if (!f) {
		fprintf(stderr, "cannot open %s\n", path);
		return -1;
	}
	while (fgets(buf, sizeof(buf), f)) {
		struct vcase c = { 0 };
		int n1, n2, n3;

		line++;
		buf[strcspn(buf, "\r\n")] = '\0';
		p = buf;
		n1 = field(&p, f1, sizeof(f1));
		n2 = n1 > 0 ? field(&p, f2, sizeof(f2)) : 0;
		n3 = n2 > 0 ? field(&p, f3, sizeof(f3)) : 0;
		if (n1 < 0 || n2 < 0 || n3 < 0) {
			fprintf(stderr, "%s:%u: bad line\n", path, line);
			fclose(f);
			return -1;
		}
		if (n1 == 0)
			continue;
		c.line = line;
		if (n3 > 0) {
			if (strlen(f2) >= sizeof(c.op))
				goto bad;
			strncpy(c.op, f2, sizeof(c.op) - 1);
			memcpy(c.a, f1, sizeof(c.a));
			memcpy(c.b, f3, sizeof(c.b));
		} else if (n2 > 0 && strcmp(f1, "!") == 0) {
			c.op[0] = '!';
			memcpy(c.a, f2, sizeof(c.a));
		} else if (n2 == 0 && f1[0] == '!' && buf[strspn(buf, " \t")] != '"') {
			c.op[0] = '!';
			memmove(c.a, f1 + 1, strlen(f1));
		} else if (n2 == 0) {
			c.op[0] = 'v';
			memcpy(c.a, f1, sizeof(c.a));
		} else {
			goto bad;
		}
		fn(&c, arg);
		count++;
	}
	fclose(f);
	return count;
bad:
	fprintf(stderr, "%s:%u: bad line\n", path, line);
	fclose(f);
	return -1;
}
