/*
 * cidr.c: parse, match and format CIDR networks.
 */
#include "config.h"

#include <sys/socket.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cidr.h"
#include "compat.h"

/* Does addr (len bytes) have any bit set after the first prefixlen? */
static int
cidr_has_host_bits(const uint8_t *addr, int len, int prefixlen)
{
	int	 i, bit;

	for (i = 0; i < len * 8; i++) {
		if (i < prefixlen)
			continue;
		bit = (addr[i / 8] >> (7 - i % 8)) & 1;
		if (bit)
			return 1;
	}
	return 0;
}

/* Parse text into out. Returns 0, or -1 with the reason in err. */
int
cidr_parse(const char *text, int allow_bare, struct cidr *out, char *err,
    size_t errlen)
{
	char		 buf[CIDR_TEXT_MAX];
	const char	*slash, *p;
	long		 prefix;
	int		 max, len;

	memset(out, 0, sizeof(*out));
	if (text == NULL || text[0] == '\0') {
		snprintf(err, errlen, "empty network");
		return -1;
	}
	if (strlen(text) >= sizeof(buf)) {
		snprintf(err, errlen, "network \"%.20s...\" is too long", text);
		return -1;
	}
	slash = strchr(text, '/');
	if (slash == NULL && !allow_bare) {
		snprintf(err, errlen, "\"%s\": expected ADDRESS/PREFIX", text);
		return -1;
	}
	len = slash != NULL ? (int)(slash - text) : (int)strlen(text);
	memcpy(buf, text, (size_t)len);
	buf[len] = '\0';
	if (inet_pton(AF_INET, buf, out->addr) == 1) {
		out->family = AF_INET;
		max = 32;
	} else if (inet_pton(AF_INET6, buf, out->addr) == 1) {
		out->family = AF_INET6;
		max = 128;
	} else {
		snprintf(err, errlen, "\"%s\": \"%s\" is not an IPv4 or IPv6 "
		    "address", text, buf);
		return -1;
	}
	if (slash == NULL) {
		out->prefixlen = max;
		return 0;
	}
	p = slash + 1;
	if (*p == '\0' || strspn(p, "0123456789") != strlen(p) ||
	    strlen(p) > 3) {
		snprintf(err, errlen, "\"%s\": the prefix length must be a "
		    "number from 0 to %d", text, max);
		return -1;
	}
	prefix = strtol(p, NULL, 10);
	if (prefix > max) {
		snprintf(err, errlen, "\"%s\": the prefix length must be a "
		    "number from 0 to %d", text, max);
		return -1;
	}
	out->prefixlen = (int)prefix;
	if (cidr_has_host_bits(out->addr, max / 8, out->prefixlen)) {
		snprintf(err, errlen, "\"%s\": host bits are set below the "
		    "/%d prefix", text, out->prefixlen);
		return -1;
	}
	return 0;
}

/* Does n contain sa? Returns 1 or 0. */
int
cidr_contains(const struct cidr *n, const struct sockaddr *sa)
{
	const uint8_t	*a;
	int		 full, rest;

	if (sa->sa_family != n->family)
		return 0;
	if (sa->sa_family == AF_INET)
		a = (const uint8_t *)&((const struct sockaddr_in *)
		    (const void *)sa)->sin_addr;
	else if (sa->sa_family == AF_INET6)
		a = ((const struct sockaddr_in6 *)(const void *)sa)->
		    sin6_addr.s6_addr;
	else
		return 0;
	full = n->prefixlen / 8;
	rest = n->prefixlen % 8;
	if (memcmp(a, n->addr, (size_t)full) != 0)
		return 0;
	if (rest == 0)
		return 1;
	return ((a[full] ^ n->addr[full]) & (0xff << (8 - rest))) == 0;
}

/* Format n as "ADDRESS/PREFIX". Returns buf. */
const char *
cidr_format(const struct cidr *n, char *buf, size_t len)
{
	char	 text[INET6_ADDRSTRLEN];

	if (inet_ntop(n->family, n->addr, text, sizeof(text)) == NULL)
		strlcpy(text, "?", sizeof(text));
	snprintf(buf, len, "%s/%d", text, n->prefixlen);
	return buf;
}
