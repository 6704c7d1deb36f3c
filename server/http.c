/* SPDX-License-Identifier: MIT */
/*
 * The HTTP side: libmicrohttpd with an internal thread pool (epoll), TLS
 * when a certificate and key are configured.  Per request: route, then
 * authenticate (401/403 before reading any body), then collect the body
 * up to max_body (413 past it), then run the handler and send its JSON.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <microhttpd.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "fleetpatch/alloc.h"
#include "fleetpatch/buf.h"
#include "fleetpatch/util.h"
#include "server.h"

struct conn_state {
	const struct fpd_route *route;
	struct fpd_req req;
	struct fp_buf body;
	bool too_big;
	bool done; /* a response was queued already */
};

const char *fpd_query(struct fpd_req *r, const char *key)
{
	return MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND, key);
}

int fpd_fail(struct fpd_req *r, int err, const char *path, const char *fmt, ...)
{
	va_list ap;

	snprintf(r->jerr.path, sizeof(r->jerr.path), "%s", path ? path : "");
	va_start(ap, fmt);
	vsnprintf(r->jerr.msg, sizeof(r->jerr.msg), fmt, ap);
	va_end(ap);
	return err;
}

int fpd_decode_failed(struct fpd_req *r, int err, const struct fp_jerr *jerr)
{
	r->jerr = *jerr;
	return err;
}

static enum MHD_Result send_json(struct MHD_Connection *c, int status,
				 json_t *j)
{
	char *text = json_dumps(j, JSON_COMPACT);
	struct MHD_Response *resp;
	enum MHD_Result ret;
	size_t len;

	if (!text) {
		static const char oom[] =
			"{\"error\":\"out_of_memory\",\"message\":\"out of memory\"}";
		resp = MHD_create_response_from_buffer(sizeof(oom) - 1, (void *)oom,
						       MHD_RESPMEM_PERSISTENT);
		status = 503;
	} else {
		len = strlen(text);
		resp = MHD_create_response_from_buffer(len, text, MHD_RESPMEM_MUST_FREE);
	}
	if (!resp) {
		free(text);
		return MHD_NO;
	}
	MHD_add_response_header(resp, "Content-Type", "application/json");
	MHD_add_response_header(resp, "Cache-Control", "no-store");
	ret = MHD_queue_response(c, (unsigned)status, resp);
	MHD_destroy_response(resp);
	return ret;
}

static enum MHD_Result send_error(struct MHD_Connection *c, int err,
				  int status, const struct fp_jerr *jerr)
{
	json_t *j = json_object();
	enum MHD_Result ret;

	json_object_set_new(j, "error", json_string(status == 405
						     ? "method_not_allowed"
						     : fp_err_name(err)));
	json_object_set_new(j, "message",
			    json_string(jerr && jerr->msg[0] ? jerr->msg : fp_strerror(err)));
	if (jerr && jerr->path[0])
		json_object_set_new(j, "path", json_string(jerr->path));
	ret = send_json(c, status ? status : fp_err_http_status(err), j);
	json_decref(j);
	return ret;
}

static void remote_addr(struct MHD_Connection *c, char *out, size_t n)
{
	const union MHD_ConnectionInfo *ci =
		MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	const struct sockaddr *sa = ci ? ci->client_addr : NULL;

	snprintf(out, n, "unknown");
	if (!sa)
		return;
	if (sa->sa_family == AF_INET)
		inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr, out,
			  (socklen_t)n);
	else if (sa->sa_family == AF_INET6)
		inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)sa)->sin6_addr,
			  out, (socklen_t)n);
}

static void log_request(struct fpd_req *r, const char *url, int status)
{
	if (status >= 500)
		fpd_err("%s %s -> %d %s", r->method, url, status, r->jerr.msg);
	else
		fpd_debug("%s %s -> %d", r->method, url, status);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c,
				  const char *url, const char *method,
				  const char *version, const char *upload_data,
				  size_t *upload_data_size, void **con_cls)
{
	struct fpd_server *srv = cls;
	struct conn_state *cs = *con_cls;
	enum MHD_Result ret;
	int rc;

	if (!cs) {
		const char *auth, *clen;
		struct fp_jerr jerr = { "", "" };

		cs = fp_calloc(1, sizeof(*cs));
		if (!cs)
			return MHD_NO;
		*con_cls = cs;
		fp_buf_init(&cs->body, srv->cfg.max_body);
		cs->req.srv = srv;
		cs->req.conn = c;
		cs->req.method = method;
		cs->req.now = (int64_t)time(NULL);
		cs->req.status = 200;
		remote_addr(c, cs->req.remote, sizeof(cs->req.remote));

		rc = fpd_route_match(method, url, &cs->route, cs->req.params,
				     &cs->req.n_params);
		if (rc) {
			cs->done = true;
			if (rc == FP_EUNSUPPORTED) {
				snprintf(jerr.msg, sizeof(jerr.msg),
					 "method %s not allowed on %s", method, url);
				return send_error(c, FP_EUNSUPPORTED, 405, &jerr);
			}
			snprintf(jerr.msg, sizeof(jerr.msg), "no such route: %s %s",
				 method, url);
			return send_error(c, FP_ENOENT, 0, &jerr);
		}
		auth = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
						   MHD_HTTP_HEADER_AUTHORIZATION);
		rc = fpd_auth(srv, cs->route, auth, cs->req.now, &cs->req.who, &jerr);
		if (rc) {
			cs->done = true;
			log_request(&cs->req, url, fp_err_http_status(rc));
			return send_error(c, rc, 0, &jerr);
		}
		clen = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
						   MHD_HTTP_HEADER_CONTENT_LENGTH);
		if (clen && strtoull(clen, NULL, 10) > srv->cfg.max_body) {
			cs->done = true;
			snprintf(jerr.msg, sizeof(jerr.msg),
				 "body of %s bytes is over the limit of %zu",
				 clen, srv->cfg.max_body);
			return send_error(c, FP_ETOOBIG, 0, &jerr);
		}
		return MHD_YES;
	}
	if (cs->done) {
		*upload_data_size = 0; /* discard the rest of the body */
		return MHD_YES;
	}
	if (*upload_data_size) {
		if (!cs->too_big &&
		    fp_buf_add(&cs->body, upload_data, *upload_data_size))
			cs->too_big = true;
		*upload_data_size = 0;
		return MHD_YES;
	}
	/* the whole body is here */
	cs->done = true;
	if (cs->too_big) {
		struct fp_jerr jerr = { "", "" };
		snprintf(jerr.msg, sizeof(jerr.msg), "body over the limit of %zu bytes",
			 srv->cfg.max_body);
		return send_error(c, FP_ETOOBIG, 0, &jerr);
	}
	cs->req.body = cs->body.data;
	cs->req.body_len = cs->body.len;
	rc = cs->route->fn(&cs->req);
	if (rc) {
		log_request(&cs->req, url, fp_err_http_status(rc));
		return send_error(c, rc, 0, &cs->req.jerr);
	}
	log_request(&cs->req, url, cs->req.status);
	ret = send_json(c, cs->req.status, cs->req.resp ? cs->req.resp : json_object());
	(void)version;
	return ret;
}

static void on_completed(void *cls, struct MHD_Connection *c, void **con_cls,
			 enum MHD_RequestTerminationCode toe)
{
	struct conn_state *cs = *con_cls;

	if (!cs)
		return;
	for (unsigned i = 0; i < cs->req.n_params; i++)
		fp_free(cs->req.params[i]);
	json_decref(cs->req.resp);
	fp_buf_release(&cs->body);
	fp_free(cs);
	*con_cls = NULL;
}

static void mhd_log(void *cls, const char *fmt, va_list ap)
{
	char msg[512];
	size_t n;

	vsnprintf(msg, sizeof(msg), fmt, ap);
	n = strlen(msg);
	while (n && (msg[n - 1] == '\n' || msg[n - 1] == '\r'))
		msg[--n] = '\0';
	fpd_warn("http: %s", msg);
}

/* Bind HOST:PORT ourselves (IPv4 or IPv6, SO_REUSEADDR); port 0 picks one. */
static int listen_socket(const char *spec, int *ret_fd, int *ret_port)
{
	char host[256];
	const char *colon = strrchr(spec, ':');
	struct addrinfo hints = { 0 }, *ai = NULL;
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	int fd = -1, one = 1, gai;
	size_t hl;

	if (!colon || colon == spec)
		return FP_EINVAL;
	hl = (size_t)(colon - spec);
	if (spec[0] == '[' && hl >= 2 && spec[hl - 1] == ']') {
		spec++;
		hl -= 2;
	}
	if (hl >= sizeof(host))
		return FP_EINVAL;
	memcpy(host, spec, hl);
	host[hl] = '\0';
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
	if ((gai = getaddrinfo(host, colon + 1, &hints, &ai)) != 0) {
		fpd_err("listen %s: %s", spec, gai_strerror(gai));
		return FP_EINVAL;
	}
	fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    bind(fd, ai->ai_addr, ai->ai_addrlen) || listen(fd, 4096) ||
	    getsockname(fd, (struct sockaddr *)&ss, &sl)) {
		fpd_err("listen %s: %s", spec, strerror(errno));
		if (fd >= 0)
			close(fd);
		freeaddrinfo(ai);
		return FP_EIO;
	}
	freeaddrinfo(ai);
	*ret_port = ntohs(ss.ss_family == AF_INET6
				  ? ((struct sockaddr_in6 *)&ss)->sin6_port
				  : ((struct sockaddr_in *)&ss)->sin_port);
	*ret_fd = fd;
	return 0;
}

int fpd_http_start(struct fpd_server *srv, const char *ready_file)
{
	static struct fp_buf cert, key; /* must outlive the daemon */
	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL |
			 MHD_USE_ERROR_LOG;
	struct MHD_OptionItem opts[12];
	unsigned n = 0;
	int fd, rc;

	if ((rc = listen_socket(srv->cfg.listen, &fd, &srv->port)))
		return rc;
	opts[n++] = (struct MHD_OptionItem){ MHD_OPTION_EXTERNAL_LOGGER,
					     (intptr_t)mhd_log, NULL };
	opts[n++] = (struct MHD_OptionItem){ MHD_OPTION_LISTEN_SOCKET, fd, NULL };
	opts[n++] = (struct MHD_OptionItem){ MHD_OPTION_THREAD_POOL_SIZE,
					     (intptr_t)srv->cfg.threads, NULL };
	opts[n++] = (struct MHD_OptionItem){ MHD_OPTION_CONNECTION_LIMIT,
					     (intptr_t)srv->cfg.max_connections, NULL };
	opts[n++] = (struct MHD_OptionItem){ MHD_OPTION_CONNECTION_TIMEOUT, 120, NULL };
	opts[n++] = (struct MHD_OptionItem){ MHD_OPTION_NOTIFY_COMPLETED,
					     (intptr_t)on_completed, NULL };
	if (srv->cfg.tls_cert[0]) {
		fp_buf_init(&cert, 1 << 20);
		fp_buf_init(&key, 1 << 20);
		if ((rc = fp_read_file(srv->cfg.tls_cert, &cert)) ||
		    (rc = fp_read_file(srv->cfg.tls_key, &key))) {
			fpd_err("cannot read the TLS certificate or key (%s, %s): %s",
				srv->cfg.tls_cert, srv->cfg.tls_key, fp_strerror(rc));
			close(fd);
			return rc;
		}
		flags |= MHD_USE_TLS;
		opts[n++] = (struct MHD_OptionItem){ MHD_OPTION_HTTPS_MEM_CERT, 0, cert.data };
		opts[n++] = (struct MHD_OptionItem){ MHD_OPTION_HTTPS_MEM_KEY, 0, key.data };
	}
	opts[n++] = (struct MHD_OptionItem){ MHD_OPTION_END, 0, NULL };

	srv->mhd = MHD_start_daemon(flags, 0, NULL, NULL, on_request, srv,
				    MHD_OPTION_ARRAY, opts, MHD_OPTION_END);
	if (!srv->mhd) {
		fpd_err("cannot start the HTTP server on %s", srv->cfg.listen);
		close(fd);
		return FP_EIO;
	}
	fpd_info("listening on %s (port %d, %s, %u threads), data in %s",
		 srv->cfg.listen, srv->port, srv->cfg.tls_cert[0] ? "https" : "http",
		 srv->cfg.threads, srv->cfg.data_dir);
	if (ready_file) {
		char line[32];
		int len = snprintf(line, sizeof(line), "%d\n", srv->port);
		if ((rc = fp_write_file_atomic(ready_file, line, (size_t)len, 0644)))
			fpd_warn("cannot write %s: %s", ready_file, fp_strerror(rc));
	}
	return 0;
}

void fpd_http_stop(struct fpd_server *srv)
{
	if (srv->mhd)
		MHD_stop_daemon(srv->mhd);
	srv->mhd = NULL;
}
