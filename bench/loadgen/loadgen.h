/* SPDX-License-Identifier: MIT */
#ifndef FLEETPATCH_LOADGEN_H
#define FLEETPATCH_LOADGEN_H

#include <stddef.h>
#include <stdint.h>

/*
 * A fleet image: a package set shared by many simulated hosts, in two
 * variants (A and B differ in one package's version) so that delta
 * check-ins can flip a host between them.
 */
struct lg_image {
	char *pkgs[2];      /* JSON array text of the packages, per variant */
	size_t pkgs_len[2];
	char hash[2][65];   /* fp_inventory_hash of each variant */
	char *changed[2];   /* JSON object of the changed package, per variant */
	size_t n_packages;
	/* lg_image_single only: the one package and its version per variant */
	char name[128];
	char version[2][16];
};

struct lg_pool_opts {
	unsigned images;       /* how many images */
	unsigned min_packages; /* per image */
	unsigned max_packages;
	uint64_t seed;
};

/*
 * Build the images from this machine's package names and versions
 * (/var/lib/dpkg/status and /var/lib/apt/lists/ *_Packages).  Returns 0 or
 * an fp_err with a message in err.
 */
int lg_images_build(const struct lg_pool_opts *o, struct lg_image **ret,
		    char *err, size_t n);
/*
 * One image of a single package 'name', version 1.0-1 (variant A) and
 * 1.0-2 (B): the inventory of the rollout phase, where a deployment of
 * 'name' moves a host from A to B.
 */
int lg_image_single(const char *name, struct lg_image **ret, char *err,
		    size_t n);
void lg_images_free(struct lg_image *v, unsigned n);

/* xorshift64*: deterministic randomness for images and agents. */
uint64_t lg_rand(uint64_t *state);

#endif
