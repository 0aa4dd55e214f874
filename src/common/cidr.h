/*
 * cidr.h: IPv4 and IPv6 networks in CIDR notation ("10.0.0.0/8",
 * "2001:db8::/32"), for the agent's approved networks and the ranges
 * outpost-scan expands.
 */
#ifndef OUTPOST_CIDR_H
#define OUTPOST_CIDR_H

#include <sys/socket.h>

#include <stddef.h>
#include <stdint.h>

#define CIDR_TEXT_MAX	64	/* longest text cidr_format() writes */

/* One network: the address with its host bits cleared, and the prefix. */
struct cidr {
	int		 family;	/* AF_INET or AF_INET6 */
	uint8_t		 addr[16];	/* network byte order; 4 used for v4 */
	int		 prefixlen;	/* 0..32 or 0..128 */
};

/*
 * Parse "ADDRESS/PREFIX" (or a bare address, a host network, when
 * allow_bare is set). Host bits set below the prefix are refused, so a
 * typo such as 10.0.0.1/8 is noticed. Returns 0, or -1 with the reason
 * in err.
 */
int	cidr_parse(const char *text, int allow_bare, struct cidr *out,
	    char *err, size_t errlen);
/* Does network n contain sa (AF_INET/AF_INET6)? Returns 1 or 0. */
int	cidr_contains(const struct cidr *n, const struct sockaddr *sa);
/* Format n as "ADDRESS/PREFIX" into buf. Returns buf. */
const char *cidr_format(const struct cidr *n, char *buf, size_t len);

#endif /* OUTPOST_CIDR_H */
