/*
 * watch.h: notice on the event base that files may have changed.
 *
 * A watch names files by their directory and name; each carries tags (a
 * bit mask chosen by the caller) and the callback gets the tags of every
 * file that changed since it was last called: written and closed,
 * replaced by a rename, created or removed. One implementation per system,
 * chosen by the build: watch-linux.c (inotify(7) on the directories, so a
 * file replaced by rename is still followed; no wake-up without a change)
 * and watch-portable.c (stat(2) of every file on a timer, every
 * WATCH_STAT_INTERVAL seconds).
 */
#ifndef OUTPOST_WATCH_H
#define OUTPOST_WATCH_H

struct event_base;
struct watch;

#define WATCH_STAT_INTERVAL	5	/* s between stats (watch-portable.c) */
#define WATCH_MAX_FILES		64	/* files one watch follows */
#define WATCH_ALL		(~0u)	/* tags when events were lost */

/* Called from the loop with the tags of the files that changed. */
typedef void	(*watch_fn)(unsigned int tags, void *arg);

/* A new watch on base, following nothing yet. Returns it, or NULL (errno). */
struct watch	*watch_open(struct event_base *, watch_fn, void *arg);
/*
 * Follow the file dir/name with tags. Returns 0; -ENOENT when dir does
 * not exist (nothing is followed: call again later), -ENOSPC past
 * WATCH_MAX_FILES, or another -errno.
 */
int		 watch_add(struct watch *, const char *dir, const char *name,
		    unsigned int tags);
/* Stop following every file (the watch stays usable). */
void		 watch_clear(struct watch *);
/* Stop and free. */
void		 watch_close(struct watch *);
/* How files are watched: "inotify" or "stat". */
const char	*watch_backend(void);

#endif /* OUTPOST_WATCH_H */
