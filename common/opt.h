/* SPDX-License-Identifier: MIT */
#ifndef FLEETPATCH_COMMON_OPT_H
#define FLEETPATCH_COMMON_OPT_H

/*
 * Option parsing shared by the agent and the CLI commands: "--name VALUE"
 * and "--name=VALUE".  At argv[*i]: returns 1 and sets *ret (advancing *i
 * past a separate value) when it is option 'name' with a value, -1 when
 * it is 'name' without one, 0 when it is another argument.
 */
int fp_opt_value(int argc, char **argv, int *i, const char *name,
		 const char **ret);

#endif
