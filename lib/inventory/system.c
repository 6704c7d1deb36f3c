/* SPDX-License-Identifier: MIT */
/*
 * Identity of the machine: machine-id, hostname, FQDN, os-release, kernel
 * and architecture, and whether a reboot is required.
 */
#include <dirent.h>
#include <netdb.h>
#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "fleetpatch/inventory.h"
#include "fleetpatch/util.h"
#include "internal.h"

#define REBOOT_MAX_REASONS 256

static bool is_hostname(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > 253)
		return false;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9') || *s == '-' || *s == '.' ||
		      *s == '_'))
			return false;
	return true;
}

static const char *sdup(struct fp_inventory *inv, const char *s)
{
	return fp_arena_strdup(&inv->arena, s);
}

static int machine_id(const char *root, struct fp_inventory *inv)
{
	static const char *const paths[] = { "/etc/machine-id",
					     "/var/lib/dbus/machine-id" };
	char path[4096], id[64];

	for (size_t i = 0; i < 2; i++) {
		if (fp__root_path(path, sizeof(path), root, paths[i]))
			return 0;
		long n = fp__read_small(path, id, sizeof(id));
		if (n != 32 || strspn(id, "0123456789abcdef") != 32)
			continue;
		return (inv->machine_id = sdup(inv, id)) ? 0 : FP_ENOMEM;
	}
	return 0;
}

static int hostname(const char *root, struct fp_inventory *inv)
{
	char name[256], path[4096];

	if (!root) {
		struct addrinfo hints, *ai = NULL;

		if (gethostname(name, sizeof(name)) < 0)
			return 0;
		name[sizeof(name) - 1] = '\0';
		if (!is_hostname(name))
			return 0;
		if (!(inv->hostname = sdup(inv, name)))
			return FP_ENOMEM;
		memset(&hints, 0, sizeof(hints));
		hints.ai_flags = AI_CANONNAME;
		hints.ai_family = AF_UNSPEC;
		hints.ai_socktype = SOCK_STREAM;
		if (getaddrinfo(name, NULL, &hints, &ai) == 0 && ai) {
			if (ai->ai_canonname && is_hostname(ai->ai_canonname))
				inv->fqdn = sdup(inv, ai->ai_canonname);
			freeaddrinfo(ai);
			if (!inv->fqdn)
				inv->fqdn = inv->hostname;
		}
		return 0;
	}
	if (fp__root_path(path, sizeof(path), root, "/etc/hostname"))
		return 0;
	if (fp__read_small(path, name, sizeof(name)) > 0) {
		name[strcspn(name, "\n")] = '\0';
		if (is_hostname(name) && !(inv->hostname = sdup(inv, name)))
			return FP_ENOMEM;
	}
	return 0;
}

/* os-release: /etc first, then /usr/lib.  Problems go to inv->os_error. */
static int os_release(const char *root, struct fp_inventory *inv)
{
	const char *etc = fp__inv_path(inv, root, "/etc/os-release");
	const char *usr = fp__inv_path(inv, root, "/usr/lib/os-release");
	struct fp_diag d;
	struct fp__file f;
	char msg[512];
	int r;

	if (!etc || !usr)
		return FP_ENOMEM;
	fp_diag_init(&d, etc);
	r = fp__file_map(etc, 64 * 1024, &f, &d);
	if (r == FP_ENOENT) {
		fp_diag_init(&d, usr);
		r = fp__file_map(usr, 64 * 1024, &f, &d);
		if (r == FP_ENOENT) {
			snprintf(msg, sizeof(msg),
				 "%s: no such file (nor %s): cannot tell the OS",
				 etc, usr);
			goto out_error;
		}
	}
	if (r == 0) {
		r = fp_os_release_parse(f.data, f.len, d.file, inv, &d);
		fp__file_release(&f);
		if (r == 0)
			return 0;
		if (r == FP_ENOMEM)
			return r;
	}
	fp_diag_format(&d, msg, sizeof(msg));
out_error:
	inv->os_error = sdup(inv, msg);
	return inv->os_error ? 0 : FP_ENOMEM;
}

static const char *uname_arch_of(const char *pkg_arch)
{
	static const char *const map[][2] = {
		{ "amd64", "x86_64" },   { "arm64", "aarch64" },
		{ "i386", "i686" },      { "armhf", "armv7l" },
		{ "armel", "armv5tel" }, { "ppc64el", "ppc64le" },
		{ "x86", "i686" },       { "armv7", "armv7l" },
	};

	for (size_t i = 0; i < FP_ARRAY_SIZE(map); i++)
		if (!strcmp(pkg_arch, map[i][0]))
			return map[i][1];
	return pkg_arch;
}

/* Offline root: the newest kernel in /boot or lib/modules. */
static int newest_kernel(const char *root, struct fp_inventory *inv)
{
	static const char *const dirs[] = { "/boot", "/usr/lib/modules", "/lib/modules" };
	char path[4096], best[256] = "";

	for (size_t i = 0; i < FP_ARRAY_SIZE(dirs); i++) {
		DIR *d;
		struct dirent *e;

		if (fp__root_path(path, sizeof(path), root, dirs[i]) ||
		    !(d = opendir(path)))
			continue;
		while ((e = readdir(d))) {
			const char *v = e->d_name;
			if (i == 0) {
				if (strncmp(v, "vmlinuz-", 8) != 0)
					continue;
				v += 8;
			} else if (v[0] == '.') {
				continue;
			}
			if (strlen(v) < sizeof(best) && is_hostname(v) &&
			    fp__natcmp(v, best) > 0)
				snprintf(best, sizeof(best), "%s", v);
		}
		closedir(d);
	}
	if (best[0] && !(inv->kernel = sdup(inv, best)))
		return FP_ENOMEM;
	return 0;
}

/* Offline root: the architecture most packages are built for. */
static int majority_arch(struct fp_inventory *inv)
{
	const char *best = NULL;
	size_t best_n = 0;

	for (size_t i = 0; i < inv->n_packages && i < 4096; i++) {
		const char *a = inv->packages[i].arch;
		size_t n = 0;
		if (!*a || !strcmp(a, "all") || !strcmp(a, "noarch") ||
		    !strcmp(a, "any") || inv->packages[i].kind)
			continue;
		if (best && !strcmp(a, best))
			continue;
		for (size_t j = i; j < inv->n_packages && j < 4096; j++)
			n += !strcmp(inv->packages[j].arch, a);
		if (n > best_n) {
			best_n = n;
			best = a;
		}
	}
	if (best)
		inv->arch = uname_arch_of(best);
	return 0;
}

int fp__collect_system(const char *root, struct fp_inventory *inv,
		       struct fp_diag *diag)
{
	int r;

	if ((r = machine_id(root, inv)) || (r = hostname(root, inv)) ||
	    (r = os_release(root, inv)))
		return fp_diag_set(diag, r, 0, 0, "out of memory");
	if (!root) {
		struct utsname u;
		if (uname(&u) == 0) {
			if (!(inv->kernel = sdup(inv, u.release)) ||
			    !(inv->arch = sdup(inv, u.machine)))
				return fp_diag_set(diag, FP_ENOMEM, 0, 0, "out of memory");
		}
	} else {
		if ((r = newest_kernel(root, inv)) || (r = majority_arch(inv)))
			return fp_diag_set(diag, r, 0, 0, "out of memory");
	}
	return 0;
}

static int add_reason(struct fp_inventory *inv, const char **arr, size_t *n,
		      const char *s)
{
	for (size_t i = 0; i < *n; i++)
		if (!strcmp(arr[i], s))
			return 0;
	if (*n >= REBOOT_MAX_REASONS)
		return 0;
	if (!(arr[*n] = sdup(inv, s)))
		return FP_ENOMEM;
	(*n)++;
	return 0;
}

/* rpm systems: the running kernel is older than the newest installed
 * kernel package ("kernel", "kernel-core"; release + "." + arch). */
static int rpm_kernel_check(struct fp_inventory *inv, const char **reasons,
			    size_t *n)
{
	const struct fp_package *best = NULL;
	char running[600], cand[512];

	if (!inv->kernel)
		return 0;
	for (size_t i = 0; i < inv->n_packages; i++) {
		const struct fp_package *p = &inv->packages[i];
		if (p->eco != FP_ECO_RPM || (strcmp(p->name, "kernel") &&
					     strcmp(p->name, "kernel-core")))
			continue;
		if (!best || fp__natcmp(p->version, best->version) > 0)
			best = p;
	}
	if (!best)
		return 0;
	/* Compare without the epoch: uname -r has none. */
	{
		const char *v = strchr(best->version, ':');
		v = v ? v + 1 : best->version;
		snprintf(cand, sizeof(cand), "%s%s%s", v, *best->arch ? "." : "",
			 best->arch);
	}
	if (fp__natcmp(inv->kernel, cand) < 0) {
		inv->reboot_required = true;
		snprintf(running, sizeof(running), "%s-%s", best->name, cand);
		return add_reason(inv, reasons, n, running);
	}
	return 0;
}

int fp__collect_reboot(const char *root, struct fp_inventory *inv,
		       struct fp_diag *diag)
{
	static const char *const flags[] = { "/run/reboot-required",
					     "/var/run/reboot-required" };
	const char **reasons;
	size_t n = 0;
	char path[4096];
	int r = 0;

	reasons = fp_arena_calloc(&inv->arena, REBOOT_MAX_REASONS, sizeof(*reasons));
	if (!reasons)
		return fp_diag_set(diag, FP_ENOMEM, 0, 0, "out of memory");
	for (size_t i = 0; i < FP_ARRAY_SIZE(flags); i++) {
		struct fp__file f;
		struct fp_str line;
		unsigned long lineno = 0;
		size_t pos = 0;
		char buf[32];

		if (fp__root_path(path, sizeof(path), root, flags[i]) ||
		    fp__read_small(path, buf, sizeof(buf)) < 0)
			continue;
		inv->reboot_required = true;
		if (fp__root_path(path, sizeof(path), root, flags[i]) ||
		    strlen(path) + 6 > sizeof(path))
			continue;
		memcpy(path + strlen(path), ".pkgs", 6);
		if (fp__file_map(path, 1 << 20, &f, NULL))
			continue;
		/* Package names, one a line; anything odd is skipped. */
		while (fp__next_line(f.data, f.len, &pos, &lineno, 0, &line,
				     NULL) > 0) {
			char name[257];
			line = fp_str_trim(line);
			if (!fp__is_token(line, 256))
				continue;
			snprintf(name, sizeof(name), "%.*s", (int)line.len, line.p);
			if ((r = add_reason(inv, reasons, &n, name)))
				break;
		}
		fp__file_release(&f);
		if (r)
			return fp_diag_set(diag, r, 0, 0, "out of memory");
	}
	if (!root && (r = rpm_kernel_check(inv, reasons, &n)))
		return fp_diag_set(diag, r, 0, 0, "out of memory");
	inv->reboot_reasons = reasons;
	inv->n_reboot_reasons = n;
	return 0;
}
