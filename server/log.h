/* SPDX-License-Identifier: MIT */
#ifndef FLEETPATCHD_LOG_H
#define FLEETPATCHD_LOG_H

/*
 * fleetpatchd logs to stderr, one line per message.  Under systemd
 * (JOURNAL_STREAM set) lines carry a "<N>" syslog priority prefix that
 * journald turns into the entry's level.
 */
enum fpd_log_level {
	FPD_LOG_ERROR = 3,
	FPD_LOG_WARNING = 4,
	FPD_LOG_INFO = 6,
	FPD_LOG_DEBUG = 7,
};

void fpd_log_set_level(enum fpd_log_level max);
int fpd_log_parse_level(const char *s, enum fpd_log_level *ret);
void fpd_log(enum fpd_log_level level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#define fpd_err(...) fpd_log(FPD_LOG_ERROR, __VA_ARGS__)
#define fpd_warn(...) fpd_log(FPD_LOG_WARNING, __VA_ARGS__)
#define fpd_info(...) fpd_log(FPD_LOG_INFO, __VA_ARGS__)
#define fpd_debug(...) fpd_log(FPD_LOG_DEBUG, __VA_ARGS__)

#endif
