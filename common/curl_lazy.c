/* SPDX-License-Identifier: MIT */
/*
 * libcurl, loaded on first use.  Linked normally, libcurl brings some
 * thirty libraries (TLS, Kerberos, LDAP, ...) into every start of the
 * agent: about 6 ms and 6 MiB of RSS in `fleetpatch-agent inventory`,
 * which never talks to a server.  These definitions of the few curl
 * functions fleetpatch uses dlopen() libcurl.so.4 the first time one is
 * called and forward to it; the ABI is libcurl's own (same header).
 * Without libcurl, curl_global_init() fails with CURLE_FAILED_INIT and
 * curl_easy_init() returns NULL, which the callers already report.
 */
#define CURL_DISABLE_TYPECHECK 1
#include <curl/curl.h>
#include <dlfcn.h>
#include <pthread.h>
#include <stdarg.h>
#include <stddef.h>

#define CURL_SONAME "libcurl.so.4"

static void *lib;
static pthread_once_t once = PTHREAD_ONCE_INIT;

static void load(void)
{
	lib = dlopen(CURL_SONAME, RTLD_NOW | RTLD_LOCAL);
}

static void *sym(const char *name)
{
	pthread_once(&once, load);
	return lib ? dlsym(lib, name) : NULL;
}

/* Resolve 'name' once into a static pointer of the function's type. */
#define RESOLVE(var, name)                                                    \
	static __typeof__(&name) var;                                         \
	if (!var)                                                             \
		*(void **)&var = sym(#name)

CURLcode curl_global_init(long flags)
{
	RESOLVE(f, curl_global_init);
	return f ? f(flags) : CURLE_FAILED_INIT;
}

CURL *curl_easy_init(void)
{
	RESOLVE(f, curl_easy_init);
	return f ? f() : NULL;
}

void curl_easy_cleanup(CURL *curl)
{
	RESOLVE(f, curl_easy_cleanup);
	if (f)
		f(curl);
}

void curl_easy_reset(CURL *curl)
{
	RESOLVE(f, curl_easy_reset);
	if (f)
		f(curl);
}

CURLcode curl_easy_perform(CURL *curl)
{
	RESOLVE(f, curl_easy_perform);
	return f ? f(curl) : CURLE_FAILED_INIT;
}

const char *curl_easy_strerror(CURLcode code)
{
	RESOLVE(f, curl_easy_strerror);
	return f ? f(code) : "libcurl (" CURL_SONAME ") cannot be loaded";
}

struct curl_slist *curl_slist_append(struct curl_slist *list, const char *s)
{
	RESOLVE(f, curl_slist_append);
	return f ? f(list, s) : NULL;
}

void curl_slist_free_all(struct curl_slist *list)
{
	RESOLVE(f, curl_slist_free_all);
	if (f)
		f(list);
}

/* Every option takes exactly one argument whose type its number says. */
CURLcode curl_easy_setopt(CURL *curl, CURLoption option, ...)
{
	RESOLVE(f, curl_easy_setopt);
	CURLcode r;
	va_list ap;

	if (!f)
		return CURLE_FAILED_INIT;
	va_start(ap, option);
	if (option < CURLOPTTYPE_OBJECTPOINT)
		r = f(curl, option, va_arg(ap, long));
	else if (option < CURLOPTTYPE_OFF_T)
		r = f(curl, option, va_arg(ap, void *)); /* object or function */
	else if (option < CURLOPTTYPE_BLOB)
		r = f(curl, option, va_arg(ap, curl_off_t));
	else
		r = f(curl, option, va_arg(ap, void *));
	va_end(ap);
	return r;
}

/* Every CURLINFO takes one pointer. */
CURLcode curl_easy_getinfo(CURL *curl, CURLINFO info, ...)
{
	RESOLVE(f, curl_easy_getinfo);
	CURLcode r;
	va_list ap;

	if (!f)
		return CURLE_FAILED_INIT;
	va_start(ap, info);
	r = f(curl, info, va_arg(ap, void *));
	va_end(ap);
	return r;
}
