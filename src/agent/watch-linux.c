/*
 * watch-linux.c: file watches with inotify(7) on the event base (see
 * watch.h). The directory of each file is watched, not the file: the
 * tools that change the files the inventory reads (dpkg, useradd) write a
 * new file and rename it over the old one, which a watch on the old inode
 * would miss. Events for other names in the directory are read and
 * dropped; a lost queue (IN_Q_OVERFLOW) reports every tag. A bounded
 * number of reads per wake-up leaves other callbacks their turn.
 */
#include "config.h"

#include <sys/inotify.h>

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "log.h"
#include "watch.h"

#define WATCH_READS	16	/* reads per wake-up */
#define WATCH_EVENTS	(IN_CLOSE_WRITE | IN_MOVED_TO | IN_MOVED_FROM | \
			    IN_CREATE | IN_DELETE | IN_DELETE_SELF | \
			    IN_MOVE_SELF | IN_ONLYDIR)

/* One file followed. */
struct watch_file {
	char		*dir;
	char		*name;
	unsigned int	 tags;
	int		 wd;		/* its directory's; -1: gone */
};

/* The watch. */
struct watch {
	watch_fn		 fn;
	void			*arg;
	int			 fd;
	struct event		*ev;
	struct watch_file	 files[WATCH_MAX_FILES];
	int			 nfiles;
};

/* The tags of the files of wd named name (NULL: every file of wd). */
static unsigned int
watch_tags(struct watch *w, int wd, const char *name, int forget)
{
	unsigned int	 tags = 0;
	int		 i;

	for (i = 0; i < w->nfiles; i++) {
		if (w->files[i].wd != wd || (name != NULL &&
		    strcmp(w->files[i].name, name) != 0))
			continue;
		tags |= w->files[i].tags;
		if (forget)
			w->files[i].wd = -1;
	}
	return tags;
}

/* Read what the kernel queued; call back once with the tags. */
static void
watch_read_cb(evutil_socket_t fd, short what, void *arg)
{
	struct watch			*w = arg;
	const struct inotify_event	*ev;
	char				 buf[4096]
	    __attribute__((aligned(__alignof__(struct inotify_event))));
	unsigned int			 tags = 0;
	ssize_t				 n, off;
	int				 reads;

	for (reads = 0; reads < WATCH_READS; reads++) {
		if ((n = read(fd, buf, sizeof(buf))) == -1) {
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN)
				log_warn("watch: read from inotify");
			break;
		}
		for (off = 0; off + (ssize_t)sizeof(*ev) <= n;
		    off += (ssize_t)sizeof(*ev) + ev->len) {
			ev = (const struct inotify_event *)(buf + off);
			if (ev->mask & IN_Q_OVERFLOW) {
				log_info("watch: the inotify queue overflowed;"
				    " every watched file counts as changed");
				tags = WATCH_ALL;
			} else if (ev->mask & (IN_IGNORED | IN_DELETE_SELF |
			    IN_MOVE_SELF))
				/* The directory went: follow it again later. */
				tags |= watch_tags(w, ev->wd, NULL, 1);
			else if (ev->len > 0)
				tags |= watch_tags(w, ev->wd, ev->name, 0);
		}
	}
	if (tags != 0)
		w->fn(tags, w->arg);
}

/* A new watch. Returns it, or NULL with errno set. */
struct watch *
watch_open(struct event_base *base, watch_fn fn, void *arg)
{
	struct watch	*w;
	int		 saved;

	if ((w = calloc(1, sizeof(*w))) == NULL)
		return NULL;
	w->fn = fn;
	w->arg = arg;
	if ((w->fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC)) == -1) {
		saved = errno;
		free(w);
		errno = saved;
		return NULL;
	}
	if ((w->ev = event_new(base, w->fd, EV_READ | EV_PERSIST,
	    watch_read_cb, w)) == NULL || event_add(w->ev, NULL) == -1) {
		watch_close(w);
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
	struct watch_file	*f = NULL;
	int			 i, wd;

	for (i = 0; i < w->nfiles; i++)
		if (strcmp(w->files[i].dir, dir) == 0 &&
		    strcmp(w->files[i].name, name) == 0)
			f = &w->files[i];
	if (f == NULL && w->nfiles == WATCH_MAX_FILES)
		return -ENOSPC;
	if ((wd = inotify_add_watch(w->fd, dir, WATCH_EVENTS)) == -1)
		return errno == ENOTDIR ? -ENOENT : -errno;
	if (f == NULL) {
		f = &w->files[w->nfiles];
		if ((f->dir = strdup(dir)) == NULL ||
		    (f->name = strdup(name)) == NULL) {
			free(f->dir);
			f->dir = NULL;
			return -ENOMEM;
		}
		w->nfiles++;
	}
	f->tags |= tags;
	f->wd = wd;
	return 0;
}

/* Stop following every file. */
void
watch_clear(struct watch *w)
{
	int	 i, j;

	for (i = 0; i < w->nfiles; i++) {
		/* Each directory once; a gone one has no watch left. */
		for (j = 0; j < i && w->files[i].wd != -1; j++)
			if (w->files[j].wd == w->files[i].wd)
				break;
		if (w->files[i].wd != -1 && j == i)
			inotify_rm_watch(w->fd, w->files[i].wd);
	}
	for (i = 0; i < w->nfiles; i++) {
		free(w->files[i].dir);
		free(w->files[i].name);
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
	if (w->ev != NULL)
		event_free(w->ev);
	close(w->fd);
	free(w);
}

/* How files are watched. */
const char *
watch_backend(void)
{
	return "inotify";
}
