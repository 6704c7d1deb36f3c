/* SPDX-License-Identifier: MIT */
/*
 * Version comparison throughput, fleetpatch against the real libraries on
 * the same pairs in the same run (tests/unit/version/vpairs.c: this
 * machine's apt lists, dpkg status and mutations):
 *
 *   bench_version run         in-process loops: fp deb vs libdpkg
 *                             (parseversion x2 + dpkg_version_compare),
 *                             fp rpmvercmp vs librpm's, fp rpm EVR vs
 *                             rpmverParse x2 + rpmverCmp; and the number
 *                             of allocations per comparison of each
 *   bench_version pairs FILE  write the pairs as "A B" lines
 *   bench_version dpkg-batch  the libdpkg loop as a batch filter with the
 *                             CLI's format: stdin "A B", stdout < = > !
 *   bench_version cpu IN OUT PROG ARGS...
 *                             run PROG with stdin IN, stdout OUT, stderr
 *                             /dev/null; print its CPU seconds (user+sys)
 *                             and wall seconds, so a busy machine skews
 *                             the comparison less
 */
#define LIBDPKG_VOLATILE_API 1
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>

#include <dpkg/dpkg-db.h>
#include <dpkg/dpkg.h>
#include <dpkg/version.h>
#include <rpm/rpmver.h>

#include "fleetpatch/alloc.h"
#include "fleetpatch/version.h"
#include "version_int.h"
#include "vpairs.h"

/* Count every malloc of the process, ours and the libraries'. */
static unsigned long mallocs;
#ifndef BENCH_NO_INTERPOSER
extern void *__libc_malloc(size_t);
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_realloc(void *, size_t);
void *malloc(size_t n)
{
	mallocs++;
	return __libc_malloc(n);
}
void *calloc(size_t n, size_t s)
{
	mallocs++;
	return __libc_calloc(n, s);
}
void *realloc(void *p, size_t n)
{
	mallocs++;
	return __libc_realloc(p, n);
}
#endif

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static struct vpairs vp;
static volatile int sink;

/*
 * The pairs laid out one after the other as a batch reader sees them:
 * "A\0B\0" with the lengths beside, so the loops measure comparing,
 * not cache misses on scattered strings.
 */
struct seqpair {
	const char *a, *b;
	size_t alen, blen;
};
static struct seqpair *seq;
static char *arena;

static bool dpkg_parse(const char *v, struct dpkg_version *ret)
{
	struct dpkg_error err = DPKG_ERROR_INIT;
	bool ok = parseversion(ret, v, &err) == 0;

	if (err.str)
		dpkg_error_destroy(&err);
	return ok;
}

/* One pass over every pair; returns a checksum so nothing is skipped. */
typedef long pass_fn(void);

static long pass_fp_deb(void)
{
	long sum = 0;
	int c;

	for (size_t i = 0; i < vp.npairs; i++) {
		const struct seqpair *p = &seq[i];
		if (fp_version_compare_n(FP_ECO_DEB, p->a, p->alen, p->b,
					 p->blen, &c, NULL) == 0)
			sum += c + 2;
	}
	return sum;
}

static long pass_dpkg(void)
{
	struct dpkg_version va, vb;
	long sum = 0;

	for (size_t i = 0; i < vp.npairs; i++) {
		if (dpkg_parse(seq[i].a, &va) && dpkg_parse(seq[i].b, &vb)) {
			int c = dpkg_version_compare(&va, &vb);
			sum += (c > 0) - (c < 0) + 2;
		}
		if ((i & 4095) == 4095)
			nffreeall();
	}
	nffreeall();
	return sum;
}

static long pass_fp_rpmvercmp(void)
{
	long sum = 0;

	for (size_t i = 0; i < vp.npairs; i++) {
		const struct seqpair *p = &seq[i];
		int c = fp__rpm_vercmp(p->a, p->alen, p->b, p->blen);
		sum += (c > 0) - (c < 0) + 2;
	}
	return sum;
}

static long pass_rpmvercmp(void)
{
	long sum = 0;

	for (size_t i = 0; i < vp.npairs; i++) {
		int c = rpmvercmp(seq[i].a, seq[i].b);
		sum += (c > 0) - (c < 0) + 2;
	}
	return sum;
}

static long pass_fp_rpm(void)
{
	long sum = 0;
	int c;

	for (size_t i = 0; i < vp.npairs; i++) {
		const struct seqpair *p = &seq[i];
		if (fp_version_compare_n(FP_ECO_RPM, p->a, p->alen, p->b,
					 p->blen, &c, NULL) == 0)
			sum += c + 2;
	}
	return sum;
}

static long pass_rpmvercmp_evr(void)
{
	long sum = 0;

	for (size_t i = 0; i < vp.npairs; i++) {
		rpmver a = rpmverParse(seq[i].a);
		rpmver b = rpmverParse(seq[i].b);
		if (a && b) {
			int c = rpmverCmp(a, b);
			sum += (c > 0) - (c < 0) + 2;
		}
		rpmverFree(a);
		rpmverFree(b);
	}
	return sum;
}

/* Best of 'rounds' passes: comparisons per second, mallocs per pass. */
static double measure(pass_fn *fn, int rounds, double *ret_mallocs)
{
	double best = 0;
	unsigned long m0 = mallocs;

	for (int r = 0; r < rounds; r++) {
		double t = now();
		sink = (int)fn();
		t = now() - t;
		if (vp.npairs / t > best)
			best = vp.npairs / t;
	}
	*ret_mallocs = (double)(mallocs - m0) / rounds / vp.npairs;
	return best;
}

static int side_by_side(const char *what, pass_fn *ours, pass_fn *theirs,
			const char *their_name, int rounds)
{
	double mo, mt, fo, ft;
	unsigned long fp0 = fp_alloc_count();

	ft = measure(theirs, rounds, &mt);
	fo = measure(ours, rounds, &mo);
	printf("%-10s fleetpatch %7.2f M/s (%.2f allocs/cmp)   %-28s %7.2f M/s "
	       "(%.2f allocs/cmp)   ratio %.2fx\n",
	       what, fo / 1e6, mo, their_name, ft / 1e6, mt, fo / ft);
	if (fp_alloc_count() != fp0 || mo != 0) {
		fprintf(stderr, "bench_version: fleetpatch allocated while "
				"comparing\n");
		return 1;
	}
	return 0;
}

static int run(size_t npairs)
{
	int rc = 0;

	if (vpairs_load(&vp, npairs, 0) != 0)
		return 1;
	{
		size_t total = 0;
		char *w;

		for (size_t i = 0; i < vp.npairs; i++)
			total += strlen(vp.v[vp.pairs[i].a]) +
				 strlen(vp.v[vp.pairs[i].b]) + 2;
		arena = malloc(total);
		seq = malloc(vp.npairs * sizeof(*seq));
		if (!arena || !seq)
			return 1;
		w = arena;
		for (size_t i = 0; i < vp.npairs; i++) {
			const char *a = vp.v[vp.pairs[i].a];
			const char *b = vp.v[vp.pairs[i].b];
			seq[i].alen = strlen(a);
			seq[i].blen = strlen(b);
			seq[i].a = memcpy(w, a, seq[i].alen + 1);
			w += seq[i].alen + 1;
			seq[i].b = memcpy(w, b, seq[i].blen + 1);
			w += seq[i].blen + 1;
		}
	}
	printf("%zu pairs from %zu versions (%zu from this machine)\n",
	       vp.npairs, vp.nv, vp.n_real);
#ifdef BENCH_NO_INTERPOSER
	printf("(allocation counts not available in this build)\n");
#endif
	rc |= side_by_side("deb", pass_fp_deb, pass_dpkg,
			   "libdpkg parseversion+cmp", 5);
	rc |= side_by_side("rpmvercmp", pass_fp_rpmvercmp, pass_rpmvercmp,
			   "librpm rpmvercmp", 5);
	rc |= side_by_side("rpm EVR", pass_fp_rpm, pass_rpmvercmp_evr,
			   "librpm rpmverParse+Cmp", 5);
	free(seq);
	free(arena);
	vpairs_release(&vp);
	return rc;
}

/* The libdpkg loop with the CLI's batch format, stdio-buffered. */
static int dpkg_batch(void)
{
	char line[4096];
	struct dpkg_version va, vb;
	unsigned long n = 0;

	while (fgets(line, sizeof(line), stdin)) {
		char *a = line, *b, *e;
		char r = '!';

		line[strcspn(line, "\r\n")] = '\0';
		b = strpbrk(a, " \t");
		if (b) {
			*b++ = '\0';
			b += strspn(b, " \t");
			e = strpbrk(b, " \t");
			if (e)
				*e = '\0';
			if (dpkg_parse(a, &va) && dpkg_parse(b, &vb)) {
				int c = dpkg_version_compare(&va, &vb);
				r = c < 0 ? '<' : c > 0 ? '>' : '=';
			}
		}
		putchar(r);
		putchar('\n');
		if ((++n & 4095) == 0)
			nffreeall();
	}
	return fflush(stdout) == 0 ? 0 : 1;
}

extern char **environ;

static int cpu(char **argv)
{
	posix_spawn_file_actions_t fa;
	struct rusage ru;
	double t0, t1;
	pid_t pid;
	int st;

	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, argv[0], O_RDONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 1, argv[1],
					 O_WRONLY | O_CREAT | O_TRUNC, 0600);
	posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
	t0 = now();
	if (posix_spawn(&pid, argv[2], &fa, NULL, argv + 2, environ) != 0) {
		fprintf(stderr, "bench_version: cannot run %s\n", argv[2]);
		return 1;
	}
	posix_spawn_file_actions_destroy(&fa);
	if (wait4(pid, &st, 0, &ru) != pid || !WIFEXITED(st) ||
	    WEXITSTATUS(st) > 2) {
		fprintf(stderr, "bench_version: %s failed\n", argv[2]);
		return 1;
	}
	t1 = now();
	printf("%.4f %.4f\n",
	       (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 +
		       (double)ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6,
	       t1 - t0);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc >= 5 && strcmp(argv[1], "cpu") == 0)
		return cpu(argv + 2);
	if (argc >= 2 && strcmp(argv[1], "run") == 0)
		return run(argc > 2 ? strtoul(argv[2], NULL, 10) : 1000000);
	if (argc == 3 && strcmp(argv[1], "pairs") == 0) {
		int rc;
		if (vpairs_load(&vp, 1000000, 0) != 0)
			return 1;
		rc = vpairs_write(&vp, argv[2]);
		vpairs_release(&vp);
		return rc ? 1 : 0;
	}
	if (argc == 2 && strcmp(argv[1], "dpkg-batch") == 0)
		return dpkg_batch();
	fprintf(stderr, "usage: bench_version run [PAIRS] | pairs FILE | "
			"dpkg-batch | cpu IN OUT PROG ARGS...\n");
	return 2;
}
