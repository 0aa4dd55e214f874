/*
 * proxy.h: the manual proxy configuration (proxy.conf, or the https_proxy
 * and no_proxy environment variables when the file is absent) and the
 * policy that picks the proxies one request tries, in order.
 */
#ifndef OUTPOST_PROXY_H
#define OUTPOST_PROXY_H

#include <stddef.h>
#include <stdint.h>

#include "conf.h"

#define PROXY_MAX	5	/* proxies in one configuration */

enum proxy_order {
	PROXY_ORDER_SEQUENTIAL = 0,	/* always from the first */
	PROXY_ORDER_RANDOM		/* from a random one, then in turn */
};

/* One proxy: http://[user:password@]host:port. */
struct proxy {
	char		*url;		/* http://host:port, no user info */
	char		*host;		/* without brackets */
	int		 port;
	char		*user;		/* decoded; NULL = none */
	char		*password;	/* decoded; NULL = none */
	char		*masked;	/* for logs: http://user:****@host:port */
};

/* One no_proxy entry. */
struct proxy_bypass {
	int		 family;	/* 0 = host name, AF_INET, AF_INET6 */
	char		*name;		/* lower case; ".domain" = suffix */
	uint8_t		 addr[16];
	int		 prefix;	/* bits */
};

/* The proxies of a configuration, as the parser fills them. */
struct proxy_list {
	struct proxy	 proxies[PROXY_MAX];
	int		 count;
};

/* The bypass rules of a configuration. */
struct proxy_bypass_list {
	struct proxy_bypass	*rules;
	size_t			 count;
	int			 all;	/* "*": never use a proxy */
};

/* A complete proxy configuration. */
struct proxy_config {
	struct proxy_list	 list;
	int			 order;		/* enum proxy_order */
	int			 fail_open;	/* go direct once all failed */
	struct proxy_bypass_list bypass;
	char			*source;	/* file path or "environment" */
};

/*
 * Parse path into pc (which is zeroed first). Every error goes to errfn
 * as "file:line: reason" (NULL: stderr). A file holding a password that
 * group or others may read is refused. Returns the number of errors (0 =
 * good), or -1 if the file cannot be opened (errno set).
 */
int	proxy_config_parse_file(struct proxy_config *, const char *path,
	    conf_error_fn, void *);
/*
 * Load the proxy configuration: path when it exists and has an
 * https_proxy line (path may be NULL), the environment otherwise (its
 * proxies and its no_proxy). Returns 0, or -1 after reporting errors.
 */
int	proxy_config_load(struct proxy_config *, const char *path,
	    conf_error_fn, void *);
/* Free what pc holds and zero it. */
void	proxy_config_free(struct proxy_config *);
/*
 * Check a proxy file for outpostd -n: print its errors to stderr. Returns
 * the number of errors (an unreadable file counts as one).
 */
int	proxy_check_file(const char *path);

/*
 * Parse one proxy URL into p. Returns 0, or -1 with the reason in err.
 * p is untouched on failure; on success the caller frees it with
 * proxy_clear().
 */
int	proxy_parse_url(const char *, struct proxy *, char *err, size_t);
/* Free what p holds and zero it. */
void	proxy_clear(struct proxy *);
/* Copy src into dst. Returns 0, or -1 (no memory; dst left empty). */
int	proxy_copy(struct proxy *dst, const struct proxy *src);
/* Copy url into buf with any password replaced by "****". Returns buf. */
char	*proxy_mask_url(const char *url, char *buf, size_t len);
/* Parse a no_proxy value into bl (appending). Returns 0, or -1 + err. */
int	proxy_bypass_parse(const char *, struct proxy_bypass_list *, char *,
	    size_t);
/* Does no_proxy say host (name or IP literal) goes direct? 1 or 0. */
int	proxy_bypass_match(const struct proxy_bypass_list *, const char *host);
/*
 * Plan the proxies one request to host tries: fill order[] (size
 * PROXY_MAX) with indexes into pc->list. start picks the first proxy when
 * the order is random (any number; taken modulo the count). Returns how
 * many proxies to try (0 = direct, host bypassed or none configured).
 */
int	proxy_plan(const struct proxy_config *, const char *host,
	    unsigned int start, int *order);

#endif /* OUTPOST_PROXY_H */
