/* SPDX-License-Identifier: MIT */
/*
 * Fuzz the agent's check-in body builder over hostile state: a spooled
 * report and an acked.json as they may be found on disk (truncated,
 * edited, wrong types).  Input: {"report": ..., "acked": ..., "full": b}.
 */
#include <stdint.h>
#include <stdlib.h>

#include "state.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	json_t *doc, *body = NULL;
	char *s;

	if (size > 1 << 16)
		return 0;
	doc = json_loadb((const char *)data, size, 0, NULL);
	if (!doc)
		return 0;
	if (agent_report_body(json_object_get(doc, "report"),
			      json_object_get(doc, "acked"),
			      json_is_true(json_object_get(doc, "full")),
			      &body) == 0) {
		s = json_dumps(body, JSON_COMPACT);
		free(s);
		json_decref(body);
	}
	json_decref(doc);
	return 0;
}
