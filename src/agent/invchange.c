/*
 * invchange.c: when the host changed, for the inventory (see
 * invchange.h). The tables below say which files announce a change of
 * which section, which lock a package manager holds for a whole
 * transaction, and which sections are polled; the rest is bookkeeping:
 * the settle timer, the poll timer and the status.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>
#include <json-c/json.h>

#include "clock.h"
#include "collect.h"
#include "compat.h"
#include "invchange.h"
#include "jsonutil.h"
#include "log.h"
#include "watch.h"

#define INVCHANGE_SETTLE_FACTOR	10	/* longest wait: settle times this */
#define INVCHANGE_LOCK_TAG	(1u << 31)	/* watch tag: a lock file */

/* A file, below the root, of a section. */
struct invchange_file {
	const char	*section;
	const char	*dir;
	const char	*name;
};

/* The files whose change is a change of their section. */
static const struct invchange_file invchange_files[] = {
	{ "packages", "/var/lib/dpkg", "status" },
	{ "packages", "/var/lib/rpm", "rpmdb.sqlite" },
	{ "packages", "/var/lib/rpm", "Packages" },
	{ "packages", "/var/lib/rpm", "Packages.db" },
	{ "packages", "/usr/lib/sysimage/rpm", "rpmdb.sqlite" },
	{ "packages", "/usr/lib/sysimage/rpm", "Packages.db" },
	{ "users", "/etc", "passwd" },
	{ "groups", "/etc", "group" },
	{ "os", "/etc", "os-release" },
	{ "os", "/usr/lib", "os-release" },
	{ "host", "/etc", "hostname" },
	{ "host", "/etc", "hosts" }
};

/*
 * The locks a package manager holds (fcntl) for a whole transaction:
 * apt's, dpkg's and rpm's. While one is held, its section waits. They are
 * watched too: the holder closing the file is the end of its transaction.
 */
static const struct invchange_file invchange_locks[] = {
	{ "packages", "/var/lib/dpkg", "lock-frontend" },
	{ "packages", "/var/lib/dpkg", "lock" },
	{ "packages", "/var/lib/rpm", ".rpm.lock" },
	{ "packages", "/usr/lib/sysimage/rpm", ".rpm.lock" }
};

/* The sections no kernel notification covers (or not all of it). */
static const char *const invchange_polled[] = {
	"os", "host", "cpu", "memory", "interfaces", "listening",
	"kernel_modules"
};

/* The tracker. */
struct invchange {
	struct event_base		*base;
	invchange_scan_fn		 scan;
	void				*arg;
	struct invchange_settings	 set;
	int				 is_running;
	char				*root;
	unsigned int			 enabled;	/* sections collected */
	struct watch			*watch;
	uint64_t			 watched;	/* bit i: files[i] */
	char				 watch_error[256];
	struct event			*settle_timer;
	struct event			*poll_timer;
	uint64_t			 last_poll;	/* monotonic ms */
	time_t				 last_poll_time;
	unsigned long			 polls;
	struct invchange_section	 sec[INVCHANGE_SECTIONS];
	/* For status, in wall-clock time. */
	time_t				 change_time[INVCHANGE_SECTIONS];
	time_t				 upload_time[INVCHANGE_SECTIONS];
	unsigned char			 upload_trigger[INVCHANGE_SECTIONS];
	unsigned long			 changes[INVCHANGE_SECTIONS];
	unsigned long			 uploads[INVCHANGE_SECTIONS];
};

static void	invchange_decide(struct invchange *);

/* The bit of section name, or 0 when the agent has no such collector. */
unsigned int
invchange_section_bit(const char *name)
{
	int	 i;

	for (i = 0; collect_table[i] != NULL && i < INVCHANGE_SECTIONS; i++)
		if (strcmp(collect_table[i]->name, name) == 0)
			return 1u << i;
	return 0;
}

/* The sections that are polled. */
static unsigned int
invchange_polled_mask(void)
{
	unsigned int	 mask = 0;
	size_t		 i;

	for (i = 0; i < nitems(invchange_polled); i++)
		mask |= invchange_section_bit(invchange_polled[i]);
	return mask;
}

/* The sections of the entries of a table (n entries). */
static unsigned int
invchange_table_mask(const struct invchange_file *t, size_t n)
{
	unsigned int	 mask = 0;
	size_t		 i;

	for (i = 0; i < n; i++)
		mask |= invchange_section_bit(t[i].section);
	return mask;
}

/* "timer", "watch" or "manual". */
const char *
invchange_trigger_name(enum invchange_trigger t)
{
	switch (t) {
	case INVCHANGE_WATCH:
		return "watch";
	case INVCHANGE_MANUAL:
		return "manual";
	default:
		return "timer";
	}
}

/*
 * The sections due for a scan at now; *next: the next decision. A
 * section is ready when its lock is free (or held too long) and its
 * min_interval since the last upload is over; due when it is also quiet
 * (settle, at most INVCHANGE_SETTLE_FACTOR times that after its first
 * change). When some section is due, the other ready ones go with it:
 * one scan, not one per file a tool rewrote.
 */
unsigned int
invchange_due(const struct invchange_section *secs, int n,
    unsigned int locked, const struct invchange_settings *set,
    uint64_t now, uint64_t *next)
{
	const struct invchange_section	*s;
	uint64_t			 at[INVCHANGE_SECTIONS];
	uint64_t			 quiet, cap, settle, allowed, lock_cap;
	unsigned int			 due = 0, ready = 0, pending = 0;
	int				 i;

	*next = 0;
	if (n > INVCHANGE_SECTIONS)
		n = INVCHANGE_SECTIONS;
	settle = (uint64_t)(set->settle > 0 ? set->settle : 1) * 1000;
	for (i = 0; i < n; i++) {
		s = &secs[i];
		if (s->first_pending == 0)
			continue;
		pending |= 1u << i;
		quiet = s->last_change + settle;
		cap = s->first_pending + INVCHANGE_SETTLE_FACTOR * settle;
		if (quiet > cap)
			quiet = cap;
		allowed = 0;
		if (s->last_upload != 0 && set->min_interval > 0)
			allowed = s->last_upload +
			    (uint64_t)set->min_interval * 1000;
		lock_cap = s->first_pending +
		    (uint64_t)INVCHANGE_LOCK_MAX * 1000;
		at[i] = quiet > allowed ? quiet : allowed;
		if ((locked & (1u << i)) && now < lock_cap) {
			/* A transaction under way: look again later. */
			at[i] = now + (set->lock_recheck > 0 ?
			    (uint64_t)set->lock_recheck * 1000 : settle);
			if (at[i] > lock_cap)
				at[i] = lock_cap;
		} else if (now >= allowed)
			ready |= 1u << i;
		if (at[i] <= now)
			due |= 1u << i;
	}
	if (due != 0)
		due |= ready;
	for (i = 0; i < n; i++)
		if ((pending & ~due & (1u << i)) != 0 &&
		    (*next == 0 || at[i] < *next))
			*next = at[i];
	return due;
}

/* Is the fcntl lock of path held by a process? */
static int
invchange_is_locked(const char *path)
{
	struct flock	 fl;
	int		 fd, held;

	/* Read-only: a close after writing would be an inotify event. */
	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)) == -1)
		return 0;
	memset(&fl, 0, sizeof(fl));
	fl.l_type = F_WRLCK;
	fl.l_whence = SEEK_SET;
	held = fcntl(fd, F_GETLK, &fl) == 0 && fl.l_type != F_UNLCK;
	close(fd);
	return held;
}

/* The sections of mask whose package manager holds its lock. */
static unsigned int
invchange_locked(struct invchange *ic, unsigned int mask)
{
	char		 path[1024];
	unsigned int	 locked = 0, bit;
	size_t		 i, rl;

	rl = strlen(ic->root);
	while (rl > 0 && ic->root[rl - 1] == '/')
		rl--;
	for (i = 0; i < nitems(invchange_locks);
	    i++) {
		bit = invchange_section_bit(invchange_locks[i].section);
		if ((mask & bit) == 0 || (locked & bit) != 0)
			continue;
		snprintf(path, sizeof(path), "%.*s%s/%s", (int)rl, ic->root,
		    invchange_locks[i].dir, invchange_locks[i].name);
		if (invchange_is_locked(path))
			locked |= bit;
	}
	return locked;
}

/* Arm ev for the monotonic time at (ms). */
static void
invchange_arm(struct event *ev, uint64_t at, uint64_t now)
{
	struct timeval	 tv = { 0, 0 };
	uint64_t	 ms = at > now ? at - now : 0;

	tv.tv_sec = (time_t)(ms / 1000);
	tv.tv_usec = (suseconds_t)(ms % 1000) * 1000;
	evtimer_add(ev, &tv);
}

/* Scan what is due; arm the settle timer for what is not yet. */
static void
invchange_decide(struct invchange *ic)
{
	uint64_t	 now = clock_mono_ms(), next;
	unsigned int	 due, locked = 0;

	due = invchange_due(ic->sec, INVCHANGE_SECTIONS, 0, &ic->set, now,
	    &next);
	/* Look at the locks only for what would go now. */
	if (due != 0 && (locked = invchange_locked(ic, due)) != 0)
		due = invchange_due(ic->sec, INVCHANGE_SECTIONS, locked,
		    &ic->set, now, &next);
	if (next != 0)
		invchange_arm(ic->settle_timer, next, now);
	else
		evtimer_del(ic->settle_timer);
	if (locked != 0)
		log_debug("inventory: a package manager holds its lock; "
		    "waiting for the end of its transaction");
	if (due != 0)
		ic->scan(due, INVCHANGE_WATCH, ic->arg);
}

/* The settle timer. */
static void
invchange_settle_cb(evutil_socket_t fd, short what, void *arg)
{
	invchange_decide(arg);
}

/* The slack of a poll either side of its time (ms). */
static uint64_t
invchange_poll_slack(const struct invchange *ic)
{
	uint64_t	 hb = (uint64_t)ic->set.heartbeat_interval * 600;
	uint64_t	 half = (uint64_t)ic->set.poll_interval * 500;

	return hb > 0 && hb < half ? hb : half;
}

/* Arm the poll timer: the end of the window of the next poll. */
static void
invchange_poll_schedule(struct invchange *ic)
{
	uint64_t	 now = clock_mono_ms();

	if (!ic->is_running || ic->set.poll_interval <= 0) {
		evtimer_del(ic->poll_timer);
		return;
	}
	if (ic->last_poll == 0)
		ic->last_poll = now;
	invchange_arm(ic->poll_timer, ic->last_poll +
	    (uint64_t)ic->set.poll_interval * 1000 + invchange_poll_slack(ic),
	    now);
}

/* Poll: scan the polled sections that may upload again. */
static void
invchange_poll(struct invchange *ic)
{
	uint64_t	 now = clock_mono_ms();
	unsigned int	 mask = invchange_polled_mask() & ic->enabled;
	int		 i;

	for (i = 0; i < INVCHANGE_SECTIONS; i++)
		if (ic->sec[i].last_upload != 0 && ic->set.min_interval > 0 &&
		    now < ic->sec[i].last_upload +
		    (uint64_t)ic->set.min_interval * 1000)
			mask &= ~(1u << i);
	ic->last_poll = now;
	ic->last_poll_time = time(NULL);
	ic->polls++;
	invchange_poll_schedule(ic);
	if (mask != 0)
		ic->scan(mask, INVCHANGE_POLL, ic->arg);
}

/* The poll timer: no heartbeat came in the window. */
static void
invchange_poll_cb(evutil_socket_t fd, short what, void *arg)
{
	invchange_poll(arg);
}

/* The watch saw files change (or a lock file closed). */
static void
invchange_watch_cb(unsigned int tags, void *arg)
{
	struct invchange	*ic = arg;

	if ((tags & ~INVCHANGE_LOCK_TAG) != 0)
		invchange_note(ic, tags & ~INVCHANGE_LOCK_TAG);
	else if (ic->is_running)
		invchange_decide(ic);
}

/* A new tracker. */
struct invchange *
invchange_new(struct event_base *base, invchange_scan_fn scan, void *arg)
{
	struct invchange	*ic;

	if ((ic = calloc(1, sizeof(*ic))) == NULL ||
	    (ic->root = strdup("/")) == NULL ||
	    (ic->settle_timer = evtimer_new(base, invchange_settle_cb,
	    ic)) == NULL ||
	    (ic->poll_timer = evtimer_new(base, invchange_poll_cb, ic)) ==
	    NULL) {
		log_warnx("inventory: out of memory");
		invchange_free(ic);
		return NULL;
	}
	ic->base = base;
	ic->scan = scan;
	ic->arg = arg;
	ic->set.enabled = 1;
	ic->set.settle = 2;
	ic->set.min_interval = 10;
	ic->set.poll_interval = 60;
	ic->set.heartbeat_interval = 60;
	return ic;
}

/* Stop and free. */
void
invchange_free(struct invchange *ic)
{
	if (ic == NULL)
		return;
	invchange_stop(ic);
	if (ic->settle_timer != NULL)
		event_free(ic->settle_timer);
	if (ic->poll_timer != NULL)
		event_free(ic->poll_timer);
	free(ic->root);
	free(ic);
}

/* Apply the settings. */
void
invchange_configure(struct invchange *ic, const struct invchange_settings *set)
{
	int	 was = ic->set.enabled;

	ic->set = *set;
	ic->set.lock_recheck = strcmp(watch_backend(), "inotify") == 0 ?
	    INVCHANGE_LOCK_RECHECK : 0;
	if (was && !set->enabled && ic->is_running) {
		log_info("inventory: change-driven uploads are off "
		    "(inventory_changes.enabled is false)");
		invchange_stop(ic);
		return;
	}
	if (ic->is_running) {
		invchange_poll_schedule(ic);
		invchange_decide(ic);
	}
}

/* Watch the files of the enabled sections below root. */
static void
invchange_add_watches(struct invchange *ic)
{
	char		 dir[1024];
	unsigned int	 bit;
	size_t		 i, rl;
	int		 rc;

	if (ic->watch == NULL &&
	    (ic->watch = watch_open(ic->base, invchange_watch_cb, ic)) ==
	    NULL) {
		if (ic->watch_error[0] == '\0')
			log_warnx("inventory: cannot watch files (%s): "
			    "changes wait for the polls and the interval scan",
			    strerror(errno));
		snprintf(ic->watch_error, sizeof(ic->watch_error), "%s",
		    strerror(errno));
		return;
	}
	rl = strlen(ic->root);
	while (rl > 0 && ic->root[rl - 1] == '/')
		rl--;
	for (i = 0; i < nitems(invchange_files);
	    i++) {
		bit = invchange_section_bit(invchange_files[i].section);
		if ((ic->enabled & bit) == 0)
			continue;
		snprintf(dir, sizeof(dir), "%.*s%s", (int)rl, ic->root,
		    invchange_files[i].dir);
		rc = watch_add(ic->watch, dir, invchange_files[i].name, bit);
		if (rc == 0)
			ic->watched |= (uint64_t)1 << i;
		if (rc < 0 && rc != -ENOENT) {
			snprintf(ic->watch_error, sizeof(ic->watch_error),
			    "%.160s/%s: %s", dir, invchange_files[i].name,
			    strerror(-rc));
			log_warnx("inventory: cannot watch %s", ic->watch_error);
		}
	}
	for (i = 0; i < nitems(invchange_locks); i++) {
		if ((ic->enabled & invchange_section_bit(
		    invchange_locks[i].section)) == 0)
			continue;
		snprintf(dir, sizeof(dir), "%.*s%s", (int)rl, ic->root,
		    invchange_locks[i].dir);
		/* Missing: nothing to wait for there. */
		(void)watch_add(ic->watch, dir, invchange_locks[i].name,
		    INVCHANGE_LOCK_TAG);
	}
}

/* Follow the changes below root for the enabled sections. */
void
invchange_start(struct invchange *ic, const char *root, unsigned int enabled)
{
	char	*copy;

	if (!ic->set.enabled) {
		invchange_stop(ic);
		return;
	}
	if (strcmp(root, ic->root) != 0) {
		if ((copy = strdup(root)) == NULL)
			return;
		invchange_stop(ic);
		free(ic->root);
		ic->root = copy;
	}
	if (enabled != ic->enabled && ic->watch != NULL) {
		watch_clear(ic->watch);
		ic->watched = 0;
	}
	ic->enabled = enabled;
	if (!ic->is_running) {
		log_info("inventory: following host changes (%s watches, "
		    "settle %d s, at most one upload per section every %d s, "
		    "polls every %d s)", watch_backend(), ic->set.settle,
		    ic->set.min_interval, ic->set.poll_interval);
		ic->is_running = 1;
		ic->watch_error[0] = '\0';
	}
	invchange_add_watches(ic);
	if (!evtimer_pending(ic->poll_timer, NULL))
		invchange_poll_schedule(ic);
}

/* Stop following. */
void
invchange_stop(struct invchange *ic)
{
	int	 i;

	if (ic == NULL)
		return;
	watch_close(ic->watch);
	ic->watch = NULL;
	ic->watched = 0;
	evtimer_del(ic->settle_timer);
	evtimer_del(ic->poll_timer);
	ic->last_poll = 0;
	for (i = 0; i < INVCHANGE_SECTIONS; i++)
		ic->sec[i].first_pending = 0;
	ic->is_running = 0;
}

/* A change of sections. */
void
invchange_note(struct invchange *ic, unsigned int sections)
{
	uint64_t	 now = clock_mono_ms();
	int		 i;

	if (!ic->is_running || (sections &= ic->enabled) == 0)
		return;
	for (i = 0; i < INVCHANGE_SECTIONS; i++) {
		if ((sections & (1u << i)) == 0)
			continue;
		if (ic->sec[i].first_pending == 0)
			ic->sec[i].first_pending = now;
		ic->sec[i].last_change = now;
		ic->change_time[i] = time(NULL);
		ic->changes[i]++;
	}
	invchange_decide(ic);
}

/* A heartbeat: poll if the poll's window is open. */
void
invchange_heartbeat(struct invchange *ic)
{
	uint64_t	 now = clock_mono_ms(), due;

	if (!ic->is_running || ic->set.poll_interval <= 0)
		return;
	due = ic->last_poll + (uint64_t)ic->set.poll_interval * 1000;
	if (now + invchange_poll_slack(ic) >= due)
		invchange_poll(ic);
}

/* A scan of sections started. */
void
invchange_scanned(struct invchange *ic, unsigned int sections)
{
	unsigned int	 polled = invchange_polled_mask() & ic->enabled;
	int		 i;

	for (i = 0; i < INVCHANGE_SECTIONS; i++)
		if (sections & (1u << i))
			ic->sec[i].first_pending = 0;
	if (!ic->is_running)
		return;
	/* A scan of every polled section is a poll. */
	if (polled != 0 && (sections & polled) == polled) {
		ic->last_poll = clock_mono_ms();
		invchange_poll_schedule(ic);
	}
	invchange_decide(ic);
}

/* A record carrying sections was spooled. */
void
invchange_uploaded(struct invchange *ic, unsigned int sections,
    const unsigned char *triggers)
{
	uint64_t	 now = clock_mono_ms();
	int		 i;

	for (i = 0; i < INVCHANGE_SECTIONS; i++) {
		if ((sections & (1u << i)) == 0)
			continue;
		ic->sec[i].last_upload = now;
		ic->upload_time[i] = time(NULL);
		ic->upload_trigger[i] = triggers[i];
		ic->uploads[i]++;
	}
}

/* How section bit learns of its changes ("files+poll"). */
static void
invchange_sources(unsigned int bit, char *buf, size_t len)
{
	buf[0] = '\0';
	if (invchange_table_mask(invchange_files, nitems(invchange_files)) & bit)
		strlcat(buf, "files", len);
	if (bit == invchange_section_bit("interfaces"))
		strlcat(buf, buf[0] ? "+addresses" : "addresses", len);
	if (invchange_polled_mask() & bit)
		strlcat(buf, buf[0] ? "+poll" : "poll", len);
	if (invchange_table_mask(invchange_locks, nitems(invchange_locks)) & bit)
		strlcat(buf, "+lock", len);
}

/* The directories watched, each once (new array). */
static struct json_object *
invchange_watching(struct invchange *ic)
{
	struct json_object	*arr = json_object_new_array();
	size_t			 i, j;

	for (i = 0; i < nitems(invchange_files); i++) {
		if ((ic->watched & ((uint64_t)1 << i)) == 0)
			continue;
		for (j = 0; j < i; j++)
			if ((ic->watched & ((uint64_t)1 << j)) != 0 &&
			    strcmp(invchange_files[j].dir,
			    invchange_files[i].dir) == 0)
				break;
		if (j == i)
			json_object_array_add(arr, json_object_new_string(
			    invchange_files[i].dir));
	}
	return arr;
}

/* The "changes" status member. */
struct json_object *
invchange_status(struct invchange *ic)
{
	struct json_object	*o, *secs, *s;
	char			 src[64];
	int			 i;

	o = json_object_new_object();
	json_add_bool(o, "enabled", ic->set.enabled);
	json_add_bool(o, "running", ic->is_running);
	json_add_string(o, "watches", watch_backend());
	json_add_int64(o, "settle", ic->set.settle);
	json_add_int64(o, "min_interval", ic->set.min_interval);
	json_add_int64(o, "poll_interval", ic->set.poll_interval);
	json_object_object_add(o, "watching", invchange_watching(ic));
	json_add_string(o, "watch_error", ic->watch_error[0] != '\0' ?
	    ic->watch_error : NULL);
	json_add_time(o, "last_poll", ic->last_poll_time);
	json_add_int64(o, "polls", (int64_t)ic->polls);
	secs = json_object_new_object();
	for (i = 0; collect_table[i] != NULL && i < INVCHANGE_SECTIONS; i++) {
		if ((ic->enabled & (1u << i)) == 0 &&
		    ic->upload_time[i] == 0)
			continue;
		s = json_object_new_object();
		invchange_sources(1u << i, src, sizeof(src));
		json_add_string(s, "sources", src);
		json_add_time(s, "last_change", ic->change_time[i]);
		json_add_bool(s, "pending", ic->sec[i].first_pending != 0);
		json_add_int64(s, "changes", (int64_t)ic->changes[i]);
		json_add_time(s, "last_upload", ic->upload_time[i]);
		json_add_string(s, "trigger", ic->upload_time[i] != 0 ?
		    invchange_trigger_name(ic->upload_trigger[i]) : NULL);
		json_add_int64(s, "uploads", (int64_t)ic->uploads[i]);
		json_object_object_add(secs, collect_table[i]->name, s);
	}
	json_object_object_add(o, "sections", secs);
	return o;
}
