/* SPDX-License-Identifier: MIT */
/*
 * Update-output parsers over captured outputs: every case directory under
 * tests/data/updates/<backend>/<case>/ (see its README.md) is parsed and
 * the result compared with the case's 'expect' file.
 */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "fleetpatch/alloc.h"
#include "fleetpatch/buf.h"
#include "fleetpatch/updates.h"
#include "fleetpatch/util.h"
#include "../../../lib/inventory/updates_int.h"

typedef int parse_fn(const char *, size_t, struct fp_update_list *,
		     struct fp_diag *);

/* list-patches gives names, not updates: they are printed as
 * "patch<TAB>NAME" lines after the updates. */
static struct fp_buf patch_lines;

static int zypper_patches(const char *data, size_t len,
			  struct fp_update_list *l, struct fp_diag *diag)
{
	char *names[8];
	size_t n = 0;
	int r;

	r = fp_updates_zypper_security_patches(data, len, l->arena, names, 8,
					       &n, diag);
	for (size_t i = 0; r == 0 && i < n; i++)
		fp_buf_addf(&patch_lines, "patch\t%s\n", names[i]);
	return r;
}

/* In the order a backend applies them: the list first, then details. */
static const struct {
	const char *file;
	parse_fn *fn;
} parsers[] = {
	{ "apt", fp_updates_parse_apt },
	{ "dnf", fp_updates_parse_dnf },
	{ "zypper", fp_updates_parse_zypper },
	{ "pacman", fp_updates_parse_pacman },
	{ "apk", fp_updates_parse_apk },
	{ "rpm_installed", fp_updates_parse_rpm_installed },
	{ "pacman_repos", fp_updates_parse_pacman_repos },
	{ "dnf_security", fp_updates_parse_dnf_security },
	{ "zypper_patches", zypper_patches },
	{ "zypper_info", fp_updates_parse_zypper_info },
};

static const char *or_dash(const char *s)
{
	return s && s[0] ? s : "-";
}

/* Run the case's parsers; the result (updates or error) into 'got'. */
static int run_case(const char *dir /* < 4096 bytes */, struct fp_buf *got)
{
	struct fp_arena arena;
	struct fp_update_list l;
	int r = 0, ran = 0;

	fp_arena_init(&arena, 0, 0);
	fp_update_list_init(&l, &arena);
	fp_buf_init(&patch_lines, 0);
	for (size_t i = 0; i < sizeof(parsers) / sizeof(parsers[0]); i++) {
		char path[4200];
		struct fp_buf in;
		struct fp_diag d;

		snprintf(path, sizeof(path), "%s/%s", dir, parsers[i].file);
		fp_buf_init(&in, 0);
		if (fp_read_file(path, &in) != 0) {
			fp_buf_release(&in);
			continue;
		}
		ran++;
		fp_diag_init(&d, parsers[i].file);
		r = parsers[i].fn(in.data, in.len, &l, &d);
		fp_buf_release(&in);
		if (r != 0) {
			fp_buf_addf(got, "error %s %s:%lu\n", fp_err_name(r),
				    parsers[i].file, d.line);
			goto out;
		}
	}
	assert_true(ran > 0);
	for (size_t i = 0; i < l.n; i++) {
		const struct fp_update *u = &l.v[i];
		fp_buf_addf(got, "%s\t%s\t%s\t%s\t%d\t%s\n", u->name,
			    or_dash(u->arch), or_dash(u->installed_version),
			    u->candidate_version, u->security,
			    or_dash(u->origin));
	}
	fp_buf_adds(got, patch_lines.data);
out:
	fp_buf_release(&patch_lines);
	fp_update_list_release(&l);
	fp_arena_release(&arena);
	return r;
}

static void test_cases(void **state)
{
	const char *top = FP_TEST_DATA "/updates";
	DIR *d = opendir(top);
	struct dirent *be;
	int n = 0, failed = 0;

	assert_non_null(d);
	while ((be = readdir(d))) {
		char bdir[2048];
		DIR *cd;
		struct dirent *c;

		if (be->d_name[0] == '.')
			continue;
		snprintf(bdir, sizeof(bdir), "%s/%s", top, be->d_name);
		cd = opendir(bdir);
		if (!cd)
			continue;
		while ((c = readdir(cd))) {
			char cdir[4096], ep[4200];
			struct fp_buf got, want;

			if (c->d_name[0] == '.')
				continue;
			snprintf(cdir, sizeof(cdir), "%s/%s", bdir, c->d_name);
			snprintf(ep, sizeof(ep), "%s/expect", cdir);
			fp_buf_init(&got, 0);
			fp_buf_init(&want, 0);
			assert_int_equal(fp_read_file(ep, &want), 0);
			run_case(cdir, &got);
			if (strcmp(got.data, want.data) != 0) {
				fprintf(stderr,
					"case %s/%s:\n--- want\n%s--- got\n%s",
					be->d_name, c->d_name, want.data,
					got.data);
				failed++;
			}
			n++;
			fp_buf_release(&got);
			fp_buf_release(&want);
		}
		closedir(cd);
	}
	closedir(d);
	assert_true(n >= 10);
	assert_int_equal(failed, 0);
}

/* Fail each allocation in turn: an error or success, never a crash or a
 * leak (the ASan build checks the latter). */
static void test_alloc_failures(void **state)
{
	struct fp_buf in;
	int r;

	fp_buf_init(&in, 0);
	assert_int_equal(fp_read_file(FP_TEST_DATA
				      "/updates/apt/debian12/apt", &in), 0);
	for (unsigned long n = 1;; n++) {
		struct fp_arena arena;
		struct fp_update_list l;

		fp_arena_init(&arena, 0, 0);
		fp_update_list_init(&l, &arena);
		fp_alloc_fail_at(n);
		r = fp_updates_parse_apt(in.data, in.len, &l, NULL);
		fp_alloc_fail_at(0);
		fp_update_list_release(&l);
		fp_arena_release(&arena);
		if (r == 0)
			break;
		assert_int_equal(r, FP_ENOMEM);
		assert_true(n < 1000);
	}
	fp_buf_release(&in);
}

/* A root with no package manager database is refused, not guessed. */
static void test_no_manager(void **state)
{
	char dir[] = "/tmp/fp-updates-XXXXXX";
	struct fp_inventory inv;
	struct fp_diag d;

	assert_non_null(mkdtemp(dir));
	memset(&inv, 0, sizeof(inv));
	fp_arena_init(&inv.arena, 0, 0);
	fp_diag_init(&d, NULL);
	assert_int_equal(fp_updates_query(dir, 0, &inv, &d), FP_EUNSUPPORTED);
	assert_false(inv.updates_checked);
	assert_null(inv.package_manager);
	assert_non_null(strstr(d.msg, "no supported package manager"));
	assert_int_equal(fp_updates_query("/nonexistent/fp-root", 0, &inv, &d),
			 FP_ENOENT);
	assert_non_null(strstr(d.msg, "/nonexistent/fp-root"));
	assert_false(inv.updates_checked);
	fp_arena_release(&inv.arena);
	rmdir(dir);
}

/* How a package-manager command's failures are told apart. */
static void test_run_failures(void **state)
{
	static const int ok0[] = { 0, -1 }, ok01[] = { 0, 1, -1 };
	static const char *const fail_argv[] = { "false", NULL };
	static const char *const missing_argv[] = {
		"/nonexistent/fleetpatch-no-such-tool", NULL };
	static const char *const err_argv[] = {
		"sh", "-c", "echo 'W: a warning' >&2; echo 'error: boom' >&2; exit 1",
		NULL };
	static const char *const empty_argv[] = { "sh", "-c", "exit 1", NULL };
	static const char *const slow_argv[] = { "sleep", "10", NULL };
	static const char *const env_argv[] = {
		"sh", "-c", "echo \"$LC_ALL $HOME\"", NULL };
	static const char *const env[] = { "HOME=/fp-test-home", NULL };
	struct fp_diag d;
	struct fp_buf out;
	int code = -1;

	fp_diag_init(&d, NULL);
	assert_int_equal(fp__upd_run("tool query", fail_argv, NULL, 0, ok0,
				     NULL, NULL, &d), FP_ECHILD);
	assert_string_equal(d.msg, "tool query failed (exit 1)");

	assert_int_equal(fp__upd_run("tool query", missing_argv, NULL, 0, ok0,
				     NULL, NULL, &d), FP_ESPAWN);
	assert_non_null(strstr(d.msg, "cannot run tool query"));

	/* Exit 1 is accepted, but not when the tool printed an error. */
	assert_int_equal(fp__upd_run("tool query", err_argv, NULL, 0, ok01,
				     NULL, NULL, &d), FP_ECHILD);
	assert_string_equal(d.msg, "tool query failed (exit 1): error: boom");
	assert_int_equal(fp__upd_run("tool query", empty_argv, NULL, 0, ok01,
				     NULL, &code, &d), 0);
	assert_int_equal(code, 1);

	assert_int_equal(fp__upd_run("tool query", slow_argv, NULL, 200, ok0,
				     NULL, NULL, &d), FP_ETIMEDOUT);

	/* LC_ALL=C always; the caller's extra variables win. */
	assert_int_equal(fp__upd_run("tool query", env_argv, env, 0, ok0, &out,
				     NULL, &d), 0);
	assert_string_equal(out.data, "C /fp-test-home\n");
	fp_buf_release(&out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cases),
		cmocka_unit_test(test_alloc_failures),
		cmocka_unit_test(test_no_manager),
		cmocka_unit_test(test_run_failures),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
