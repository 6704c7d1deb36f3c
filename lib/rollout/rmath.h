/* SPDX-License-Identifier: MIT */
#ifndef FLEETPATCH_ROLLOUT_RMATH_H
#define FLEETPATCH_ROLLOUT_RMATH_H

#include <stdint.h>

/* Division rounding toward minus infinity (days before 1970 stay whole). */
static inline int64_t fp__floor_div(int64_t a, int64_t b)
{
	int64_t q = a / b;
	return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

#endif
