/* SPDX-License-Identifier: MIT */
/* zypper backend (placeholder until written: never detected). */
#include "fleetpatch/err.h"
#include "pkg.h"

static bool zypper_detect(const char *root)
{
	(void)root;
	return false;
}

const struct agent_pkg_backend agent_pkg_zypper = {
	.name = "zypper",
	.detect = zypper_detect,
};
