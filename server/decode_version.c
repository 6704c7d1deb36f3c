/* SPDX-License-Identifier: MIT */
/*
 * Ecosystem names and version checks for the decoders.
 *
 * lib/version (fp_version_check, fp_version_compare, fp_ecosystem_name) is
 * declared but not implemented yet; until it lands these give the
 * decoders a conservative syntax check and history a natural-order
 * comparison.  Swap the bodies for the library calls when it lands.
 */
#include <string.h>

#include "decode_internal.h"

static const char *const eco_names[FP_ECO__COUNT] = {
	[FP_ECO_DEB] = "deb",       [FP_ECO_RPM] = "rpm",
	[FP_ECO_APK] = "apk",       [FP_ECO_PACMAN] = "pacman",
	[FP_ECO_SEMVER] = "semver", [FP_ECO_GENERIC] = "generic",
};

const char *fp_weco_name(enum fp_ecosystem eco)
{
	return (unsigned)eco < FP_ECO__COUNT ? eco_names[eco] : "unknown";
}

int fp_weco_parse(const char *name, enum fp_ecosystem *ret)
{
	for (unsigned i = 0; i < FP_ECO__COUNT; i++)
		if (!strcmp(name, eco_names[i])) {
			*ret = (enum fp_ecosystem)i;
			return 0;
		}
	return FP_EINVAL;
}

static bool is_alnum(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
	       (c >= 'A' && c <= 'Z');
}

int fp__version_check(enum fp_ecosystem eco, const char *v, const char *path,
		      struct fp_jerr *jerr)
{
	const char *extra;
	size_t len = strlen(v);

	if (len == 0)
		return fp__jerr(jerr, FP_EINVAL, path, "empty version");
	if (len > 255)
		return fp__jerr(jerr, FP_EINVAL, path, "version longer than 255 bytes");
	switch (eco) {
	case FP_ECO_DEB:
		extra = ".+~:-";
		{
			/* dpkg: [epoch:]upstream[-revision], upstream starts with a digit */
			const char *colon = strchr(v, ':');
			const char *up = colon ? colon + 1 : v;
			if (colon)
				for (const char *p = v; p < colon; p++)
					if (*p < '0' || *p > '9')
						return fp__jerr(jerr, FP_EINVAL, path,
								"invalid deb version '%.64s': epoch is not a number", v);
			if (colon && colon == v)
				return fp__jerr(jerr, FP_EINVAL, path,
						"invalid deb version '%.64s': empty epoch", v);
			if (*up < '0' || *up > '9')
				return fp__jerr(jerr, FP_EINVAL, path,
						"invalid deb version '%.64s': must start with a digit", v);
		}
		break;
	case FP_ECO_RPM:
		extra = "._+~^:-";
		break;
	case FP_ECO_APK:
		extra = "._-~";
		break;
	case FP_ECO_PACMAN:
		extra = "._+~:-";
		break;
	case FP_ECO_SEMVER:
		extra = ".-+";
		break;
	default:
		extra = "._+~:-";
		break;
	}
	if (!is_alnum(v[0]))
		return fp__jerr(jerr, FP_EINVAL, path,
				"invalid %s version '%.64s': must start with a letter or digit",
				fp_weco_name(eco), v);
	for (const char *p = v; *p; p++)
		if (!is_alnum(*p) && !strchr(extra, *p))
			return fp__jerr(jerr, FP_EINVAL, path,
					"invalid %s version '%.64s': bad character at column %ld",
					fp_weco_name(eco), v, (long)(p - v) + 1);
	return 0;
}

int fp_wversion_cmp(enum fp_ecosystem eco, const char *a, const char *b)
{
	(void)eco;
	/* natural order: digit runs numerically, '~' before anything */
	while (*a || *b) {
		if (*a == '~' || *b == '~') {
			if (*a != '~')
				return 1;
			if (*b != '~')
				return -1;
			a++, b++;
			continue;
		}
		if (*a >= '0' && *a <= '9' && *b >= '0' && *b <= '9') {
			const char *ea, *eb;
			while (*a == '0')
				a++;
			while (*b == '0')
				b++;
			for (ea = a; *ea >= '0' && *ea <= '9'; ea++)
				;
			for (eb = b; *eb >= '0' && *eb <= '9'; eb++)
				;
			if (ea - a != eb - b)
				return ea - a < eb - b ? -1 : 1;
			for (; a < ea; a++, b++)
				if (*a != *b)
					return *a < *b ? -1 : 1;
			continue;
		}
		if (*a != *b)
			return (unsigned char)*a < (unsigned char)*b ? -1 : 1;
		a++, b++;
	}
	return 0;
}
