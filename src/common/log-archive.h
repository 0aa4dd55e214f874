/*
 * log-archive.h: the archives of the rotating logger (log.c): their
 * UTC-stamped names, listing and retention, and the job that compresses
 * one rotated file into its archive in steps. Only the log files include
 * it; log.h is the logger's API.
 */
#ifndef OUTPOST_LOG_ARCHIVE_H
#define OUTPOST_LOG_ARCHIVE_H

#include <sys/queue.h>

#include <stdint.h>
#include <time.h>

#include <zlib.h>

/* The variable part of every archive name: '0' stands for a digit. */
#define LOG_STAMP_PATTERN	"0000-00-00T00-00-00.000"
#define LOG_CHUNK		(32 * 1024)	/* deflate input per read */

/* One rotated file waiting to be (or being) compressed. */
struct log_job {
	TAILQ_ENTRY(log_job)	 entry;
	char			*dir;		/* where the archive goes */
	char			*src;		/* .NAME-STAMP.log.rotating */
	char			*tmp;		/* .NAME-STAMP.log.gz.tmp */
	char			*dst;		/* NAME-STAMP.log.gz */
	int			 in_fd;
	int			 out_fd;
	int			 is_started;	/* files open, stream set up */
	z_stream		 zs;
	unsigned char		*inbuf;
	unsigned char		*outbuf;
};

/* Returns ts in milliseconds since the epoch. */
int64_t		 log_ms(const struct timespec *);
/*
 * Format ms (since the epoch, UTC) as YYYY-MM-DDTHH-MM-SS.mmm with sep
 * between hours, minutes and seconds. Returns 0, or -1.
 */
int		 log_format_stamp(char *buf, size_t len, int64_t ms, char sep);
/*
 * If entry is "<prefix><name>-STAMP<suffix>", returns a pointer to STAMP
 * (and its time in *ms when ms is not NULL); otherwise NULL.
 */
const char	*log_match_entry(const char *entry, const char *prefix,
		    const char *name, const char *suffix, int64_t *ms);
/*
 * The entries of dir matching "<prefix><name>-STAMP<suffix>", oldest
 * first. Returns their count with the array in *out (free with
 * log_list_free()), or -1 with errno set.
 */
int		 log_list(const char *dir, const char *prefix, const char *name,
		    const char *suffix, char ***out);
/* Free a list made by log_list(). */
void		 log_list_free(char **, int);
/*
 * Unlink the oldest archives of name in dir so that at most keep remain.
 * Returns the number of archives left, or -1.
 */
int		 log_prune(const char *dir, const char *name, int keep);
/* A compression job for dir/.NAME-stamp.log.rotating, or NULL. */
struct log_job	*log_job_new(const char *dir, const char *name,
		    const char *stamp);
/*
 * Compress the next chunk of a job at zlib level; at the end, finish the
 * archive under its final name and remove the rotated file. Returns 1 if
 * there is more to do, 0 when done, or -errno.
 */
int		 log_job_step(struct log_job *, int level);
/* Free a job, closing what it holds open. */
void		 log_job_free(struct log_job *);

#endif /* OUTPOST_LOG_ARCHIVE_H */
