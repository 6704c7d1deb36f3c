/* SPDX-License-Identifier: MIT */
#ifndef FLEETPATCH_COMMON_HTTP_H
#define FLEETPATCH_COMMON_HTTP_H

#include <jansson.h>
#include <stddef.h>

#include "fleetpatch/buf.h"

/*
 * A small libcurl client for the JSON API of fleetpatchd, shared by the
 * agent and the admin CLI.  One client keeps one connection alive across
 * requests.  TLS peer and host verification are always on; 'ca_cert'
 * adds a CA bundle for self-signed servers.  Only http and https, no
 * redirects, bounded response size.
 */
struct fp_http_client {
	void *curl;              /* CURL easy handle */
	char base[1024];         /* server URL without trailing '/' */
	const char *ca_cert;     /* borrowed; NULL: system store */
	long timeout_ms;         /* whole request; default 30 s */
	size_t max_response;     /* default 16 MiB */
};

/* Set up a client for 'server_url' ("https://host:port").  FP_EINVAL when
 * the URL is not http(s) or too long, FP_ENOMEM. */
int fp_http_client_init(struct fp_http_client *c, const char *server_url,
			const char *ca_cert);
void fp_http_client_release(struct fp_http_client *c);

/*
 * One request.  'path' starts with '/' ("/api/v1/hosts").  'bearer' may be
 * NULL.  'body' (may be NULL) is sent as application/json.  On a
 * completed exchange returns 0 with the HTTP status in *ret_status and the
 * body appended to 'out' (may be NULL to discard).  Transport failures
 * return FP_ENET (or FP_ETIMEDOUT, FP_ETOOBIG) with a message in
 * errbuf (size n).
 */
int fp_http_request(struct fp_http_client *c, const char *method,
		    const char *path, const char *bearer, const char *body,
		    size_t body_len, long *ret_status, struct fp_buf *out,
		    char *errbuf, size_t n);

/*
 * JSON in, JSON out: 'req' may be NULL.  On a completed exchange returns 0
 * with the status and the decoded body (NULL when the body is empty or not
 * JSON) in *ret_json, which the caller decrefs.
 */
int fp_http_json(struct fp_http_client *c, const char *method,
		 const char *path, const char *bearer, const json_t *req,
		 long *ret_status, json_t **ret_json, char *errbuf, size_t n);

/*
 * Describe an error body {"error","message","path"} as "message (at path)"
 * into out; falls back to "HTTP <status>" when the body says nothing.
 */
void fp_http_error_text(long status, const json_t *body, char *out, size_t n);

#endif
