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

#endif /* OUTPOST_COMPAT_H */
