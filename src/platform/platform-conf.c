/*
 * platform-conf.c: platform.conf, parsed with libcommon's table-driven
 * parser. Paths left unset default to files beside the configuration.
 */
#include "config.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compat.h"
#include "conf.h"
#include "log.h"
#include "platform-conf.h"

static const struct conf_range platform_log_rotations = { 0, 100 };
static const struct conf_range platform_log_level = { 0, 9 };
static const struct conf_range platform_body_range = { 1024, 1LL << 30 };
static const struct conf_range platform_timeout_range = { 1, 3600 };
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
}
