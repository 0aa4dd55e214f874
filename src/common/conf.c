/*
 * conf.c: the table-driven "key = value" parser shared by outpostd,
 * outpost-platform and their tools. Errors name the file, the line and
 * the reason, never the line's text (a configuration path may name a file
 * that is not a configuration, with secrets in it).
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "log.h"

#define CONF_MAX_LINE	4096

/* Print one configuration error to stderr. */
static void
conf_default_error(const char *file, int line, const char *reason, void *arg)
{
	if (line > 0)
		fprintf(stderr, "%s:%d: %s\n", file, line, reason);
	else
		fprintf(stderr, "%s: %s\n", file, reason);
}

/* Strip leading and trailing white space in place. Returns the start. */
static char *
conf_trim(char *s)
{
	char	*end;

	while (isspace((unsigned char)*s))
		s++;
	end = s + strlen(s);
	while (end > s && isspace((unsigned char)end[-1]))
		*--end = '\0';
	return s;
}

/* Does key look like a key name ([a-z0-9_], 1..64)? 1 or 0. */
static int
conf_is_key_name(const char *key)
{
	size_t	 n = strspn(key, "abcdefghijklmnopqrstuvwxyz0123456789_");

	return n > 0 && n <= 64 && key[n] == '\0';
}

/* Find the row for key. Returns it, or NULL. */
static const struct conf_key *
conf_find(const struct conf_key *table, const char *key)
{
	for (; table->name != NULL; table++)
		if (strcmp(table->name, key) == 0)
			return table;
	return NULL;
}

/* Parse every default of table into conf. Returns 0, or -1. */
static int
conf_apply_defaults(const struct conf_key *table, void *conf)
{
	char	 err[CONF_ERRLEN];
	int	 rc = 0;

	for (; table->name != NULL; table++) {
		if (table->default_value == NULL)
			continue;
		if (table->parse(table->default_value,
		    (char *)conf + table->offset, table->arg, err,
		    sizeof(err)) == -1) {
			log_warnx("default of %s does not parse: %s",
			    table->name, err);
			rc = -1;
		}
	}
	return rc;
}

/* Free every string field the table names (those parsed as strings). */
void
conf_free_strings(const struct conf_key *table, void *conf)
{
	char	**field;

	for (; table->name != NULL; table++) {
		if (table->parse != conf_parse_string &&
		    table->parse != conf_parse_path &&
		    table->parse != conf_parse_url &&
		    table->parse != conf_parse_hex_sha256)
			continue;
		field = (char **)((char *)conf + table->offset);
		free(*field);
		*field = NULL;
	}
}

/*
 * Read path into conf after applying the table's defaults. Returns the
 * number of errors reported through errfn, or -1 if path cannot be read.
 */
int
conf_parse_file(const char *path, const struct conf_key *table, void *conf,
    conf_error_fn errfn, void *errarg)
{
	FILE			*fp;
	char			 buf[CONF_MAX_LINE], err[CONF_ERRLEN], reason[512];
	char			*line, *eq, *key, *value;
	const struct conf_key	*row;
	unsigned char		 seen[128];
	size_t			 nkeys = 0, idx;
	int			 lineno = 0, errors = 0;

	if (errfn == NULL)
		errfn = conf_default_error;
	for (row = table; row->name != NULL; row++)
		nkeys++;
	if (nkeys > sizeof(seen))
		fatalx("%s: configuration table too large", __func__);
	memset(seen, 0, sizeof(seen));

	if (conf_apply_defaults(table, conf) == -1)
		errors++;
	if ((fp = fopen(path, "r")) == NULL) {
		snprintf(reason, sizeof(reason), "cannot open: %s",
		    strerror(errno));
		errfn(path, 0, reason, errarg);
		return -1;
	}
	while (fgets(buf, sizeof(buf), fp) != NULL) {
		lineno++;
		if (strchr(buf, '\n') == NULL && !feof(fp)) {
			snprintf(reason, sizeof(reason),
			    "line longer than %d bytes", CONF_MAX_LINE - 1);
			errfn(path, lineno, reason, errarg);
			errors++;
			/* Skip the rest of the over-long line. */
			while (fgets(buf, sizeof(buf), fp) != NULL &&
			    strchr(buf, '\n') == NULL)
				;
			continue;
		}
		line = conf_trim(buf);
		if (*line == '\0' || *line == '#')
			continue;
		if ((eq = strchr(line, '=')) == NULL) {
			/* Never the line itself: the file may not be ours. */
			snprintf(reason, sizeof(reason),
			    "expected \"key = value\"");
			errfn(path, lineno, reason, errarg);
			errors++;
			continue;
		}
		*eq = '\0';
		key = conf_trim(line);
		value = conf_trim(eq + 1);
		/* A value may be quoted to keep white space or a '#'. */
		if (value[0] == '"' && strlen(value) >= 2 &&
		    value[strlen(value) - 1] == '"') {
			value[strlen(value) - 1] = '\0';
			value++;
		} else if ((eq = strstr(value, " #")) != NULL ||
		    (eq = strstr(value, "\t#")) != NULL) {
			*eq = '\0';
			value = conf_trim(value);
		}
		if ((row = conf_find(table, key)) == NULL) {
			/* A key is named only when it looks like one. */
			if (conf_is_key_name(key))
				snprintf(reason, sizeof(reason),
				    "unknown key \"%s\"", key);
			else
				snprintf(reason, sizeof(reason),
				    "unknown key (not shown: not a key name)");
			errfn(path, lineno, reason, errarg);
			errors++;
			continue;
		}
		idx = row - table;
		if (seen[idx] && !row->repeatable) {
			snprintf(reason, sizeof(reason),
			    "%s given more than once", key);
			errfn(path, lineno, reason, errarg);
			errors++;
			continue;
		}
		seen[idx] = 1;
		err[0] = '\0';
		if (row->parse(value, (char *)conf + row->offset, row->arg, err,
		    sizeof(err)) == -1) {
			snprintf(reason, sizeof(reason), "%s: %s", key, err);
			errfn(path, lineno, reason, errarg);
			errors++;
		}
	}
	if (ferror(fp)) {
		snprintf(reason, sizeof(reason), "read error: %s",
		    strerror(errno));
		errfn(path, lineno, reason, errarg);
		errors++;
	}
	fclose(fp);
	return errors;
}

/* Store a copy of value as a string field. Returns 0, or -1. */
int
conf_parse_string(const char *value, void *dst, const void *arg, char *err,
    size_t errlen)
{
	char	**field = dst, *copy;

	if ((copy = strdup(value)) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	free(*field);
	*field = copy;
	return 0;
}

/* Store an absolute path (or empty = unset). Returns 0, or -1. */
int
conf_parse_path(const char *value, void *dst, const void *arg, char *err,
    size_t errlen)
{
	if (value[0] != '\0' && value[0] != '/') {
		snprintf(err, errlen, "\"%s\" is not an absolute path", value);
		return -1;
	}
	if (strlen(value) >= PATH_MAX) {
		snprintf(err, errlen, "path too long");
		return -1;
	}
	return conf_parse_string(value, dst, arg, err, errlen);
}

/* Store an https:// URL (or empty = unset). Returns 0, or -1. */
int
conf_parse_url(const char *value, void *dst, const void *arg, char *err,
    size_t errlen)
{
	const char	*host;

	if (value[0] != '\0') {
		if (strncmp(value, "https://", 8) != 0) {
			snprintf(err, errlen, "\"%s\" is not an https:// URL",
			    value);
			return -1;
		}
		host = value + 8;
		if (*host == '\0' || *host == '/' || *host == ':') {
			snprintf(err, errlen, "\"%s\" has no host", value);
			return -1;
		}
		if (strpbrk(value, " \t\"<>\\") != NULL) {
			snprintf(err, errlen, "\"%s\" has characters not "
			    "allowed in a URL", value);
			return -1;
		}
	}
	return conf_parse_string(value, dst, arg, err, errlen);
}

/* Store an int within the struct conf_range in arg. Returns 0, or -1. */
int
conf_parse_int(const char *value, void *dst, const void *arg, char *err,
    size_t errlen)
{
	const struct conf_range	*range = arg;
	long long		 n;
	char			*end;

	errno = 0;
	n = strtoll(value, &end, 10);
	if (value[0] == '\0' || *end != '\0' || errno == ERANGE) {
		snprintf(err, errlen, "\"%s\" is not a number", value);
		return -1;
	}
	if (range != NULL && (n < range->min || n > range->max)) {
		snprintf(err, errlen, "%lld is out of range %lld..%lld", n,
		    range->min, range->max);
		return -1;
	}
	if (n < INT_MIN || n > INT_MAX) {
		snprintf(err, errlen, "%lld is out of range", n);
		return -1;
	}
	*(int *)dst = (int)n;
	return 0;
}

/* Parse a size with an optional K/M/G suffix. Returns 0, or -1. */
int
conf_size_parse(const char *s, uint64_t *out)
{
	uint64_t	 n = 0, mult = 1;
	const char	*p = s;

	if (!isdigit((unsigned char)*p))
		return -1;
	for (; isdigit((unsigned char)*p); p++) {
		if (n > (UINT64_MAX - 9) / 10)
			return -1;
		n = n * 10 + (uint64_t)(*p - '0');
	}
	switch (*p) {
	case 'k': case 'K':
		mult = 1024ULL;
		p++;
		break;
	case 'm': case 'M':
		mult = 1024ULL * 1024;
		p++;
		break;
	case 'g': case 'G':
		mult = 1024ULL * 1024 * 1024;
		p++;
		break;
	default:
		break;
	}
	if (mult != 1 && *p == 'i')
		p++;
	if (*p == 'B' || *p == 'b')
		p++;
	if (*p != '\0')
		return -1;
	if (n != 0 && mult > UINT64_MAX / n)
		return -1;
	*out = n * mult;
	return 0;
}

/* Store a uint64_t size within the optional struct conf_range in arg. */
int
conf_parse_size(const char *value, void *dst, const void *arg, char *err,
    size_t errlen)
{
	const struct conf_range	*range = arg;
	uint64_t		 n;

	if (conf_size_parse(value, &n) == -1) {
		snprintf(err, errlen, "\"%s\" is not a size (use e.g. 512K, "
		    "10M, 1G)", value);
		return -1;
	}
	if (range != NULL && ((long long)n < range->min ||
	    (range->max > 0 && n > (uint64_t)range->max))) {
		snprintf(err, errlen, "%s is out of range %lld..%lld bytes",
		    value, range->min, range->max);
		return -1;
	}
	*(uint64_t *)dst = n;
	return 0;
}

/* Store yes/no (true/false, on/off, 1/0) as an int. Returns 0, or -1. */
int
conf_parse_bool(const char *value, void *dst, const void *arg, char *err,
    size_t errlen)
{
	static const char *const yes[] = { "yes", "true", "on", "1" };
	static const char *const no[] = { "no", "false", "off", "0" };
	size_t	 i;

	for (i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		if (strcasecmp(value, yes[i]) == 0) {
			*(int *)dst = 1;
			return 0;
		}
		if (strcasecmp(value, no[i]) == 0) {
			*(int *)dst = 0;
			return 0;
		}
	}
	snprintf(err, errlen, "\"%s\" is not yes or no", value);
	return -1;
}

/* Store a log level (enum log_level). Returns 0, or -1. */
int
conf_parse_log_level(const char *value, void *dst, const void *arg, char *err,
    size_t errlen)
{
	enum log_level	 level;

	if (log_level_parse(value, &level) == -1) {
		snprintf(err, errlen, "\"%s\" is not one of error, warn, info, "
		    "debug", value);
		return -1;
	}
	*(enum log_level *)dst = level;
	return 0;
}

/* Store 64 hex digits (or empty = unset) as a lower-case string. */
int
conf_parse_hex_sha256(const char *value, void *dst, const void *arg,
    char *err, size_t errlen)
{
	size_t	 i, len = strlen(value);
	char	 lower[65];

	if (len == 0)
		return conf_parse_string(value, dst, arg, err, errlen);
	if (len != 64) {
		snprintf(err, errlen, "expected 64 hex digits (SHA-256), got "
		    "%zu characters", len);
		return -1;
	}
	for (i = 0; i < len; i++) {
		if (!isxdigit((unsigned char)value[i])) {
			snprintf(err, errlen, "\"%c\" is not a hex digit",
			    value[i]);
			return -1;
		}
		lower[i] = (char)tolower((unsigned char)value[i]);
	}
	lower[64] = '\0';
	return conf_parse_string(lower, dst, arg, err, errlen);
}
