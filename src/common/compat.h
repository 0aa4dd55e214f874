/* compat.h: libc functions some systems lack, provided by compat.c. */
#ifndef OUTPOST_COMPAT_H
#define OUTPOST_COMPAT_H

#include <stddef.h>
#include <sys/types.h>

#ifndef HAVE_STRLCPY
size_t	strlcpy(char *, const char *, size_t);
#endif
#ifndef HAVE_STRLCAT
size_t	strlcat(char *, const char *, size_t);
#endif
#ifndef HAVE_GETPEEREID
int	getpeereid(int, uid_t *, gid_t *);
#endif

#define nitems(a)	(sizeof(a) / sizeof((a)[0]))

/* The value of one hex digit (either case), or -1. */
static inline int
hex_value(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Write len bytes as 2*len lower-case hex digits and a NUL into out. */
static inline void
hex_encode(const unsigned char *in, size_t len, char *out)
{
	static const char	 digits[] = "0123456789abcdef";
	size_t			 i;

	for (i = 0; i < len; i++) {
		out[2 * i] = digits[in[i] >> 4];
		out[2 * i + 1] = digits[in[i] & 0x0f];
	}
	out[2 * len] = '\0';
}

#endif /* OUTPOST_COMPAT_H */
