/*
 * fileio.h: whole-file reads, crash-safe whole-file writes, and writes
 * that finish.
 */
#ifndef OUTPOST_FILEIO_H
#define OUTPOST_FILEIO_H

#include <stddef.h>
#include <sys/types.h>

/*
 * Replace path with len bytes of data, atomically: write a temporary file
 * in the same directory with mode, fsync it, rename it over path, fsync
 * the directory. Returns 0, or -errno (path is then unchanged).
 */
int	fileio_write_atomic(const char *path, const void *data, size_t len,
	    mode_t mode);
/*
 * Read all of path (at most max bytes) into a new NUL-terminated buffer.
 * Returns 0 with *out and *len, -EFBIG if larger than max, or -errno.
 */
int	fileio_read_all(const char *path, size_t max, char **out, size_t *len);
/*
 * Write all of buf to fd, retrying on EINTR. Returns the bytes written;
 * fewer than len with the errno in *err (0 when all were written).
 */
size_t	fileio_write_all(int fd, const void *buf, size_t len, int *err);

#endif /* OUTPOST_FILEIO_H */
