/* compat.c: libc functions some systems lack. */
#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>

#include <errno.h>
#include <string.h>

#include "compat.h"

#ifndef HAVE_STRLCPY
/* Copy src into dst of size dsize, always terminated. Returns strlen(src). */
size_t
strlcpy(char *dst, const char *src, size_t dsize)
{
	size_t	 len = strlen(src);

	if (dsize != 0) {
		size_t n = len >= dsize ? dsize - 1 : len;
		memcpy(dst, src, n);
		dst[n] = '\0';
	}
	return len;
}
#endif

#ifndef HAVE_STRLCAT
/* Append src to dst of size dsize. Returns the length it tried to make. */
size_t
strlcat(char *dst, const char *src, size_t dsize)
{
	size_t	 dlen = strnlen(dst, dsize);

	if (dlen == dsize)
		return dsize + strlen(src);
	return dlen + strlcpy(dst + dlen, src, dsize - dlen);
}
#endif

#ifndef HAVE_GETPEEREID
/* Credentials of the peer of a UNIX socket. Returns 0, or -1 and errno. */
int
getpeereid(int s, uid_t *euid, gid_t *egid)
{
#ifdef SO_PEERCRED
	struct ucred	 cred;
	socklen_t	 len = sizeof(cred);

	if (getsockopt(s, SOL_SOCKET, SO_PEERCRED, &cred, &len) == -1)
		return -1;
	*euid = cred.uid;
	*egid = cred.gid;
	return 0;
#else
	errno = EOPNOTSUPP;
	return -1;
#endif
}
#endif
