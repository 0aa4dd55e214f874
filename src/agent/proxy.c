/*
 * proxy.c: the manual proxy configuration. proxy.conf (up to five
 * https_proxy URLs, proxy_order, proxy_fail_open, no_proxy) is read with
 * the table-driven parser of conf.c; without the file, or when it names
 * no proxy, the environment's proxies apply. proxy_plan() turns it into
 * the list of proxies one request tries.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "compat.h"
#include "conf.h"
#include "proxy.h"

static int	proxy_parse_list_value(const char *, void *, const void *,
		    char *, size_t);
static int	proxy_parse_order(const char *, void *, const void *, char *,
		    size_t);
static int	proxy_parse_bypass_value(const char *, void *, const void *,
		    char *, size_t);

/* Every key of proxy.conf. */
static const struct conf_key proxy_keys[] = {
	{ "https_proxy", proxy_parse_list_value,
	    offsetof(struct proxy_config, list), NULL, NULL, 1 },
	{ "proxy_order", proxy_parse_order,
	    offsetof(struct proxy_config, order), "sequential", NULL, 0 },
	{ "proxy_fail_open", conf_parse_bool,
	    offsetof(struct proxy_config, fail_open), "no", NULL, 0 },
	{ "no_proxy", proxy_parse_bypass_value,
	    offsetof(struct proxy_config, bypass), NULL, NULL, 1 },
	{ NULL, NULL, 0, NULL, NULL, 0 }
};

/* Copy len bytes of s with %XX decoded. Returns the copy, or NULL. */
static char *
proxy_unescape(const char *s, size_t len)
{
	char	*out, *o;
	size_t	 i;
	int	 hi, lo;

	if ((out = malloc(len + 1)) == NULL)
		return NULL;
	for (i = 0, o = out; i < len; i++) {
		if (s[i] == '%' && i + 2 < len &&
		    (hi = hex_value((unsigned char)s[i + 1])) != -1 &&
		    (lo = hex_value((unsigned char)s[i + 2])) != -1) {
			*o++ = (char)(hi << 4 | lo);
			i += 2;
		} else
			*o++ = s[i];
	}
	*o = '\0';
	return out;
}

/* Is every '%' of s (len bytes) followed by two hex digits? 1 or 0. */
static int
proxy_valid_escapes(const char *s, size_t len)
{
	size_t	 i;

	for (i = 0; i < len; i++)
		if (s[i] == '%' && (i + 2 >= len ||
		    hex_value((unsigned char)s[i + 1]) == -1 ||
		    hex_value((unsigned char)s[i + 2]) == -1))
			return 0;
	return 1;
}

/* Is s (len bytes) a plausible host name? */
static int
proxy_valid_hostname(const char *s, size_t len)
{
	size_t	 i;

	if (len == 0 || len > 253)
		return 0;
	for (i = 0; i < len; i++)
		if (!isalnum((unsigned char)s[i]) && s[i] != '-' &&
		    s[i] != '.' && s[i] != '_')
			return 0;
	return 1;
}

/* Free what p holds and zero it. */
void
proxy_clear(struct proxy *p)
{
	free(p->url);
	free(p->host);
	free(p->user);
	if (p->password != NULL) {
		explicit_bzero(p->password, strlen(p->password));
		free(p->password);
	}
	free(p->masked);
	memset(p, 0, sizeof(*p));
}

/* Copy src into dst (zeroed first). Returns 0, or -1 (dst cleared). */
int
proxy_copy(struct proxy *dst, const struct proxy *src)
{
	memset(dst, 0, sizeof(*dst));
	dst->port = src->port;
	if ((dst->url = strdup(src->url)) == NULL ||
	    (dst->host = strdup(src->host)) == NULL ||
	    (dst->masked = strdup(src->masked)) == NULL ||
	    (src->user != NULL && (dst->user = strdup(src->user)) == NULL) ||
	    (src->password != NULL &&
	    (dst->password = strdup(src->password)) == NULL)) {
		proxy_clear(dst);
		return -1;
	}
	return 0;
}

/* Copy url into buf with any password replaced by "****". Returns buf. */
char *
proxy_mask_url(const char *url, char *buf, size_t len)
{
	const char	*auth, *end, *at, *colon, *p;

	if ((auth = strstr(url, "://")) != NULL)
		auth += 3;
	else
		auth = url;
	end = auth + strcspn(auth, "/?#");
	at = NULL;
	for (p = auth; p < end; p++)
		if (*p == '@')
			at = p;
	colon = NULL;
	if (at != NULL)
		for (p = auth; p < at; p++)
			if (*p == ':') {
				colon = p;
				break;
			}
	if (colon == NULL)
		snprintf(buf, len, "%s", url);
	else
		snprintf(buf, len, "%.*s:****%s", (int)(colon - url), url, at);
	return buf;
}

/* Parse one proxy URL into p. Returns 0, or -1 with the reason in err. */
int
proxy_parse_url(const char *s, struct proxy *p, char *err, size_t errlen)
{
	struct proxy	 np;
	const char	*auth, *end, *at, *colon, *host, *hostend, *portstr;
	char		 hostbuf[256], *endp;
	unsigned char	 addr[16];
	long		 port;
	size_t		 userlen;
	int		 v6 = 0;

	memset(&np, 0, sizeof(np));
	if (strncasecmp(s, "http://", 7) != 0) {
		if (strstr(s, "://") != NULL)
			snprintf(err, errlen, "only http:// proxies are "
			    "supported");
		else
			snprintf(err, errlen, "expected "
			    "http://[user:password@]host:port");
		return -1;
	}
	auth = s + 7;
	end = auth + strcspn(auth, "/?#");
	if (*end != '\0' && strcmp(end, "/") != 0) {
		if (strchr(end, '@') != NULL)
			snprintf(err, errlen, "percent-encode '/', '?' and '#' "
			    "in the user name and password (%%2F, %%3F, %%23)");
		else
			snprintf(err, errlen, "a proxy URL has no path");
		return -1;
	}
	at = NULL;
	for (colon = auth; colon < end; colon++)
		if (*colon == '@')
			at = colon;
	host = auth;
	if (at != NULL) {
		colon = memchr(auth, ':', at - auth);
		if (colon == NULL)
			colon = at;
		if (colon == auth) {
			snprintf(err, errlen, "empty user name");
			return -1;
		}
		if (!proxy_valid_escapes(auth, (size_t)(at - auth))) {
			snprintf(err, errlen, "bad percent-escape in the user "
			    "name or password: '%%' must be followed by two hex "
			    "digits (write %%25 for '%%')");
			return -1;
		}
		np.user = proxy_unescape(auth, colon - auth);
		if (colon < at)
			np.password = proxy_unescape(colon + 1,
			    at - colon - 1);
		else
			np.password = strdup("");
		if (np.user == NULL || np.password == NULL)
			goto nomem;
		host = at + 1;
	}
	if (*host == '[') {
		hostend = memchr(host, ']', end - host);
		if (hostend == NULL) {
			snprintf(err, errlen, "missing ']' after IPv6 address");
			goto bad;
		}
		host++;
		portstr = hostend + 1;
		v6 = 1;
	} else {
		hostend = memchr(host, ':', end - host);
		if (hostend == NULL)
			hostend = end;
		portstr = hostend;
	}
	if ((size_t)(hostend - host) >= sizeof(hostbuf) || hostend == host) {
		snprintf(err, errlen, "bad or missing host");
		goto bad;
	}
	memcpy(hostbuf, host, hostend - host);
	hostbuf[hostend - host] = '\0';
	if (v6 ? inet_pton(AF_INET6, hostbuf, addr) != 1 :
	    !proxy_valid_hostname(hostbuf, strlen(hostbuf))) {
		snprintf(err, errlen, "bad host \"%s\"", hostbuf);
		goto bad;
	}
	if (portstr >= end || *portstr != ':' || portstr + 1 == end) {
		snprintf(err, errlen, "missing port (host:port)");
		goto bad;
	}
	portstr++;
	errno = 0;
	port = strtol(portstr, &endp, 10);
	if (!isdigit((unsigned char)*portstr) || endp != end || errno != 0 ||
	    port < 1 || port > 65535) {
		snprintf(err, errlen, "bad port \"%.*s\" (1-65535)",
		    (int)(end - portstr), portstr);
		goto bad;
	}
	np.port = (int)port;
	if ((np.host = strdup(hostbuf)) == NULL)
		goto nomem;
	if (asprintf(&np.url, v6 ? "http://[%s]:%d" : "http://%s:%d",
	    hostbuf, np.port) == -1) {
		np.url = NULL;
		goto nomem;
	}
	userlen = at == NULL ? 0 : (colon = memchr(auth, ':', at - auth)) !=
	    NULL ? (size_t)(colon - auth) : (size_t)(at - auth);
	if (asprintf(&np.masked, "http://%.*s%s%s%s", (int)userlen, auth,
	    at != NULL && np.password[0] != '\0' ? ":****" : "",
	    at != NULL ? "@" : "", np.url + 7) == -1) {
		np.masked = NULL;
		goto nomem;
	}
	*p = np;
	return 0;
nomem:
	snprintf(err, errlen, "out of memory");
bad:
	proxy_clear(&np);
	return -1;
}

/* Trim white space of s[0..len) in place: adjust *sp and *lenp. */
static void
proxy_trim(const char **sp, size_t *lenp)
{
	const char	*s = *sp;
	size_t		 len = *lenp;

	while (len > 0 && isspace((unsigned char)*s)) {
		s++;
		len--;
	}
	while (len > 0 && isspace((unsigned char)s[len - 1]))
		len--;
	*sp = s;
	*lenp = len;
}

/* Value parser for https_proxy: append ';'-separated URLs to the list. */
static int
proxy_parse_list_value(const char *value, void *dst, const void *arg,
    char *err, size_t errlen)
{
	struct proxy_list	*list = dst;
	const char		*s = value, *item;
	char			*copy, reason[CONF_ERRLEN], masked[512];
	size_t			 len;
	int			 rc;

	for (;;) {
		item = s;
		len = strcspn(s, ";");
		s += len;
		proxy_trim(&item, &len);
		if (len > 0) {
			if (list->count >= PROXY_MAX) {
				snprintf(err, errlen, "more than %d proxies "
				    "(at most %d are allowed)", PROXY_MAX,
				    PROXY_MAX);
				return -1;
			}
			if ((copy = strndup(item, len)) == NULL) {
				snprintf(err, errlen, "out of memory");
				return -1;
			}
			rc = proxy_parse_url(copy,
			    &list->proxies[list->count], reason,
			    sizeof(reason));
			if (rc == -1)
				snprintf(err, errlen, "\"%s\": %s",
				    proxy_mask_url(copy, masked,
				    sizeof(masked)), reason);
			explicit_bzero(copy, len);
			free(copy);
			if (rc == -1)
				return -1;
			list->count++;
		}
		if (*s == '\0')
			break;
		s++;
	}
	return 0;
}

/* Value parser for proxy_order. */
static int
proxy_parse_order(const char *value, void *dst, const void *arg, char *err,
    size_t errlen)
{
	if (strcasecmp(value, "sequential") == 0)
		*(int *)dst = PROXY_ORDER_SEQUENTIAL;
	else if (strcasecmp(value, "random") == 0)
		*(int *)dst = PROXY_ORDER_RANDOM;
	else {
		snprintf(err, errlen, "\"%s\" is not sequential or random",
		    value);
		return -1;
	}
	return 0;
}

/* Value parser for no_proxy. */
static int
proxy_parse_bypass_value(const char *value, void *dst, const void *arg,
    char *err, size_t errlen)
{
	return proxy_bypass_parse(value, dst, err, errlen);
}

/* Parse an IP literal (brackets allowed) into rule. Returns 0 or -1. */
static int
proxy_parse_ip(const char *s, struct proxy_bypass *rule)
{
	char	 buf[64];
	size_t	 len = strlen(s);

	if (len >= 2 && s[0] == '[' && s[len - 1] == ']') {
		s++;
		len -= 2;
	}
	if (len >= sizeof(buf))
		return -1;
	memcpy(buf, s, len);
	buf[len] = '\0';
	memset(rule->addr, 0, sizeof(rule->addr));
	if (inet_pton(AF_INET, buf, rule->addr) == 1) {
		rule->family = AF_INET;
		rule->prefix = 32;
		return 0;
	}
	if (inet_pton(AF_INET6, buf, rule->addr) == 1) {
		rule->family = AF_INET6;
		rule->prefix = 128;
		return 0;
	}
	return -1;
}

/* Parse one no_proxy entry (lower case) into rule. Returns 0, or -1. */
static int
proxy_bypass_entry(char *entry, struct proxy_bypass *rule, char *err,
    size_t errlen)
{
	char	*slash, *endp;
	long	 bits;
	size_t	 len;

	memset(rule, 0, sizeof(*rule));
	if ((slash = strchr(entry, '/')) != NULL) {
		*slash++ = '\0';
		if (proxy_parse_ip(entry, rule) == -1) {
			snprintf(err, errlen, "\"%s\" is not an IP network",
			    entry);
			return -1;
		}
		errno = 0;
		bits = strtol(slash, &endp, 10);
		if (!isdigit((unsigned char)*slash) || *endp != '\0' ||
		    errno != 0 || bits < 0 || bits > rule->prefix) {
			snprintf(err, errlen, "bad prefix length \"/%s\" for "
			    "%s", slash, entry);
			return -1;
		}
		rule->prefix = (int)bits;
		return 0;
	}
	if (proxy_parse_ip(entry, rule) == 0)
		return 0;
	if (entry[0] == '*' && entry[1] == '.')
		entry++;
	len = strlen(entry);
	while (len > 0 && entry[len - 1] == '.')
		entry[--len] = '\0';
	if (!proxy_valid_hostname(entry, len) ||
	    (entry[0] == '.' && len == 1)) {
		snprintf(err, errlen, "\"%s\" is not a host, .domain or "
		    "network", entry);
		return -1;
	}
	if ((rule->name = strdup(entry)) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	return 0;
}

/* Parse a no_proxy value into bl (appending). Returns 0, or -1 + err. */
int
proxy_bypass_parse(const char *value, struct proxy_bypass_list *bl,
    char *err, size_t errlen)
{
	struct proxy_bypass	 rule, *rules;
	const char		*s = value;
	char			*entry;
	size_t			 len, i;

	for (;;) {
		s += strspn(s, ", \t");
		if (*s == '\0')
			break;
		len = strcspn(s, ", \t");
		if ((entry = strndup(s, len)) == NULL) {
			snprintf(err, errlen, "out of memory");
			return -1;
		}
		s += len;
		for (i = 0; i < len; i++)
			entry[i] = (char)tolower((unsigned char)entry[i]);
		if (strcmp(entry, "*") == 0) {
			bl->all = 1;
			free(entry);
			continue;
		}
		if (proxy_bypass_entry(entry, &rule, err, errlen) == -1) {
			free(entry);
			return -1;
		}
		free(entry);
		rules = reallocarray(bl->rules, bl->count + 1,
		    sizeof(*bl->rules));
		if (rules == NULL) {
			free(rule.name);
			snprintf(err, errlen, "out of memory");
			return -1;
		}
		bl->rules = rules;
		bl->rules[bl->count++] = rule;
	}
	return 0;
}

/* Do the first prefix bits of a and b agree? */
static int
proxy_prefix_equal(const uint8_t *a, const uint8_t *b, int prefix)
{
	int	 bytes = prefix / 8, bits = prefix % 8;
	uint8_t	 mask;

	if (memcmp(a, b, bytes) != 0)
		return 0;
	if (bits == 0)
		return 1;
	mask = (uint8_t)(0xff << (8 - bits));
	return (a[bytes] & mask) == (b[bytes] & mask);
}

/* Does no_proxy say host (name or IP literal) goes direct? 1 or 0. */
int
proxy_bypass_match(const struct proxy_bypass_list *bl, const char *host)
{
	struct proxy_bypass	 ip;
	char			 name[256];
	size_t			 len, i, rlen;
	const struct proxy_bypass *r;
	int			 is_ip;

	if (bl->all)
		return 1;
	if (host == NULL || bl->count == 0)
		return 0;
	len = strlen(host);
	if (len >= sizeof(name))
		return 0;
	for (i = 0; i < len; i++)
		name[i] = (char)tolower((unsigned char)host[i]);
	name[len] = '\0';
	while (len > 0 && name[len - 1] == '.')
		name[--len] = '\0';
	is_ip = proxy_parse_ip(name, &ip) == 0;
	for (i = 0; i < bl->count; i++) {
		r = &bl->rules[i];
		if (is_ip) {
			if (r->family == ip.family &&
			    proxy_prefix_equal(r->addr, ip.addr, r->prefix))
				return 1;
			continue;
		}
		if (r->name == NULL)
			continue;
		if (r->name[0] != '.') {
			if (strcmp(r->name, name) == 0)
				return 1;
			continue;
		}
		/* ".example.com" matches example.com and its subdomains. */
		rlen = strlen(r->name);
		if (strcmp(r->name + 1, name) == 0 ||
		    (len > rlen && strcmp(name + len - rlen, r->name) == 0))
			return 1;
	}
	return 0;
}

/* Free what pc holds and zero it. */
void
proxy_config_free(struct proxy_config *pc)
{
	int	 i;
	size_t	 j;

	for (i = 0; i < pc->list.count; i++)
		proxy_clear(&pc->list.proxies[i]);
	for (j = 0; j < pc->bypass.count; j++)
		free(pc->bypass.rules[j].name);
	free(pc->bypass.rules);
	free(pc->source);
	memset(pc, 0, sizeof(*pc));
}

/* Parse path into pc. Returns the number of errors, or -1 (errno). */
int
proxy_config_parse_file(struct proxy_config *pc, const char *path,
    conf_error_fn errfn, void *arg)
{
	struct stat	 st;
	char		 reason[CONF_ERRLEN + PATH_MAX];
	int		 errors, i, has_password = 0, saved;

	memset(pc, 0, sizeof(*pc));
	if (stat(path, &st) == -1) {
		saved = errno;
		snprintf(reason, sizeof(reason), "cannot open: %s",
		    strerror(saved));
		if (errfn != NULL)
			errfn(path, 0, reason, arg);
		else
			fprintf(stderr, "%s: %s\n", path, reason);
		errno = saved;
		return -1;
	}
	errors = conf_parse_file(path, proxy_keys, pc, errfn, arg);
	if (errors == -1)
		return -1;
	if ((pc->source = strdup(path)) == NULL)
		errors++;
	for (i = 0; i < pc->list.count; i++)
		if (pc->list.proxies[i].password != NULL &&
		    pc->list.proxies[i].password[0] != '\0')
			has_password = 1;
	if (has_password && (st.st_mode & 077) != 0) {
		snprintf(reason, sizeof(reason), "holds a proxy password but "
		    "group or others have access to it (mode %04o); refused: "
		    "run \"chmod 600 %s\"", (unsigned int)(st.st_mode & 07777),
		    path);
		if (errfn != NULL)
			errfn(path, 0, reason, arg);
		else
			fprintf(stderr, "%s: %s\n", path, reason);
		errors++;
	}
	return errors;
}

/* Report one environment error. */
static void
proxy_env_error(conf_error_fn errfn, void *arg, const char *var,
    const char *reason)
{
	char	 buf[CONF_ERRLEN + 64];

	snprintf(buf, sizeof(buf), "%s: %s", var, reason);
	if (errfn != NULL)
		errfn("environment", 0, buf, arg);
	else
		fprintf(stderr, "environment: %s\n", buf);
}

/* Fill pc from the environment. Returns the number of errors. */
static int
proxy_config_from_env(struct proxy_config *pc, conf_error_fn errfn,
    void *arg)
{
	const char	*var, *value;
	char		*withscheme = NULL, err[CONF_ERRLEN];
	int		 errors = 0;

	memset(pc, 0, sizeof(*pc));
	if ((pc->source = strdup("environment")) == NULL)
		return 1;
	var = "https_proxy";
	if ((value = getenv(var)) == NULL || *value == '\0') {
		var = "HTTPS_PROXY";
		value = getenv(var);
	}
	if (value != NULL && *value != '\0') {
		/* The environment often names a proxy as host:port. */
		if (strstr(value, "://") == NULL) {
			if (asprintf(&withscheme, "http://%s", value) == -1)
				return errors + 1;
			value = withscheme;
		}
		if (proxy_parse_list_value(value, &pc->list, NULL, err,
		    sizeof(err)) == -1) {
			proxy_env_error(errfn, arg, var, err);
			errors++;
		}
		if (withscheme != NULL) {
			explicit_bzero(withscheme, strlen(withscheme));
			free(withscheme);
		}
	}
	var = "no_proxy";
	if ((value = getenv(var)) == NULL) {
		var = "NO_PROXY";
		value = getenv(var);
	}
	if (value != NULL && proxy_bypass_parse(value, &pc->bypass, err,
	    sizeof(err)) == -1) {
		proxy_env_error(errfn, arg, var, err);
		errors++;
	}
	return errors;
}

/*
 * A proxy file without an https_proxy line (such as the commented example)
 * takes the environment's proxies, and its no_proxy unless the file gives
 * one; the file's proxy_order and proxy_fail_open apply. Returns the
 * number of errors.
 */
static int
proxy_config_env_proxies(struct proxy_config *pc, conf_error_fn errfn,
    void *arg)
{
	struct proxy_config	 env;
	char			*source;
	int			 errors;

	if ((errors = proxy_config_from_env(&env, errfn, arg)) != 0) {
		proxy_config_free(&env);
		return errors;
	}
	pc->list = env.list;
	memset(&env.list, 0, sizeof(env.list));
	if (pc->bypass.count == 0 && !pc->bypass.all) {
		pc->bypass = env.bypass;
		memset(&env.bypass, 0, sizeof(env.bypass));
	}
	proxy_config_free(&env);
	if (asprintf(&source, "%s (no https_proxy line) and the environment",
	    pc->source) == -1)
		return 1;
	free(pc->source);
	pc->source = source;
	return 0;
}

/* Load path when it exists, the environment otherwise. Returns 0 or -1. */
int
proxy_config_load(struct proxy_config *pc, const char *path,
    conf_error_fn errfn, void *arg)
{
	struct stat	 st;
	int		 errors;

	if (path != NULL && *path != '\0' &&
	    (stat(path, &st) == 0 || errno != ENOENT)) {
		errors = proxy_config_parse_file(pc, path, errfn, arg);
		if (errors == 0 && pc->list.count == 0)
			errors = proxy_config_env_proxies(pc, errfn, arg);
		if (errors != 0) {
			proxy_config_free(pc);
			return -1;
		}
		return 0;
	}
	errors = proxy_config_from_env(pc, errfn, arg);
	if (errors != 0) {
		proxy_config_free(pc);
		return -1;
	}
	return 0;
}

/* Check a proxy file for outpostd -n. Returns the number of errors. */
int
proxy_check_file(const char *path)
{
	struct proxy_config	 pc;
	int			 errors;

	errors = proxy_config_parse_file(&pc, path, NULL, NULL);
	proxy_config_free(&pc);
	return errors == -1 ? 1 : errors;
}

/* Plan the proxies one request to host tries. Returns their number. */
int
proxy_plan(const struct proxy_config *pc, const char *host,
    unsigned int start, int *order)
{
	int	 i, n = pc->list.count;

	if (n == 0 || proxy_bypass_match(&pc->bypass, host))
		return 0;
	if (pc->order != PROXY_ORDER_RANDOM)
		start = 0;
	for (i = 0; i < n; i++)
		order[i] = (int)((start + (unsigned int)i) % (unsigned int)n);
	return n;
}
