/*
 * fileio.c: whole-file reads and crash-safe whole-file writes.
 */
#include "config.h"

#include <sys/stat.h>
#include <sys/types.h>

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "compat.h"
#include "fileio.h"

/* fsync the directory holding path. Returns 0, or -errno. */
static int
fileio_sync_dir(const char *path)
{
	char	 copy[PATH_MAX];
	int	 fd, rc = 0;

	if (strlcpy(copy, path, sizeof(copy)) >= sizeof(copy))
		return -ENAMETOOLONG;
	if ((fd = open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC)) ==
	    -1)
		return -errno;
	if (fsync(fd) == -1 && errno != EINVAL)
		rc = -errno;
	close(fd);
	return rc;
}

/* Write all of buf to fd, retrying on EINTR. Returns bytes written. */
size_t
fileio_write_all(int fd, const void *buf, size_t len, int *err)
{
	const char	*p = buf;
	size_t		 done = 0;
	ssize_t		 n;

	*err = 0;
	while (done < len) {
		n = write(fd, p + done, len - done);
		if (n == -1) {
			if (errno == EINTR)
				continue;
			*err = errno;
			break;
		}
		if (n == 0) {
			*err = EIO;
			break;
		}
		done += (size_t)n;
	}
	return done;
}

/* Replace path with data atomically. Returns 0, or -errno. */
int
fileio_write_atomic(const char *path, const void *data, size_t len,
    mode_t mode)
{
	char	 tmp[PATH_MAX];
	int	 fd, rc, err;

	if (snprintf(tmp, sizeof(tmp), "%s.tmp.%ld", path, (long)getpid()) >=
	    (int)sizeof(tmp))
		return -ENAMETOOLONG;
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW,
	    mode);
	if (fd == -1)
		return -errno;
	rc = 0;
	if (fileio_write_all(fd, data, len, &err) != len)
		rc = -err;
	else if (fchmod(fd, mode) == -1)
		rc = -errno;
	if (rc == 0 && fsync(fd) == -1)
		rc = -errno;
	if (close(fd) == -1 && rc == 0)
		rc = -errno;
	if (rc == 0 && rename(tmp, path) == -1)
		rc = -errno;
	if (rc != 0) {
		unlink(tmp);
		return rc;
	}
	return fileio_sync_dir(path);
}

/* Read all of path into a new NUL-terminated buffer. Returns 0 or -errno. */
int
fileio_read_all(const char *path, size_t max, char **out, size_t *len)
{
	struct stat	 st;
	char		*buf;
	size_t		 off = 0;
	ssize_t		 n;
	int		 fd, rc;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return -errno;
	if (fstat(fd, &st) == -1) {
		rc = -errno;
		close(fd);
		return rc;
	}
	if (!S_ISREG(st.st_mode)) {
		close(fd);
		return -EINVAL;
	}
	if ((size_t)st.st_size > max) {
		close(fd);
		return -EFBIG;
	}
	if ((buf = malloc((size_t)st.st_size + 1)) == NULL) {
		close(fd);
		return -ENOMEM;
	}
	while (off < (size_t)st.st_size) {
		n = read(fd, buf + off, (size_t)st.st_size - off);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			rc = -errno;
			free(buf);
			close(fd);
			return rc;
		}
		if (n == 0)
			break;
		off += (size_t)n;
	}
	close(fd);
	buf[off] = '\0';
	*out = buf;
	*len = off;
	return 0;
}
