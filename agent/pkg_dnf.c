/* SPDX-License-Identifier: MIT */
/* dnf backend (placeholder until written: never detected). */
#include "fleetpatch/err.h"
#include "pkg.h"

static bool dnf_detect(const char *root)
{
	(void)root;
	return false;
}

const struct agent_pkg_backend agent_pkg_dnf = {
	.name = "dnf",
	.detect = dnf_detect,
};
