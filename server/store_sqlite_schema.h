/* SPDX-License-Identifier: MIT */
#ifndef FLEETPATCHD_STORE_SQLITE_SCHEMA_H
#define FLEETPATCHD_STORE_SQLITE_SCHEMA_H

/*
 * Versioned schema migrations, applied in order at start; the number of
 * the last one applied is in schema_version.  Never edit a migration that
 * has shipped: append a new one.
 *
 * Storage model (docs/server.md): a package (ecosystem, name, arch,
 * version, source, source_version) is one row; a host's package set is a
 * row of pkgsets keyed by its content hash (the agent's inventory hash)
 * and shared by every host with the same set; pending updates likewise
 * (updsets).  A hosts row is small: identity, references, counters.
 * History is a stream of change events referencing package rows.
 */
static const char *const sq_migrations[] = {
	/* 1: the asset inventory */
	"CREATE TABLE users("
	" id INTEGER PRIMARY KEY,"
	" name TEXT NOT NULL UNIQUE,"
	" role TEXT NOT NULL CHECK(role IN ('viewer','operator','admin')),"
	" password_hash TEXT,"
	" created_at INTEGER NOT NULL);"
	"CREATE TABLE api_tokens("
	" id INTEGER PRIMARY KEY,"
	" user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,"
	" name TEXT NOT NULL,"
	" token_hash TEXT NOT NULL UNIQUE,"
	" created_at INTEGER NOT NULL,"
	" expires_at INTEGER,"
	" last_used_at INTEGER,"
	" revoked INTEGER NOT NULL DEFAULT 0);"
	"CREATE INDEX api_tokens_user ON api_tokens(user_id);"
	"CREATE TABLE groups("
	" id INTEGER PRIMARY KEY,"
	" name TEXT NOT NULL UNIQUE,"
	" kind TEXT NOT NULL CHECK(kind IN ('static','dynamic')),"
	" rule_key TEXT CHECK(rule_key IN ('os','tag','hostname')),"
	" rule_value TEXT,"
	" created_at INTEGER NOT NULL);"
	"CREATE TABLE enroll_secrets("
	" id INTEGER PRIMARY KEY,"
	" secret_hash TEXT NOT NULL UNIQUE,"
	" group_id INTEGER REFERENCES groups(id) ON DELETE SET NULL,"
	" created_at INTEGER NOT NULL,"
	" expires_at INTEGER,"
	" revoked INTEGER NOT NULL DEFAULT 0,"
	" uses INTEGER NOT NULL DEFAULT 0);"
	"CREATE TABLE packages("
	" id INTEGER PRIMARY KEY,"
	" eco INTEGER NOT NULL,"
	" name TEXT NOT NULL,"
	" arch TEXT NOT NULL,"
	" version TEXT NOT NULL,"
	" source TEXT NOT NULL,"
	" source_version TEXT NOT NULL,"
	" UNIQUE(eco, name, arch, version, source, source_version));"
	"CREATE TABLE pkgsets("
	" id INTEGER PRIMARY KEY,"
	" hash TEXT NOT NULL UNIQUE,"
	" n INTEGER NOT NULL);"
	"CREATE TABLE pkgset_items("
	" set_id INTEGER NOT NULL REFERENCES pkgsets(id) ON DELETE CASCADE,"
	" package_id INTEGER NOT NULL REFERENCES packages(id),"
	" PRIMARY KEY(set_id, package_id)) WITHOUT ROWID;"
	"CREATE TABLE updates("
	" id INTEGER PRIMARY KEY,"
	" name TEXT NOT NULL,"
	" arch TEXT NOT NULL,"
	" installed_version TEXT NOT NULL,"
	" candidate_version TEXT NOT NULL,"
	" origin TEXT NOT NULL,"
	" security INTEGER NOT NULL,"
	" UNIQUE(name, arch, installed_version, candidate_version, origin, security));"
	"CREATE TABLE updsets("
	" id INTEGER PRIMARY KEY,"
	" hash TEXT NOT NULL UNIQUE,"
	" n INTEGER NOT NULL,"
	" n_security INTEGER NOT NULL);"
	"CREATE TABLE updset_items("
	" set_id INTEGER NOT NULL REFERENCES updsets(id) ON DELETE CASCADE,"
	" update_id INTEGER NOT NULL REFERENCES updates(id),"
	" PRIMARY KEY(set_id, update_id)) WITHOUT ROWID;"
	"CREATE TABLE hosts("
	" id INTEGER PRIMARY KEY,"
	" machine_id TEXT NOT NULL UNIQUE,"
	" hostname TEXT NOT NULL,"
	" fqdn TEXT,"
	" os_id TEXT, os_version TEXT, os_name TEXT, kernel TEXT, arch TEXT,"
	" cred_hash TEXT UNIQUE,"
	" pkgset_id INTEGER REFERENCES pkgsets(id),"
	" updset_id INTEGER REFERENCES updsets(id),"
	" last_seq INTEGER NOT NULL DEFAULT 0,"
	" last_seen INTEGER,"
	" enrolled_at INTEGER NOT NULL,"
	" reboot_required INTEGER NOT NULL DEFAULT 0,"
	" uptime INTEGER, metadata_age INTEGER, package_manager TEXT,"
	" updates_checked INTEGER NOT NULL DEFAULT 0,"
	" details_hash TEXT, state_hash TEXT);"
	"CREATE INDEX hosts_hostname ON hosts(hostname);"
	"CREATE INDEX hosts_last_seen ON hosts(last_seen);"
	"CREATE INDEX hosts_pkgset ON hosts(pkgset_id);"
	"CREATE INDEX hosts_updset ON hosts(updset_id);"
	"CREATE TABLE host_details("
	" host_id INTEGER PRIMARY KEY REFERENCES hosts(id) ON DELETE CASCADE,"
	" details TEXT NOT NULL DEFAULT '{}',"
	" state TEXT NOT NULL DEFAULT '{}');"
	"CREATE TABLE events("
	" id INTEGER PRIMARY KEY,"
	" host_id INTEGER NOT NULL REFERENCES hosts(id) ON DELETE CASCADE,"
	" time INTEGER NOT NULL,"
	" kind INTEGER NOT NULL,"
	" old_pkg INTEGER REFERENCES packages(id),"
	" new_pkg INTEGER REFERENCES packages(id));"
	"CREATE INDEX events_host ON events(host_id, id);"
	"CREATE TABLE group_members("
	" group_id INTEGER NOT NULL REFERENCES groups(id) ON DELETE CASCADE,"
	" host_id INTEGER NOT NULL REFERENCES hosts(id) ON DELETE CASCADE,"
	" PRIMARY KEY(group_id, host_id)) WITHOUT ROWID;"
	"CREATE INDEX group_members_host ON group_members(host_id);"
	"CREATE TABLE tags("
	" id INTEGER PRIMARY KEY,"
	" name TEXT NOT NULL UNIQUE);"
	"CREATE TABLE host_tags("
	" host_id INTEGER NOT NULL REFERENCES hosts(id) ON DELETE CASCADE,"
	" tag_id INTEGER NOT NULL REFERENCES tags(id) ON DELETE CASCADE,"
	" PRIMARY KEY(host_id, tag_id)) WITHOUT ROWID;"
	"CREATE INDEX host_tags_tag ON host_tags(tag_id);"
	"CREATE TABLE audit("
	" id INTEGER PRIMARY KEY,"
	" time INTEGER NOT NULL,"
	" user TEXT, action TEXT NOT NULL, target TEXT, detail TEXT,"
	" remote_addr TEXT);"
	"CREATE TABLE settings("
	" key TEXT PRIMARY KEY,"
	" value TEXT NOT NULL) WITHOUT ROWID;",
	/* 2: staged rollout (issue 4): rings, windows, policies as JSON;
	 * deployments as a JSON body plus one row per host */
	"CREATE TABLE rollout_objects("
	" kind TEXT NOT NULL CHECK(kind IN ('ring','window','policy')),"
	" name TEXT NOT NULL,"
	" body TEXT NOT NULL,"
	" PRIMARY KEY(kind, name)) WITHOUT ROWID;"
	"CREATE TABLE deployments("
	" id INTEGER PRIMARY KEY,"
	" state TEXT NOT NULL,"
	" body TEXT,"
	" created_at INTEGER NOT NULL);"
	"CREATE TABLE deployment_hosts("
	" deployment_id INTEGER NOT NULL REFERENCES deployments(id) ON DELETE CASCADE,"
	" host_id INTEGER NOT NULL,"
	" ring INTEGER NOT NULL,"
	" state INTEGER NOT NULL,"
	" job_id INTEGER NOT NULL,"
	" attempts INTEGER NOT NULL,"
	" updated_at INTEGER NOT NULL,"
	" PRIMARY KEY(deployment_id, host_id)) WITHOUT ROWID;",

	/* 3: snap and flatpak packages (inventory "kind"); NULL for native */
	"ALTER TABLE packages ADD COLUMN kind TEXT;",

	/*
	 * 4: every check-in moves last_seen; an index on it cost a b-tree
	 * delete and insert per check-in and served no query (staleness is
	 * computed with coalesce(), a scan of the small hosts rows).
	 */
	"DROP INDEX hosts_last_seen;",

	/*
	 * 5: jobs issued to hosts (install and rollback): the signed
	 * envelope exactly as handed out, so a restart hands out the same
	 * bytes again, and the host's result (without log tails) once
	 * reported.  Job ids carry their deployment (id << 32 | n).
	 */
	"CREATE TABLE deployment_jobs("
	" job_id INTEGER PRIMARY KEY,"
	" deployment_id INTEGER NOT NULL REFERENCES deployments(id) ON DELETE CASCADE,"
	" host_id INTEGER NOT NULL,"
	" action TEXT NOT NULL,"
	" envelope TEXT NOT NULL,"
	" issued_at INTEGER NOT NULL,"
	" expires_at INTEGER NOT NULL,"
	" status TEXT,"
	" result TEXT,"
	" reported_at INTEGER);"
	"CREATE INDEX deployment_jobs_dep ON deployment_jobs(deployment_id, host_id);",
	/*
	 * 6: job reports in a table of their own.  Written into the job's
	 * row they grew it in place, at random places in the table: B-tree
	 * splits that swap page numbers, each through a temporary page
	 * number past 1 GiB, after which SQLite's commit walks the writer's
	 * whole page cache (pcache1 truncation).  Reports arrive in about
	 * job id order, so this table mostly appends.  The old columns stay
	 * (NULL): SQLite cannot drop a column of an indexed table cheaply.
	 */
	"CREATE TABLE job_reports("
	" job_id INTEGER PRIMARY KEY,"
	" status TEXT NOT NULL,"
	" result TEXT,"
	" reported_at INTEGER NOT NULL);"
	"INSERT INTO job_reports SELECT job_id, status, result, reported_at"
	" FROM deployment_jobs WHERE status IS NOT NULL;"
	"UPDATE deployment_jobs SET status = NULL, result = NULL,"
	" reported_at = NULL WHERE status IS NOT NULL;",
	/*
	 * 7: imported vulnerability feeds (docs/vuln.md): one row per feed
	 * name with the body exactly as imported, replaced whole by a
	 * re-import in one statement, so an import applies whole or not at
	 * all.  Advisories are parsed and matched on demand.
	 */
	"CREATE TABLE feeds("
	" id INTEGER PRIMARY KEY,"
	" name TEXT NOT NULL UNIQUE,"
	" kind TEXT NOT NULL CHECK(kind IN ('osv','debian','dsa','kev','epss')),"
	" imported_at INTEGER NOT NULL,"
	" records INTEGER NOT NULL,"
	" body BLOB NOT NULL);",
};

#endif
