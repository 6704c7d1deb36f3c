/* SPDX-License-Identifier: MIT */
/*
 * fleetpatchd: the fleetpatch server.
 *
 *   fleetpatchd [--config FILE] [--data DIR] [--listen HOST:PORT]
 *               [--tls-cert F --tls-key F] [--log-level L] [--ready-file F]
 *   fleetpatchd --data DIR init
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "fleetpatch/util.h"
#include "scheduler.h"
#include "server.h"

static void usage(FILE *f)
{
	fprintf(f,
		"usage: fleetpatchd [--config FILE] [--data DIR] [--listen HOST:PORT]\n"
		"                   [--tls-cert FILE --tls-key FILE] [--log-level LEVEL]\n"
		"                   [--ready-file FILE]\n"
		"       fleetpatchd --data DIR init\n"
		"\n"
		"Serves the fleetpatch API.  'init' creates the data directory, the\n"
		"database, the signing key and the admin user, and prints the admin's\n"
		"API token.  Configuration: %s (flags override it).\n",
		FPD_DEFAULT_CONFIG);
}

static bool file_exists(const char *dir, const char *name)
{
	char p[4200];
	struct stat st;

	return !fp_path_join(p, sizeof(p), dir, name) && stat(p, &st) == 0;
}

static int cmd_init(struct fpd_config *cfg)
{
	struct fp_store_opts so = { .data_dir = cfg->data_dir, .create = true,
				    .readers = 1 };
	struct fp_store *st = NULL;
	struct fp_sign_key key;
	char path[4200], token[64], hash[65], err[512] = "";
	int64_t uid = 0, now = (int64_t)time(NULL);
	int rc;

	if (file_exists(cfg->data_dir, "fleetpatch.db") ||
	    file_exists(cfg->data_dir, "signing.key")) {
		fprintf(stderr,
			"fleetpatchd: %s is already initialised (fleetpatch.db or signing.key exists); refusing to overwrite it\n",
			cfg->data_dir);
		return 1;
	}
	if ((rc = fp_mkdir_p(cfg->data_dir, 0700)) || chmod(cfg->data_dir, 0700)) {
		fprintf(stderr, "fleetpatchd: cannot create %s: %s\n",
			cfg->data_dir, rc ? fp_strerror(rc) : strerror(errno));
		return 1;
	}
	if ((rc = fp_sign_keygen(&key)) ||
	    (rc = fp_path_join(path, sizeof(path), cfg->data_dir, "signing.key")) ||
	    (rc = fp_sign_key_save(&key, path))) {
		fprintf(stderr, "fleetpatchd: cannot create the signing key: %s\n",
			fp_strerror(rc));
		return 1;
	}
	if ((rc = fp_store_sqlite_open(&so, &st, err, sizeof(err)))) {
		fprintf(stderr, "fleetpatchd: cannot create the database: %s\n", err);
		return 1;
	}
	if ((rc = st->ops->user_create(st, "admin", FP_ROLE_ADMIN, NULL, now, &uid)) ||
	    (rc = fp_token_generate(32, token, sizeof(token))))
		goto fail;
	fp_token_hash(token, hash);
	if ((rc = st->ops->token_create(st, uid, "init", hash, now, 0, NULL)))
		goto fail;
	{
		struct fp_audit a = { "admin", "init", "server", "data directory created", "local" };
		st->ops->audit_add(st, &a, now);
	}
	fp_store_close(st);
	fprintf(stderr,
		"fleetpatchd: initialised %s; the admin API token follows (shown only once)\n",
		cfg->data_dir);
	printf("%s\n", token);
	return 0;
fail:
	fprintf(stderr, "fleetpatchd: cannot create the admin user: %s\n",
		fp_strerror(rc));
	fp_store_close(st);
	return 1;
}

static int run(struct fpd_server *srv, const char *ready_file)
{
	struct fp_store_opts so = { .data_dir = srv->cfg.data_dir,
				    .readers = srv->cfg.readers,
				    .batch_max = srv->cfg.batch_max };
	char path[4200], err[512] = "";
	sigset_t set;
	int rc, sig = 0;

	if ((rc = fp_path_join(path, sizeof(path), srv->cfg.data_dir, "signing.key")) ||
	    (rc = fp_sign_key_load(path, &srv->key))) {
		fpd_err("cannot load the signing key %s: %s (run 'fleetpatchd --data %s init' first)",
			path, fp_strerror(rc), srv->cfg.data_dir);
		return 1;
	}
	fp_sign_public_b64(&srv->key, srv->pubkey_b64);
	if ((rc = fp_store_sqlite_open(&so, &srv->store, err, sizeof(err)))) {
		fpd_err("cannot open the database: %s", err);
		return 1;
	}
	if ((rc = fpd_settings_load(srv))) {
		fpd_err("cannot load settings: %s", fp_strerror(rc));
		goto out_close;
	}
	if ((rc = fpd_sched_start(srv)) || (rc = fpd_maint_start(srv)))
		goto out_close;
	/* one descriptor per agent connection: allow as many as the hard limit */
	{
		struct rlimit rl;
		if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
			rl.rlim_cur = rl.rlim_max;
			setrlimit(RLIMIT_NOFILE, &rl);
		}
		if (getrlimit(RLIMIT_NOFILE, &rl) == 0 &&
		    rl.rlim_cur < (rlim_t)srv->cfg.max_connections + 64)
			fpd_warn("open file limit %llu is below max_connections %u",
				 (unsigned long long)rl.rlim_cur,
				 srv->cfg.max_connections);
	}
	/* block the signals in every thread; the main thread waits for them */
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);
	if ((rc = fpd_http_start(srv, ready_file)))
		goto out_close;
	sigwait(&set, &sig);
	fpd_info("signal %d: shutting down", sig);
	fpd_http_stop(srv);
out_close:
	fpd_maint_stop(srv);
	fpd_sched_stop(srv);
	fp_store_close(srv->store);
	return rc ? 1 : 0;
}

int main(int argc, char **argv)
{
	static struct fpd_server srv;
	const char *config = NULL, *ready_file = NULL;
	const char *data = NULL, *listen_ = NULL, *cert = NULL, *key = NULL,
		   *level = NULL;
	bool init = false;
	char err[1024];

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char **dst = NULL;

		if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
			usage(stdout);
			return 0;
		} else if (!strcmp(a, "--version")) {
			printf("fleetpatchd %s\n", FPD_VERSION);
			return 0;
		} else if (!strcmp(a, "--config")) {
			dst = &config;
		} else if (!strcmp(a, "--data")) {
			dst = &data;
		} else if (!strcmp(a, "--listen")) {
			dst = &listen_;
		} else if (!strcmp(a, "--tls-cert")) {
			dst = &cert;
		} else if (!strcmp(a, "--tls-key")) {
			dst = &key;
		} else if (!strcmp(a, "--log-level")) {
			dst = &level;
		} else if (!strcmp(a, "--ready-file")) {
			dst = &ready_file;
		} else if (!strcmp(a, "init")) {
			init = true;
			continue;
		} else {
			fprintf(stderr, "fleetpatchd: unknown argument '%s'\n", a);
			usage(stderr);
			return 2;
		}
		if (++i >= argc) {
			fprintf(stderr, "fleetpatchd: %s needs a value\n", a);
			return 2;
		}
		*dst = argv[i];
	}

	fpd_config_defaults(&srv.cfg);
	if (fpd_config_load(&srv.cfg, config ? config : FPD_DEFAULT_CONFIG,
			    config != NULL, err, sizeof(err))) {
		fprintf(stderr, "fleetpatchd: %s\n", err);
		return 2;
	}
	if (data)
		snprintf(srv.cfg.data_dir, sizeof(srv.cfg.data_dir), "%s", data);
	if (listen_)
		snprintf(srv.cfg.listen, sizeof(srv.cfg.listen), "%s", listen_);
	if (cert)
		snprintf(srv.cfg.tls_cert, sizeof(srv.cfg.tls_cert), "%s", cert);
	if (key)
		snprintf(srv.cfg.tls_key, sizeof(srv.cfg.tls_key), "%s", key);
	if (level && fpd_log_parse_level(level, &srv.cfg.log_level)) {
		fprintf(stderr, "fleetpatchd: --log-level: use error, warning, info or debug\n");
		return 2;
	}
	if (!srv.cfg.tls_cert[0] != !srv.cfg.tls_key[0]) {
		fprintf(stderr, "fleetpatchd: --tls-cert and --tls-key go together\n");
		return 2;
	}
	fpd_log_set_level(srv.cfg.log_level);
	if (fp_sign_global_init()) {
		fprintf(stderr, "fleetpatchd: cannot initialise libsodium\n");
		return 1;
	}
	if (init)
		return cmd_init(&srv.cfg);
	return run(&srv, ready_file);
}
