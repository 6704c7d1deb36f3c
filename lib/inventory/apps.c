/* SPDX-License-Identifier: MIT */
/*
 * Snap and Flatpak listings on the live system, from their own tools run
 * with an argv: `snap list` and `flatpak list --columns=...`.  Ecosystem
 * "generic", kind "snap" or "flatpak".  A tool that is missing or fails
 * (no snapd running) means no such packages, not an error.
 */
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "fleetpatch/exec.h"
#include "fleetpatch/inventory.h"
#include "fleetpatch/util.h"
#include "internal.h"

#define APPS_MAX_OUTPUT ((size_t)4 << 20)
#define APPS_TIMEOUT_MS 30000

static size_t split(struct fp_str line, char sep, struct fp_str *f, size_t max)
{
	size_t n = 0, i = 0;

	while (i < line.len && n < max) {
		size_t start;
		if (sep == ' ')
			while (i < line.len && line.p[i] == ' ')
				i++;
		if (i >= line.len)
			break;
		start = i;
		while (i < line.len && line.p[i] != sep)
			i++;
		f[n++] = fp_str_make(line.p + start, i - start);
		if (sep != ' ')
			i++;
	}
	return n;
}

static int add_app(struct fp_inventory *inv, struct fp_str name, struct fp_str ver,
		   struct fp_str arch, struct fp_str src, const char *kind)
{
	if (!fp__is_token(name, 256) || !fp__is_token(ver, 256) ||
	    !fp__is_text(arch, 64) || !fp__is_text(src, 256))
		return 0; /* an odd line of a listing is skipped */
	return fp_inventory_add_package(inv, name, ver, arch, src, fp_str_make("", 0),
					FP_ECO_GENERIC, kind);
}

int fp__parse_snap_list(const char *data, size_t len, struct fp_inventory *inv)
{
	unsigned long lineno = 0;
	size_t pos = 0;
	struct fp_str line;
	int r = 0;

	while (r == 0 && fp__next_line(data, len, &pos, &lineno, 0, &line, NULL) > 0) {
		struct fp_str f[6];
		size_t n = split(line, ' ', f, 6);

		if (lineno == 1 || n < 5)
			continue; /* header: Name Version Rev Tracking Publisher Notes */
		while (f[4].len && (f[4].p[f[4].len - 1] == '*' ||
				    (unsigned char)f[4].p[f[4].len - 1] >= 0x80))
			f[4].len--; /* verified-publisher marks */
		r = add_app(inv, f[0], f[1], fp_str_make("", 0), f[4], "snap");
	}
	return r;
}

int fp__parse_flatpak_list(const char *data, size_t len, struct fp_inventory *inv)
{
	unsigned long lineno = 0;
	size_t pos = 0;
	struct fp_str line;
	int r = 0;

	while (r == 0 && fp__next_line(data, len, &pos, &lineno, 0, &line, NULL) > 0) {
		struct fp_str f[5] = { { "", 0 } };
		size_t n = split(line, '\t', f, 5);

		if (n < 4)
			continue;
		/* application, version, branch, arch, origin; runtimes often
		 * have no version: their branch is what they are. */
		r = add_app(inv, f[0], f[1].len ? f[1] : f[2], f[3], f[4], "flatpak");
	}
	return r;
}

static int run_listing(const char *const *argv, struct fp_inventory *inv,
		       int (*parse)(const char *, size_t, struct fp_inventory *),
		       struct fp_diag *diag)
{
	struct fp_buf out;
	struct fp_exec_opts o = { 0 };
	struct fp_exec_result res;
	int r;

	if (!fp_exec_have(argv[0]))
		return 0;
	fp_buf_init(&out, APPS_MAX_OUTPUT);
	o.argv = argv;
	o.timeout_ms = APPS_TIMEOUT_MS;
	o.out = &out;
	r = fp_exec(&o, &res);
	if (r == 0 && res.exit_code == 0 && !res.timed_out && !res.truncated) {
		r = parse(out.data, out.len, inv);
		if (r)
			r = fp_diag_set(diag, r, 0, 0, "%s list: %s", argv[0],
					r == FP_ETOOBIG ? "too many packages" : "out of memory");
	} else {
		r = 0;
	}
	fp_buf_release(&out);
	return r;
}

int fp__collect_apps(const char *root, struct fp_inventory *inv,
		     struct fp_diag *diag)
{
	static const char *const snap[] = { "snap", "list", "--unicode=never",
					    "--color=never", NULL };
	static const char *const flatpak[] = {
		"flatpak", "list", "--system",
		"--columns=application,version,branch,arch,origin", NULL
	};
	struct stat st;
	int r;

	(void)root;
	/* Only where they keep state: no PATH walk and no child otherwise.
	 * Flatpak: the system installation (per-user ones are not listed). */
	if (stat("/var/lib/snapd", &st) == 0 &&
	    (r = run_listing(snap, inv, fp__parse_snap_list, diag)))
		return r;
	if (stat("/var/lib/flatpak", &st) == 0)
		return run_listing(flatpak, inv, fp__parse_flatpak_list, diag);
	return 0;
}
