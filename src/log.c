/*
 * log.c: the one log API. (Placeholder implementation being replaced by
 * the rotating logger; same interface as log.h.)
 */
#include "config.h"

#include <sys/time.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>

#include "compat.h"
#include "log.h"

struct log_file {
	char			*dir;
	char			*name;
	char			*path;
	int			 fd;
	struct log_settings	 settings;
};

static const char	*log_progname = "outpost";
static int		 log_to_stderr = 1;
static enum log_level	 log_level = LOG_LEVEL_INFO;
static struct log_file	*log_main;

static const char *const log_level_names[] = { "error", "warn", "info",
    "debug" };

void
log_init(const char *progname, int to_stderr, enum log_level level)
{
	log_progname = progname;
	log_to_stderr = to_stderr;
	log_level = level;
}

void
log_set_level(enum log_level level)
{
	log_level = level;
}

enum log_level
log_get_level(void)
{
	return log_level;
}

void
log_set_stderr(int on)
{
	log_to_stderr = on;
}

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

const char *
log_level_name(enum log_level level)
{
	return log_level_names[level];
}

struct log_file *
log_file_open(const char *dir, const char *name, const struct log_settings *s)
{
	struct log_file	*lf;

	if ((lf = calloc(1, sizeof(*lf))) == NULL)
		return NULL;
	lf->dir = strdup(dir);
	lf->name = strdup(name);
	if (asprintf(&lf->path, "%s/%s.log", dir, name) == -1)
		lf->path = NULL;
	lf->settings = *s;
	lf->fd = open(lf->path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC,
	    0640);
	if (lf->fd == -1) {
		int saved = errno;
		log_file_close(lf);
		errno = saved;
		return NULL;
	}
	return lf;
}

int
log_file_configure(struct log_file *lf, const char *dir,
    const struct log_settings *s)
{
	lf->settings = *s;
	return 0;
}

void
log_file_close(struct log_file *lf)
{
	if (lf == NULL)
		return;
	if (lf == log_main)
		log_main = NULL;
	if (lf->fd != -1)
		close(lf->fd);
	free(lf->dir);
	free(lf->name);
	free(lf->path);
	free(lf);
}

void
log_set_main(struct log_file *lf)
{
	log_main = lf;
}

struct log_file *
log_get_main(void)
{
	return log_main;
}

void
log_set_event_base(struct event_base *base)
{
}

int
log_rotate_all(void)
{
	return 0;
}

void
log_retry_failed(void)
{
}

struct json_object *
log_status_json(void)
{
	return json_object_new_array();
}

int
log_archive_name(char *buf, size_t len, const char *name,
    const struct timespec *ts)
{
	struct tm	 tm;
	int		 n;

	if (gmtime_r(&ts->tv_sec, &tm) == NULL)
		return -1;
	n = snprintf(buf, len, "%s-%04d-%02d-%02dT%02d-%02d-%02d.%03ld.log.gz",
	    name, tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
	    tm.tm_min, tm.tm_sec, ts->tv_nsec / 1000000);
	return (n < 0 || (size_t)n >= len) ? -1 : 0;
}

void
log_shutdown(void)
{
	log_file_close(log_main);
}

void
log_file_vprintf(struct log_file *lf, enum log_level level, const char *fmt,
    va_list ap)
{
	char		 line[8192], stamp[64];
	struct timespec	 ts;
	struct tm	 tm;
	int		 n, m;
	int		 saved = errno;

	if (level > log_level)
		return;
	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%S", &tm);
	n = snprintf(line, sizeof(line), "%s.%03ldZ %s[%d] %s: ", stamp,
	    ts.tv_nsec / 1000000, log_progname, (int)getpid(),
	    log_level_names[level]);
	m = vsnprintf(line + n, sizeof(line) - n - 1, fmt, ap);
	if (m < 0)
		m = 0;
	n += m;
	if ((size_t)n > sizeof(line) - 2)
		n = sizeof(line) - 2;
	line[n++] = '\n';
	if (lf != NULL && lf->fd != -1)
		(void)write(lf->fd, line, n);
	if (log_to_stderr)
		(void)write(STDERR_FILENO, line, n);
	errno = saved;
}

void
log_file_printf(struct log_file *lf, enum log_level level, const char *fmt,
    ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	log_file_vprintf(lf, level, fmt, ap);
	va_end(ap);
}

/* Log at level with ": strerror(errno)" appended when with_errno. */
static void
log_vwith(enum log_level level, int with_errno, const char *fmt, va_list ap)
{
	char	 msg[4096];
	int	 saved = errno;

	vsnprintf(msg, sizeof(msg), fmt, ap);
	if (with_errno)
		log_file_printf(log_main, level, "%s: %s", msg,
		    strerror(saved));
	else
		log_file_printf(log_main, level, "%s", msg);
	errno = saved;
}

void
log_warn(const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	log_vwith(LOG_LEVEL_WARN, 1, fmt, ap);
	va_end(ap);
}

void
log_warnx(const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	log_vwith(LOG_LEVEL_WARN, 0, fmt, ap);
	va_end(ap);
}

void
log_info(const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	log_vwith(LOG_LEVEL_INFO, 0, fmt, ap);
	va_end(ap);
}

void
log_debug(const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	log_vwith(LOG_LEVEL_DEBUG, 0, fmt, ap);
	va_end(ap);
}

void
fatal(const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	log_vwith(LOG_LEVEL_ERROR, 1, fmt, ap);
	va_end(ap);
	exit(1);
}

void
fatalx(const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	log_vwith(LOG_LEVEL_ERROR, 0, fmt, ap);
	va_end(ap);
	exit(1);
}
