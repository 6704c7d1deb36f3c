/* SPDX-License-Identifier: MIT */
/* Inventory parsers, collectors on fake roots, wire form, sort and hash. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "fleetpatch/alloc.h"
#include "fleetpatch/buf.h"
#include "fleetpatch/exec.h"
#include "fleetpatch/inventory.h"
#include "fleetpatch/util.h"

#define DATA FP_TEST_DATA "/inventory/"

typedef int parse_fn(const char *, size_t, const char *, struct fp_inventory *,
		     struct fp_diag *);

static void load(const char *rel, struct fp_buf *b)
{
	char path[1024];

	snprintf(path, sizeof(path), DATA "%s", rel);
	fp_buf_init(b, 0);
	assert_int_equal(fp_read_file(path, b), 0);
}

static int parse_file(parse_fn *fn, const char *rel, struct fp_inventory *inv,
		      struct fp_diag *diag)
{
	struct fp_buf b;
	int r;

	load(rel, &b);
	r = fn(b.data, b.len, rel, inv, diag);
	fp_buf_release(&b);
	return r;
}

static const struct fp_package *find(const struct fp_inventory *inv,
				     const char *name, const char *arch)
{
	for (size_t i = 0; i < inv->n_packages; i++)
		if (!strcmp(inv->packages[i].name, name) &&
		    (!arch || !strcmp(inv->packages[i].arch, arch)))
			return &inv->packages[i];
	return NULL;
}

static void check_pkg(const struct fp_inventory *inv, const char *name,
		      const char *arch, const char *version, const char *source,
		      const char *source_version, enum fp_ecosystem eco)
{
	const struct fp_package *p = find(inv, name, arch);

	if (!p)
		fail_msg("package %s/%s not found", name, arch ? arch : "*");
	assert_string_equal(p->version, version);
	assert_string_equal(p->source, source);
	assert_string_equal(p->source_version, source_version);
	assert_int_equal(p->eco, eco);
}

/* ---- bad input: file -> error, line, message ---------------------------- */

struct bad {
	const char *file;
	int err;
	unsigned long line;
	const char *msg; /* substring of the formatted diag */
};

static void check_bad(parse_fn *fn, const struct bad *cases, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		struct fp_inventory inv;
		struct fp_diag d;
		char msg[512];
		int r;

		fp_inventory_init(&inv);
		r = parse_file(fn, cases[i].file, &inv, &d);
		fp_diag_format(&d, msg, sizeof(msg));
		if (r != cases[i].err || d.line != cases[i].line ||
		    !strstr(msg, cases[i].msg))
			fail_msg("%s: got %d line %lu '%s', want %d line %lu '%s'",
				 cases[i].file, r, d.line, msg, cases[i].err,
				 cases[i].line, cases[i].msg);
		/* The message names the file and line. */
		assert_non_null(strstr(msg, cases[i].file));
		fp_inventory_release(&inv);
	}
}

/* ---- dpkg ---------------------------------------------------------------- */

static void test_dpkg_basic(void **state)
{
	struct fp_inventory inv;
	struct fp_diag d;

	(void)state;
	fp_inventory_init(&inv);
	assert_int_equal(parse_file(fp_dpkg_status_parse, "dpkg/status-basic", &inv, &d), 0);
	/* installed and held only; Multi-Arch instances distinct */
	assert_int_equal(inv.n_packages, 4);
	check_pkg(&inv, "bash", "amd64", "5.2.15-2+b2", "bash", "5.2.15-2", FP_ECO_DEB);
	check_pkg(&inv, "libc6", "amd64", "2.36-9+deb12u4", "glibc", "2.36-9+deb12u4", FP_ECO_DEB);
	check_pkg(&inv, "libc6", "i386", "2.36-9+deb12u4", "glibc", "2.36-9+deb12u4", FP_ECO_DEB);
	check_pkg(&inv, "vim", "amd64", "2:9.0.1378-2", "vim", "2:9.0.1378-2", FP_ECO_DEB);
	assert_null(find(&inv, "removed-pkg", NULL));
	assert_null(find(&inv, "half", NULL));
	assert_null(find(&inv, "unpacked-only", NULL));
	assert_null(find(&inv, "bash", "amd64")->kind);
	fp_inventory_release(&inv);
}

static void test_dpkg_bad(void **state)
{
	static const struct bad cases[] = {
		{ "dpkg/hostile-truncated", FP_EINVAL, 4, "truncated" },
		{ "dpkg/hostile-binary", FP_EINVAL, 3, "NUL" },
		{ "dpkg/hostile-long-line", FP_EINVAL, 4, "line too long" },
		{ "dpkg/hostile-long-field", FP_ETOOBIG, 3, "Version too long" },
		{ "dpkg/hostile-version-space", FP_EINVAL, 3, "invalid deb version '1.0 beta'" },
		{ "dpkg/hostile-empty-upstream", FP_EINVAL, 3, "invalid deb version '1:-1'" },
		{ "dpkg/hostile-no-package", FP_EINVAL, 1, "no Package field" },
		{ "dpkg/hostile-bad-status", FP_EINVAL, 2, "invalid Status" },
		{ "dpkg/hostile-dup-field", FP_EINVAL, 4, "duplicate field Version" },
		{ "dpkg/hostile-multiline-version", FP_EINVAL, 4, "must be one line" },
		{ "dpkg/hostile-no-colon", FP_EINVAL, 2, "expected 'Field: value'" },
		{ "dpkg/hostile-no-version", FP_EINVAL, 1, "has no Version" },
		{ "dpkg/hostile-bad-name", FP_EINVAL, 1, "invalid package name" },
		{ "dpkg/hostile-bad-source", FP_EINVAL, 4, "Source must be" },
	};

	(void)state;
	check_bad(fp_dpkg_status_parse, cases, FP_ARRAY_SIZE(cases));
}

/* Every allocation failure ends in FP_ENOMEM, never a crash or a leak. */
static void test_dpkg_alloc_failures(void **state)
{
	struct fp_buf b;
	int r;

	(void)state;
	load("dpkg/status-basic", &b);
	for (unsigned long n = 1; n < 100; n++) {
		struct fp_inventory inv;
		struct fp_diag d;

		fp_inventory_init(&inv);
		fp_alloc_fail_at(n);
		r = fp_dpkg_status_parse(b.data, b.len, "status", &inv, &d);
		fp_alloc_fail_at(0);
		fp_inventory_release(&inv);
		if (r == 0)
			break;
		assert_int_equal(r, FP_ENOMEM);
	}
	assert_int_equal(r, 0);
	fp_buf_release(&b);
}

/* ---- pacman, apk, rpm ------------------------------------------------------ */

static void test_pacman_root(void **state)
{
	struct fp_inventory inv;
	struct fp_diag d;

	(void)state;
	fp_inventory_init(&inv);
	assert_int_equal(fp_inventory_collect(DATA "pacman/root", FP_INV_PACKAGES, &inv, &d), 0);
	assert_int_equal(inv.n_packages, 3);
	check_pkg(&inv, "bash", "x86_64", "5.2.026-2", "bash", "5.2.026-2", FP_ECO_PACMAN);
	check_pkg(&inv, "lib32-glibc", "x86_64", "2.39-1", "glibc", "2.39-1", FP_ECO_PACMAN);
	check_pkg(&inv, "python-pip", "any", "1:24.0-1", "python-pip", "1:24.0-1", FP_ECO_PACMAN);
	/* sorted by name */
	assert_string_equal(inv.packages[0].name, "bash");
	assert_string_equal(inv.packages[2].name, "python-pip");
	fp_inventory_release(&inv);
}

static void test_pacman_bad(void **state)
{
	static const struct bad cases[] = {
		{ "pacman/hostile-no-name", FP_EINVAL, 0, "no %NAME%" },
		{ "pacman/hostile-two-values", FP_EINVAL, 3, "must have one value" },
		{ "pacman/hostile-no-header", FP_EINVAL, 1, "SECTION" },
		{ "pacman/hostile-version-space", FP_EINVAL, 5, "invalid pacman version" },
	};

	(void)state;
	check_bad(fp_pacman_desc_parse, cases, FP_ARRAY_SIZE(cases));
}

static void test_apk(void **state)
{
	static const struct bad cases[] = {
		{ "apk/hostile-no-version", FP_EINVAL, 1, "has no V: line" },
		{ "apk/hostile-bad-line", FP_EINVAL, 3, "expected 'X:value'" },
		{ "apk/hostile-bad-version", FP_EINVAL, 2, "invalid apk version" },
		{ "apk/hostile-truncated", FP_EINVAL, 3, "truncated" },
	};
	struct fp_inventory inv;
	struct fp_diag d;

	(void)state;
	fp_inventory_init(&inv);
	assert_int_equal(parse_file(fp_apk_installed_parse, "apk/installed", &inv, &d), 0);
	assert_int_equal(inv.n_packages, 3);
	check_pkg(&inv, "musl", "x86_64", "1.2.4_git20230717-r4", "musl",
		  "1.2.4_git20230717-r4", FP_ECO_APK);
	check_pkg(&inv, "busybox-binsh", "x86_64", "1.36.1-r15", "busybox", "1.36.1-r15",
		  FP_ECO_APK);
	check_pkg(&inv, "alpine-baselayout-data", "x86_64", "3.4.3-r2",
		  "alpine-baselayout", "3.4.3-r2", FP_ECO_APK);
	fp_inventory_release(&inv);
	check_bad(fp_apk_installed_parse, cases, FP_ARRAY_SIZE(cases));
}

static void test_rpm_query(void **state)
{
	static const struct bad cases[] = {
		{ "rpm/hostile-short", FP_EINVAL, 1, "malformed rpm record" },
		{ "rpm/hostile-epoch", FP_EINVAL, 1, "invalid epoch" },
	};
	struct fp_inventory inv;
	struct fp_diag d;

	(void)state;
	fp_inventory_init(&inv);
	assert_int_equal(parse_file(fp_rpm_query_parse, "rpm/query", &inv, &d), 0);
	assert_int_equal(inv.n_packages, 3); /* gpg-pubkey is not a package */
	check_pkg(&inv, "bash", "x86_64", "5.1.8-6.el9_1", "bash", "5.1.8-6.el9_1", FP_ECO_RPM);
	check_pkg(&inv, "perl-libs", "x86_64", "4:5.32.1-480.el9", "perl",
		  "4:5.32.1-480.el9", FP_ECO_RPM);
	check_pkg(&inv, "kernel-core", "x86_64", "5.14.0-362.8.1.el9_3", "kernel",
		  "5.14.0-362.8.1.el9_3", FP_ECO_RPM);
	fp_inventory_release(&inv);
	check_bad(fp_rpm_query_parse, cases, FP_ARRAY_SIZE(cases));
}

/* ---- snap and flatpak listings (captured command output) -------------- */

/* Internal parsers of lib/inventory/apps.c (fp__ = library-internal). */
int fp__parse_snap_list(const char *data, size_t len, struct fp_inventory *inv);
int fp__parse_flatpak_list(const char *data, size_t len, struct fp_inventory *inv);

static void test_apps(void **state)
{
	struct fp_inventory inv;
	struct fp_buf b;

	(void)state;
	fp_inventory_init(&inv);
	load("apps/snap-list", &b);
	assert_int_equal(fp__parse_snap_list(b.data, b.len, &inv), 0);
	fp_buf_release(&b);
	load("apps/flatpak-list", &b);
	assert_int_equal(fp__parse_flatpak_list(b.data, b.len, &inv), 0);
	fp_buf_release(&b);
	assert_int_equal(inv.n_packages, 5); /* header and odd lines skipped */
	check_pkg(&inv, "firefox", "", "122.0-2", "mozilla", "122.0-2", FP_ECO_GENERIC);
	check_pkg(&inv, "core22", "", "20240111", "canonical", "20240111", FP_ECO_GENERIC);
	assert_string_equal(find(&inv, "firefox", NULL)->kind, "snap");
	check_pkg(&inv, "org.gnome.Calculator", "x86_64", "45.0", "flathub", "45.0",
		  FP_ECO_GENERIC);
	/* a runtime without a version reports its branch */
	check_pkg(&inv, "org.gnome.Platform", "x86_64", "45", "flathub", "45", FP_ECO_GENERIC);
	assert_string_equal(find(&inv, "org.gnome.Platform", NULL)->kind, "flatpak");
	fp_inventory_release(&inv);
}

/* ---- os-release ------------------------------------------------------------ */

static void check_os(const char *file, const char *id, const char *ver,
		     const char *code, const char *pretty)
{
	struct fp_inventory inv;
	struct fp_diag d;

	fp_inventory_init(&inv);
	assert_int_equal(parse_file(fp_os_release_parse, file, &inv, &d), 0);
	assert_string_equal(inv.os.id, id);
	if (ver)
		assert_string_equal(inv.os.version_id, ver);
	else
		assert_null(inv.os.version_id);
	if (code)
		assert_string_equal(inv.os.codename, code);
	else
		assert_null(inv.os.codename);
	assert_string_equal(inv.os.pretty_name, pretty);
	fp_inventory_release(&inv);
}

static void test_os_release(void **state)
{
	static const struct bad cases[] = {
		{ "os-release/hostile-unterminated", FP_EINVAL, 2, "unterminated quote" },
		{ "os-release/hostile-no-equals", FP_EINVAL, 2, "expected KEY=value" },
		{ "os-release/hostile-space", FP_EINVAL, 2, "unquoted" },
	};

	(void)state;
	check_os("os-release/debian12", "debian", "12", "bookworm",
		 "Debian GNU/Linux 12 (bookworm)");
	check_os("os-release/ubuntu", "ubuntu", "22.04", "jammy", "Ubuntu 22.04.4 LTS");
	check_os("os-release/escaped", "weird", "1.0", NULL, "A \"quoted\" $name");
	check_os("os-release/minimal", "linux", NULL, NULL, "Linux");
	check_bad(fp_os_release_parse, cases, FP_ARRAY_SIZE(cases));
}

/* ---- a fake root ----------------------------------------------------------- */

static void put(const char *root, const char *rel, const char *text)
{
	char path[1024], dir[1024];

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	snprintf(dir, sizeof(dir), "%s", path);
	*strrchr(dir, '/') = '\0';
	assert_int_equal(fp_mkdir_p(dir, 0755), 0);
	assert_int_equal(fp_write_file_atomic(path, text, strlen(text), 0644), 0);
}

static void copy_data(const char *root, const char *rel, const char *data_rel)
{
	struct fp_buf b;

	load(data_rel, &b);
	put(root, rel, b.data);
	fp_buf_release(&b);
}

static void rm_rf(const char *dir)
{
	char cmd[1200];
	/* Test cleanup only, on a directory this test made. */
	snprintf(cmd, sizeof(cmd), "%s", dir);
	const char *argv[] = { "rm", "-rf", cmd, NULL };
	struct fp_exec_opts o = { .argv = argv };
	struct fp_exec_result res;
	(void)fp_exec; /* declared in exec.h */
	fp_exec(&o, &res);
}

static void test_fake_root(void **state)
{
	char root[] = "/tmp/fp-inv-root-XXXXXX";
	struct fp_inventory inv;
	struct fp_diag d;

	(void)state;
	assert_non_null(mkdtemp(root));
	copy_data(root, "var/lib/dpkg/status", "dpkg/status-basic");
	copy_data(root, "usr/lib/os-release", "os-release/debian12");
	put(root, "etc/machine-id", "0123456789abcdef0123456789abcdef\n");
	put(root, "etc/hostname", "web-01\n");
	put(root, "boot/vmlinuz-6.1.0-9-amd64", "");
	put(root, "boot/vmlinuz-6.1.0-18-amd64", "");
	put(root, "boot/vmlinuz-6.1.0-10-amd64", "");
	put(root, "run/reboot-required", "*** System restart required ***\n");
	put(root, "run/reboot-required.pkgs", "linux-image-6.1.0-18-amd64\nlibc6\nlibc6\n");

	fp_inventory_init(&inv);
	assert_int_equal(fp_inventory_collect(root, FP_INV_ALL, &inv, &d), 0);
	assert_int_equal(inv.n_packages, 4);
	assert_string_equal(inv.machine_id, "0123456789abcdef0123456789abcdef");
	assert_string_equal(inv.hostname, "web-01");
	assert_null(inv.fqdn);
	assert_string_equal(inv.os.id, "debian");
	assert_string_equal(inv.kernel, "6.1.0-18-amd64");
	assert_string_equal(inv.arch, "x86_64");
	assert_true(inv.reboot_required);
	assert_int_equal(inv.n_reboot_reasons, 2);
	assert_string_equal(inv.reboot_reasons[0], "linux-image-6.1.0-18-amd64");
	/* live-only facts are left out */
	assert_int_equal(inv.uptime_seconds, -1);
	assert_int_equal(inv.n_interfaces, 0);
	assert_int_equal(inv.hw.cpu_count, 0);
	assert_null(inv.os_error);
	fp_inventory_release(&inv);

	/* No os-release: everything else still collected, the error kept. */
	{
		char p[1100];
		snprintf(p, sizeof(p), "%s/usr/lib/os-release", root);
		assert_int_equal(unlink(p), 0);
	}
	fp_inventory_init(&inv);
	assert_int_equal(fp_inventory_collect(root, FP_INV_ALL, &inv, &d), 0);
	assert_int_equal(inv.n_packages, 4);
	assert_null(inv.os.id);
	assert_non_null(inv.os_error);
	assert_non_null(strstr(inv.os_error, "/etc/os-release"));
	assert_non_null(strstr(inv.os_error, "no such file"));
	fp_inventory_release(&inv);

	/* A hostile status fails the whole collection with file and line. */
	copy_data(root, "var/lib/dpkg/status", "dpkg/hostile-version-space");
	fp_inventory_init(&inv);
	assert_int_equal(fp_inventory_collect(root, FP_INV_ALL, &inv, &d), FP_EINVAL);
	assert_non_null(strstr(d.file, "/var/lib/dpkg/status"));
	assert_int_equal(d.line, 3);
	fp_inventory_release(&inv);
	rm_rf(root);
}

/* A process whose executable was deleted (replaced) needs a restart. */
static void test_restarts(void **state)
{
	char dir[] = "/opt/fp-restart-test-XXXXXX", exe[64], proc[64],
	     link[256] = "";
	struct fp_inventory inv;
	struct fp_diag d;
	struct fp_buf bin;
	pid_t pid;
	bool found = false;

	(void)state;
	if (mkdir("/opt", 0755) < 0 && errno != EEXIST)
		skip();
	assert_non_null(mkdtemp(dir));
	snprintf(exe, sizeof(exe), "%s/fp-sleeper", dir);
	fp_buf_init(&bin, 0);
	assert_int_equal(fp_read_file("/bin/sleep", &bin), 0);
	assert_int_equal(fp_write_file_atomic(exe, bin.data, bin.len, 0755), 0);
	fp_buf_release(&bin);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		execl(exe, "fp-sleeper", "30", (char *)NULL);
		_exit(127);
	}
	/* Unlink only once the child runs it: a fixed pause is not enough on
	 * a loaded machine (exec not done yet: the child still shows this
	 * test's binary, or finds no file to run). */
	snprintf(proc, sizeof(proc), "/proc/%d/exe", (int)pid);
	for (int i = 0; i < 6000; i++) {
		ssize_t n = readlink(proc, link, sizeof(link) - 1);

		if (n > 0) {
			link[n] = '\0';
			if (!strcmp(link, exe))
				break;
		}
		usleep(10 * 1000);
	}
	assert_string_equal(link, exe);
	assert_int_equal(unlink(exe), 0);
	rmdir(dir);

	fp_inventory_init(&inv);
	assert_int_equal(fp_inventory_collect(NULL, FP_INV_RESTARTS | FP_INV_RESTARTS_ALL,
					      &inv, &d), 0);
	for (size_t i = 0; i < inv.n_restarts; i++)
		if (inv.restarts[i].pid == pid) {
			assert_string_equal(inv.restarts[i].name, "fp-sleeper");
			found = true;
		}
	fp_inventory_release(&inv);
	kill(pid, SIGTERM);
	waitpid(pid, NULL, 0);
	assert_true(found);
}

/* ---- wire form ------------------------------------------------------------- */

static void fill_sample(struct fp_inventory *inv)
{
	struct fp_diag d;
	static const char *addrs[] = { "10.0.0.2/24", "fe80::1/64" };
	static const char *reasons[] = { "libc6" };
	static struct fp_disk disks[] = { { "sda", 1000204886016ULL } };
	static struct fp_netif ifs[1];
	static struct fp_restart rs[] = { { 812, "sshd", "ssh.service" } };
	static struct fp_update ups[] = {
		{ "libc6", "amd64", "2.36-9+deb12u3", "2.36-9+deb12u4",
		  "Debian-Security:12/stable-security", true },
	};

	assert_int_equal(parse_file(fp_dpkg_status_parse, "dpkg/status-basic", inv, &d), 0);
	assert_int_equal(fp_inventory_add_package(inv, fp_str_c("org.gnome.Calculator"),
						  fp_str_c("45.0 beta"), fp_str_c("x86_64"),
						  fp_str_c("flathub"), fp_str_c(""),
						  FP_ECO_GENERIC, "flatpak"),
			 0);
	inv->machine_id = "0123456789abcdef0123456789abcdef";
	inv->hostname = "web-01";
	inv->fqdn = "web-01.example.org";
	inv->os = (struct fp_os){ "debian", "12", "bookworm", "Debian \"12\" \\ \xc3\xa9" };
	inv->kernel = "6.1.0-18-amd64";
	inv->arch = "x86_64";
	inv->hw = (struct fp_hardware){ "AMD EPYC", 2, 25276194816ULL, disks, 1,
					"QEMU", "Standard PC", NULL };
	ifs[0] = (struct fp_netif){ "eth0", "02:fc:00:00:00:01", addrs, 2 };
	inv->interfaces = ifs;
	inv->n_interfaces = 1;
	inv->uptime_seconds = 993;
	inv->reboot_required = true;
	inv->reboot_reasons = reasons;
	inv->n_reboot_reasons = 1;
	inv->restarts = rs;
	inv->n_restarts = 1;
	inv->updates = ups;
	inv->n_updates = 1;
	inv->updates_checked = true;
	inv->package_manager = "apt";
	inv->metadata_age_seconds = 3600;
}

static void test_json_roundtrip(void **state)
{
	struct fp_inventory inv, back;
	struct fp_diag d;
	struct fp_buf out;
	json_t *tree, *streamed, *tree2;
	json_error_t je;
	char h1[65], h2[65];

	(void)state;
	fp_inventory_init(&inv);
	fill_sample(&inv);
	fp_inventory_sort(&inv);

	/* The streamed text is the same document as the tree. */
	tree = fp_inventory_to_json(&inv);
	assert_non_null(tree);
	fp_buf_init(&out, 0);
	assert_int_equal(fp_inventory_write_json(&inv, &out), 0);
	assert_int_equal(out.data[out.len - 1], '\n');
	streamed = json_loads(out.data, 0, &je);
	if (!streamed)
		fail_msg("streamed JSON does not parse: %s at %d", je.text, je.position);
	assert_true(json_equal(tree, streamed));

	/* Decoding gives back the same inventory. */
	fp_inventory_init(&back);
	if (fp_inventory_from_json(streamed, &back, &d))
		fail_msg("from_json: %s", d.msg);
	tree2 = fp_inventory_to_json(&back);
	assert_true(json_equal(tree, tree2));
	fp_inventory_hash(&inv, h1);
	fp_inventory_hash(&back, h2);
	assert_string_equal(h1, h2);
	assert_string_equal(find(&back, "org.gnome.Calculator", NULL)->kind, "flatpak");
	assert_null(find(&back, "bash", NULL)->kind);

	json_decref(tree);
	json_decref(tree2);
	json_decref(streamed);

	/* Control characters are escaped alike by both writers. */
	inv.os.pretty_name = "tab\there\x01\x1f";
	tree = fp_inventory_to_json(&inv);
	fp_buf_reset(&out);
	assert_int_equal(fp_inventory_write_json(&inv, &out), 0);
	assert_non_null(strstr(out.data, "\"tab\\there\\u0001\\u001f\""));
	streamed = json_loads(out.data, 0, &je);
	assert_non_null(streamed);
	assert_true(json_equal(tree, streamed));
	json_decref(tree);
	json_decref(streamed);

	fp_buf_release(&out);
	fp_inventory_release(&back);
	fp_inventory_release(&inv);
}

/* The hash is sha256 of sorted "eco\tname\tarch\tversion\n" lines. */
static void test_sort_and_hash(void **state)
{
	struct fp_inventory inv;
	struct fp_diag d;
	struct fp_buf lines;
	char want[65], got[65];

	(void)state;
	fp_inventory_init(&inv);
	assert_int_equal(parse_file(fp_dpkg_status_parse, "dpkg/status-basic", &inv, &d), 0);
	assert_int_equal(fp_inventory_add_package(&inv, fp_str_c("aaa"), fp_str_c("1.0-1"),
						  fp_str_c("x86_64"), fp_str_c(""),
						  fp_str_c(""), FP_ECO_PACMAN, NULL),
			 0);
	fp_inventory_sort(&inv);
	assert_string_equal(inv.packages[0].name, "bash");
	assert_string_equal(inv.packages[1].name, "libc6");
	assert_string_equal(inv.packages[1].arch, "amd64");
	assert_string_equal(inv.packages[2].arch, "i386");
	assert_string_equal(inv.packages[4].name, "aaa"); /* pacman after deb */
	fp_buf_init(&lines, 0);
	fp_buf_adds(&lines, "deb\tbash\tamd64\t5.2.15-2+b2\n"
			    "deb\tlibc6\tamd64\t2.36-9+deb12u4\n"
			    "deb\tlibc6\ti386\t2.36-9+deb12u4\n"
			    "deb\tvim\tamd64\t2:9.0.1378-2\n"
			    "pacman\taaa\tx86_64\t1.0-1\n");
	fp_sha256_hex(lines.data, lines.len, want);
	fp_inventory_hash(&inv, got);
	assert_string_equal(got, want);
	fp_buf_release(&lines);
	fp_inventory_release(&inv);
}

static void check_json_bad(const char *text, int err, const char *msg)
{
	struct fp_inventory inv;
	struct fp_diag d;
	json_error_t je;
	json_t *j = json_loads(text, JSON_ALLOW_NUL, &je);
	int r;

	assert_non_null(j);
	fp_inventory_init(&inv);
	r = fp_inventory_from_json(j, &inv, &d);
	if (r != err || !strstr(d.msg, msg))
		fail_msg("%s: got %d '%s', want %d '%s'", text, r, d.msg, err, msg);
	fp_inventory_release(&inv);
	json_decref(j);
}

static void test_json_bad(void **state)
{
	char big[40000];
	size_t n;

	(void)state;
	check_json_bad("[]", FP_EINVAL, "expected an object");
	check_json_bad("{\"hostname\": 5}", FP_EINVAL, "hostname: expected a string");
	check_json_bad("{\"packages\": [{\"name\":\"a\",\"version\":\"1.0\",\"ecosystem\":\"deb\"},"
		       "{\"name\":\"b\",\"version\":\"1.0 beta\",\"ecosystem\":\"deb\"}]}",
		       FP_EINVAL, "packages[1].version: invalid deb version");
	check_json_bad("{\"packages\": [{\"name\":\"a\",\"version\":\"1.0\",\"ecosystem\":\"cobol\"}]}",
		       FP_EINVAL, "packages[0].ecosystem: unknown ecosystem");
	check_json_bad("{\"packages\": [{\"name\":\"a\",\"ecosystem\":\"deb\"}]}",
		       FP_EINVAL, "packages[0].version: missing");
	check_json_bad("{\"packages\": [{\"name\":\"a b\",\"version\":\"1\",\"ecosystem\":\"deb\"}]}",
		       FP_EINVAL, "packages[0].name: must be one word");
	check_json_bad("{\"packages\": [{\"name\":\"a\",\"version\":\"1\",\"ecosystem\":\"generic\","
		       "\"kind\":\"appimage\"}]}",
		       FP_EINVAL, "packages[0].kind");
	check_json_bad("{\"packages\": {}}", FP_EINVAL, "packages: expected an array");
	check_json_bad("{\"os\": {\"id\": \"deb\\u0000ian\"}}", FP_EINVAL, "os.id: control");
	check_json_bad("{\"uptime_seconds\": -5}", FP_EINVAL, "uptime_seconds: out of range");
	check_json_bad("{\"restart_services\": [{\"name\": \"x\"}]}", FP_EINVAL,
		       "restart_services[0].pid: missing");
	check_json_bad("{\"package_manager\":\"apt\",\"updates\": [{\"name\":\"a\","
		       "\"candidate_version\":\"-1\"}]}",
		       FP_EINVAL, "updates[0].candidate_version: invalid deb version");
	check_json_bad("{\"interfaces\": [{\"name\":\"eth0\",\"addresses\":[1]}]}",
		       FP_EINVAL, "interfaces[0].addresses[0]: expected a string");
	n = (size_t)snprintf(big, sizeof(big), "{\"hostname\":\"");
	memset(big + n, 'a', 5000);
	snprintf(big + n + 5000, sizeof(big) - n - 5000, "\"}");
	check_json_bad(big, FP_ETOOBIG, "hostname: string too long");
	n = (size_t)snprintf(big, sizeof(big), "{\"hardware\":{\"disks\":[");
	for (int i = 0; i < 300; i++)
		n += (size_t)snprintf(big + n, sizeof(big) - n, "%s{\"name\":\"d\"}", i ? "," : "");
	snprintf(big + n, sizeof(big) - n, "]}}");
	check_json_bad(big, FP_ETOOBIG, "hardware.disks: too many elements");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dpkg_basic),
		cmocka_unit_test(test_dpkg_bad),
		cmocka_unit_test(test_dpkg_alloc_failures),
		cmocka_unit_test(test_pacman_root),
		cmocka_unit_test(test_pacman_bad),
		cmocka_unit_test(test_apk),
		cmocka_unit_test(test_rpm_query),
		cmocka_unit_test(test_apps),
		cmocka_unit_test(test_os_release),
		cmocka_unit_test(test_fake_root),
		cmocka_unit_test(test_restarts),
		cmocka_unit_test(test_json_roundtrip),
		cmocka_unit_test(test_sort_and_hash),
		cmocka_unit_test(test_json_bad),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
