/*
 * log.c: the one log API of outpost, with several size-rotated files.
 *
 * Every line is formatted once ("2026-11-21T09:30:12.345Z prog[pid] level:
 * message") and written with one write(2) to its file, so a line is never
 * split and nothing is buffered in the process while the file is healthy.
 *
 * Rotation: when a line would make NAME.log pass max_size, the file is
 * renamed to .NAME-STAMP.log.rotating, a fresh NAME.log is opened and the
 * line goes there. The renamed file is queued for compression into
 * .NAME-STAMP.log.gz.tmp, renamed to NAME-STAMP.log.gz when complete, and
 * older archives beyond `rotations` are unlinked. With an event base the
 * compression runs in slices (a zero-timeout timer deflating at most
 * LOG_SLICE_BYTES or LOG_SLICE_USEC per callback); without one it runs at
 * once. A .rotating file left by a crash is compressed when the file is
 * opened again; a stale .gz.tmp is removed. Archive names, retention and
 * the compression itself are log-archive.c.
 *
 * Failure: when the file cannot be written (directory removed, disk full),
 * the logger says so once on stderr, holds the lines in memory (at most
 * LOG_HELD_MAX bytes, then counts what it drops), and writes them when the
 * file can be reopened: from log_retry_failed(), from a timer armed while a
 * file is failing, or from the next line logged a second later. Once a
 * second the path is compared with the open descriptor, so a log file
 * removed or renamed under the logger is recreated.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/queue.h>
#include <sys/stat.h>
#include <sys/time.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>
#include <json-c/json.h>

#include "compat.h"
#include "fileio.h"
#include "log.h"
#include "log-archive.h"

#define LOG_LINE_MAX		8192		/* longest line, with newline */
#define LOG_HELD_MAX		(1024 * 1024)	/* lines held while failing */
#define LOG_OUT_MAX		(64 * 1024)	/* buffered in a loop turn */
#define LOG_SLICE_BYTES		(256 * 1024)	/* input per loop callback */
#define LOG_SLICE_USEC		5000		/* time per loop callback */
#define LOG_MAX_JOBS		4		/* rotated files waiting */
#define LOG_RETRY_SEC		2		/* retry timer while failing */

TAILQ_HEAD(log_jobs, log_job);

/* One open log file: DIR/NAME.log and its archives. */
struct log_file {
	TAILQ_ENTRY(log_file)	 entry;
	char			*dir;
	char			*name;
	char			*path;
	struct log_settings	 settings;
	int			 fd;		/* -1 while failing */
	dev_t			 dev;		/* of fd, to see a new path */
	ino_t			 ino;
	uint64_t		 size;		/* bytes in file and out */
	char			*out;		/* lines for the loop's turn */
	size_t			 out_len;
	int			 error;		/* errno of the failure, or 0 */
	struct timespec		 failed_at;	/* when error was set */
	time_t			 checked_sec;	/* last look at the path */
	time_t			 rotate_retry_sec; /* rename failed: wait */
	struct timespec		 last_rotation;	/* tv_sec 0: never */
	int64_t			 last_stamp_ms;	/* of the newest archive name */
	char			*held;		/* lines not yet written */
	size_t			 held_len;
	size_t			 held_size;
	uint64_t		 dropped;	/* lines beyond LOG_HELD_MAX */
	struct log_jobs		 jobs;
	int			 njobs;
	int			 is_compressing; /* a job step is running */
	int			 is_closing;	/* compress synchronously */
	char			*job_error;	/* to log after the step */
	struct event		*compress_ev;
};

TAILQ_HEAD(log_files, log_file);

static const char	*log_progname = "outpost";
static int		 log_to_stderr = 1;
static enum log_level	 log_level = LOG_LEVEL_INFO;
static struct log_file	*log_main;
static struct log_files	 log_files = TAILQ_HEAD_INITIALIZER(log_files);
static struct event_base *log_base;
static struct event	*log_retry_ev;
static struct event	*log_flush_ev;
static pid_t		 log_pid = -1;	/* of log_who */
static char		 log_who[128];	/* "progname[pid] " */
static size_t		 log_who_len;

/* Second and text of the cached "YYYY-MM-DDTHH:MM:SS" of log lines. */
static time_t		 log_stamp_sec = -1;
static char		 log_stamp_text[32];

static const char *const log_level_names[] = { "error", "warn", "info",
    "debug" };

static void	log_file_put(struct log_file *, const char *, size_t, int);
static void	log_file_note(struct log_file *, enum log_level,
		    const char *, ...) __attribute__((format(printf, 3, 4)));
static void	log_file_drain(struct log_file *);
static int	log_file_flush(struct log_file *);
static void	log_compress_arm(struct log_file *);
static void	log_retry_arm(void);

/* Set up the logger for progname. */
void
log_init(const char *progname, int to_stderr, enum log_level level)
{
	log_progname = progname;
	log_pid = -1;
	log_to_stderr = to_stderr;
	log_level = level;
}

/* Set the level below which lines are dropped, for every file. */
void
log_set_level(enum log_level level)
{
	log_level = level;
}

/* Returns the current level. */
enum log_level
log_get_level(void)
{
	return log_level;
}

/* Copy every line to stderr (on != 0) or stop doing so. */
void
log_set_stderr(int on)
{
	log_to_stderr = on;
}

/* Parse a level name into *level. Returns 0, or -1 if unknown. */
int
log_level_parse(const char *s, enum log_level *level)
{
	size_t	 i;

	for (i = 0; i < nitems(log_level_names); i++)
		if (strcasecmp(s, log_level_names[i]) == 0) {
			*level = (enum log_level)i;
			return 0;
		}
	return -1;
}

/* Returns the name of level ("error", ...), or "unknown". */
const char *
log_level_name(enum log_level level)
{
	if ((unsigned)level >= nitems(log_level_names))
		return "unknown";
	return log_level_names[level];
}

/* Print a notice about the logger itself on stderr. */
static void
log_stderr_notice(const char *fmt, ...)
{
	char	 buf[1024];
	va_list	 ap;
	int	 n, err;

	n = snprintf(buf, sizeof(buf), "%s: log: ", log_progname);
	if (n < 0 || (size_t)n >= sizeof(buf))
		return;
	va_start(ap, fmt);
	(void)vsnprintf(buf + n, sizeof(buf) - n - 1, fmt, ap);
	va_end(ap);
	(void)strlcat(buf, "\n", sizeof(buf));
	(void)fileio_write_all(STDERR_FILENO, buf, strlen(buf), &err);
}

/* Returns the line prefix stamp "YYYY-MM-DDTHH:MM:SS" of ts (cached). */
static const char *
log_line_stamp(const struct timespec *ts)
{
	struct tm	 tm;

	if (ts->tv_sec != log_stamp_sec) {
		if (gmtime_r(&ts->tv_sec, &tm) == NULL)
			return "0000-00-00T00:00:00";
		(void)strftime(log_stamp_text, sizeof(log_stamp_text),
		    "%Y-%m-%dT%H:%M:%S", &tm);
		log_stamp_sec = ts->tv_sec;
	}
	return log_stamp_text;
}

/*
 * Format one log line into buf (LOG_LINE_MAX bytes): prefix, message,
 * ": strerror(errnum)" if errnum is not 0, newline. Control characters of
 * the message become spaces so that one call is one line. Returns its
 * length, newline included.
 */
static size_t
log_format(char *buf, enum log_level level, int errnum, const char *fmt,
    va_list ap)
{
	struct timespec	 ts;
	const char	*name = log_level_name(level);
	size_t		 len, start, i, nlen = strlen(name);
	pid_t		 pid = getpid();
	int		 n, ms;

	(void)clock_gettime(CLOCK_REALTIME, &ts);
	if (pid != log_pid) {
		n = snprintf(log_who, sizeof(log_who), "%.100s[%ld] ",
		    log_progname, (long)pid);
		log_who_len = n < 0 ? 0 : strlen(log_who);
		log_pid = pid;
	}
	/* "YYYY-MM-DDTHH:MM:SS" ".mmmZ " "progname[pid] " "level: " */
	memcpy(buf, log_line_stamp(&ts), 19);
	ms = (int)(ts.tv_nsec / 1000000);
	buf[19] = '.';
	buf[20] = (char)('0' + ms / 100);
	buf[21] = (char)('0' + ms / 10 % 10);
	buf[22] = (char)('0' + ms % 10);
	buf[23] = 'Z';
	buf[24] = ' ';
	memcpy(buf + 25, log_who, log_who_len);
	start = 25 + log_who_len;
	memcpy(buf + start, name, nlen);
	start += nlen;
	buf[start++] = ':';
	buf[start++] = ' ';
	n = vsnprintf(buf + start, LOG_LINE_MAX - 1 - start, fmt, ap);
	if (n < 0)
		n = 0;
	len = start + (size_t)n;
	if (len > LOG_LINE_MAX - 2)
		len = LOG_LINE_MAX - 2;
	if (errnum != 0) {
		n = snprintf(buf + len, LOG_LINE_MAX - 1 - len, ": %s",
		    strerror(errnum));
		if (n > 0)
			len += (size_t)n;
		if (len > LOG_LINE_MAX - 2)
			len = LOG_LINE_MAX - 2;
	}
	for (i = start; i < len; i++)
		if ((unsigned char)buf[i] < 0x20 && buf[i] != '\t')
			buf[i] = ' ';
	buf[len++] = '\n';
	buf[len] = '\0';
	return len;
}

/* Keep a line that could not be written, or count it as dropped. */
static void
log_file_hold(struct log_file *lf, const char *line, size_t len)
{
	size_t	 size;
	char	*nb;

	if (lf->held_len + len > LOG_HELD_MAX) {
		lf->dropped++;
		return;
	}
	if (lf->held_len + len > lf->held_size) {
		size = lf->held_size ? lf->held_size : 64 * 1024;
		while (size < lf->held_len + len)
			size *= 2;
		if (size > LOG_HELD_MAX)
			size = LOG_HELD_MAX;
		if ((nb = realloc(lf->held, size)) == NULL) {
			lf->dropped++;
			return;
		}
		lf->held = nb;
		lf->held_size = size;
	}
	memcpy(lf->held + lf->held_len, line, len);
	lf->held_len += len;
}

/* Keep the lines of buf (len bytes) that could not be written. */
static void
log_file_hold_lines(struct log_file *lf, const char *buf, size_t len)
{
	const char	*nl;
	size_t		 n;

	while (len > 0) {
		nl = memchr(buf, '\n', len);
		n = nl != NULL ? (size_t)(nl - buf) + 1 : len;
		log_file_hold(lf, buf, n);
		buf += n;
		len -= n;
	}
}

/*
 * Mark lf as failing with err: its buffered lines become held lines, it
 * says so once and arms the retry timer.
 */
static void
log_file_fail(struct log_file *lf, int err)
{
	if (lf->out_len > 0) {
		log_file_hold_lines(lf, lf->out, lf->out_len);
		lf->out_len = 0;
	}
	if (lf->fd != -1) {
		(void)close(lf->fd);
		lf->fd = -1;
	}
	if (lf->error == 0) {
		lf->error = err;
		(void)clock_gettime(CLOCK_REALTIME, &lf->failed_at);
		log_stderr_notice("cannot write %s: %s; keeping lines in "
		    "memory until it can be written", lf->path, strerror(err));
	}
	log_retry_arm();
}

/* Open lf->path (creating it) as the current file. Returns 0 or -errno. */
static int
log_file_reopen(struct log_file *lf)
{
	struct stat	 st;
	int		 fd;

	if (lf->fd != -1) {
		(void)close(lf->fd);
		lf->fd = -1;
	}
	fd = open(lf->path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
	if (fd == -1)
		return -errno;
	if (fstat(fd, &st) == -1) {
		int err = errno;
		(void)close(fd);
		return -err;
	}
	lf->fd = fd;
	lf->dev = st.st_dev;
	lf->ino = st.st_ino;
	lf->size = (uint64_t)st.st_size;
	return 0;
}

/* Returns 1 if lf->path still names the open file, 0 if not. */
static int
log_file_is_current(struct log_file *lf)
{
	struct stat	 st;

	if (lf->fd == -1 || stat(lf->path, &st) == -1)
		return 0;
	return st.st_dev == lf->dev && st.st_ino == lf->ino;
}

/*
 * Queue the compression of lf's rotated file of stamp. Returns 0, or -1
 * if out of memory.
 */
static int
log_file_job_add(struct log_file *lf, const char *stamp)
{
	struct log_job	*job;

	if ((job = log_job_new(lf->dir, lf->name, stamp)) == NULL)
		return -1;
	TAILQ_INSERT_TAIL(&lf->jobs, job, entry);
	lf->njobs++;
	return 0;
}

/*
 * Run one step of the oldest job of lf. When it ends (done or failed),
 * remove it and apply retention. Returns 1 if that job has more to do,
 * 0 if it ended.
 */
static int
log_file_compress_step(struct log_file *lf)
{
	struct log_job	*job;
	int		 rc;

	if ((job = TAILQ_FIRST(&lf->jobs)) == NULL)
		return 0;
	lf->is_compressing = 1;
	rc = log_job_step(job, lf->settings.compression_level);
	lf->is_compressing = 0;
	if (rc == 1)
		return 1;
	if (rc < 0) {
		(void)unlink(job->tmp);
		free(lf->job_error);
		if (asprintf(&lf->job_error, "log: cannot compress %s into "
		    "%s: %s; left as it is", job->src, job->dst,
		    strerror(-rc)) == -1)
			lf->job_error = NULL;
	}
	TAILQ_REMOVE(&lf->jobs, job, entry);
	lf->njobs--;
	(void)log_prune(job->dir, lf->name, lf->settings.rotations);
	log_job_free(job);
	return 0;
}

/* Log the error of a failed compression, if any, now that it is safe. */
static void
log_file_job_error(struct log_file *lf)
{
	char	*msg;

	if ((msg = lf->job_error) == NULL)
		return;
	lf->job_error = NULL;
	log_file_note(lf, LOG_LEVEL_WARN, "%s", msg);
	free(msg);
}

/* Finish every pending compression of lf now. */
static void
log_file_drain(struct log_file *lf)
{
	if (lf->is_compressing)
		return;
	while (!TAILQ_EMPTY(&lf->jobs))
		while (log_file_compress_step(lf) == 1)
			;
	log_file_job_error(lf);
}

/* Returns microseconds elapsed since start (monotonic clock). */
static long
log_usec_since(const struct timespec *start)
{
	struct timespec	 now;

	(void)clock_gettime(CLOCK_MONOTONIC, &now);
	return (long)(now.tv_sec - start->tv_sec) * 1000000 +
	    (now.tv_nsec - start->tv_nsec) / 1000;
}

/* Event loop slice: compress up to LOG_SLICE_BYTES, then re-arm. */
static void
log_compress_cb(evutil_socket_t fd, short what, void *arg)
{
	struct log_file	*lf = arg;
	struct timespec	 start;
	size_t		 done = 0;

	(void)clock_gettime(CLOCK_MONOTONIC, &start);
	while (!TAILQ_EMPTY(&lf->jobs) && done < LOG_SLICE_BYTES &&
	    log_usec_since(&start) < LOG_SLICE_USEC) {
		(void)log_file_compress_step(lf);
		done += LOG_CHUNK;
	}
	log_file_job_error(lf);
	if (!TAILQ_EMPTY(&lf->jobs))
		log_compress_arm(lf);
}

/* Schedule compression slices of lf from the event loop, or run now. */
static void
log_compress_arm(struct log_file *lf)
{
	struct timeval	 zero = { 0, 0 };

	if (TAILQ_EMPTY(&lf->jobs))
		return;
	if (log_base == NULL || lf->is_closing) {
		log_file_drain(lf);
		return;
	}
	if (lf->compress_ev == NULL &&
	    (lf->compress_ev = evtimer_new(log_base, log_compress_cb,
	    lf)) == NULL) {
		log_file_drain(lf);
		return;
	}
	if (!evtimer_pending(lf->compress_ev, NULL))
		(void)evtimer_add(lf->compress_ev, &zero);
}

/*
 * Queue compression of rotated files left in lf's directory by an earlier
 * run, and remove half-written archives. Returns the number queued.
 */
static int
log_file_leftovers(struct log_file *lf)
{
	char		**v, path[PATH_MAX];
	const char	 *stamp;
	char		  buf[sizeof(LOG_STAMP_PATTERN)];
	int		  n, i, queued = 0;
	int64_t		  ms;

	if ((n = log_list(lf->dir, ".", lf->name, ".log.gz.tmp", &v)) > 0) {
		for (i = 0; i < n; i++)
			if (snprintf(path, sizeof(path), "%s/%s", lf->dir,
			    v[i]) < (int)sizeof(path))
				(void)unlink(path);
	}
	if (n >= 0)
		log_list_free(v, n);
	if ((n = log_list(lf->dir, ".", lf->name, ".log.rotating", &v)) <= 0)
		return 0;
	for (i = 0; i < n; i++) {
		stamp = log_match_entry(v[i], ".", lf->name, ".log.rotating",
		    &ms);
		if (stamp == NULL)
			continue;
		(void)strlcpy(buf, stamp, sizeof(buf));
		if (ms > lf->last_stamp_ms)
			lf->last_stamp_ms = ms;
		if (log_file_job_add(lf, buf) == 0)
			queued++;
	}
	log_list_free(v, n);
	return queued;
}

/*
 * Rotate lf now: rename the current file aside, open a fresh one and queue
 * the compression. Returns 0, or -1 if the file could not be rotated (it
 * goes on being written, or is failing).
 */
static int
log_file_rotate(struct log_file *lf)
{
	struct timespec	 now;
	struct stat	 st;
	char		 stamp[64], src[PATH_MAX], dst[PATH_MAX];
	int64_t		 ms;
	int		 rc;

	if (lf->fd == -1 || log_file_flush(lf) == -1)
		return -1;
	(void)clock_gettime(CLOCK_REALTIME, &now);
	if (!log_file_is_current(lf)) {
		/* Removed or renamed under us: start a new file. */
		if ((rc = log_file_reopen(lf)) != 0) {
			log_file_fail(lf, -rc);
			return -1;
		}
		return 0;
	}
	ms = log_ms(&now);
	if (ms <= lf->last_stamp_ms)
		ms = lf->last_stamp_ms + 1;
	for (;;) {
		if (log_format_stamp(stamp, sizeof(stamp), ms, '-') == -1 ||
		    snprintf(src, sizeof(src), "%s/.%s-%s.log.rotating",
		    lf->dir, lf->name, stamp) >= (int)sizeof(src) ||
		    snprintf(dst, sizeof(dst), "%s/%s-%s.log.gz", lf->dir,
		    lf->name, stamp) >= (int)sizeof(dst))
			return -1;
		if (lstat(src, &st) == -1 && lstat(dst, &st) == -1)
			break;
		ms++;
	}
	if (rename(lf->path, src) == -1) {
		if (errno != ENOENT) {
			lf->rotate_retry_sec = now.tv_sec + 1;
			return -1;
		}
		/* Gone between the check and the rename. */
	} else if (lf->settings.rotations == 0) {
		/* No archive is kept: do not make one. */
		(void)unlink(src);
	} else if (log_file_job_add(lf, stamp) == -1) {
		/* Out of memory: compressed when the file is next opened. */
	}
	lf->last_stamp_ms = ms;
	lf->last_rotation = now;
	if ((rc = log_file_reopen(lf)) != 0)
		log_file_fail(lf, -rc);
	/* Too many rotated files waiting: finish the oldest now. */
	while (lf->njobs > LOG_MAX_JOBS && !lf->is_compressing)
		while (log_file_compress_step(lf) == 1)
			;
	log_compress_arm(lf);
	return lf->fd == -1 ? -1 : 0;
}

/*
 * Write the buffered lines of lf. Returns 0, or -1 if they could not all
 * be written (the rest is held and lf is failing).
 */
static int
log_file_flush(struct log_file *lf)
{
	size_t	 n = 0;
	int	 err;

	if (lf->out_len == 0)
		return 0;
	if (lf->fd != -1)
		n = fileio_write_all(lf->fd, lf->out, lf->out_len, &err);
	else
		err = lf->error ? lf->error : EBADF;
	if (n < lf->out_len) {
		memmove(lf->out, lf->out + n, lf->out_len - n);
		lf->out_len -= n;
		log_file_fail(lf, err ? err : EIO);
		return -1;
	}
	lf->out_len = 0;
	return 0;
}

/* Flush timer: write the lines buffered during the last loop turn. */
static void
log_flush_cb(evutil_socket_t fd, short what, void *arg)
{
	log_flush();
}

/*
 * Returns 1 if lines of lf may wait in its buffer until the flush timer
 * runs, allocating the buffer if needed; 0 if they are written at once.
 */
static int
log_file_may_buffer(struct log_file *lf)
{
	struct timeval	 zero = { 0, 0 };

	if (log_base == NULL || lf->is_closing)
		return 0;
	if (log_flush_ev == NULL &&
	    (log_flush_ev = evtimer_new(log_base, log_flush_cb, NULL)) == NULL)
		return 0;
	if (lf->out == NULL && (lf->out = malloc(LOG_OUT_MAX)) == NULL)
		return 0;
	if (!evtimer_pending(log_flush_ev, NULL))
		(void)evtimer_add(log_flush_ev, &zero);
	return 1;
}

/*
 * Write one line to lf, rotating first if it would pass max_size. With an
 * event base and buffered set, the line may wait in lf's buffer for the
 * end of the loop turn. Returns the number of bytes written or buffered;
 * when short, *err holds the reason.
 */
static size_t
log_file_write_line(struct log_file *lf, const char *line, size_t len,
    int buffered, int *err)
{
	size_t	 n;

	*err = 0;
	if (lf->settings.max_size != 0 && lf->size > 0 &&
	    lf->size + len > lf->settings.max_size &&
	    lf->rotate_retry_sec <= log_stamp_sec)
		(void)log_file_rotate(lf);
	if (lf->fd == -1) {
		*err = lf->error ? lf->error : EBADF;
		return 0;
	}
	if (buffered && len <= LOG_OUT_MAX && log_file_may_buffer(lf)) {
		if (lf->out_len + len > LOG_OUT_MAX &&
		    log_file_flush(lf) == -1) {
			*err = lf->error;
			return 0;
		}
		memcpy(lf->out + lf->out_len, line, len);
		lf->out_len += len;
		lf->size += len;
		return len;
	}
	if (log_file_flush(lf) == -1) {
		*err = lf->error;
		return 0;
	}
	n = fileio_write_all(lf->fd, line, len, err);
	lf->size += n;
	return n;
}

/*
 * Write the held lines of lf, then say how many were dropped and when the
 * file failed. Returns 0 when all are written, or -1 (the rest is kept).
 */
static int
log_file_flush_held(struct log_file *lf)
{
	char		 since[64];
	const char	*p, *nl;
	size_t		 off = 0, len, n;
	int		 err = 0, saved_error = lf->error;
	uint64_t	 lines = 0;

	while (off < lf->held_len) {
		p = lf->held + off;
		nl = memchr(p, '\n', lf->held_len - off);
		len = nl != NULL ? (size_t)(nl - p) + 1 : lf->held_len - off;
		n = log_file_write_line(lf, p, len, 0, &err);
		off += n;
		if (n < len)
			break;
		lines++;
	}
	memmove(lf->held, lf->held + off, lf->held_len - off);
	lf->held_len -= off;
	if (lf->held_len > 0) {
		log_file_fail(lf, err ? err : EIO);
		return -1;
	}
	if (saved_error != 0) {
		lf->error = 0;
		if (log_format_stamp(since, sizeof(since),
		    log_ms(&lf->failed_at), ':') == -1)
			(void)strlcpy(since, "?", sizeof(since));
		log_stderr_notice("writing %s again", lf->path);
		log_file_note(lf, LOG_LEVEL_WARN, "log: %s could not be "
		    "written from %sZ (%s): %llu lines kept, %llu dropped",
		    lf->path, since, strerror(saved_error),
		    (unsigned long long)lines,
		    (unsigned long long)lf->dropped);
		lf->dropped = 0;
	}
	return 0;
}

/*
 * Try to write to lf again: reopen its path if it is not the open file
 * (removed, renamed, never opened) and write what is held. Returns 0 if
 * the file is healthy now, or -1.
 */
static int
log_file_recover(struct log_file *lf)
{
	int	 rc;

	if (!log_file_is_current(lf) && (rc = log_file_reopen(lf)) != 0) {
		log_file_fail(lf, -rc);
		return -1;
	}
	if (lf->held_len > 0 || lf->error != 0)
		return log_file_flush_held(lf);
	return 0;
}

/*
 * Write a formatted line to lf, holding it if the file cannot be written.
 * An urgent line (warning, error) is written at once with what waits
 * before it; others may wait for the end of the loop turn.
 */
static void
log_file_put(struct log_file *lf, const char *line, size_t len, int urgent)
{
	size_t	 n;
	int	 err;

	if (log_stamp_sec != lf->checked_sec) {
		/* Once a second: is the path still our file? */
		lf->checked_sec = log_stamp_sec;
		if (lf->error != 0 || lf->held_len > 0 ||
		    !log_file_is_current(lf))
			(void)log_file_recover(lf);
	}
	if (lf->error != 0 || lf->held_len > 0) {
		log_file_hold(lf, line, len);
		return;
	}
	n = log_file_write_line(lf, line, len, !urgent, &err);
	if (n < len) {
		log_file_hold(lf, line + n, len - n);
		log_file_fail(lf, err ? err : EIO);
	} else if (urgent)
		(void)log_file_flush(lf);
}

/* Format and write a line about the logger itself to lf. */
static void
log_file_note(struct log_file *lf, enum log_level level, const char *fmt,
    ...)
{
	char	 line[LOG_LINE_MAX];
	size_t	 len;
	va_list	 ap;

	va_start(ap, fmt);
	len = log_format(line, level, 0, fmt, ap);
	va_end(ap);
	log_file_put(lf, line, len, level <= LOG_LEVEL_WARN);
}

/* Retry timer: retry failing files, re-arm while one still fails. */
static void
log_retry_cb(evutil_socket_t fd, short what, void *arg)
{
	log_retry_failed();
}

/* Arm the retry timer if an event base is set and a file is failing. */
static void
log_retry_arm(void)
{
	struct timeval	 tv = { LOG_RETRY_SEC, 0 };
	struct log_file	*lf;

	if (log_base == NULL)
		return;
	TAILQ_FOREACH(lf, &log_files, entry)
		if (lf->error != 0 || lf->held_len > 0)
			break;
	if (lf == NULL)
		return;
	if (log_retry_ev == NULL &&
	    (log_retry_ev = evtimer_new(log_base, log_retry_cb, NULL)) == NULL)
		return;
	if (!evtimer_pending(log_retry_ev, NULL))
		(void)evtimer_add(log_retry_ev, &tv);
}

/* Apply limits to settings s into out. */
static void
log_settings_clamp(struct log_settings *out, const struct log_settings *s)
{
	*out = *s;
	if (out->rotations < 0)
		out->rotations = 0;
	if (out->compression_level < 0 || out->compression_level > 9)
		out->compression_level = LOG_DEFAULT_COMPRESSION;
}

/* Open (or create) DIR/NAME.log. Returns the file, or NULL with errno. */
struct log_file *
log_file_open(const char *dir, const char *name, const struct log_settings *s)
{
	struct log_file	*lf;
	int		 rc;

	if (strchr(name, '/') != NULL || name[0] == '\0' || name[0] == '.') {
		errno = EINVAL;
		return NULL;
	}
	if ((lf = calloc(1, sizeof(*lf))) == NULL)
		return NULL;
	lf->fd = -1;
	lf->checked_sec = -1;
	TAILQ_INIT(&lf->jobs);
	log_settings_clamp(&lf->settings, s);
	if ((lf->dir = strdup(dir)) == NULL ||
	    (lf->name = strdup(name)) == NULL ||
	    asprintf(&lf->path, "%s/%s.log", dir, name) == -1) {
		lf->path = NULL;
		log_file_close(lf);
		errno = ENOMEM;
		return NULL;
	}
	if ((rc = log_file_reopen(lf)) != 0) {
		log_file_close(lf);
		errno = -rc;
		return NULL;
	}
	TAILQ_INSERT_TAIL(&log_files, lf, entry);
	if (log_file_leftovers(lf) > 0)
		log_compress_arm(lf);
	return lf;
}

/*
 * Move lf to dir and apply new settings (reload). Returns 0, or -1 with
 * errno if the new file cannot be opened (lines are then held).
 */
int
log_file_configure(struct log_file *lf, const char *dir,
    const struct log_settings *s)
{
	char	*ndir, *npath;
	int	 rc;

	log_settings_clamp(&lf->settings, s);
	if (strcmp(dir, lf->dir) != 0) {
		(void)log_file_flush(lf);
		if ((ndir = strdup(dir)) == NULL)
			return -1;
		if (asprintf(&npath, "%s/%s.log", dir, lf->name) == -1) {
			free(ndir);
			errno = ENOMEM;
			return -1;
		}
		free(lf->dir);
		free(lf->path);
		lf->dir = ndir;
		lf->path = npath;
		if ((rc = log_file_reopen(lf)) != 0) {
			log_file_fail(lf, -rc);
			errno = -rc;
			return -1;
		}
		if (lf->error != 0 || lf->held_len > 0)
			(void)log_file_recover(lf);
		if (log_file_leftovers(lf) > 0)
			log_compress_arm(lf);
	}
	(void)log_prune(lf->dir, lf->name, lf->settings.rotations);
	return 0;
}

/* Write held lines if possible, finish compressions, close, free. */
void
log_file_close(struct log_file *lf)
{
	struct log_file	*f;

	if (lf == NULL)
		return;
	if (lf == log_main)
		log_main = NULL;
	lf->is_closing = 1;
	TAILQ_FOREACH(f, &log_files, entry)
		if (f == lf) {
			TAILQ_REMOVE(&log_files, lf, entry);
			break;
		}
	if (lf->compress_ev != NULL) {
		event_free(lf->compress_ev);
		lf->compress_ev = NULL;
	}
	(void)log_file_flush(lf);
	if (lf->path != NULL && (lf->held_len > 0 || lf->error != 0))
		(void)log_file_recover(lf);
	if (lf->held_len > 0 || lf->dropped > 0)
		log_stderr_notice("%s closed with %zu bytes of lines unwritten "
		    "and %llu lines dropped", lf->path, lf->held_len,
		    (unsigned long long)lf->dropped);
	log_file_drain(lf);
	free(lf->job_error);
	if (lf->fd != -1)
		(void)close(lf->fd);
	free(lf->held);
	free(lf->out);
	free(lf->dir);
	free(lf->name);
	free(lf->path);
	free(lf);
}

/* Make lf the target of log_warn() and friends (NULL: stderr only). */
void
log_set_main(struct log_file *lf)
{
	log_main = lf;
}

/* Returns the main log file, or NULL. */
struct log_file *
log_get_main(void)
{
	return log_main;
}

/*
 * Compress from base's loop from now on (NULL: synchronously; pending
 * compressions are finished first). Events on the old base are freed.
 */
void
log_set_event_base(struct event_base *base)
{
	struct log_file	*lf;

	if (base == log_base)
		return;
	log_flush();
	if (log_flush_ev != NULL) {
		event_free(log_flush_ev);
		log_flush_ev = NULL;
	}
	TAILQ_FOREACH(lf, &log_files, entry)
		if (lf->compress_ev != NULL) {
			event_free(lf->compress_ev);
			lf->compress_ev = NULL;
		}
	if (log_retry_ev != NULL) {
		event_free(log_retry_ev);
		log_retry_ev = NULL;
	}
	log_base = base;
	TAILQ_FOREACH(lf, &log_files, entry)
		log_compress_arm(lf);
	log_retry_arm();
}

/* Write every line still buffered to its file. */
void
log_flush(void)
{
	struct log_file	*lf;
	int		 saved = errno;

	TAILQ_FOREACH(lf, &log_files, entry)
		(void)log_file_flush(lf);
	errno = saved;
}

/* Returns how many rotated files wait for compression, in total. */
int
log_pending_compressions(void)
{
	struct log_file	*lf;
	int		 n = 0;

	TAILQ_FOREACH(lf, &log_files, entry)
		n += lf->njobs;
	return n;
}

/* Rotate every non-empty open file now. Returns 0, or -1 if one failed. */
int
log_rotate_all(void)
{
	return log_rotate_over(0, NULL);
}

/*
 * Rotate every open file of at least a divisor-th of its max_size (0: all),
 * appending the others to skipped ({"path","size","threshold"}; may be
 * NULL). Returns 0, or -1 if one could not be rotated.
 */
int
log_rotate_over(unsigned int divisor, struct json_object *skipped)
{
	struct json_object	*o;
	struct log_file		*lf;
	uint64_t		 min;
	int			 rc = 0;

	TAILQ_FOREACH(lf, &log_files, entry) {
		if (lf->error != 0 || lf->held_len > 0) {
			if (log_file_recover(lf) == -1) {
				rc = -1;
				continue;
			}
		}
		min = divisor > 0 ? lf->settings.max_size / divisor : 0;
		if (lf->size == 0 && min == 0 && log_file_is_current(lf))
			continue;
		if ((lf->size < min || lf->size == 0) &&
		    log_file_is_current(lf)) {
			if (skipped != NULL &&
			    (o = json_object_new_object()) != NULL) {
				json_object_object_add(o, "path",
				    json_object_new_string(lf->path));
				json_object_object_add(o, "size",
				    json_object_new_int64((int64_t)lf->size));
				json_object_object_add(o, "threshold",
				    json_object_new_int64((int64_t)min));
				json_object_array_add(skipped, o);
			}
			continue;
		}
		if (log_file_rotate(lf) == -1)
			rc = -1;
	}
	return rc;
}

/* Reopen files that failed or vanished and write their held lines. */
void
log_retry_failed(void)
{
	struct log_file	*lf;
	int		 saved = errno;

	TAILQ_FOREACH(lf, &log_files, entry)
		(void)log_file_recover(lf);
	log_retry_arm();
	errno = saved;
}

/* Returns how many archives of lf exist, or -1. */
static int
log_file_archives(struct log_file *lf)
{
	char	**v;
	int	  n;

	if ((n = log_list(lf->dir, "", lf->name, ".log.gz", &v)) >= 0)
		log_list_free(v, n);
	return n;
}

/* Returns a JSON array describing every open file, or NULL. */
struct json_object *
log_status_json(void)
{
	struct json_object	*arr, *o;
	struct log_file		*lf;
	char			 stamp[64];
	size_t			 i, lines;

	if ((arr = json_object_new_array()) == NULL)
		return NULL;
	TAILQ_FOREACH(lf, &log_files, entry) {
		if ((o = json_object_new_object()) == NULL)
			break;
		for (i = 0, lines = 0; i < lf->held_len; i++)
			if (lf->held[i] == '\n')
				lines++;
		json_object_object_add(o, "name",
		    json_object_new_string(lf->name));
		json_object_object_add(o, "path",
		    json_object_new_string(lf->path));
		json_object_object_add(o, "size",
		    json_object_new_int64((int64_t)lf->size));
		json_object_object_add(o, "max_size",
		    json_object_new_int64((int64_t)lf->settings.max_size));
		json_object_object_add(o, "rotations",
		    json_object_new_int(lf->settings.rotations));
		json_object_object_add(o, "error", lf->error == 0 ? NULL :
		    json_object_new_string(strerror(lf->error)));
		if (lf->last_rotation.tv_sec != 0 &&
		    log_format_stamp(stamp, sizeof(stamp),
		    log_ms(&lf->last_rotation), ':') == 0) {
			(void)strlcat(stamp, "Z", sizeof(stamp));
			json_object_object_add(o, "last_rotation",
			    json_object_new_string(stamp));
		} else
			json_object_object_add(o, "last_rotation", NULL);
		json_object_object_add(o, "pending_compressions",
		    json_object_new_int(lf->njobs));
		json_object_object_add(o, "archives",
		    json_object_new_int(log_file_archives(lf)));
		json_object_object_add(o, "held_lines",
		    json_object_new_int64((int64_t)lines));
		json_object_object_add(o, "dropped_lines",
		    json_object_new_int64((int64_t)lf->dropped));
		json_object_array_add(arr, o);
	}
	return arr;
}

/* Close every file (finishing compressions) and free the logger. */
void
log_shutdown(void)
{
	struct log_file	*lf;

	while ((lf = TAILQ_FIRST(&log_files)) != NULL)
		log_file_close(lf);
	log_main = NULL;
	if (log_retry_ev != NULL) {
		event_free(log_retry_ev);
		log_retry_ev = NULL;
	}
	if (log_flush_ev != NULL) {
		event_free(log_flush_ev);
		log_flush_ev = NULL;
	}
	log_base = NULL;
}

/* Format a line and send it to lf (or stderr only when lf is NULL). */
static void
log_emit(struct log_file *lf, enum log_level level, int errnum,
    const char *fmt, va_list ap)
{
	char	 line[LOG_LINE_MAX];
	size_t	 len;
	int	 err;

	if (level > log_level)
		return;
	len = log_format(line, level, errnum, fmt, ap);
	if (lf != NULL)
		log_file_put(lf, line, len, level <= LOG_LEVEL_WARN);
	if (log_to_stderr || lf == NULL)
		(void)fileio_write_all(STDERR_FILENO, line, len, &err);
}

/* Write one line to lf at level. errno is preserved. */
void
log_file_printf(struct log_file *lf, enum log_level level, const char *fmt,
    ...)
{
	va_list	 ap;
	int	 saved = errno;

	va_start(ap, fmt);
	log_emit(lf, level, 0, fmt, ap);
	va_end(ap);
	errno = saved;
}

/* Log a warning with ": strerror(errno)" appended. errno is preserved. */
void
log_warn(const char *fmt, ...)
{
	va_list	 ap;
	int	 saved = errno;

	va_start(ap, fmt);
	log_emit(log_main, LOG_LEVEL_WARN, saved, fmt, ap);
	va_end(ap);
	errno = saved;
}

/* Log a warning. errno is preserved. */
void
log_warnx(const char *fmt, ...)
{
	va_list	 ap;
	int	 saved = errno;

	va_start(ap, fmt);
	log_emit(log_main, LOG_LEVEL_WARN, 0, fmt, ap);
	va_end(ap);
	errno = saved;
}

/* Log information. errno is preserved. */
void
log_info(const char *fmt, ...)
{
	va_list	 ap;
	int	 saved = errno;

	va_start(ap, fmt);
	log_emit(log_main, LOG_LEVEL_INFO, 0, fmt, ap);
	va_end(ap);
	errno = saved;
}

/* Log a debugging line. errno is preserved. */
void
log_debug(const char *fmt, ...)
{
	va_list	 ap;
	int	 saved = errno;

	va_start(ap, fmt);
	log_emit(log_main, LOG_LEVEL_DEBUG, 0, fmt, ap);
	va_end(ap);
	errno = saved;
}

/* Log an error with ": strerror(errno)" appended, then exit(1). */
void
fatal(const char *fmt, ...)
{
	va_list	 ap;
	int	 saved = errno;

	va_start(ap, fmt);
	log_emit(log_main, LOG_LEVEL_ERROR, saved, fmt, ap);
	va_end(ap);
	log_flush();
	exit(1);
}

/* Log an error, then exit(1). */
void
fatalx(const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	log_emit(log_main, LOG_LEVEL_ERROR, 0, fmt, ap);
	va_end(ap);
	log_flush();
	exit(1);
}
