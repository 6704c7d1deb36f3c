/* SPDX-License-Identifier: MIT */
/* libcurl wrapper for the agent and the CLI (see http.h). */
#include <curl/curl.h>
#include <stdio.h>
#include <string.h>

#include "fleetpatch/alloc.h"
#include "fleetpatch/err.h"
#include "http.h"

#define HTTP_DEFAULT_TIMEOUT_MS 30000L
#define HTTP_DEFAULT_MAX_RESPONSE ((size_t)16 << 20)

struct sink {
	struct fp_buf *out;
	size_t max;
	size_t seen;
	int overflow;
};

static size_t sink_write(char *p, size_t size, size_t nmemb, void *ud)
{
	struct sink *s = ud;
	size_t n = size * nmemb;

	s->seen += n;
	if (s->seen > s->max) {
		s->overflow = 1;
		return 0; /* abort the transfer */
	}
	if (s->out && fp_buf_add(s->out, p, n) != 0) {
		s->overflow = 1;
		return 0;
	}
	return n;
}

int fp_http_client_init(struct fp_http_client *c, const char *server_url,
			const char *ca_cert)
{
	static int global_done;
	size_t len;

	memset(c, 0, sizeof(*c));
	if (!server_url || (strncmp(server_url, "http://", 7) != 0 &&
			    strncmp(server_url, "https://", 8) != 0))
		return FP_EINVAL;
	len = strlen(server_url);
	while (len > 0 && server_url[len - 1] == '/')
		len--;
	if (len >= sizeof(c->base))
		return FP_EINVAL;
	memcpy(c->base, server_url, len);
	c->base[len] = '\0';
	if (!global_done) {
		if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
			return FP_ENOMEM;
		global_done = 1;
	}
	c->curl = curl_easy_init();
	if (!c->curl)
		return FP_ENOMEM;
	c->ca_cert = ca_cert;
	c->timeout_ms = HTTP_DEFAULT_TIMEOUT_MS;
	c->max_response = HTTP_DEFAULT_MAX_RESPONSE;
	return 0;
}

void fp_http_client_release(struct fp_http_client *c)
{
	if (c && c->curl) {
		curl_easy_cleanup(c->curl);
		c->curl = NULL;
	}
}

int fp_http_request(struct fp_http_client *c, const char *method,
		    const char *path, const char *bearer, const char *body,
		    size_t body_len, long *ret_status, struct fp_buf *out,
		    char *errbuf, size_t n)
{
	char url[2048], auth[1024], cerr[CURL_ERROR_SIZE] = "";
	struct curl_slist *hdr = NULL, *h;
	struct sink s = { out, c->max_response, 0, 0 };
	CURL *e = c->curl;
	CURLcode cc;
	int r = 0;

	if (snprintf(url, sizeof(url), "%s%s", c->base, path) >= (int)sizeof(url)) {
		snprintf(errbuf, n, "URL too long");
		return FP_EINVAL;
	}
	curl_easy_reset(e);
	curl_easy_setopt(e, CURLOPT_URL, url);
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e, CURLOPT_ERRORBUFFER, cerr);
#if LIBCURL_VERSION_NUM >= 0x075500
	curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
#else
	curl_easy_setopt(e, CURLOPT_PROTOCOLS, CURLPROTO_HTTP | CURLPROTO_HTTPS);
#endif
	curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 2L);
	if (c->ca_cert)
		curl_easy_setopt(e, CURLOPT_CAINFO, c->ca_cert);
	curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, c->timeout_ms);
	curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS,
			 c->timeout_ms < 10000 ? c->timeout_ms : 10000L);
	curl_easy_setopt(e, CURLOPT_USERAGENT, "fleetpatch/0.1");
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, sink_write);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, &s);
	curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, method);
	if (body) {
		curl_easy_setopt(e, CURLOPT_POSTFIELDS, body);
		curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE,
				 (curl_off_t)body_len);
	} else if (!strcmp(method, "GET")) {
		curl_easy_setopt(e, CURLOPT_HTTPGET, 1L);
	} else if (!strcmp(method, "DELETE")) {
		curl_easy_setopt(e, CURLOPT_NOBODY, 0L);
	}
	h = curl_slist_append(hdr, "Content-Type: application/json");
	if (!h)
		goto out_nomem;
	hdr = h;
	h = curl_slist_append(hdr, "Accept: application/json");
	if (!h)
		goto out_nomem;
	hdr = h;
	h = curl_slist_append(hdr, "Expect:");
	if (!h)
		goto out_nomem;
	hdr = h;
	if (bearer) {
		if (snprintf(auth, sizeof(auth), "Authorization: Bearer %s",
			     bearer) >= (int)sizeof(auth)) {
			snprintf(errbuf, n, "credential too long");
			r = FP_EINVAL;
			goto out;
		}
		h = curl_slist_append(hdr, auth);
		if (!h)
			goto out_nomem;
		hdr = h;
	}
	curl_easy_setopt(e, CURLOPT_HTTPHEADER, hdr);

	cc = curl_easy_perform(e);
	if (s.overflow) {
		snprintf(errbuf, n, "response from %s larger than %zu bytes",
			 c->base, c->max_response);
		r = FP_ETOOBIG;
	} else if (cc == CURLE_OPERATION_TIMEDOUT) {
		snprintf(errbuf, n, "%s: timed out", c->base);
		r = FP_ETIMEDOUT;
	} else if (cc != CURLE_OK) {
		snprintf(errbuf, n, "cannot reach %s: %s", c->base,
			 cerr[0] ? cerr : curl_easy_strerror(cc));
		r = FP_ENET;
	} else {
		curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, ret_status);
	}
	goto out;
out_nomem:
	snprintf(errbuf, n, "out of memory");
	r = FP_ENOMEM;
out:
	/* The header list must outlive the transfer; drop it from the handle. */
	curl_easy_setopt(e, CURLOPT_HTTPHEADER, NULL);
	curl_slist_free_all(hdr);
	return r;
}

int fp_http_json(struct fp_http_client *c, const char *method,
		 const char *path, const char *bearer, const json_t *req,
		 long *ret_status, json_t **ret_json, char *errbuf, size_t n)
{
	struct fp_buf out;
	char *body = NULL;
	json_t *j = NULL;
	long status = 0;
	int r;

	if (req) {
		body = json_dumps(req, JSON_COMPACT);
		if (!body) {
			snprintf(errbuf, n, "out of memory");
			return FP_ENOMEM;
		}
	}
	fp_buf_init(&out, c->max_response + 1);
	r = fp_http_request(c, method, path, bearer, body,
			    body ? strlen(body) : 0, &status, &out, errbuf, n);
	if (r == 0) {
		if (out.len)
			j = json_loadb(out.data, out.len, 0, NULL);
		*ret_status = status;
		*ret_json = j;
	}
	fp_buf_release(&out);
	free(body); /* jansson allocates with malloc */
	return r;
}

void fp_http_error_text(long status, const json_t *body, char *out, size_t n)
{
	const char *msg = NULL, *path = NULL;

	if (json_is_object(body)) {
		msg = json_string_value(json_object_get(body, "message"));
		path = json_string_value(json_object_get(body, "path"));
		if (!msg)
			msg = json_string_value(json_object_get(body, "error"));
	}
	if (msg && path && *path && !strstr(msg, path))
		snprintf(out, n, "%s (at %s)", msg, path);
	else if (msg)
		snprintf(out, n, "%s", msg);
	else
		snprintf(out, n, "server answered HTTP %ld", status);
}
