/* SPDX-License-Identifier: MIT */
/*
 * The admin body decoders: the first byte picks one of the field tables
 * the API uses (users, tokens, secrets, groups with their rule, group
 * members, tags, settings, login); the rest is the body.
 */
#include <stdint.h>
#include <string.h>

#include "decode.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fp_field users[] = {
		{ .name = "name", .type = FP_F_NAME, .required = true, .max = 64 },
		{ .name = "role", .type = FP_F_ROLE, .required = true },
		{ .name = "password", .type = FP_F_STRING, .max = 1024 },
	};
	struct fp_field tokens[] = {
		{ .name = "name", .type = FP_F_NAME, .required = true, .max = 64 },
		{ .name = "user", .type = FP_F_NAME, .max = 64 },
		{ .name = "expires_in", .type = FP_F_DURATION, .max = 32 },
	};
	struct fp_field secrets[] = {
		{ .name = "group", .type = FP_F_NAME, .max = 64 },
		{ .name = "expires_in", .type = FP_F_DURATION, .max = 32 },
	};
	struct fp_field groups[] = {
		{ .name = "name", .type = FP_F_NAME, .required = true, .max = 64 },
		{ .name = "kind", .type = FP_F_STRING, .required = true, .max = 16 },
		{ .name = "rule", .type = FP_F_OBJECT },
	};
	struct fp_field members[] = {
		{ .name = "hosts", .type = FP_F_ARRAY, .required = true, .max = 10000 },
	};
	struct fp_field tags[] = {
		{ .name = "tags", .type = FP_F_ARRAY, .required = true, .max = 100 },
	};
	struct fp_field settings[] = {
		{ .name = "stale_after", .type = FP_F_DURATION, .max = 32 },
		{ .name = "checkin_interval", .type = FP_F_DURATION, .max = 32 },
	};
	struct fp_field login[] = {
		{ .name = "name", .type = FP_F_STRING, .required = true, .max = 64 },
		{ .name = "password", .type = FP_F_STRING, .required = true, .max = 1024 },
		{ .name = "count", .type = FP_F_INT },
		{ .name = "flag", .type = FP_F_BOOL },
	};
	struct { struct fp_field *f; size_t n; } tables[] = {
		{ users, N(users) }, { tokens, N(tokens) }, { secrets, N(secrets) },
		{ groups, N(groups) }, { members, N(members) }, { tags, N(tags) },
		{ settings, N(settings) }, { login, N(login) },
	};
	struct fp_jerr jerr;
	json_t *root = NULL;
	unsigned pick;

	if (size < 1)
		return 0;
	pick = data[0] % N(tables);
	if (fp_decode_fields(data + 1, size - 1, tables[pick].f, tables[pick].n,
			     &root, &jerr) == 0) {
		const char *k, *v;
		if (pick == 3 && groups[2].present)
			fp_decode_group_rule(groups[2].json, &k, &v, &jerr);
		if (pick == 5)
			for (size_t i = 0; i < json_array_size(tags[0].json); i++)
				fp_name_is_valid(json_string_value(
					json_array_get(tags[0].json, i)), 64);
		json_decref(root);
	}
	return 0;
}
