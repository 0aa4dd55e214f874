/*
 * log.h: the one log API of outpost, with several size-rotated files.
 *
 * Every program logs through log_warn/log_warnx/log_info/log_debug/fatal/
 * fatalx to its main file (agent.log, platform.log); other files
 * (agentid.log) are written with log_file_printf. A file that would pass
 * its size limit is renamed aside and compressed into
 * NAME-YYYY-MM-DDTHH-MM-SS.mmm.log.gz (UTC) in slices from the event loop,
 * and only the newest `rotations` archives are kept.
 *
 * Lines read "2026-11-21T09:30:12.345Z prog[pid] level: message", one
 * line per call (control characters become spaces, 8 KiB at most). When
 * a file cannot be written (directory removed, disk full) the program
 * goes on: the logger says so once on stderr, reports it in
 * log_status_json(), holds up to 1 MiB of lines (then counts the ones it
 * drops) and writes them, with one line saying what happened, as soon as
 * log_retry_failed() or its own retry timer can reopen the file.
 */
#ifndef OUTPOST_LOG_H
#define OUTPOST_LOG_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

struct event_base;
struct json_object;

enum log_level {
	LOG_LEVEL_ERROR = 0,
	LOG_LEVEL_WARN,
	LOG_LEVEL_INFO,
	LOG_LEVEL_DEBUG
};

/* How one log file rotates. */
struct log_settings {
	uint64_t	 max_size;		/* bytes; 0 = never rotate */
	int		 rotations;		/* archives kept */
	int		 compression_level;	/* zlib level 0..9 */
};

#define LOG_DEFAULT_MAX_SIZE	(10ULL * 1024 * 1024)
#define LOG_DEFAULT_ROTATIONS	5
#define LOG_DEFAULT_COMPRESSION	6

struct log_file;

/*
 * Start logging for this program: to stderr only until a main file is set
 * (lines with no file always go to stderr).
 */
void		 log_init(const char *progname, int to_stderr, enum log_level);
/* Change the level of every file (and stderr). */
void		 log_set_level(enum log_level);
enum log_level	 log_get_level(void);
/* Also copy log lines to stderr (foreground mode) or stop doing so. */
void		 log_set_stderr(int);
/* Parse "error|warn|info|debug". Returns 0, or -1 if unknown. */
int		 log_level_parse(const char *, enum log_level *);
const char	*log_level_name(enum log_level);

/*
 * Open (or create) DIR/NAME.log with the given rotation settings. A rotated
 * file left by a crash (.NAME-STAMP.log.rotating) is compressed now (from
 * the loop once an event base is set) and half-written archives are
 * removed. Returns the file, or NULL with errno set (the caller logs why).
 */
struct log_file	*log_file_open(const char *dir, const char *name,
		    const struct log_settings *);
/*
 * Change a file's directory and rotation settings (reload); a smaller
 * `rotations` prunes at once. Returns 0, or -1 with errno if the file in
 * the new directory cannot be opened (its lines are then held).
 */
int		 log_file_configure(struct log_file *, const char *dir,
		    const struct log_settings *);
/* Flush, finish any pending compression synchronously, close, free. */
void		 log_file_close(struct log_file *);
/* Make this file the target of log_warn() and friends. */
void		 log_set_main(struct log_file *);
struct log_file	*log_get_main(void);

/*
 * Hand the logger the event loop: compression of rotated files then runs
 * in slices from it instead of synchronously, a timer retries failing
 * files, and info/debug lines are written at the end of the loop turn
 * that logged them (at most 64 KiB wait; warnings and errors are written
 * at once with everything before them). NULL detaches, writing what is
 * buffered and finishing pending compressions. Call log_set_event_base
 * (NULL) or log_shutdown() before event_base_free().
 */
void		 log_set_event_base(struct event_base *);

/*
 * Write every buffered line now (before fork(), exit() without
 * log_shutdown(), or a crash-prone step). fatal() and fatalx() do it.
 */
void		 log_flush(void);

/* Returns how many rotated files still wait for compression, in total. */
int		 log_pending_compressions(void);

/* Rotate every open file now. Returns 0 or -1. */
int		 log_rotate_all(void);
/*
 * Rotate every open file of at least a divisor-th of its max_size (a small
 * file is left as it is, so that the archives keep real history: outpostctl
 * rotate-logs), appending the ones left to skipped (a JSON array of
 * {"path","size","threshold"}, or NULL). Returns 0 or -1.
 */
int		 log_rotate_over(unsigned int divisor, struct json_object *skipped);

/*
 * Retry files that failed to write (directory gone, disk full) or whose
 * path no longer names the open file (removed, renamed): reopen them and
 * write the held lines. Call it after recreating directories (repair).
 */
void		 log_retry_failed(void);

/*
 * Describe every open file into a JSON array for status: objects with
 * name, path, size, max_size, rotations, error (string or null),
 * last_rotation ("2026-11-21T09:30:12.345Z" or null),
 * pending_compressions, archives, held_lines, dropped_lines.
 */
struct json_object *log_status_json(void);

/* Archive name for NAME at time tv: NAME-YYYY-MM-DDTHH-MM-SS.mmm.log.gz. */
int		 log_archive_name(char *, size_t, const char *name,
		    const struct timespec *);

/*
 * Close every file (writing buffered lines, finishing compressions), free
 * the logger's events (before event_base_free()) and the logger.
 */
void		 log_shutdown(void);

/* Write one line to a given file at a level. */
void		 log_file_printf(struct log_file *, enum log_level,
		    const char *, ...)
		    __attribute__((format(printf, 3, 4)));

/* The main log: log_warn appends strerror(errno); errno is preserved. */
void		 log_warn(const char *, ...)
		    __attribute__((format(printf, 1, 2)));
void		 log_warnx(const char *, ...)
		    __attribute__((format(printf, 1, 2)));
void		 log_info(const char *, ...)
		    __attribute__((format(printf, 1, 2)));
void		 log_debug(const char *, ...)
		    __attribute__((format(printf, 1, 2)));
void		 fatal(const char *, ...)
		    __attribute__((format(printf, 1, 2), noreturn));
void		 fatalx(const char *, ...)
		    __attribute__((format(printf, 1, 2), noreturn));

#endif /* OUTPOST_LOG_H */
