/* SPDX-License-Identifier: MIT */
/*
 * A feed body as POST /api/v1/feeds gets it: the first byte picks the
 * kind (0: told from the content, as without ?format=), the rest is the
 * body; detected or not, it is parsed by kind and freed.
 */
#include <stdint.h>
#include <string.h>

#include "server.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const kinds[] = { "osv", "debian", "dsa", "kev",
					     "epss" };
	const char *body, *kind;
	struct fpd_feed f;
	struct fp_diag d;
	char where[512];

	if (size < 1)
		return 0;
	body = (const char *)data + 1;
	size--;
	kind = fpd_feed_detect(body, size);
	if (data[0] % 6)
		kind = kinds[data[0] % 6 - 1];
	if (!kind || !fpd_feed_kind_is_valid(kind))
		return 0;
	fp_diag_init(&d, "fuzz");
	if (fpd_feed_parse(kind, body, size, "fuzz", &f, &d)) {
		fp_diag_format(&d, where, sizeof(where));
		return 0;
	}
	fpd_feed_release(&f);
	return 0;
}
