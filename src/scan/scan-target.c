/*
 * scan-target.c: port lists and CIDR ranges for outpost-scan.
 */
#include "config.h"

#include <sys/socket.h>

#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scan-target.h"

/* Read a port number at *p, moving p past it. Returns it, or -1. */
static long
scan_port_read(const char **p)
{
	long	 v = 0;
	int	 digits = 0;

	while (**p >= '0' && **p <= '9') {
		if (++digits > 5)
			return -1;
		v = v * 10 + (**p - '0');
		(*p)++;
	}
	if (digits == 0 || v < 1 || v > 65535)
		return -1;
	return v;
}

/* Parse a port list. Returns the count, or -1 with err. */
int
scan_ports_parse(const char *spec, int *ports, int max, char *err,
    size_t errlen)
{
	const char	*p = spec, *item;
	unsigned char	*seen;
	long		 lo, hi, v;
	int		 n = 0;

	if (spec == NULL || *spec == '\0') {
		snprintf(err, errlen, "empty port list");
		return -1;
	}
	if ((seen = calloc(65536, 1)) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	for (;;) {
		item = p;
		if ((lo = scan_port_read(&p)) == -1) {
			snprintf(err, errlen, "port list \"%s\", at offset %d: "
			    "expected a port number from 1 to 65535",
			    spec, (int)(item - spec));
			goto fail;
		}
		hi = lo;
		if (*p == '-') {
			p++;
			if ((hi = scan_port_read(&p)) == -1 || hi < lo) {
				snprintf(err, errlen, "port list \"%s\", at "
				    "offset %d: expected a range LOW-HIGH of "
				    "ports from 1 to 65535", spec,
				    (int)(item - spec));
				goto fail;
			}
		}
		for (v = lo; v <= hi; v++)
			seen[v] = 1;
		if (*p == '\0')
			break;
		if (*p != ',') {
			snprintf(err, errlen, "port list \"%s\", at offset %d: "
			    "expected ',' or the end", spec, (int)(p - spec));
			goto fail;
		}
		p++;
	}
	for (v = 1; v <= 65535; v++) {
		if (!seen[v])
			continue;
		if (n == max) {
			snprintf(err, errlen, "port list \"%s\": more than %d "
			    "ports", spec, max);
			goto fail;
		}
		ports[n++] = (int)v;
	}
	free(seen);
	return n;
fail:
	free(seen);
	return -1;
}

/* Parse a CIDR range. Returns 0, or -1 with err. */
int
scan_range_parse(const char *text, struct scan_range *r, char *err,
    size_t errlen)
{
	int	 bits;

	memset(r, 0, sizeof(*r));
	if (cidr_parse(text, 0, &r->net, err, errlen) == -1)
		return -1;
	bits = (r->net.family == AF_INET ? 32 : 128) - r->net.prefixlen;
	if (bits > 16) {
		snprintf(err, errlen, "range \"%s\" holds more than %d "
		    "addresses", text, SCAN_MAX_HOSTS);
		return -1;
	}
	r->count = (uint64_t)1 << bits;
	if (r->net.family == AF_INET && bits >= 2) {
		r->first = 1;
		r->count -= 2;
	}
	return 0;
}

/* The i-th address of r. */
void
scan_range_addr(const struct scan_range *r, uint64_t i,
    struct sockaddr_storage *ss, socklen_t *len)
{
	struct sockaddr_in	*sin;
	struct sockaddr_in6	*sin6;
	uint8_t			 a[16];
	uint64_t		 carry = r->first + i;
	int			 k, size;

	size = r->net.family == AF_INET ? 4 : 16;
	memcpy(a, r->net.addr, sizeof(a));
	for (k = size - 1; k >= 0 && carry > 0; k--) {
		carry += a[k];
		a[k] = (uint8_t)(carry & 0xff);
		carry >>= 8;
	}
	memset(ss, 0, sizeof(*ss));
	if (r->net.family == AF_INET) {
		sin = (struct sockaddr_in *)(void *)ss;
		sin->sin_family = AF_INET;
		memcpy(&sin->sin_addr, a, 4);
		*len = sizeof(*sin);
	} else {
		sin6 = (struct sockaddr_in6 *)(void *)ss;
		sin6->sin6_family = AF_INET6;
		memcpy(&sin6->sin6_addr, a, 16);
		*len = sizeof(*sin6);
	}
}
