/*
 * log-archive.c: the archives of the rotating logger (log-archive.h).
 * An archive is NAME-YYYY-MM-DDTHH-MM-SS.mmm.log.gz with the UTC time of
 * its rotation; a rotated file waits as .NAME-STAMP.log.rotating and is
 * compressed through .NAME-STAMP.log.gz.tmp, fsync'd and renamed, so an
 * archive under its final name is always whole. Retention unlinks the
 * oldest archives beyond the number kept.
 */
#include "config.h"

#include <sys/types.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "compat.h"
#include "fileio.h"
#include "log.h"
#include "log-archive.h"

/* Returns ts in milliseconds since the epoch. */
int64_t
log_ms(const struct timespec *ts)
{
	return (int64_t)ts->tv_sec * 1000 + ts->tv_nsec / 1000000;
}

/*
 * Format ms (since the epoch, UTC) as YYYY-MM-DDTHH-MM-SS.mmm with the
 * given separator between hours, minutes and seconds. Returns 0, or -1.
 */
int
log_format_stamp(char *buf, size_t len, int64_t ms, char sep)
{
	struct tm	 tm;
	time_t		 sec = (time_t)(ms / 1000);
	int		 n;

	if (ms < 0 || gmtime_r(&sec, &tm) == NULL)
		return -1;
	n = snprintf(buf, len, "%04d-%02d-%02dT%02d%c%02d%c%02d.%03d",
	    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, sep,
	    tm.tm_min, sep, tm.tm_sec, (int)(ms % 1000));
	return (n < 0 || (size_t)n >= len) ? -1 : 0;
}

/* Build NAME-YYYY-MM-DDTHH-MM-SS.mmm.log.gz for ts. Returns 0, or -1. */
int
log_archive_name(char *buf, size_t len, const char *name,
    const struct timespec *ts)
{
	char	 stamp[64];
	int	 n;

	if (ts->tv_nsec < 0 || ts->tv_nsec >= 1000000000 ||
	    log_format_stamp(stamp, sizeof(stamp), log_ms(ts), '-') == -1)
		return -1;
	n = snprintf(buf, len, "%s-%s.log.gz", name, stamp);
	return (n < 0 || (size_t)n >= len) ? -1 : 0;
}

/*
 * If s starts with a stamp (see LOG_STAMP_PATTERN) followed by suffix and
 * nothing else, returns 1 and, if ms is not NULL, the stamp's time in *ms;
 * otherwise returns 0.
 */
static int
log_match_stamp(const char *s, const char *suffix, int64_t *ms)
{
	struct tm	 tm;
	size_t		 i;
	int		 v[7] = { 0 }, k = 0;

	for (i = 0; LOG_STAMP_PATTERN[i] != '\0'; i++) {
		if (LOG_STAMP_PATTERN[i] == '0') {
			if (s[i] < '0' || s[i] > '9')
				return 0;
			v[k] = v[k] * 10 + (s[i] - '0');
		} else if (s[i] != LOG_STAMP_PATTERN[i])
			return 0;
		else
			k++;
	}
	if (strcmp(s + i, suffix) != 0)
		return 0;
	if (ms != NULL) {
		memset(&tm, 0, sizeof(tm));
		tm.tm_year = v[0] - 1900;
		tm.tm_mon = v[1] - 1;
		tm.tm_mday = v[2];
		tm.tm_hour = v[3];
		tm.tm_min = v[4];
		tm.tm_sec = v[5];
		*ms = (int64_t)timegm(&tm) * 1000 + v[6];
	}
	return 1;
}

/*
 * If entry is "<prefix><name>-STAMP<suffix>", returns a pointer to STAMP
 * (and its time in *ms when ms is not NULL); otherwise NULL.
 */
const char *
log_match_entry(const char *entry, const char *prefix, const char *name,
    const char *suffix, int64_t *ms)
{
	size_t	 plen = strlen(prefix), nlen = strlen(name);

	if (strncmp(entry, prefix, plen) != 0 ||
	    strncmp(entry + plen, name, nlen) != 0 ||
	    entry[plen + nlen] != '-')
		return NULL;
	entry += plen + nlen + 1;
	return log_match_stamp(entry, suffix, ms) ? entry : NULL;
}

/* Compare two strings for qsort. */
static int
log_strcmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/*
 * Collect the entries of dir matching "<prefix><name>-STAMP<suffix>",
 * sorted by name (oldest first). Returns their count with the array in
 * *out (free each and the array), or -1 with errno set.
 */
int
log_list(const char *dir, const char *prefix, const char *name,
    const char *suffix, char ***out)
{
	DIR		 *d;
	struct dirent	 *de;
	char		**v = NULL, **nv;
	size_t		  n = 0, size = 0;

	*out = NULL;
	if ((d = opendir(dir)) == NULL)
		return -1;
	while ((de = readdir(d)) != NULL) {
		if (log_match_entry(de->d_name, prefix, name, suffix,
		    NULL) == NULL)
			continue;
		if (n == size) {
			size = size ? size * 2 : 16;
			if (size > SIZE_MAX / sizeof(*v) ||
			    (nv = realloc(v, size * sizeof(*v))) == NULL)
				goto fail;
			v = nv;
		}
		if ((v[n] = strdup(de->d_name)) == NULL)
			goto fail;
		n++;
	}
	closedir(d);
	if (n > 0)
		qsort(v, n, sizeof(*v), log_strcmp);
	*out = v;
	return (int)n;
fail:
	while (n > 0)
		free(v[--n]);
	free(v);
	closedir(d);
	errno = ENOMEM;
	return -1;
}

/* Free a list made by log_list. */
void
log_list_free(char **v, int n)
{
	while (n > 0)
		free(v[--n]);
	free(v);
}

/*
 * Unlink the oldest archives of name in dir so that at most keep remain.
 * Returns the number of archives left, or -1.
 */
int
log_prune(const char *dir, const char *name, int keep)
{
	char	**v, path[PATH_MAX];
	int	  n, i, left;

	if ((n = log_list(dir, "", name, ".log.gz", &v)) == -1)
		return -1;
	left = n;
	for (i = 0; i < n && left > keep; i++) {
		if (snprintf(path, sizeof(path), "%s/%s", dir, v[i]) >=
		    (int)sizeof(path))
			continue;
		if (unlink(path) == 0 || errno == ENOENT)
			left--;
	}
	log_list_free(v, n);
	return left;
}

/* Free a job, closing what it holds open. */
void
log_job_free(struct log_job *job)
{
	if (job->is_started)
		(void)deflateEnd(&job->zs);
	if (job->in_fd != -1)
		(void)close(job->in_fd);
	if (job->out_fd != -1)
		(void)close(job->out_fd);
	free(job->inbuf);
	free(job->outbuf);
	free(job->dir);
	free(job->src);
	free(job->tmp);
	free(job->dst);
	free(job);
}

/*
 * A job compressing dir/.NAME-stamp.log.rotating into NAME-stamp.log.gz.
 * Returns it, or NULL if out of memory.
 */
struct log_job *
log_job_new(const char *dir, const char *name, const char *stamp)
{
	struct log_job	*job;

	if ((job = calloc(1, sizeof(*job))) == NULL)
		return NULL;
	job->in_fd = job->out_fd = -1;
	if ((job->dir = strdup(dir)) == NULL ||
	    asprintf(&job->src, "%s/.%s-%s.log.rotating", dir, name,
	    stamp) == -1 ||
	    asprintf(&job->tmp, "%s/.%s-%s.log.gz.tmp", dir, name,
	    stamp) == -1 ||
	    asprintf(&job->dst, "%s/%s-%s.log.gz", dir, name, stamp) == -1) {
		log_job_free(job);
		return NULL;
	}
	return job;
}

/* Open a job's files and its gzip stream. Returns 0, or -errno. */
static int
log_job_start(struct log_job *job, int level)
{
	if ((job->in_fd = open(job->src, O_RDONLY | O_CLOEXEC)) == -1)
		return -errno;
	job->out_fd = open(job->tmp, O_WRONLY | O_CREAT | O_TRUNC |
	    O_CLOEXEC, 0640);
	if (job->out_fd == -1)
		return -errno;
	if ((job->inbuf = malloc(LOG_CHUNK)) == NULL ||
	    (job->outbuf = malloc(LOG_CHUNK)) == NULL)
		return -ENOMEM;
	memset(&job->zs, 0, sizeof(job->zs));
	if (deflateInit2(&job->zs, level, Z_DEFLATED, 15 + 16, 8,
	    Z_DEFAULT_STRATEGY) != Z_OK)
		return -ENOMEM;
	job->is_started = 1;
	return 0;
}

/*
 * Compress the next chunk of a job; at the end of its input, finish the
 * archive, put it under its final name and remove the rotated file.
 * Returns 1 if there is more to do, 0 when done, or -errno.
 */
int
log_job_step(struct log_job *job, int level)
{
	ssize_t	 n;
	size_t	 have;
	int	 flush, ret, err, rc;

	if (!job->is_started && (rc = log_job_start(job, level)) != 0)
		return rc;
	do {
		n = read(job->in_fd, job->inbuf, LOG_CHUNK);
	} while (n == -1 && errno == EINTR);
	if (n == -1)
		return -errno;
	flush = n == 0 ? Z_FINISH : Z_NO_FLUSH;
	job->zs.next_in = job->inbuf;
	job->zs.avail_in = (uInt)n;
	do {
		job->zs.next_out = job->outbuf;
		job->zs.avail_out = LOG_CHUNK;
		ret = deflate(&job->zs, flush);
		if (ret == Z_STREAM_ERROR)
			return -EIO;
		have = LOG_CHUNK - job->zs.avail_out;
		if (fileio_write_all(job->out_fd, job->outbuf, have, &err) != have)
			return -err;
	} while (job->zs.avail_out == 0);
	if (flush != Z_FINISH)
		return 1;
	if (ret != Z_STREAM_END)
		return -EIO;
	if (fsync(job->out_fd) == -1 && errno != EINVAL)
		return -errno;
	rc = close(job->out_fd);
	job->out_fd = -1;
	if (rc == -1)
		return -errno;
	if (rename(job->tmp, job->dst) == -1)
		return -errno;
	(void)unlink(job->src);
	return 0;
}
