/* SPDX-License-Identifier: MIT */
#include <string.h>

#include "opt.h"

int fp_opt_value(int argc, char **argv, int *i, const char *name,
		 const char **ret)
{
	const char *a = argv[*i];
	size_t n = strlen(name);

	if (strncmp(a, name, n) != 0)
		return 0;
	if (a[n] == '=') {
		*ret = a + n + 1;
		return 1;
	}
	if (a[n] != '\0')
		return 0;
	if (*i + 1 >= argc)
		return -1;
	*ret = argv[++*i];
	return 1;
}
