/*
 * agent-conf.c: the table of outpost.conf(5) keys. The man page lists the
 * same keys in the same order with the same defaults.
 */
#include "config.h"

#include <sys/stat.h>

#include <errno.h>
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "agent-conf.h"

#define CA_FILE_MAX	(16 * 1024 * 1024)

static const struct conf_range log_max_size_range = { 4096, 0 };
static const struct conf_range log_rotations_range = { 1, 100 };
static const struct conf_range compression_range = { 0, 9 };
static const struct conf_range retry_range = { 1, 86400 };
static const struct conf_range spool_max_size_range = { 1024 * 1024,
    INT64_MAX };
static const struct conf_range hash_max_size_range = { 0, INT64_MAX };

#define F(field)	offsetof(struct agent_conf, field)

const struct conf_key agent_conf_keys[] = {
	{ "platform_url", conf_parse_url, F(platform_url), "", NULL, 0 },
	{ "activation_id", conf_parse_string, F(activation_id), "", NULL, 0 },
	{ "customer_id", conf_parse_string, F(customer_id), "", NULL, 0 },
	{ "ca_file", conf_parse_path, F(ca_file), "", NULL, 0 },
	{ "pin_sha256", conf_parse_hex_sha256, F(pin_sha256), "", NULL, 0 },
	{ "state_dir", conf_parse_path, F(state_dir), OUTPOST_STATEDIR, NULL,
	    0 },
	{ "log_dir", conf_parse_path, F(log_dir), OUTPOST_LOGDIR, NULL, 0 },
	{ "run_dir", conf_parse_path, F(run_dir), OUTPOST_RUNDIR, NULL, 0 },
	{ "log_level", conf_parse_log_level, F(log_level), "info", NULL, 0 },
	{ "log_max_size", conf_parse_size, F(log_max_size), "10M",
	    &log_max_size_range, 0 },
	{ "log_rotations", conf_parse_int, F(log_rotations), "5",
	    &log_rotations_range, 0 },
	{ "log_compression_level", conf_parse_int, F(log_compression_level),
	    "6", &compression_range, 0 },
	{ "proxy_file", conf_parse_path, F(proxy_file),
	    OUTPOST_SYSCONFDIR "/proxy.conf", NULL, 0 },
	{ "audit_retry_interval", conf_parse_int, F(audit_retry_interval),
	    "600", &retry_range, 0 },
	{ "spool_max_size", conf_parse_size, F(spool_max_size), "100M",
	    &spool_max_size_range, 0 },
	{ "inventory_root", conf_parse_path, F(inventory_root), "/", NULL, 0 },
	{ "fim_hash_max_size", conf_parse_size, F(fim_hash_max_size), "50M",
	    &hash_max_size_range, 0 },
	{ "release_key", conf_parse_path, F(release_key), "", NULL, 0 },
	{ NULL, NULL, 0, NULL, NULL, 0 }
};

/* Report one error of the file at path (line 0: the whole file). */
static void
agent_conf_error(const char *path, const char *reason, conf_error_fn errfn,
    void *errarg)
{
	if (errfn != NULL)
		errfn(path, 0, reason, errarg);
	else
		fprintf(stderr, "%s: %s\n", path, reason);
}

/*
 * Is ca_file a readable regular file holding at least one PEM certificate?
 * Returns 0, or -1 with the reason in why (the file's contents are never
 * quoted).
 */
static int
agent_conf_check_ca(const char *file, char *why, size_t len)
{
	struct stat	 st;
	BIO		*bio;
	X509		*x;
	int		 n = 0;

	if (stat(file, &st) == -1) {
		snprintf(why, len, "ca_file %s: %s", file, strerror(errno));
		return -1;
	}
	if (!S_ISREG(st.st_mode) || st.st_size > CA_FILE_MAX) {
		snprintf(why, len, "ca_file %s is %s, not a file of PEM "
		    "certificates", file, S_ISDIR(st.st_mode) ? "a directory" :
		    !S_ISREG(st.st_mode) ? "not a regular file" : "too large");
		return -1;
	}
	if ((bio = BIO_new_file(file, "r")) == NULL) {
		snprintf(why, len, "ca_file %s cannot be read: %s", file,
		    strerror(errno != 0 ? errno : EACCES));
		return -1;
	}
	while ((x = PEM_read_bio_X509(bio, NULL, NULL, NULL)) != NULL) {
		X509_free(x);
		n++;
	}
	BIO_free(bio);
	if (n == 0) {
		snprintf(why, len, "ca_file %s holds no PEM certificate", file);
		return -1;
	}
	return 0;
}

/*
 * Read path into conf. path is made absolute first (the daemon changes to
 * "/" when it detaches; reload and healthcheck read it again). Returns
 * the number of errors, or -1.
 */
int
agent_conf_load(const char *path, struct agent_conf *conf,
    conf_error_fn errfn, void *errarg)
{
	char	 abs[PATH_MAX], why[PATH_MAX + 128];
	int	 errors;

	memset(conf, 0, sizeof(*conf));
	if (path[0] != '/' && realpath(path, abs) != NULL)
		path = abs;
	if ((conf->path = strdup(path)) == NULL)
		return -1;
	path = conf->path;
	errors = conf_parse_file(path, agent_conf_keys, conf, errfn, errarg);
	if (errors > 0)
		return errors;
	/* The three activation keys go together. */
	if ((conf->activation_id[0] != '\0' ||
	    conf->customer_id[0] != '\0') && conf->platform_url[0] == '\0') {
		agent_conf_error(path, "activation_id and customer_id need "
		    "platform_url", errfn, errarg);
		errors++;
	}
	if (conf->ca_file != NULL && conf->ca_file[0] != '\0' &&
	    agent_conf_check_ca(conf->ca_file, why, sizeof(why)) == -1) {
		agent_conf_error(path, why, errfn, errarg);
		errors++;
	}
	return errors;
}

/* Free what agent_conf_load() allocated. */
void
agent_conf_free(struct agent_conf *conf)
{
	conf_free_strings(agent_conf_keys, conf);
	free(conf->path);
	conf->path = NULL;
}

/* Fill the rotation settings of the agent's log files. */
void
agent_conf_log_settings(const struct agent_conf *conf,
    struct log_settings *s)
{
	s->max_size = conf->log_max_size;
	s->rotations = conf->log_rotations;
	s->compression_level = conf->log_compression_level;
}
