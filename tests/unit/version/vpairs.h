/* SPDX-License-Identifier: MIT */
#ifndef FP_TEST_VPAIRS_H
#define FP_TEST_VPAIRS_H

/*
 * A large set of real version pairs for the differential test and the
 * benchmark: every version string in this machine's apt lists
 * (/var/lib/apt/lists/ *_Packages*, read through apt-helper so compressed
 * lists work) and dpkg status file (Version:, the version in Source:, and
 * the versions in relation fields such as Depends), plus mutations of
 * them (epochs added and removed, ~ ^ +b1 +debNuM, letters, edits).
 */
#include <stddef.h>
#include <stdint.h>

struct vpair {
	uint32_t a, b; /* indexes into vpairs.v */
};

struct vpairs {
	char **v;	   /* every distinct version, then the mutations */
	size_t nv;
	size_t n_real;	   /* v[0..n_real) come from the system */
	struct vpair *pairs;
	size_t npairs;
};

/*
 * Collect up to 'max_pairs' pairs (at least one per real version as its
 * sorted neighbour and one per mutation, then random pairs), seeded with
 * 'seed' so a run can be repeated.  Returns 0, or -1 with a message on
 * stderr when no version list is readable.
 */
int vpairs_load(struct vpairs *vp, size_t max_pairs, uint64_t seed);
void vpairs_release(struct vpairs *vp);

/* Write the pairs as "A B" lines (the CLI --batch format). */
int vpairs_write(const struct vpairs *vp, const char *path);

#endif
