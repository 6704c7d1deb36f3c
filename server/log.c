/* SPDX-License-Identifier: MIT */
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fleetpatch/util.h"
#include "log.h"

static enum fpd_log_level max_level = FPD_LOG_INFO;

void fpd_log_set_level(enum fpd_log_level max)
{
	max_level = max;
}

int fpd_log_parse_level(const char *s, enum fpd_log_level *ret)
{
	static const struct { const char *name; enum fpd_log_level l; } t[] = {
		{ "error", FPD_LOG_ERROR }, { "warning", FPD_LOG_WARNING },
		{ "info", FPD_LOG_INFO },   { "debug", FPD_LOG_DEBUG },
	};
	for (size_t i = 0; i < FP_ARRAY_SIZE(t); i++)
		if (!strcmp(s, t[i].name)) {
			*ret = t[i].l;
			return 0;
		}
	return -1;
}

static const char *level_name(enum fpd_log_level l)
{
	switch (l) {
	case FPD_LOG_ERROR: return "error";
	case FPD_LOG_WARNING: return "warning";
	case FPD_LOG_INFO: return "info";
	case FPD_LOG_DEBUG: return "debug";
	}
	return "info";
}

void fpd_log(enum fpd_log_level level, const char *fmt, ...)
{
	static int journal = -1;
	char line[2048], ts[32];
	va_list ap;
	int n;

	if (level > max_level)
		return;
	if (journal < 0)
		journal = getenv("JOURNAL_STREAM") != NULL;
	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	(void)n;
	/* one fprintf per line: stdio locks the stream, lines do not interleave */
	if (journal)
		fprintf(stderr, "<%d>%s: %s\n", (int)level, level_name(level), line);
	else
		fprintf(stderr, "%s fleetpatchd %s: %s\n",
			fp_time_rfc3339(time(NULL), ts), level_name(level), line);
}
