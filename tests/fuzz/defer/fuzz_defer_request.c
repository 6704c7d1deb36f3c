/* SPDX-License-Identifier: MIT */
/*
 * Fuzz the two parsers of what users put in the agent's deferral
 * drop-box (agent/defer_request.c): a request's content and an entry's
 * name.  What is accepted must be exactly the canonical form: a job id
 * printed back as "defer ID\n" gives the input again; a kind is one of
 * "rwat" and the hex copied is the name's.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "defer_box.h"

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	char back[64], name[64], hex[AGENT_DEFER_HEX_LEN + 1], kind;
	long long id = agent_defer_request_parse((const char *)data, size);
	size_t n;

	if (id < 0)
		abort();
	if (id > 0) {
		n = (size_t)snprintf(back, sizeof(back), "defer %lld\n", id);
		if (n != size || memcmp(back, data, size) != 0)
			abort();
	}
	n = size < sizeof(name) - 1 ? size : sizeof(name) - 1;
	memcpy(name, data, n);
	name[n] = '\0';
	kind = agent_defer_box_name_kind(name, hex);
	if (kind && (!strchr("rwat", kind) || strlen(name) != AGENT_DEFER_HEX_LEN + 2 ||
		     strcmp(hex, name + 2) != 0 || strspn(hex, "0123456789abcdef") !=
							  AGENT_DEFER_HEX_LEN))
		abort();
	return 0;
}
