/*
 * platform-main.c: outpost-platform's options, the init command that
 * makes a ready platform directory (with its first admin), daemonizing
 * with a pid file, the signals (SIGHUP reload, SIGTERM/SIGINT shutdown)
 * and the maintenance timer through libevent. The user command is
 * user-command.c's.
 */
#include "config.h"

#include <sys/file.h>
#include <sys/stat.h>
#include <sys/types.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#include <openssl/evp.h>
#include <openssl/ssl.h>

#include "api-admin.h"
#include "api.h"
#include "compat.h"
#include "conn-limits.h"
#include "console.h"
#include "daemonize.h"
#include "feed-fetch.h"
#include "feed-import.h"
#include "log.h"
#include "pki.h"
#include "platform-conf.h"
#include "platform.h"
#include "release-command.h"
#include "sdnotify.h"
#include "server.h"
#include "store.h"
#include "user-command.h"
#include "users.h"

#define PLATFORM_MAX_NAMES	32
#define PLATFORM_MAINTAIN_SECS	60	/* sessions, audit retention */
#define PLATFORM_FIRST_ADMIN	"admin"

/* The running daemon. */
struct platform {
	struct platform_conf	 conf;
	char			*conf_path;
	struct event_base	*base;
	struct server		*server;
	struct api		 api;
	struct log_file		*log;
	struct event		*ev_term;
	struct event		*ev_int;
	struct event		*ev_hup;
	struct event		*ev_maintain;
	struct feed_fetch	*feeds;
	int			 pid_fd;
};

/* Print usage and exit 1. */
static void __attribute__((noreturn))
platform_usage(void)
{
	fprintf(stderr,
	    "usage: outpost-platform [-dfn] -c platform.conf\n"
	    "       outpost-platform init DIR [--listen ADDR:PORT] "
	    "[--name DNSNAME]...\n"
	    "       outpost-platform user add|list|passwd|del ... "
	    "(outpost-platform user -h)\n"
	    "       outpost-platform release add|list|del ... "
	    "(outpost-platform release -h)\n"
	    "       outpost-platform vulnsigs import -c platform.conf "
	    "--format debian-tracker|osv [--name FEED] FILE...\n");
	exit(1);
}

/* Whether dir exists and holds any entry. Returns 1/0. */
static int
platform_dir_used(const char *dir)
{
	struct dirent	*de;
	DIR		*d;
	int		 used = 0;

	if ((d = opendir(dir)) == NULL)
		return errno != ENOENT;
	while ((de = readdir(d)) != NULL)
		if (strcmp(de->d_name, ".") != 0 &&
		    strcmp(de->d_name, "..") != 0) {
			used = 1;
			break;
		}
	closedir(d);
	return used;
}

/* mkdir -p path with mode. Returns 0, or -1. */
static int
platform_mkdirs(const char *path, mode_t mode)
{
	char	 buf[PATH_MAX], *p;

	if (strlcpy(buf, path, sizeof(buf)) >= sizeof(buf)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	for (p = buf + 1; *p != '\0'; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, 0755) == -1 && errno != EEXIST)
			return -1;
		*p = '/';
	}
	if (mkdir(buf, mode) == -1 && errno != EEXIST)
		return -1;
	return 0;
}

/* Write text to dir/name with mode, never over a file. Returns 0, -1. */
static int
platform_write_file(const char *dir, const char *name, mode_t mode,
    const char *text)
{
	char	 path[PATH_MAX + 64];
	FILE	*fp;
	int	 fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if ((fd = open(path, O_WRONLY | O_CREAT | O_EXCL, mode)) == -1) {
		log_warn("%s", path);
		return -1;
	}
	if (fchmod(fd, mode) == -1 || (fp = fdopen(fd, "w")) == NULL) {
		log_warn("%s", path);
		close(fd);
		return -1;
	}
	fputs(text, fp);
	if (fflush(fp) == EOF || fsync(fileno(fp)) == -1) {
		log_warn("%s", path);
		fclose(fp);
		return -1;
	}
	if (fclose(fp) == EOF) {
		log_warn("%s", path);
		return -1;
	}
	return 0;
}

/*
 * Make the first admin with a random password, written to
 * dir/admin.password (mode 0600). Returns 0, or -1 (logged).
 */
static int
platform_init_admin(struct store *store, const char *dir)
{
	char	 pw[25], hash[USERS_HASH_MAX], line[32];
	int	 rc = -1;

	if (pki_random_hex(pw, 12) == -1 ||
	    users_password_hash(pw, USERS_SCRYPT_N, hash, sizeof(hash)) == -1)
		log_warnx("cannot make the first admin's password");
	else if (store_user_add(store, PLATFORM_FIRST_ADMIN, "admin", hash,
	    (int64_t)time(NULL), NULL) == 0) {
		snprintf(line, sizeof(line), "%s\n", pw);
		rc = platform_write_file(dir, "admin.password", 0600, line);
		explicit_bzero(line, sizeof(line));
	}
	explicit_bzero(pw, sizeof(pw));
	return rc;
}

/* lchown everything below dir to uid:gid. Returns 0, or -1 after logging. */
static int
platform_chown_below(const char *dir, uid_t uid, gid_t gid)
{
	struct dirent	*de;
	struct stat	 st;
	DIR		*d;
	char		 path[PATH_MAX];
	int		 rc = 0;

	if ((d = opendir(dir)) == NULL) {
		log_warn("%s", dir);
		return -1;
	}
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		if (lchown(path, uid, gid) == -1 || lstat(path, &st) == -1) {
			log_warn("chown %s", path);
			rc = -1;
		} else if (S_ISDIR(st.st_mode) &&
		    platform_chown_below(path, uid, gid) == -1)
			rc = -1;
	}
	closedir(d);
	return rc;
}

/*
 * init run by root in a directory that belongs to another user (the
 * service account the packages make, which runs the platform): give that
 * user what init made there, or the platform could not read its own keys.
 * Returns 0, or -1 after logging.
 */
static int
platform_give_to_owner(const char *dir)
{
	struct stat	 st;

	if (geteuid() != 0 || stat(dir, &st) == -1 || st.st_uid == 0)
		return 0;
	if (platform_chown_below(dir, st.st_uid, st.st_gid) == -1)
		return -1;
	printf("owner: uid %u gid %u (the directory's)\n",
	    (unsigned int)st.st_uid, (unsigned int)st.st_gid);
	return 0;
}

/* Create and fill the database of a new platform. Returns 0, or -1. */
static int
platform_init_store(const char *dir, char *customer_id, char *activation_id)
{
	struct api		 api;
	char			 path[PATH_MAX + 32], err[PLATFORM_ERRLEN];
	int			 rc = -1;

	memset(&api, 0, sizeof(api));
	snprintf(path, sizeof(path), "%s/manifest.key", dir);
	if ((api.signer = pki_signer_load(path, err, sizeof(err))) == NULL) {
		log_warnx("%s", err);
		return -1;
	}
	snprintf(path, sizeof(path), "%s/platform.db", dir);
	if ((api.store = store_open(path, err, sizeof(err))) == NULL) {
		log_warnx("%s", err);
		EVP_PKEY_free(api.signer);
		return -1;
	}
	if (store_begin(api.store) == -1 ||
	    api_admin_seed(&api, customer_id, activation_id) == -1 ||
	    platform_init_admin(api.store, dir) == -1 ||
	    store_commit(api.store) == -1)
		goto done;
	rc = 0;
done:
	if (rc == -1 && store_in_transaction(api.store))
		store_rollback(api.store);
	store_close(api.store);
	EVP_PKEY_free(api.signer);
	return rc;
}

/*
 * The URL a browser on this host reaches the platform at: https:// and
 * the first --name (else the listen address; localhost for a wildcard)
 * with the port, into buf.
 */
static void
platform_init_url(const char *listen_addr, const char *name, char *buf,
    size_t len)
{
	char	 host[256];
	int	 port;

	if (platform_listen_parse(listen_addr, host, sizeof(host), &port) ==
	    -1)
		port = 8443;
	if (name != NULL)
		strlcpy(host, name, sizeof(host));
	else if (strcmp(host, "0.0.0.0") == 0 || strcmp(host, "::") == 0)
		strlcpy(host, "localhost", sizeof(host));
	snprintf(buf, len, "https://%s%s%s:%d", strchr(host, ':') != NULL ?
	    "[" : "", host, strchr(host, ':') != NULL ? "]" : "", port);
}

/* outpost-platform init DIR [--listen ADDR:PORT] [--name NAME]... */
static int
platform_init(int argc, char *argv[])
{
	static const struct option longopts[] = {
		{ "listen", required_argument, NULL, 'l' },
		{ "name", required_argument, NULL, 'N' },
		{ NULL, 0, NULL, 0 }
	};
	char		*names[PLATFORM_MAX_NAMES], *conf = NULL;
	const char	*listen_addr = PLATFORM_DEFAULT_LISTEN;
	char		 dir[PATH_MAX], err[PLATFORM_ERRLEN], host[256];
	char		 token[PLATFORM_SECRET_HEX_LEN + 2];
	char		 customer_id[PLATFORM_UUID_LEN + 1];
	char		 activation_id[PLATFORM_UUID_LEN + 1];
	char		 logdir[PATH_MAX + 8], url[320];
	int		 ch, nnames = 0, port;

	optind = 1;
	while ((ch = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (ch) {
		case 'l':
			if (platform_listen_parse(optarg, host, sizeof(host),
			    &port) == -1)
				fatalx("--listen \"%s\": expected ADDR:PORT",
				    optarg);
			listen_addr = optarg;
			break;
		case 'N':
			if (nnames == PLATFORM_MAX_NAMES)
				fatalx("at most %d --name options",
				    PLATFORM_MAX_NAMES);
			names[nnames++] = optarg;
			break;
		default:
			platform_usage();
		}
	}
	if (argc - optind != 1)
		platform_usage();
	if (platform_dir_used(argv[optind]))
		fatalx("%s exists and is not empty; refusing to overwrite a "
		    "platform directory", argv[optind]);
	if (platform_mkdirs(argv[optind], 0755) == -1)
		fatal("mkdir %s", argv[optind]);
	if (realpath(argv[optind], dir) == NULL)
		fatal("%s", argv[optind]);
	if (pki_init_dir(dir, names, nnames, err, sizeof(err)) == -1)
		fatalx("%s", err);
	if (pki_random_hex(token, PLATFORM_SECRET_HEX_LEN / 2) == -1)
		fatalx("no randomness for the admin token");
	strlcat(token, "\n", sizeof(token));
	if (platform_write_file(dir, "admin.token", 0600, token) == -1)
		exit(1);
	explicit_bzero(token, sizeof(token));
	if (platform_init_store(dir, customer_id, activation_id) == -1)
		fatalx("cannot create the database in %s", dir);
	snprintf(logdir, sizeof(logdir), "%s/log", dir);
	if (mkdir(logdir, 0755) == -1)
		fatal("mkdir %s", logdir);
	if (asprintf(&conf,
	    "# outpost-platform configuration, see outpost-platform(8).\n"
	    "listen = %s\n"
	    "database = %s/platform.db\n"
	    "cert_file = %s/server.pem\n"
	    "key_file = %s/server.key\n"
	    "ca_file = %s/ca.pem\n"
	    "manifest_key = %s/manifest.key\n"
	    "admin_token_file = %s/admin.token\n"
	    "pid_file = %s/platform.pid\n"
	    "log_dir = %s/log\n"
	    "log_level = info\n"
	    "max_body_size = 4M\n"
	    "max_inflated_size = 16M\n"
	    "# Connections, sized from the descriptor limit by default:\n"
	    "# max_connections = auto\n"
	    "# max_connections_per_source = auto\n"
	    "# handshake_timeout = 10\n"
	    "# header_timeout = 10\n"
	    "# keepalive_timeout = 30\n"
	    "# agent_keepalive_timeout = 90\n",
	    listen_addr, dir, dir, dir, dir, dir, dir, dir, dir) == -1)
		fatalx("out of memory");
	if (platform_write_file(dir, "platform.conf", 0644, conf) == -1)
		exit(1);
	free(conf);
	if (platform_give_to_owner(dir) == -1)
		fatalx("cannot give %s to its owner; see above", dir);
	printf("platform_dir: %s\n", dir);
	printf("customer_id: %s\n", customer_id);
	printf("activation_id: %s\n", activation_id);
	printf("ca_file: %s/ca.pem\n", dir);
	printf("admin_token_file: %s/admin.token\n", dir);
	printf("admin_user: %s\n", PLATFORM_FIRST_ADMIN);
	printf("admin_password_file: %s/admin.password\n", dir);
	printf("listen: %s\n", listen_addr);
	printf("start with: outpost-platform -c %s/platform.conf\n", dir);
	platform_init_url(listen_addr, nnames > 0 ? names[0] : NULL, url,
	    sizeof(url));
	printf("console: %s/ (sign in as %s with the password in "
	    "%s/admin.password)\n", url, PLATFORM_FIRST_ADMIN, dir);
	printf("sign in: POST %s/api/v1/session as user %s with the password "
	    "in %s/admin.password (outpost-platform(8), USERS AND SESSIONS); "
	    "change it with: outpost-platform user passwd %s -c "
	    "%s/platform.conf\n", url, PLATFORM_FIRST_ADMIN, dir,
	    PLATFORM_FIRST_ADMIN, dir);
	return 0;
}

/* Read the admin token file into api. Returns 0, or -1 (logged). */
static int
platform_load_token(struct api *api, const char *path)
{
	char	 buf[sizeof(api->admin_token) + 2];
	FILE	*fp;
	size_t	 len;

	if ((fp = fopen(path, "r")) == NULL) {
		log_warn("admin token %s", path);
		return -1;
	}
	len = fread(buf, 1, sizeof(buf) - 1, fp);
	fclose(fp);
	buf[len] = '\0';
	buf[strcspn(buf, " \t\r\n")] = '\0';
	if (strlen(buf) < 32 || strlen(buf) >= sizeof(api->admin_token)) {
		log_warnx("admin token %s: expected 32 to %zu characters",
		    path, sizeof(api->admin_token) - 1);
		explicit_bzero(buf, sizeof(buf));
		return -1;
	}
	strlcpy(api->admin_token, buf, sizeof(api->admin_token));
	explicit_bzero(buf, sizeof(buf));
	return 0;
}

/* The limits of users, sessions and the audit trail of conf. */
static void
platform_limits(const struct platform_conf *conf, struct api_limits *l)
{
	l->session_idle_timeout = conf->session_idle_timeout;
	l->session_lifetime = conf->session_lifetime;
	l->signin_max_failures = conf->signin_max_failures;
	l->signin_address_max_failures = conf->signin_address_max_failures;
	l->signin_lockout = conf->signin_lockout;
	l->audit_retention = conf->audit_retention;
	l->scrypt_n = conf->password_scrypt_n;
}

/*
 * The maintenance timer: forget expired sessions and sign-in failures,
 * delete audit records past their retention; re-arm.
 */
static void
platform_maintain_cb(evutil_socket_t fd, short events, void *arg)
{
	struct platform	*p = arg;
	struct timeval	 tv = { PLATFORM_MAINTAIN_SECS, 0 };

	if (api_maintain(&p->api, (int64_t)time(NULL)) == -1)
		log_warnx("maintenance of sessions and the audit trail "
		    "failed; retrying in %d seconds", PLATFORM_MAINTAIN_SECS);
	evtimer_add(p->ev_maintain, &tv);
}

/*
 * Read the console under dir into api; an empty dir turns it off. When
 * dir cannot be read the console read before (if any) is kept.
 */
static void
platform_console_load(struct api *api, const char *dir)
{
	struct console	*c;
	char		 err[PLATFORM_ERRLEN];
	size_t		 files, bytes;

	if (dir[0] == '\0') {
		console_free(api->console);
		api->console = NULL;
		log_info("console: off (console_dir is empty)");
		return;
	}
	if ((c = console_load(dir, err, sizeof(err))) == NULL) {
		log_warnx("console: %s; %s", err, api->console != NULL ?
		    "keeping the files read before" : "the console is off");
		return;
	}
	console_size(c, &files, &bytes);
	console_free(api->console);
	api->console = c;
	log_info("console: %zu files (%zu bytes) from %s", files, bytes, dir);
}

/* The rotation settings of conf. */
static struct log_settings
platform_log_settings(const struct platform_conf *conf)
{
	struct log_settings	 s;

	s.max_size = conf->log_max_size;
	s.rotations = conf->log_rotations;
	s.compression_level = conf->log_compression_level;
	return s;
}

/* SIGHUP: re-read the configuration, the certificate and the token. */
static void
platform_reload(struct platform *p)
{
	struct platform_conf	 conf;
	struct log_settings	 ls;
	SSL_CTX			*ctx;
	char			 err[PLATFORM_ERRLEN];

	log_info("reloading %s", p->conf_path);
	if (platform_conf_load(p->conf_path, &conf) == -1) {
		log_warnx("reload: %s has errors; keeping the running "
		    "configuration", p->conf_path);
		return;
	}
	if ((ctx = pki_server_ctx(conf.cert_file, conf.key_file, err,
	    sizeof(err))) == NULL) {
		log_warnx("reload: %s; keeping the running configuration",
		    err);
		platform_conf_free(&conf);
		return;
	}
	if (platform_load_token(&p->api, conf.admin_token_file) == -1)
		log_warnx("reload: keeping the previous admin token");
	if (strcmp(conf.listen, p->conf.listen) != 0)
		log_warnx("reload: listen changed to %s; restart to apply",
		    conf.listen);
	if (strcmp(conf.database, p->conf.database) != 0)
		log_warnx("reload: database changed to %s; restart to apply",
		    conf.database);
	log_set_level(conf.log_level);
	ls = platform_log_settings(&conf);
	if (log_file_configure(p->log, conf.log_dir, &ls) == -1)
		log_warn("reload: log directory %s", conf.log_dir);
	server_configure(p->server, ctx, &conf);
	platform_limits(&conf, &p->api.limits);
	feed_fetch_free(p->feeds);
	if ((p->feeds = feed_fetch_new(p->base, &p->api, &conf)) == NULL)
		log_warnx("reload: cannot schedule the feeds");
	platform_console_load(&p->api, conf.console_dir);
	platform_conf_free(&p->conf);
	p->conf = conf;
	log_info("reloaded");
}

/* The signal handler: SIGHUP reloads, SIGTERM and SIGINT stop. */
static void
platform_signal_cb(evutil_socket_t sig, short events, void *arg)
{
	struct platform	*p = arg;

	switch (sig) {
	case SIGHUP:
		platform_reload(p);
		break;
	case SIGTERM:
	case SIGINT:
		log_info("received %s, shutting down", sig == SIGTERM ?
		    "SIGTERM" : "SIGINT");
		event_base_loopexit(p->base, NULL);
		break;
	}
}

/*
 * Lock the pid file so a second instance refuses to start. Returns the
 * locked descriptor, or exits.
 */
static int
platform_lock_pid(const char *path)
{
	char	 buf[32];
	ssize_t	 n;
	int	 fd;

	if ((fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644)) == -1)
		fatal("pid file %s", path);
	if (flock(fd, LOCK_EX | LOCK_NB) == -1) {
		if (errno != EWOULDBLOCK)
			fatal("lock %s", path);
		n = read(fd, buf, sizeof(buf) - 1);
		buf[n > 0 ? n : 0] = '\0';
		buf[strcspn(buf, "\n")] = '\0';
		fatalx("already running (pid %s, pid file %s)",
		    buf[0] != '\0' ? buf : "?", path);
	}
	return fd;
}

/* Write our pid into the locked pid file. */
static void
platform_write_pid(int fd, const char *path)
{
	char	 buf[32];
	int	 len;

	len = snprintf(buf, sizeof(buf), "%ld\n", (long)getpid());
	if (ftruncate(fd, 0) == -1 || pwrite(fd, buf, (size_t)len, 0) != len)
		fatal("pid file %s", path);
}

/* Load what serving needs and run the event loop until a signal stops it. */
static int
platform_serve(const char *conf_path, int foreground, int debug,
    int check_only)
{
	struct platform		 p;
	struct log_settings	 ls;
	struct event_config	*cfg;
	SSL_CTX			*ctx;
	char			 err[PLATFORM_ERRLEN];
	long			 nofile, nofile_before;
	int			 fd, ready_fd = -1;

	memset(&p, 0, sizeof(p));
	if ((p.conf_path = strdup(conf_path)) == NULL)
		fatal("strdup");
	if (platform_conf_load(conf_path, &p.conf) == -1)
		exit(1);
	if (debug)
		p.conf.log_level = LOG_LEVEL_DEBUG;
	log_set_level(p.conf.log_level);
	if ((ctx = pki_server_ctx(p.conf.cert_file, p.conf.key_file, err,
	    sizeof(err))) == NULL)
		fatalx("%s", err);
	if ((p.api.signer = pki_signer_load(p.conf.manifest_key, err,
	    sizeof(err))) == NULL)
		fatalx("%s", err);
	if ((p.api.public_pem = pki_public_pem(p.api.signer)) == NULL)
		fatalx("cannot encode the manifest public key");
	if (platform_load_token(&p.api, p.conf.admin_token_file) == -1)
		exit(1);
	platform_limits(&p.conf, &p.api.limits);
	if (check_only) {
		platform_console_load(&p.api, p.conf.console_dir);
		console_free(p.api.console);
		printf("%s: configuration OK\n", conf_path);
		SSL_CTX_free(ctx);
		EVP_PKEY_free(p.api.signer);
		free(p.api.public_pem);
		platform_conf_free(&p.conf);
		free(p.conf_path);
		return 0;
	}
	/* Connections are sized from the descriptor limit. */
	nofile = conns_raise_nofile(&nofile_before);
	p.pid_fd = platform_lock_pid(p.conf.pid_file);
	if ((fd = server_listen_socket(p.conf.listen, err, sizeof(err))) == -1)
		fatalx("%s", err);
	if (!foreground)
		ready_fd = daemonize_begin();
	platform_write_pid(p.pid_fd, p.conf.pid_file);

	ls = platform_log_settings(&p.conf);
	if ((p.log = log_file_open(p.conf.log_dir, "platform", &ls)) == NULL)
		fatal("log file %s/platform.log", p.conf.log_dir);
	log_set_main(p.log);
	if (nofile != nofile_before)
		log_info("descriptor limit raised from %ld to the hard limit "
		    "%ld", nofile_before, nofile);
	else
		log_info("descriptor limit %ld (the hard limit)", nofile);

	if ((cfg = event_config_new()) == NULL)
		fatalx("event_config_new");
	event_config_avoid_method(cfg, "select");
	/* Batch the epoll changes evhttp makes for each request. */
	event_config_set_flag(cfg, EVENT_BASE_FLAG_EPOLL_USE_CHANGELIST);
	p.base = event_base_new_with_config(cfg);
	event_config_free(cfg);
	if (p.base == NULL ||
	    event_base_priority_init(p.base, server_priorities()) == -1)
		fatalx("cannot create the event base");
	log_set_event_base(p.base);

	if ((p.api.store = store_open(p.conf.database, err,
	    sizeof(err))) == NULL)
		fatalx("%s", err);
	platform_console_load(&p.api, p.conf.console_dir);
	if ((p.server = server_new(p.base, &p.api, fd, ctx, &p.conf)) == NULL)
		fatalx("cannot serve on %s", p.conf.listen);
	if ((p.feeds = feed_fetch_new(p.base, &p.api, &p.conf)) == NULL)
		fatalx("cannot schedule the feeds");
	p.ev_term = evsignal_new(p.base, SIGTERM, platform_signal_cb, &p);
	p.ev_int = evsignal_new(p.base, SIGINT, platform_signal_cb, &p);
	p.ev_hup = evsignal_new(p.base, SIGHUP, platform_signal_cb, &p);
	p.ev_maintain = evtimer_new(p.base, platform_maintain_cb, &p);
	if (p.ev_term == NULL || p.ev_int == NULL || p.ev_hup == NULL ||
	    p.ev_maintain == NULL ||
	    evsignal_add(p.ev_term, NULL) == -1 ||
	    evsignal_add(p.ev_int, NULL) == -1 ||
	    evsignal_add(p.ev_hup, NULL) == -1)
		fatalx("cannot install signal handlers");
	platform_maintain_cb(-1, 0, &p);
	log_info("outpost-platform %s serving https://%s (pid %ld)",
	    PACKAGE_VERSION, p.conf.listen, (long)getpid());
	if (ready_fd != -1)
		daemonize_ready(ready_fd);
	/* Type=notify: ready once the loop runs on the listening socket. */
	if (sdnotify_ready_on(p.base) == -1)
		log_warnx("cannot schedule the readiness notice");

	if (event_base_dispatch(p.base) == -1)
		log_warnx("event loop failed");
	sdnotify_stopping();

	feed_fetch_free(p.feeds);
	server_free(p.server);
	console_free(p.api.console);
	event_free(p.ev_maintain);
	event_free(p.ev_hup);
	event_free(p.ev_int);
	event_free(p.ev_term);
	store_close(p.api.store);
	EVP_PKEY_free(p.api.signer);
	free(p.api.public_pem);
	explicit_bzero(p.api.admin_token, sizeof(p.api.admin_token));
	log_info("stopped");
	log_set_event_base(NULL);
	event_base_free(p.base);
	unlink(p.conf.pid_file);
	close(p.pid_fd);
	log_set_main(NULL);
	log_file_close(p.log);
	platform_conf_free(&p.conf);
	free(p.conf_path);
	return 0;
}

/* Print what an import read. */
static void
platform_import_counts(const struct feed_counts *c)
{
	printf("%lld records, %lld signatures; not affected %lld, "
	    "undetermined %lld, skipped %lld, refused %lld\n",
	    (long long)c->records, (long long)c->signatures,
	    (long long)c->not_affected, (long long)c->undetermined,
	    (long long)c->skipped, (long long)c->invalid);
	if (c->invalid > 0)
		printf("first refused: %s\n", c->first_invalid);
}

/*
 * outpost-platform vulnsigs import -c CONF --format FORMAT [--name FEED]
 * FILE...: import files as a feed and publish the next vulnsigs version
 * when they changed it. Returns the exit status.
 */
static int
platform_vulnsigs_import(int argc, char *argv[])
{
	static const struct option longopts[] = {
		{ "format", required_argument, NULL, 'F' },
		{ "name", required_argument, NULL, 'N' },
		{ NULL, 0, NULL, 0 }
	};
	struct platform_conf	 conf;
	struct feed_counts	 counts;
	struct store_feed_gen	 g;
	struct store		*store;
	enum feed_format	 format;
	EVP_PKEY		*signer;
	const char		*path = NULL, *fname = NULL, *name = NULL;
	char			 err[PLATFORM_ERRLEN], source[1024];
	int64_t			 version;
	int			 ch, rc, i;

	while ((ch = getopt_long(argc, argv, "c:", longopts, NULL)) != -1) {
		switch (ch) {
		case 'c':
			path = optarg;
			break;
		case 'F':
			fname = optarg;
			break;
		case 'N':
			name = optarg;
			break;
		default:
			platform_usage();
		}
	}
	if (path == NULL || fname == NULL || optind == argc)
		platform_usage();
	if (feed_format_parse(fname, &format) == -1)
		fatalx("--format %s: expected debian-tracker or osv", fname);
	if (name == NULL)
		name = fname;
	if (strcmp(name, "manual") == 0 || name[0] == '\0' ||
	    strlen(name) > 63)
		fatalx("--name %s: 1 to 63 bytes, not \"manual\"", name);
	if (platform_conf_load(path, &conf) == -1)
		return 1;
	if ((signer = pki_signer_load(conf.manifest_key, err,
	    sizeof(err))) == NULL)
		fatalx("%s", err);
	if ((store = store_open(conf.database, err, sizeof(err))) == NULL)
		fatalx("%s", err);
	source[0] = '\0';
	for (i = optind; i < argc; i++)
		snprintf(source + strlen(source), sizeof(source) -
		    strlen(source), "%s%s", i > optind ? " " : "", argv[i]);
	rc = feed_import_files(store, signer, name, format, argv + optind,
	    argc - optind, source, NULL, (int64_t)time(NULL), &counts,
	    &version, err, sizeof(err));
	memset(&g, 0, sizeof(g));
	g.feed = name;
	g.format = fname;
	g.source = source;
	g.now = (int64_t)time(NULL);
	if (store_feed_attempt(store, &g, rc == 0 ? "published" : rc == 1 ?
	    "unchanged" : "failed", rc == -1 ? err : NULL, NULL, NULL) == -1)
		fprintf(stderr, "outpost-platform: cannot record the import in "
		    "the feed's status\n");
	if (rc == -1)
		fprintf(stderr, "outpost-platform: import of feed %s failed: "
		    "%s; nothing was published\n", name, err);
	else {
		platform_import_counts(&counts);
		if (rc == 0)
			printf("vulnsigs version %lld published (feed %s, "
			    "%s)\n", (long long)version, name, fname);
		else
			printf("feed %s unchanged: vulnsigs version %lld stays "
			    "in force\n", name, (long long)version);
	}
	store_close(store);
	EVP_PKEY_free(signer);
	platform_conf_free(&conf);
	return rc == -1 ? 1 : 0;
}

/* outpost-platform: serve, or init a platform directory. */
int
main(int argc, char *argv[])
{
	const char	*conf = NULL;
	int		 ch, foreground = 0, debug = 0, check = 0, rc;

	signal(SIGPIPE, SIG_IGN);
	log_init("outpost-platform", 1, LOG_LEVEL_INFO);
	store_init();
	if (argc >= 3 && strcmp(argv[1], "vulnsigs") == 0 &&
	    strcmp(argv[2], "import") == 0) {
		rc = platform_vulnsigs_import(argc - 2, argv + 2);
		pki_shutdown();
		log_shutdown();
		return rc;
	}
	if (argc >= 2 && (strcmp(argv[1], "init") == 0 ||
	    strcmp(argv[1], "user") == 0 || strcmp(argv[1], "release") == 0)) {
		if (strcmp(argv[1], "init") == 0)
			rc = platform_init(argc - 1, argv + 1);
		else if (strcmp(argv[1], "release") == 0)
			rc = release_command(argc - 1, argv + 1);
		else
			rc = user_command(argc - 1, argv + 1);
		pki_shutdown();
		log_shutdown();
		return rc;
	}
	while ((ch = getopt(argc, argv, "c:dfn")) != -1) {
		switch (ch) {
		case 'c':
			conf = optarg;
			break;
		case 'd':
			debug = 1;
			break;
		case 'f':
			foreground = 1;
			break;
		case 'n':
			check = 1;
			break;
		default:
			platform_usage();
		}
	}
	if (conf == NULL || optind != argc)
		platform_usage();
	rc = platform_serve(conf, foreground, debug, check);
	pki_shutdown();
	log_shutdown();
	return rc;
}
