/*
 * watch-portable.c: file watches with stat(2) on a timer, where the build
 * has no inotify (see watch.h). Every WATCH_STAT_INTERVAL seconds each
 * file is stat(2)ed and its identity (device, inode), size and change
 * times compared with the last look; a file that appeared, went or
 * differs reports its tags. The timer runs only while something is
 * followed.
 */
#include "config.h"

#include <sys/stat.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "watch.h"

/* One file followed and how it looked last. */
struct watch_file {
	char		*dir;
	char		*name;
	char		*path;
	unsigned int	 tags;
	int		 exists;
	struct stat	 sb;
};

/* The watch. */
struct watch {
	watch_fn		 fn;
	void			*arg;
	struct event		*timer;
	struct watch_file	 files[WATCH_MAX_FILES];
	int			 nfiles;
};

/* Look at f now. Returns 1 when it differs from the last look. */
static int
watch_look(struct watch_file *f)
{
	struct stat	 sb;
	int		 exists, changed;

	memset(&sb, 0, sizeof(sb));
	exists = stat(f->path, &sb) == 0;
	changed = exists != f->exists || (exists &&
	    (sb.st_dev != f->sb.st_dev || sb.st_ino != f->sb.st_ino ||
	    sb.st_size != f->sb.st_size ||
	    memcmp(&sb.st_mtim, &f->sb.st_mtim, sizeof(sb.st_mtim)) != 0 ||
	    memcmp(&sb.st_ctim, &f->sb.st_ctim, sizeof(sb.st_ctim)) != 0));
	f->exists = exists;
	f->sb = sb;
	return changed;
}

/* Arm the timer for the next look. */
static void
watch_schedule(struct watch *w)
{
	struct timeval	 tv = { WATCH_STAT_INTERVAL, 0 };

	evtimer_add(w->timer, &tv);
}

/* The timer: look at every file, call back with the changed ones' tags. */
static void
watch_timer_cb(evutil_socket_t fd, short what, void *arg)
{
	struct watch	*w = arg;
	unsigned int	 tags = 0;
	int		 i;

	for (i = 0; i < w->nfiles; i++)
		if (watch_look(&w->files[i]))
			tags |= w->files[i].tags;
	if (w->nfiles > 0)
		watch_schedule(w);
	if (tags != 0)
		w->fn(tags, w->arg);
}

/* A new watch. Returns it, or NULL with errno set. */
struct watch *
watch_open(struct event_base *base, watch_fn fn, void *arg)
{
	struct watch	*w;

	if ((w = calloc(1, sizeof(*w))) == NULL)
		return NULL;
	w->fn = fn;
	w->arg = arg;
	if ((w->timer = evtimer_new(base, watch_timer_cb, w)) == NULL) {
		free(w);
		errno = ENOMEM;
		return NULL;
	}
	return w;
}

/* Follow dir/name. Returns 0, -ENOENT, -ENOSPC, or -errno. */
int
watch_add(struct watch *w, const char *dir, const char *name,
    unsigned int tags)
{
	struct watch_file	*f;
	struct stat		 sb;
	int			 i;

	if (stat(dir, &sb) == -1)
		return errno == ENOTDIR ? -ENOENT : -errno;
	if (!S_ISDIR(sb.st_mode))
		return -ENOENT;
	for (i = 0; i < w->nfiles; i++)
		if (strcmp(w->files[i].dir, dir) == 0 &&
		    strcmp(w->files[i].name, name) == 0) {
			w->files[i].tags |= tags;
			return 0;
		}
	if (w->nfiles == WATCH_MAX_FILES)
		return -ENOSPC;
	f = &w->files[w->nfiles];
	memset(f, 0, sizeof(*f));
	if ((f->dir = strdup(dir)) == NULL ||
	    (f->name = strdup(name)) == NULL ||
	    asprintf(&f->path, "%s/%s", dir, name) == -1) {
		free(f->dir);
		free(f->name);
		memset(f, 0, sizeof(*f));
		return -ENOMEM;
	}
	f->tags = tags;
	watch_look(f);
	if (w->nfiles++ == 0)
		watch_schedule(w);
	return 0;
}

/* Stop following every file. */
void
watch_clear(struct watch *w)
{
	int	 i;

	evtimer_del(w->timer);
	for (i = 0; i < w->nfiles; i++) {
		free(w->files[i].dir);
		free(w->files[i].name);
		free(w->files[i].path);
	}
	memset(w->files, 0, sizeof(w->files));
	w->nfiles = 0;
}

/* Stop and free. */
void
watch_close(struct watch *w)
{
	if (w == NULL)
		return;
	watch_clear(w);
	event_free(w->timer);
	free(w);
}

/* How files are watched. */
const char *
watch_backend(void)
{
	return "stat";
}
