/*
 * fim-catchup.c: what changed under the rules while the agent was stopped.
 *
 * At stop, while our rules are still in, the watched trees are listed
 * (at most FIM_BASELINE_STOP_MS); the audit events still read until the
 * rules are out bring the listing up to date, and it is written to
 * FIM_BASELINE_FILE in the state directory with the rules' signature and
 * the time of the stop. At the next start the file is read and removed (a
 * crash leaves none); once the kernel audits our rules again (rules in and
 * auditing enabled), the trees are listed anew a slice at a time from the
 * loop and compared with the old listing: each difference up to the
 * moment auditing resumed is a FIM event with "source": "scan" and the
 * downtime, unless audit reported that path meanwhile. A change of the
 * rules in between makes the comparison pointless: it is skipped.
 */
#include "config.h"

#include <sys/stat.h>

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>
#include <json-c/json.h>

#include "agent-conf.h"
#include "clock.h"
#include "compat.h"
#include "fileio.h"
#include "fim-int.h"
#include "fim-queue.h"
#include "fim-scan.h"
#include "jsonutil.h"
#include "log.h"
#include "module.h"

#define FIM_BASELINE_FILE	"fim-baseline"
#define FIM_BASELINE_STOP_MS	3000	/* listing at stop, at most */
#define FIM_SCAN_SLICE_MS	10
#define FIM_CATCHUP_SETTLE_MS	500	/* kauditd's delivery, before the walk */
#define FIM_TOUCHED_MAX		4096

static void	fim_catchup_cb(evutil_socket_t, short, void *);

/* Make the timer of the listing. Returns 0, or -1. */
int
fim_catchup_init(struct fim *fim)
{
	fim->catchup.ev = evtimer_new(fim->env->base, fim_catchup_cb, fim);
	return fim->catchup.ev != NULL ? 0 : -1;
}

/* Remember a path that audit reported while a catch-up is pending. */
static void
fim_catchup_touch(struct fim_catchup *c, const char *path)
{
	char	**grown;

	if (c->baseline == NULL || c->ntouched >= FIM_TOUCHED_MAX)
		return;
	if ((grown = reallocarray(c->touched, (size_t)c->ntouched + 1,
	    sizeof(*c->touched))) == NULL)
		return;
	c->touched = grown;
	if ((c->touched[c->ntouched] = strdup(path)) != NULL)
		c->ntouched++;
}

/* Did audit report a change of path since the start? */
static int
fim_catchup_was_touched(const struct fim_catchup *c, const char *path)
{
	int	 i;

	for (i = 0; i < c->ntouched; i++)
		if (strcmp(c->touched[i], path) == 0)
			return 1;
	return 0;
}

/*
 * Audit reported a change of path: the catch-up at start leaves it to
 * the audit events, and the listing at stop follows it.
 */
void
fim_catchup_seen(struct fim *fim, const char *path)
{
	fim_catchup_touch(&fim->catchup, path);
	if (fim->catchup.stop_snap != NULL)
		fim_snap_refresh(fim->catchup.stop_snap, path);
}

/* Stop catching up, freeing what it holds; state says why. */
static void
fim_catchup_end(struct fim *fim, const char *state)
{
	struct fim_catchup	*c = &fim->catchup;
	int			 i;

	if (c->ev != NULL)
		evtimer_del(c->ev);
	fim_walk_free(c->walk);
	fim_snap_free(c->scan);
	fim_snap_free(c->baseline);
	c->walk = NULL;
	c->scan = c->baseline = NULL;
	for (i = 0; i < c->ntouched; i++)
		free(c->touched[i]);
	free(c->touched);
	c->touched = NULL;
	c->ntouched = 0;
	c->state = state;
	c->done = time(NULL);
}

/* End a catch-up in progress ("stopped") and free the timer. */
void
fim_catchup_free(struct fim *fim)
{
	fim_catchup_end(fim, "stopped");
	if (fim->catchup.ev != NULL)
		event_free(fim->catchup.ev);
	fim->catchup.ev = NULL;
}

/* The rules changed: a catch-up pending (rules known) or running ends. */
void
fim_catchup_rules_changed(struct fim *fim)
{
	if (fim->catchup.walk != NULL ||
	    (fim->catchup.baseline != NULL && fim->has_manifest))
		fim_catchup_end(fim, "rules changed");
}

/* Not collecting: not audited any more, and no catch-up. */
void
fim_catchup_pause(struct fim *fim)
{
	fim->catchup.is_audited = 0;
	if (fim->catchup.baseline != NULL)
		fim_catchup_end(fim, "not collecting");
}

/* The file state of a snapshot entry, into o. */
static void
fim_catchup_add_fstate(struct json_object *o, const struct fim_fstate *f)
{
	char	 mode[16];

	snprintf(mode, sizeof(mode), "%04o", f->mode & 07777);
	json_add_string(o, "mode", mode);
	json_add_int64(o, "owner_uid", f->uid);
	json_add_int64(o, "owner_gid", f->gid);
	json_add_int64(o, "size", f->size);
	json_add_int64(o, "mtime", f->mtime_sec);
}

/* The FIM event of a change found by the catch-up, for rule. */
static struct json_object *
fim_catchup_event(const struct fim *fim, enum fim_action action,
    const char *path, const char *old_path, const struct fim_fstate *before,
    const struct fim_fstate *now, int rule)
{
	struct json_object	*ev, *o;

	ev = json_object_new_object();
	json_add_int64(ev, "time", now != NULL ? now->ctime_sec :
	    (int64_t)time(NULL));
	json_add_string(ev, "path", path);
	json_add_string(ev, "action", fim_action_name(action));
	if (old_path != NULL)
		json_add_string(ev, "old_path", old_path);
	json_add_string(ev, "rule", fim->rules.rules[rule].path);
	json_add_string(ev, "source", "scan");
	o = json_object_new_object();
	json_add_int64(o, "from", fim->catchup.stopped_sec);
	json_add_int64(o, "to", fim->catchup.since_sec);
	json_object_object_add(ev, "downtime", o);
	if (before != NULL) {
		json_add_int64(ev, "inode", (int64_t)before->ino);
		o = json_object_new_object();
		fim_catchup_add_fstate(o, before);
		json_object_object_add(ev, "before", o);
	}
	if (action == FIM_DELETE && before != NULL)
		fim_catchup_add_fstate(ev, before);
	return ev;
}

/* One change made while the agent was stopped: a FIM event. */
static void
fim_catchup_emit(enum fim_action action, const char *path,
    const char *old_path, const struct fim_fstate *before,
    const struct fim_fstate *now, void *arg)
{
	struct fim		*fim = arg;
	struct json_object	*ev;
	enum fim_look		 look = FIM_LOOK_NONE;
	int			 rule;

	rule = fim_rules_match(&fim->rules, path, action);
	if (rule < 0 && old_path != NULL)
		rule = fim_rules_match(&fim->rules, old_path, action);
	if (rule < 0)
		return;
	/*
	 * Changed again after the start: the audit events tell (file
	 * times are coarse, so the ctime test alone can miss these).
	 */
	if (fim_catchup_was_touched(&fim->catchup, path) ||
	    (old_path != NULL &&
	    fim_catchup_was_touched(&fim->catchup, old_path)))
		return;
	ev = fim_catchup_event(fim, action, path, old_path, before, now,
	    rule);
	if (now != NULL)
		look = (action == FIM_CREATE || action == FIM_MODIFY) &&
		    S_ISREG(now->mode) ? FIM_LOOK_HASH : FIM_LOOK_STAT;
	fim->catchup.events++;
	fim->events.matched++;
	log_debug("fim: %s %s while the agent was stopped",
	    fim_action_name(action), path);
	fim_queue_push(fim->queue, ev, look, look != FIM_LOOK_NONE ? path :
	    NULL, now != NULL ? now->ino : 0);
}

/* List the trees for a slice; compare once done. */
static void
fim_catchup_cb(evutil_socket_t fd, short what, void *arg)
{
	struct fim		*fim = arg;
	struct fim_catchup	*c = &fim->catchup;
	struct timeval		 tv = { 0, 0 };
	uint64_t		 until = clock_mono_ms() + FIM_SCAN_SLICE_MS;
	int			 rc;

	do {
		rc = fim_walk_step(c->walk, c->scan, 256);
	} while (rc == 0 && clock_mono_ms() < until);
	if (rc == 0) {
		evtimer_add(c->ev, &tv);
		return;
	}
	if (rc == -1) {
		log_warnx("fim: more than %d files under the rules: changes "
		    "made while the agent was stopped are not looked for",
		    FIM_SNAPSHOT_MAX);
		fim_catchup_end(fim, "too many files");
		return;
	}
	/*
	 * Records the kernel delivered meanwhile are read first: a change
	 * made under audit is then the audit's, not reported twice.
	 */
	fim_event_drain(fim);
	c->events = 0;
	fim_snap_diff(c->baseline, c->scan, c->since_sec, c->since_nsec,
	    fim_catchup_emit, fim);
	log_info("fim: %llu change%s made while the agent was stopped "
	    "(%zu files compared)", (unsigned long long)c->events,
	    c->events == 1 ? "" : "s", fim_snap_count(c->scan));
	fim_catchup_end(fim, "done");
}

/* Start comparing the trees with the listing of the last stop. */
void
fim_catchup_start(struct fim *fim)
{
	struct fim_catchup	*c = &fim->catchup;
	struct timeval		 tv = { 0, 0 };
	char			 sig[65];

	if (c->baseline == NULL || c->walk != NULL)
		return;
	if (!fim->is_active) {
		fim_catchup_end(fim, "not collecting");
		return;
	}
	/* Until the kernel audits our rules, changes are the scan's. */
	if (!c->is_audited)
		return;
	fim_rules_signature(&fim->rules, sig);
	if (strcmp(sig, c->baseline_sig) != 0) {
		log_info("fim: the rules changed since the last stop: changes "
		    "made meanwhile are not looked for");
		fim_catchup_end(fim, "rules changed");
		return;
	}
	if ((c->scan = fim_snap_new()) == NULL ||
	    (c->walk = fim_walk_new(&fim->rules)) == NULL) {
		fim_catchup_end(fim, "out of memory");
		return;
	}
	c->state = "running";
	/*
	 * The changes made between auditing on and since are recorded, but
	 * kauditd, a kernel thread, may not have delivered them yet (the
	 * ACK that set since comes straight back): they must be in, and
	 * touched, before the diff, or they are reported twice.
	 */
	tv.tv_usec = FIM_CATCHUP_SETTLE_MS * 1000;
	evtimer_add(c->ev, &tv);
}

/* The catch-up looks at least up to now: the rules go in. */
void
fim_catchup_since_now(struct fim *fim)
{
	struct timespec	 now;

	clock_gettime(CLOCK_REALTIME, &now);
	fim->catchup.since_sec = (int64_t)now.tv_sec;
	fim->catchup.since_nsec = now.tv_nsec;
}

/*
 * Our rules are in and the kernel audits (enabled is not 0): from now on
 * changes reach us as records. Until this moment (auditing off before we
 * own the pid, on a system without auditd) they were not recorded, so the
 * catch-up compares up to here, and starts now.
 */
void
fim_catchup_audited(struct fim *fim)
{
	struct fim_catchup	*c = &fim->catchup;
	struct timespec		 now;

	if (c->is_audited || !fim->is_active || !fim->was_active ||
	    fim->audit == NULL)
		return;
	c->is_audited = 1;
	clock_gettime(CLOCK_REALTIME, &now);
	if (c->since_sec < (int64_t)now.tv_sec ||
	    (c->since_sec == (int64_t)now.tv_sec &&
	    c->since_nsec < now.tv_nsec)) {
		c->since_sec = (int64_t)now.tv_sec;
		c->since_nsec = now.tv_nsec;
	}
	log_debug("fim: the kernel audits our rules from now on");
	fim_catchup_start(fim);
}

/* The path of the listing in the state directory, into path. */
static void
fim_catchup_path(const struct fim *fim, char *path, size_t len)
{
	snprintf(path, len, "%s/%s", fim->env->conf->state_dir,
	    FIM_BASELINE_FILE);
}

/* Read the listing of the last stop (and remove it: a crash leaves none). */
void
fim_catchup_load(struct fim *fim)
{
	struct fim_catchup	*c = &fim->catchup;
	char			 path[PATH_MAX], err[256], *text = NULL;
	size_t			 len;
	int			 rc;

	fim_catchup_path(fim, path, sizeof(path));
	rc = fileio_read_all(path, 64 * 1024 * 1024, &text, &len);
	if (rc == -ENOENT) {
		c->state = "no listing from the last stop";
		return;
	}
	if (unlink(path) == -1)
		log_warn("fim: cannot remove %s", path);
	if (rc < 0) {
		log_warnx("fim: cannot read %s: %s", path, strerror(-rc));
		c->state = "unreadable listing";
		return;
	}
	c->baseline = fim_snap_parse(text, len, c->baseline_sig,
	    &c->stopped_sec, &c->stopped_nsec, err, sizeof(err));
	free(text);
	if (c->baseline == NULL) {
		log_warnx("fim: %s: %s; changes made while the agent was "
		    "stopped are not looked for", path, err);
		c->state = "bad listing";
		return;
	}
	c->state = "pending";
	log_info("fim: %zu files listed at the stop at %lld; looking for "
	    "changes made since", fim_snap_count(c->baseline),
	    (long long)c->stopped_sec);
}

/*
 * At stop, while our rules are still in: list the watched trees into
 * stop_snap. The audit events still read until the rules are out bring it
 * up to date (fim_catchup_seen), so that what they report is not reported
 * again by the next start.
 */
void
fim_catchup_list(struct fim *fim)
{
	struct fim_snapshot	*snap;
	struct fim_walk		*walk;
	uint64_t		 until = clock_mono_ms() + FIM_BASELINE_STOP_MS;
	int			 rc;

	if (!fim->is_active || fim->is_uninstalled ||
	    fim->catchup.baseline != NULL)
		return;
	if ((snap = fim_snap_new()) == NULL ||
	    (walk = fim_walk_new(&fim->rules)) == NULL) {
		fim_snap_free(snap);
		return;
	}
	do {
		rc = fim_walk_step(walk, snap, 1024);
	} while (rc == 0 && clock_mono_ms() < until);
	fim_walk_free(walk);
	if (rc != 1) {
		log_warnx("fim: cannot list the watched files at stop (%s): "
		    "changes made until the next start will not be looked "
		    "for", rc == 0 ? "too slow" : "too many files");
		fim_snap_free(snap);
		return;
	}
	fim->catchup.stop_snap = snap;
}

/* Write the listing of stop_snap for the next start. */
static void
fim_catchup_write(struct fim *fim, const char *path)
{
	struct timespec	 now;
	char		 sig[65];
	int		 rc;

	clock_gettime(CLOCK_REALTIME, &now);
	fim_rules_signature(&fim->rules, sig);
	if ((rc = fim_snap_save(fim->catchup.stop_snap, path, sig,
	    (int64_t)now.tv_sec, now.tv_nsec)) < 0)
		log_warnx("fim: cannot write %s: %s", path, strerror(-rc));
	else
		log_info("fim: %zu watched files listed for the next start",
		    fim_snap_count(fim->catchup.stop_snap));
}

/*
 * At stop, once our rules are out: write the listing for the next start
 * (or keep the one of a catch-up that did not finish), and free it.
 */
void
fim_catchup_save(struct fim *fim)
{
	struct fim_catchup	*c = &fim->catchup;
	char			 path[PATH_MAX];
	int			 rc;

	if (fim->is_active && !fim->is_uninstalled) {
		fim_catchup_path(fim, path, sizeof(path));
		/* The last catch-up did not finish: keep its listing. */
		if (c->baseline != NULL && (rc = fim_snap_save(c->baseline,
		    path, c->baseline_sig, c->stopped_sec,
		    c->stopped_nsec)) < 0)
			log_warnx("fim: cannot write %s: %s", path,
			    strerror(-rc));
		else if (c->baseline == NULL && c->stop_snap != NULL)
			fim_catchup_write(fim, path);
	}
	fim_snap_free(c->stop_snap);
	c->stop_snap = NULL;
}

/* The status object "catch_up". */
void
fim_catchup_status(const struct fim *fim, struct json_object *o)
{
	const struct fim_catchup	*c = &fim->catchup;
	struct json_object		*k;

	k = json_object_new_object();
	json_add_string(k, "state", c->state != NULL ? c->state : "none");
	json_add_time(k, "stopped_at", (time_t)c->stopped_sec);
	json_add_time(k, "finished", c->done);
	json_add_int64(k, "changes", (int64_t)c->events);
	json_object_object_add(o, "catch_up", k);
}
