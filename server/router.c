/* SPDX-License-Identifier: MIT */
/* The route table: method, path pattern, handler, who may call it. */
#include <string.h>

#include "fleetpatch/alloc.h"
#include "server.h"

#define V1 "/api/v1"
#define USER(role) FPD_AUTH_USER, FP_ROLE_##role

static const struct fpd_route routes[] = {
	{ "GET", V1 "/health", api_health, FPD_AUTH_NONE, 0 },
	{ "POST", V1 "/enroll", api_enroll, FPD_AUTH_NONE, 0 },
	{ "POST", V1 "/login", api_login, FPD_AUTH_NONE, 0 },
	{ "POST", V1 "/agent/checkin", api_checkin, FPD_AUTH_HOST, 0 },

	{ "GET", V1 "/hosts", api_hosts_list, USER(VIEWER) },
	{ "GET", V1 "/hosts/{}", api_host_get, USER(VIEWER) },
	{ "DELETE", V1 "/hosts/{}", api_host_delete, USER(ADMIN) },
	{ "POST", V1 "/hosts/{}/tags", api_host_tags_add, USER(ADMIN) },
	{ "DELETE", V1 "/hosts/{}/tags/{}", api_host_tags_remove, USER(ADMIN) },
	{ "GET", V1 "/updates", api_updates_list, USER(VIEWER) },

	{ "GET", V1 "/enroll-secrets", api_secrets_list, USER(ADMIN) },
	{ "POST", V1 "/enroll-secrets", api_secrets_create, USER(ADMIN) },
	{ "DELETE", V1 "/enroll-secrets/{}", api_secrets_revoke, USER(ADMIN) },

	{ "GET", V1 "/groups", api_groups_list, USER(VIEWER) },
	{ "POST", V1 "/groups", api_groups_create, USER(ADMIN) },
	{ "DELETE", V1 "/groups/{}", api_groups_delete, USER(ADMIN) },
	{ "POST", V1 "/groups/{}/hosts", api_groups_add_hosts, USER(ADMIN) },
	{ "DELETE", V1 "/groups/{}/hosts/{}", api_groups_remove_host, USER(ADMIN) },

	{ "GET", V1 "/tags", api_tags_list, USER(VIEWER) },

	{ "GET", V1 "/users", api_users_list, USER(ADMIN) },
	{ "POST", V1 "/users", api_users_create, USER(ADMIN) },
	{ "DELETE", V1 "/users/{}", api_users_delete, USER(ADMIN) },

	{ "GET", V1 "/tokens", api_tokens_list, USER(VIEWER) },
	{ "POST", V1 "/tokens", api_tokens_create, USER(VIEWER) },
	{ "DELETE", V1 "/tokens/{}", api_tokens_revoke, USER(VIEWER) },

	{ "GET", V1 "/audit", api_audit_list, USER(ADMIN) },
	{ "GET", V1 "/settings", api_settings_get, USER(ADMIN) },
	{ "PUT", V1 "/settings", api_settings_put, USER(ADMIN) },

	{ "GET", V1 "/rings", api_rings_list, USER(VIEWER) },
	{ "POST", V1 "/rings", api_rings_put, USER(OPERATOR) },
	{ "DELETE", V1 "/rings/{}", api_rings_delete, USER(OPERATOR) },
	{ "GET", V1 "/windows", api_windows_list, USER(VIEWER) },
	{ "POST", V1 "/windows", api_windows_put, USER(OPERATOR) },
	{ "GET", V1 "/windows/{}", api_windows_get, USER(VIEWER) },
	{ "DELETE", V1 "/windows/{}", api_windows_delete, USER(OPERATOR) },
	{ "GET", V1 "/policies", api_policies_list, USER(VIEWER) },
	{ "POST", V1 "/policies", api_policies_put, USER(OPERATOR) },
	{ "DELETE", V1 "/policies/{}", api_policies_delete, USER(OPERATOR) },
	{ "GET", V1 "/deployments", api_deploy_list, USER(VIEWER) },
	{ "POST", V1 "/deployments", api_deploy_create, USER(OPERATOR) },
	{ "GET", V1 "/deployments/{}", api_deploy_get, USER(VIEWER) },
	{ "POST", V1 "/deployments/{}/{}", api_deploy_action, USER(OPERATOR) },

	{ "GET", V1 "/feeds", api_feeds_list, USER(VIEWER) },
	{ "POST", V1 "/feeds", api_feeds_import, USER(OPERATOR) },
	{ "GET", V1 "/vulns", api_vulns_list, USER(VIEWER) },
};

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Percent-decode one path segment; NULL when invalid (or a NUL byte). */
static char *decode_segment(const char *s, size_t n)
{
	char *out = fp_malloc(n + 1);
	size_t o = 0;

	if (!out)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '%') {
			int h, l;
			if (i + 2 >= n) {
				fp_free(out);
				return NULL;
			}
			h = hexval(s[i + 1]);
			l = hexval(s[i + 2]);
			if (h < 0 || l < 0 || (h == 0 && l == 0)) {
				fp_free(out);
				return NULL;
			}
			out[o++] = (char)(h * 16 + l);
			i += 2;
		} else {
			out[o++] = s[i];
		}
	}
	out[o] = '\0';
	return out;
}

/* Match 'url' against 'pat'; captures into params (caller frees). */
static bool match(const char *pat, const char *url, char **params,
		  unsigned *n_params)
{
	unsigned n = 0;

	while (*pat && *url) {
		if (pat[0] == '{' && pat[1] == '}') {
			size_t len = strcspn(url, "/");
			if (len == 0 || n >= 4)
				goto fail;
			params[n] = decode_segment(url, len);
			if (!params[n])
				goto fail;
			n++;
			pat += 2;
			url += len;
			continue;
		}
		if (*pat != *url)
			goto fail;
		pat++;
		url++;
	}
	if (*pat || (*url && strcmp(url, "/")))
		goto fail;
	*n_params = n;
	return true;
fail:
	for (unsigned i = 0; i < n; i++) {
		fp_free(params[i]);
		params[i] = NULL;
	}
	return false;
}

int fpd_route_match(const char *method, const char *url,
		    const struct fpd_route **ret, char **params,
		    unsigned *n_params)
{
	bool path_known = false;

	for (size_t i = 0; i < sizeof(routes) / sizeof(routes[0]); i++) {
		char *p[4] = { 0 };
		unsigned n = 0;

		if (!match(routes[i].pattern, url, p, &n))
			continue;
		if (strcmp(routes[i].method, method)) {
			path_known = true;
			for (unsigned k = 0; k < n; k++)
				fp_free(p[k]);
			continue;
		}
		memcpy(params, p, sizeof(p));
		*n_params = n;
		*ret = &routes[i];
		return 0;
	}
	return path_known ? FP_EUNSUPPORTED : FP_ENOENT;
}
