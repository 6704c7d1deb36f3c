/* SPDX-License-Identifier: MIT */
/* pacman backend (placeholder until written: never detected). */
#include "fleetpatch/err.h"
#include "pkg.h"

static bool pacman_detect(const char *root)
{
	(void)root;
	return false;
}

const struct agent_pkg_backend agent_pkg_pacman = {
	.name = "pacman",
	.detect = pacman_detect,
};
