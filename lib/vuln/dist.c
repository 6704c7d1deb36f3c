/* SPDX-License-Identifier: MIT */
/* Distribution keys: OSV ecosystem names, Debian code names, hosts. */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "fleetpatch/util.h"
#include "vuln_int.h"

static const struct osv_eco_map {
	const char *osv;   /* ecosystem name before ':' */
	const char *dist;  /* normalised distribution id */
	enum fp_ecosystem eco;
	enum fp_vuln_name_kind kind;
} osv_ecos[] = {
	{ "Debian", "debian", FP_ECO_DEB, FP_VULN_NAME_SOURCE },
	{ "Ubuntu", "ubuntu", FP_ECO_DEB, FP_VULN_NAME_SOURCE },
	/* The OSV spec says source name for these two, but their feeds
	 * list binary RPMs (avahi-glib-devel). */
	{ "AlmaLinux", "almalinux", FP_ECO_RPM, FP_VULN_NAME_BINARY },
	{ "Rocky Linux", "rocky", FP_ECO_RPM, FP_VULN_NAME_BINARY },
	{ "Red Hat", "rhel", FP_ECO_RPM, FP_VULN_NAME_BINARY },
	{ "Photon OS", "photon", FP_ECO_RPM, FP_VULN_NAME_BINARY },
	{ "openSUSE", "opensuse", FP_ECO_RPM, FP_VULN_NAME_SOURCE },
	{ "SUSE", "suse", FP_ECO_RPM, FP_VULN_NAME_SOURCE },
	{ "Mageia", "mageia", FP_ECO_RPM, FP_VULN_NAME_SOURCE },
	{ "openEuler", "openeuler", FP_ECO_RPM, FP_VULN_NAME_SOURCE },
	{ "Azure Linux", "azurelinux", FP_ECO_RPM, FP_VULN_NAME_SOURCE },
	{ "Alpine", "alpine", FP_ECO_APK, FP_VULN_NAME_SOURCE },
	{ "Alpaquita", "alpaquita", FP_ECO_APK, FP_VULN_NAME_SOURCE },
	{ "Wolfi", "wolfi", FP_ECO_APK, FP_VULN_NAME_BINARY },
	{ "Chainguard", "chainguard", FP_ECO_APK, FP_VULN_NAME_BINARY },
};

int fp__vuln_osv_ecosystem(struct fp_arena *a, const char *ecosystem,
			   struct fp__osv_eco *ret)
{
	const char *colon = strchr(ecosystem, ':');
	size_t base = colon ? (size_t)(colon - ecosystem) : strlen(ecosystem);
	const struct osv_eco_map *m = NULL;
	size_t i, rel_len, dlen;
	char *dist;

	for (i = 0; i < FP_ARRAY_SIZE(osv_ecos); i++)
		if (strlen(osv_ecos[i].osv) == base &&
		    !memcmp(osv_ecos[i].osv, ecosystem, base))
			m = &osv_ecos[i];
	if (!m)
		return FP_EUNSUPPORTED;
	rel_len = colon ? strlen(colon + 1) : 0;
	/* "Ubuntu:22.04:LTS" is release 22.04; ":LTS" says nothing a host
	 * would know. */
	if (rel_len >= 4 && !strcmp(colon + 1 + rel_len - 4, ":LTS"))
		rel_len -= 4;
	dlen = strlen(m->dist);
	dist = fp_arena_alloc(a, dlen + 1 + rel_len + 1);
	if (!dist)
		return FP_ENOMEM;
	memcpy(dist, m->dist, dlen);
	if (rel_len) {
		dist[dlen] = ':';
		for (i = 0; i < rel_len; i++)
			dist[dlen + 1 + i] =
				(char)tolower((unsigned char)colon[1 + i]);
		dlen += 1 + rel_len;
	}
	dist[dlen] = '\0';
	ret->eco = m->eco;
	ret->name_kind = m->kind;
	ret->dist = dist;
	return 0;
}

static const char *const debian_releases[][2] = {
	{ "buzz", "1.1" },    { "rex", "1.2" },      { "bo", "1.3" },
	{ "hamm", "2.0" },    { "slink", "2.1" },    { "potato", "2.2" },
	{ "woody", "3.0" },   { "sarge", "3.1" },    { "etch", "4" },
	{ "lenny", "5" },     { "squeeze", "6" },    { "wheezy", "7" },
	{ "jessie", "8" },    { "stretch", "9" },    { "buster", "10" },
	{ "bullseye", "11" }, { "bookworm", "12" },  { "trixie", "13" },
	{ "forky", "14" },    { "duke", "15" },
};

const char *fp_vuln_debian_release(const char *codename)
{
	for (size_t i = 0; i < FP_ARRAY_SIZE(debian_releases); i++)
		if (!strcmp(debian_releases[i][0], codename))
			return debian_releases[i][1];
	return NULL;
}

/* Keep the first 'parts' dot-separated parts of 'v'. */
static size_t leading_parts(const char *v, int parts)
{
	size_t i;

	for (i = 0; v[i]; i++)
		if (v[i] == '.' && --parts == 0)
			break;
	return i;
}

static bool token_ok(const char *s)
{
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && !strchr("._-+~", *s))
			return false;
	return true;
}

int fp_vuln_dist_key(const char *os_id, const char *version_id, char *out,
		     size_t n)
{
	const char *prefix = "";
	size_t vlen;
	int w;

	if (!os_id || !*os_id || !token_ok(os_id) || !version_id ||
	    !token_ok(version_id))
		return FP_EINVAL;
	vlen = strlen(version_id);
	if (!strcmp(os_id, "debian") || !strcmp(os_id, "almalinux") ||
	    !strcmp(os_id, "rocky") || !strcmp(os_id, "rhel"))
		vlen = leading_parts(version_id, 1);
	else if (!strcmp(os_id, "alpine")) {
		vlen = leading_parts(version_id, 2);
		prefix = "v";
	}
	if (!vlen)
		w = snprintf(out, n, "%s", os_id);
	else
		w = snprintf(out, n, "%s:%s%.*s", os_id, prefix, (int)vlen,
			     version_id);
	if (w < 0 || (size_t)w >= n)
		return FP_ETOOBIG;
	for (char *p = out; *p; p++)
		*p = (char)tolower((unsigned char)*p);
	return 0;
}
