/*
 * platform-conf.c: platform.conf, parsed with libcommon's table-driven
 * parser. Paths left unset default to files beside the configuration.
 */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compat.h"
#include "conf.h"
#include "log.h"
#include "platform-conf.h"
#include "users.h"

static const struct conf_range platform_log_rotations = { 0, 100 };
static const struct conf_range platform_log_level = { 0, 9 };
static const struct conf_range platform_body_range = { 1024, 1LL << 30 };
static const struct conf_range platform_timeout_range = { 1, 3600 };
static const struct conf_range platform_idle_range = { 2, 7 * 86400 };
static const struct conf_range platform_lifetime_range = { 2, 366 * 86400 };
static const struct conf_range platform_failures_range = { 1, 1000 };
static const struct conf_range platform_lockout_range = { 1, 86400 };
static const struct conf_range platform_retention_range = {
	1, 100LL * 366 * 86400
};
static const struct conf_range platform_conn_range = { 1, 1000000 };
static const struct conf_range platform_prefix4_range = { 1, 32 };
static const struct conf_range platform_prefix6_range = { 1, 128 };
static const struct conf_range platform_output_range = { 1 << 20,
	1LL << 34 };

/*
 * Parse "ADDR:PORT" (or "[v6]:PORT") into host and port. Returns 0, or -1
 * if malformed.
 */
int
platform_listen_parse(const char *s, char *host, size_t hostlen, int *port)
{
	const char	*colon, *h = s, *end;
	size_t		 len;
	char		*pend;
	long		 p;

	if (s[0] == '[') {
		if ((end = strchr(s, ']')) == NULL || end[1] != ':')
			return -1;
		h = s + 1;
		len = (size_t)(end - h);
		colon = end + 1;
	} else {
		if ((colon = strrchr(s, ':')) == NULL ||
		    strchr(s, ':') != colon)
			return -1;
		len = (size_t)(colon - s);
	}
	if (len == 0 || len >= hostlen)
		return -1;
	memcpy(host, h, len);
	host[len] = '\0';
	p = strtol(colon + 1, &pend, 10);
	if (colon[1] == '\0' || *pend != '\0' || p < 1 || p > 65535)
		return -1;
	*port = (int)p;
	return 0;
}

/* Check and store a listen address. Returns 0, or -1. */
static int
platform_parse_listen(const char *value, void *dst, const void *arg,
    char *err, size_t errlen)
{
	char	 host[256];
	int	 port;

	if (platform_listen_parse(value, host, sizeof(host), &port) == -1) {
		snprintf(err, errlen, "\"%s\" is not ADDR:PORT", value);
		return -1;
	}
	return conf_parse_string(value, dst, arg, err, errlen);
}

/*
 * Parse a duration: digits with an optional unit, s (the default), m, h
 * or d, into seconds. Returns 0, or -1 on garbage or overflow.
 */
int
platform_duration_parse(const char *s, int64_t *out)
{
	static const struct {
		char	 unit;
		int64_t	 seconds;
	} units[] = { { 's', 1 }, { 'm', 60 }, { 'h', 3600 }, { 'd', 86400 } };
	char		*end;
	long long	 n;
	size_t		 i;

	if (s[0] < '0' || s[0] > '9')
		return -1;
	errno = 0;
	n = strtoll(s, &end, 10);
	if (errno == ERANGE)
		return -1;
	if (*end == '\0') {
		*out = n;
		return 0;
	}
	if (end[1] != '\0')
		return -1;
	for (i = 0; i < nitems(units); i++)
		if (*end == units[i].unit) {
			if (n > INT64_MAX / units[i].seconds)
				return -1;
			*out = n * units[i].seconds;
			return 0;
		}
	return -1;
}

/* Parse a duration within the range arg into an int64_t. Returns 0, -1. */
static int
platform_parse_duration(const char *value, void *dst, const void *arg,
    char *err, size_t errlen)
{
	const struct conf_range	*r = arg;
	int64_t			 v;

	if (platform_duration_parse(value, &v) == -1) {
		snprintf(err, errlen, "\"%s\" is not a duration (30s, 15m, "
		    "12h, 90d)", value);
		return -1;
	}
	if (v < r->min || v > r->max) {
		snprintf(err, errlen, "%s is out of range (%lld to %lld "
		    "seconds)", value, r->min, r->max);
		return -1;
	}
	*(int64_t *)dst = v;
	return 0;
}

/* Parse scrypt's N: a power of two within the users.h bounds. */
static int
platform_parse_scrypt_n(const char *value, void *dst, const void *arg,
    char *err, size_t errlen)
{
	char			*end;
	unsigned long long	 n;

	errno = 0;
	n = strtoull(value, &end, 10);
	if (value[0] < '0' || value[0] > '9' || *end != '\0' ||
	    errno == ERANGE || n < USERS_SCRYPT_N_MIN ||
	    n > USERS_SCRYPT_N_MAX || (n & (n - 1)) != 0) {
		snprintf(err, errlen, "\"%s\" is not a power of two from %d "
		    "to %d", value, USERS_SCRYPT_N_MIN, USERS_SCRYPT_N_MAX);
		return -1;
	}
	*(uint64_t *)dst = n;
	return 0;
}

/*
 * Parse "NAME FORMAT URL [INTERVAL]" (INTERVAL in seconds, or with an s,
 * m, h or d suffix) into the next feed of the configuration. Returns 0,
 * or -1.
 */
static int
platform_parse_feed(const char *value, void *dst, const void *arg,
    char *err, size_t errlen)
{
	struct platform_conf	*conf = (struct platform_conf *)
	    ((char *)dst - offsetof(struct platform_conf, feeds));
	struct platform_feed	*f;
	char			 name[64], format[32], url[2048], iv[32];
	int64_t			 n = PLATFORM_FEED_INTERVAL;
	int			 i, k;

	(void)arg;
	iv[0] = '\0';
	k = sscanf(value, "%63s %31s %2047s %31s", name, format, url, iv);
	if (k < 3) {
		snprintf(err, errlen, "expected NAME FORMAT URL [INTERVAL]");
		return -1;
	}
	if (strcmp(format, "debian-tracker") != 0 && strcmp(format, "osv") !=
	    0) {
		snprintf(err, errlen, "feed %s: format \"%s\" is not "
		    "debian-tracker or osv", name, format);
		return -1;
	}
	if (strncmp(url, "https://", 8) != 0) {
		snprintf(err, errlen, "feed %s: the URL must be https://", name);
		return -1;
	}
	if (strcmp(name, "manual") == 0 || strspn(name, "abcdefghijklmnopqrstu"
	    "vwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.") != strlen(name)) {
		snprintf(err, errlen, "feed name \"%s\": letters, digits, "
		    "'-', '_' and '.' only, and not \"manual\"", name);
		return -1;
	}
	if (k == 4 && (platform_duration_parse(iv, &n) == -1 || n < 1 ||
	    n > 30LL * 86400)) {
		snprintf(err, errlen, "feed %s: interval \"%s\" is not 1s to "
		    "30d", name, iv);
		return -1;
	}
	for (i = 0; i < conf->nfeeds; i++)
		if (strcmp(conf->feeds[i].name, name) == 0) {
			snprintf(err, errlen, "feed %s named twice", name);
			return -1;
		}
	if (conf->nfeeds >= PLATFORM_MAX_FEEDS) {
		snprintf(err, errlen, "more than %d feeds", PLATFORM_MAX_FEEDS);
		return -1;
	}
	f = &conf->feeds[conf->nfeeds];
	if ((f->url = strdup(url)) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	snprintf(f->name, sizeof(f->name), "%s", name);
	snprintf(f->format, sizeof(f->format), "%s", format);
	f->interval = (int)n;
	conf->nfeeds++;
	return 0;
}

/*
 * A connection count: "auto" (stored as -1, derived from the descriptor
 * limit at start) or an integer in range. Returns 0, or -1.
 */
static int
platform_parse_count(const char *value, void *dst, const void *arg,
    char *err, size_t errlen)
{
	if (strcmp(value, "auto") == 0) {
		*(int *)dst = -1;
		return 0;
	}
	return conf_parse_int(value, dst, arg, err, errlen);
}

static const struct conf_key platform_keys[] = {
	{ "listen", platform_parse_listen,
	    offsetof(struct platform_conf, listen), PLATFORM_DEFAULT_LISTEN,
	    NULL, 0 },
	{ "database", conf_parse_path,
	    offsetof(struct platform_conf, database), NULL, NULL, 0 },
	{ "cert_file", conf_parse_path,
	    offsetof(struct platform_conf, cert_file), NULL, NULL, 0 },
	{ "key_file", conf_parse_path,
	    offsetof(struct platform_conf, key_file), NULL, NULL, 0 },
	{ "ca_file", conf_parse_path,
	    offsetof(struct platform_conf, ca_file), NULL, NULL, 0 },
	{ "manifest_key", conf_parse_path,
	    offsetof(struct platform_conf, manifest_key), NULL, NULL, 0 },
	{ "admin_token_file", conf_parse_path,
	    offsetof(struct platform_conf, admin_token_file), NULL, NULL, 0 },
	{ "pid_file", conf_parse_path,
	    offsetof(struct platform_conf, pid_file), NULL, NULL, 0 },
	{ "log_dir", conf_parse_path,
	    offsetof(struct platform_conf, log_dir), NULL, NULL, 0 },
	{ "console_dir", conf_parse_path,
	    offsetof(struct platform_conf, console_dir), PLATFORM_CONSOLE_DIR,
	    NULL, 0 },
	{ "log_level", conf_parse_log_level,
	    offsetof(struct platform_conf, log_level), "info", NULL, 0 },
	{ "log_max_size", conf_parse_size,
	    offsetof(struct platform_conf, log_max_size), "10M", NULL, 0 },
	{ "log_rotations", conf_parse_int,
	    offsetof(struct platform_conf, log_rotations), "5",
	    &platform_log_rotations, 0 },
	{ "log_compression_level", conf_parse_int,
	    offsetof(struct platform_conf, log_compression_level), "6",
	    &platform_log_level, 0 },
	{ "max_body_size", conf_parse_size,
	    offsetof(struct platform_conf, max_body_size), "4M",
	    &platform_body_range, 0 },
	{ "max_inflated_size", conf_parse_size,
	    offsetof(struct platform_conf, max_inflated_size), "16M",
	    &platform_body_range, 0 },
	{ "request_timeout", conf_parse_int,
	    offsetof(struct platform_conf, request_timeout), "60",
	    &platform_timeout_range, 0 },
	{ "sync_acks", conf_parse_bool,
	    offsetof(struct platform_conf, sync_acks), "no", NULL, 0 },
	{ "session_idle_timeout", platform_parse_duration,
	    offsetof(struct platform_conf, session_idle_timeout), "30m",
	    &platform_idle_range, 0 },
	{ "session_lifetime", platform_parse_duration,
	    offsetof(struct platform_conf, session_lifetime), "12h",
	    &platform_lifetime_range, 0 },
	{ "signin_max_failures", conf_parse_int,
	    offsetof(struct platform_conf, signin_max_failures), "5",
	    &platform_failures_range, 0 },
	{ "signin_address_max_failures", conf_parse_int,
	    offsetof(struct platform_conf, signin_address_max_failures), "20",
	    &platform_failures_range, 0 },
	{ "signin_lockout", platform_parse_duration,
	    offsetof(struct platform_conf, signin_lockout), "5m",
	    &platform_lockout_range, 0 },
	{ "audit_retention", platform_parse_duration,
	    offsetof(struct platform_conf, audit_retention), "365d",
	    &platform_retention_range, 0 },
	{ "password_scrypt_n", platform_parse_scrypt_n,
	    offsetof(struct platform_conf, password_scrypt_n), "65536", NULL,
	    0 },
	{ "feed", platform_parse_feed,
	    offsetof(struct platform_conf, feeds), NULL, NULL, 1 },
	{ "feed_ca_file", conf_parse_path,
	    offsetof(struct platform_conf, feed_ca_file), NULL, NULL, 0 },
	{ "feed_dir", conf_parse_path,
	    offsetof(struct platform_conf, feed_dir), NULL, NULL, 0 },
	{ "max_connections", platform_parse_count,
	    offsetof(struct platform_conf, max_connections), "auto",
	    &platform_conn_range, 0 },
	{ "max_connections_per_source", platform_parse_count,
	    offsetof(struct platform_conf, max_connections_per_source),
	    "auto", &platform_conn_range, 0 },
	{ "source_prefix_ipv4", conf_parse_int,
	    offsetof(struct platform_conf, source_prefix_ipv4), "32",
	    &platform_prefix4_range, 0 },
	{ "source_prefix_ipv6", conf_parse_int,
	    offsetof(struct platform_conf, source_prefix_ipv6), "64",
	    &platform_prefix6_range, 0 },
	{ "handshake_timeout", conf_parse_int,
	    offsetof(struct platform_conf, handshake_timeout), "10",
	    &platform_timeout_range, 0 },
	{ "header_timeout", conf_parse_int,
	    offsetof(struct platform_conf, header_timeout), "10",
	    &platform_timeout_range, 0 },
	{ "keepalive_timeout", conf_parse_int,
	    offsetof(struct platform_conf, keepalive_timeout), "30",
	    &platform_timeout_range, 0 },
	{ "agent_keepalive_timeout", conf_parse_int,
	    offsetof(struct platform_conf, agent_keepalive_timeout), "90",
	    &platform_timeout_range, 0 },
	{ "write_timeout", conf_parse_int,
	    offsetof(struct platform_conf, write_timeout), "60",
	    &platform_timeout_range, 0 },
	{ "max_output_size", conf_parse_size,
	    offsetof(struct platform_conf, max_output_size), "64M",
	    &platform_output_range, 0 },
	{ NULL, NULL, 0, NULL, NULL, 0 }
};

/* Set *field to dir/name when it is unset. Returns 0, or -1. */
static int
platform_conf_default_path(char **field, const char *dir, const char *name)
{
	if (*field != NULL && (*field)[0] != '\0')
		return 0;
	free(*field);
	if (asprintf(field, "%s/%s", dir, name) == -1) {
		*field = NULL;
		return -1;
	}
	return 0;
}

/*
 * Read path into conf (errors printed as file:line: reason). Returns 0,
 * or -1.
 */
int
platform_conf_load(const char *path, struct platform_conf *conf)
{
	char	 real[PATH_MAX], *slash;

	memset(conf, 0, sizeof(*conf));
	if (realpath(path, real) == NULL) {
		log_warn("%s", path);
		return -1;
	}
	if (conf_parse_file(real, platform_keys, conf, NULL, NULL) != 0) {
		platform_conf_free(conf);
		return -1;
	}
	if ((slash = strrchr(real, '/')) != NULL)
		*slash = '\0';
	if ((conf->dir = strdup(real[0] != '\0' ? real : "/")) == NULL ||
	    platform_conf_default_path(&conf->database, conf->dir,
	    "platform.db") == -1 ||
	    platform_conf_default_path(&conf->cert_file, conf->dir,
	    "server.pem") == -1 ||
	    platform_conf_default_path(&conf->key_file, conf->dir,
	    "server.key") == -1 ||
	    platform_conf_default_path(&conf->ca_file, conf->dir,
	    "ca.pem") == -1 ||
	    platform_conf_default_path(&conf->manifest_key, conf->dir,
	    "manifest.key") == -1 ||
	    platform_conf_default_path(&conf->admin_token_file, conf->dir,
	    "admin.token") == -1 ||
	    platform_conf_default_path(&conf->pid_file, conf->dir,
	    "platform.pid") == -1 ||
	    platform_conf_default_path(&conf->log_dir, conf->dir, "log") ==
	    -1 ||
	    platform_conf_default_path(&conf->feed_dir, conf->dir, "feeds") ==
	    -1) {
		log_warnx("out of memory");
		platform_conf_free(conf);
		return -1;
	}
	if (conf->max_inflated_size < conf->max_body_size)
		conf->max_inflated_size = conf->max_body_size;
	return 0;
}

/* Free the strings of conf. */
void
platform_conf_free(struct platform_conf *conf)
{
	conf_free_strings(platform_keys, conf);
	/* conf_free_strings() knows only the stock string parsers. */
	free(conf->listen);
	conf->listen = NULL;
	free(conf->dir);
	conf->dir = NULL;
	while (conf->nfeeds > 0)
		free(conf->feeds[--conf->nfeeds].url);
}
