/* SPDX-License-Identifier: MIT */
/* What users put in the deferral drop-box, parsed (see defer_box.h). */
#include <string.h>

#include "defer_box.h"

long long agent_defer_request_parse(const char *s, size_t len)
{
	long long id = 0;

	if (len < 8 || len > 6 + 18 + 1 || memcmp(s, "defer ", 6) != 0 ||
	    s[len - 1] != '\n' || s[6] == '0')
		return 0;
	for (size_t i = 6; i + 1 < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return 0;
		id = id * 10 + (s[i] - '0');
	}
	return id;
}

char agent_defer_box_name_kind(const char *name,
			       char ret_hex[AGENT_DEFER_HEX_LEN + 1])
{
	size_t n = strnlen(name, AGENT_DEFER_HEX_LEN + 3);

	if (n != AGENT_DEFER_HEX_LEN + 2 || name[1] != '-' || !name[0] ||
	    !strchr("rwat", name[0]) ||
	    strspn(name + 2, "0123456789abcdef") != AGENT_DEFER_HEX_LEN)
		return 0;
	memcpy(ret_hex, name + 2, AGENT_DEFER_HEX_LEN + 1);
	return name[0];
}
