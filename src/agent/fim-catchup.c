/*
 * fim-catchup.c: what changed under the rules while the agent was not
 * watching.
 *
 * The durable baseline (fim-journal.c) holds the watched files as the
 * platform was last told about them. At start, once the kernel audits our
 * rules again (rules in and auditing enabled), the trees are listed anew a
 * slice at a time from the loop and compared with it: each difference up
 * to the moment auditing resumed is a FIM event with "source": "scan" and
 * the window it happened in ("downtime"), unless audit reported that path
 * meanwhile; each goes into the baseline as it is queued. After a clean
 * stop the window starts at the stop; after an unclean one (crash, kill,
 * power loss) at the last sign of life in the journal, and the window is
 * reported as a loss of who-data (E706) with the count of changes found.
 *
 * Without a usable baseline (none yet, another rule set, or a listing that
 * never finished) the listing becomes the baseline and reports nothing;
 * after an unclean stop that too is reported (E706): the changes of the
 * window cannot be looked for. The same listing runs when the rules change
 * while collecting.
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
#include "errors.h"
#include "fim-int.h"
#include "fim-journal.h"
#include "fim-queue.h"
#include "fim-scan.h"
#include "jsonutil.h"
#include "log.h"
#include "module.h"
#include "report.h"

#define FIM_LIST_STOP_MS	3000	/* a listing finished at stop, at most */
#define FIM_SCAN_SLICE_MS	10
#define FIM_CATCHUP_SETTLE_MS	500	/* kauditd's delivery, before the walk */
#define FIM_TOUCHED_MAX		4096
#define FIM_UPDATES_LINE	256	/* baseline updates per journal line */

/* One difference found, kept until the comparison is over. */
struct fim_found {
	enum fim_action		 action;
	char			*path;
	char			*old_path;
	struct fim_fstate	 before;
	struct fim_fstate	 now;
	int			 has_before;
	int			 has_now;
};

/* The differences of one comparison. */
struct fim_found_list {
	struct fim_found	*v;
	size_t			 n;
	size_t			 cap;
};

static void	fim_catchup_cb(evutil_socket_t, short, void *);

/* Make the timer of the listing. Returns 0, or -1. */
int
fim_catchup_init(struct fim *fim)
{
	fim->catchup.ev = evtimer_new(fim->env->base, fim_catchup_cb, fim);
	fim->catchup.state = "none";
	return fim->catchup.ev != NULL ? 0 : -1;
}

/* Remember a path that audit reported while a comparison is pending. */
static void
fim_catchup_touch(struct fim_catchup *c, const char *path)
{
	char	**grown;

	if (c->mode != FIM_CATCHUP_COMPARE || c->ntouched >= FIM_TOUCHED_MAX)
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

/* Audit reported a change of path: the comparison leaves it to audit. */
void
fim_catchup_seen(struct fim *fim, const char *path)
{
	fim_catchup_touch(&fim->catchup, path);
}

/* Stop listing, freeing what it holds; state says why. */
static void
fim_catchup_end(struct fim *fim, const char *state)
{
	struct fim_catchup	*c = &fim->catchup;
	int			 i;

	if (c->ev != NULL)
		evtimer_del(c->ev);
	fim_walk_free(c->walk);
	/* A new baseline is listed into the baseline itself. */
	if (c->scan != fim->journal.base)
		fim_snap_free(c->scan);
	c->walk = NULL;
	c->scan = NULL;
	for (i = 0; i < c->ntouched; i++)
		free(c->touched[i]);
	free(c->touched);
	c->touched = NULL;
	c->ntouched = 0;
	c->mode = FIM_CATCHUP_NONE;
	c->state = state;
	c->done = time(NULL);
}

/* End a listing in progress ("stopped") and free the timer. */
void
fim_catchup_free(struct fim *fim)
{
	fim_catchup_end(fim, "stopped");
	if (fim->catchup.ev != NULL)
		event_free(fim->catchup.ev);
	fim->catchup.ev = NULL;
}

/*
 * After an unclean stop, report the window whose who-data is lost (E706)
 * with the changes found in it (count), or why none could be looked for.
 */
static void
fim_catchup_report_unclean(struct fim *fim, const char *why)
{
	struct fim_catchup	*c = &fim->catchup;
	char			 from[32], to[32];
	struct tm		 tm;
	time_t			 t;

	if (!c->is_unclean)
		return;
	c->is_unclean = 0;
	if (c->since_sec < c->from_sec)
		c->since_sec = (int64_t)time(NULL);
	fim->loss.unclean++;
	fim->loss.who += c->events;
	t = (time_t)c->from_sec;
	gmtime_r(&t, &tm);
	strftime(from, sizeof(from), "%Y-%m-%dT%H:%M:%SZ", &tm);
	t = (time_t)c->since_sec;
	gmtime_r(&t, &tm);
	strftime(to, sizeof(to), "%Y-%m-%dT%H:%M:%SZ", &tm);
	if (why == NULL)
		report_window(fim->env->report, ERR_FIM_UNCLEAN, c->from_sec,
		    c->since_sec, (int64_t)c->events, "outpostd stopped "
		    "without a clean stop (crash, kill or power loss) between "
		    "%s and %s: who made the changes in that window is lost; "
		    "%llu change%s found against the durable baseline, "
		    "reported with source scan", from, to,
		    (unsigned long long)c->events, c->events == 1 ? "" : "s");
	else
		report_window(fim->env->report, ERR_FIM_UNCLEAN, c->from_sec,
		    c->since_sec, -1, "outpostd stopped without a clean stop "
		    "(crash, kill or power loss) between %s and %s: who made "
		    "the changes in that window is lost, and the changes "
		    "themselves cannot be looked for: %s", from, to, why);
}

/* Collecting starts: compare with the baseline, or list a new one. */
void
fim_catchup_collect(struct fim *fim)
{
	struct fim_catchup	*c = &fim->catchup;
	struct fim_journal	*j = &fim->journal;

	if (fim_journal_base_ok(fim)) {
		c->mode = FIM_CATCHUP_COMPARE;
		c->state = "pending";
	} else {
		c->build_why = j->base == NULL ? (j->is_unclean ? "no usable "
		    "baseline" : "no baseline yet") : !j->hdr.is_complete ?
		    "the last listing did not finish" : "the rules changed "
		    "since the last stop";
		if (j->base != NULL || j->is_unclean)
			log_info("fim: %s: changes made while the agent was "
			    "stopped are not looked for; listing the watched "
			    "files anew", c->build_why);
		fim_journal_reset(fim);
		c->mode = FIM_CATCHUP_BUILD;
		c->state = "listing a new baseline";
	}
	if (fim_journal_begin(fim) == -1)
		log_warnx("fim: the baseline cannot be kept durably; see the "
		    "errors");
}

/* Copy f into *to (its path not kept). */
static void
fim_catchup_copy(struct fim_fstate *to, const struct fim_fstate *f)
{
	*to = *f;
	to->path = NULL;
}

/* One difference: kept until the comparison is over. */
static void
fim_catchup_found(enum fim_action action, const char *path,
    const char *old_path, const struct fim_fstate *before,
    const struct fim_fstate *now, void *arg)
{
	struct fim_found_list	*l = arg;
	struct fim_found	*grown, *f;

	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 64;
		if ((grown = reallocarray(l->v, l->cap, sizeof(*grown))) ==
		    NULL)
			return;
		l->v = grown;
	}
	f = &l->v[l->n];
	memset(f, 0, sizeof(*f));
	f->action = action;
	if ((f->path = strdup(path)) == NULL ||
	    (old_path != NULL && (f->old_path = strdup(old_path)) == NULL)) {
		free(f->path);
		return;
	}
	if ((f->has_before = before != NULL))
		fim_catchup_copy(&f->before, before);
	if ((f->has_now = now != NULL))
		fim_catchup_copy(&f->now, now);
	l->n++;
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
fim_catchup_event(const struct fim *fim, const struct fim_found *f, int rule)
{
	struct json_object	*ev, *o;

	ev = json_object_new_object();
	json_add_int64(ev, "time", f->has_now ? f->now.ctime_sec :
	    (int64_t)time(NULL));
	json_add_string(ev, "path", f->path);
	json_add_string(ev, "action", fim_action_name(f->action));
	if (f->old_path != NULL)
		json_add_string(ev, "old_path", f->old_path);
	json_add_string(ev, "rule", fim->rules.rules[rule].path);
	json_add_string(ev, "source", "scan");
	o = json_object_new_object();
	json_add_int64(o, "from", fim->catchup.from_sec);
	json_add_int64(o, "to", fim->catchup.since_sec);
	if (fim->catchup.is_unclean)
		json_add_bool(o, "unclean", 1);
	json_object_object_add(ev, "downtime", o);
	if (f->has_before) {
		o = json_object_new_object();
		fim_catchup_add_fstate(o, &f->before);
		json_object_object_add(ev, "before", o);
	}
	if (f->action == FIM_DELETE && f->has_before) {
		json_add_int64(ev, "inode", (int64_t)f->before.ino);
		fim_catchup_add_fstate(ev, &f->before);
	}
	return ev;
}

/* The baseline update of a difference into u (state pointing into f). */
static void
fim_catchup_update(struct fim_found *f, struct fim_update *u)
{
	memset(u, 0, sizeof(*u));
	u->path = f->path;
	u->from = f->old_path;
	if (f->has_now) {
		f->now.path = f->path;
		u->state = &f->now;
	}
}

/* Report one difference (if a rule wants it) and take it as the baseline. */
static void
fim_catchup_emit(struct fim *fim, struct fim_found *f)
{
	struct json_object	*ev;
	struct fim_update	 u;
	enum fim_look		 look = FIM_LOOK_NONE;
	const char		*text;
	size_t			 len;
	uint64_t		 id;
	int			 rule;

	/*
	 * Changed again after the start: the audit events tell (file times
	 * are coarse, so the ctime test alone can miss these).
	 */
	if (fim_catchup_was_touched(&fim->catchup, f->path) ||
	    (f->old_path != NULL &&
	    fim_catchup_was_touched(&fim->catchup, f->old_path)))
		return;
	fim_catchup_update(f, &u);
	rule = fim_rules_match(&fim->rules, f->path, f->action);
	if (rule < 0 && f->old_path != NULL)
		rule = fim_rules_match(&fim->rules, f->old_path, f->action);
	/*
	 * Not wanted by the rules, or the change of an event read before an
	 * unclean stop and sent again (its file was never looked at): the
	 * baseline follows all the same, without a second event.
	 */
	if (rule < 0 || fim_journal_is_attributed(fim, f->path) ||
	    (f->old_path != NULL && fim_journal_is_attributed(fim,
	    f->old_path))) {
		fim_journal_event(fim, 0, NULL, 0, &u, 1);
		return;
	}
	ev = fim_catchup_event(fim, f, rule);
	if (f->has_now)
		look = (f->action == FIM_CREATE || f->action == FIM_MODIFY) &&
		    S_ISREG(f->now.mode) ? FIM_LOOK_HASH : FIM_LOOK_STAT;
	text = json_object_to_json_string_length(ev, JSON_C_TO_STRING_PLAIN |
	    JSON_C_TO_STRING_NOSLASHESCAPE, &len);
	id = fim_journal_next_id(fim);
	fim->catchup.events++;
	fim->events.matched++;
	log_debug("fim: %s %s while the agent was not watching",
	    fim_action_name(f->action), f->path);
	if (text != NULL && fim_queue_push_text(fim->queue, text, len, id,
	    f->has_now ? (int64_t)f->now.ino : -1, look, look !=
	    FIM_LOOK_NONE ? f->path : NULL, f->has_now ? f->now.ino : 0) == 0)
		fim_journal_event(fim, id, text, len, &u, 1);
	json_object_put(ev);
}

/* Free the differences. */
static void
fim_catchup_found_free(struct fim_found_list *l)
{
	size_t	 i;

	for (i = 0; i < l->n; i++) {
		free(l->v[i].path);
		free(l->v[i].old_path);
	}
	free(l->v);
}

/*
 * After the comparison: paths listed now that the baseline lacks or holds
 * otherwise, changed under audit and not reported by it (a link count, an
 * attribute the rules do not want), go into the baseline too.
 */
static void
fim_catchup_settle(struct fim *fim)
{
	struct fim_catchup	*c = &fim->catchup;
	struct fim_snapshot	*base = fim->journal.base;
	struct fim_update	 u[FIM_UPDATES_LINE];
	struct fim_fstate	*n, *b, st[FIM_UPDATES_LINE];
	size_t			 i;
	int			 k = 0;

	for (i = 0; base != NULL && i < fim_snap_size(c->scan); i++) {
		n = fim_snap_entry(c->scan, i);
		if (n->is_gone || fim_catchup_was_touched(c, n->path))
			continue;
		if ((b = fim_snap_find(base, n->path)) != NULL &&
		    b->dev == n->dev && b->ino == n->ino && b->mode == n->mode &&
		    b->uid == n->uid && b->gid == n->gid &&
		    b->size == n->size && b->mtime_sec == n->mtime_sec &&
		    b->mtime_nsec == n->mtime_nsec)
			continue;
		st[k] = *n;
		memset(&u[k], 0, sizeof(u[k]));
		u[k].path = n->path;
		u[k].state = &st[k];
		if (++k == FIM_UPDATES_LINE) {
			fim_journal_event(fim, 0, NULL, 0, u, k);
			k = 0;
		}
	}
	if (k > 0)
		fim_journal_event(fim, 0, NULL, 0, u, k);
}

/* The listing is complete: compare, or take it as the baseline. */
static void
fim_catchup_finish(struct fim *fim)
{
	struct fim_catchup	*c = &fim->catchup;
	struct fim_found_list	 found;
	size_t			 i;

	if (c->mode == FIM_CATCHUP_BUILD) {
		fim_journal_complete(fim);
		fim_catchup_report_unclean(fim, c->build_why);
		fim_catchup_end(fim, "new baseline listed");
		return;
	}
	/*
	 * Records the kernel delivered meanwhile are read first: a change
	 * made under audit is then the audit's, not reported twice.
	 */
	fim_event_drain(fim);
	c->events = 0;
	memset(&found, 0, sizeof(found));
	fim_snap_diff(fim->journal.base, c->scan, c->since_sec, c->since_nsec,
	    fim_catchup_found, &found);
	/* The baseline changes only now: the diff walked it. */
	for (i = 0; i < found.n; i++)
		fim_catchup_emit(fim, &found.v[i]);
	fim_catchup_found_free(&found);
	fim_catchup_settle(fim);
	log_info("fim: %llu change%s made while the agent was not watching "
	    "(%zu files compared)", (unsigned long long)c->events,
	    c->events == 1 ? "" : "s", fim_snap_count(c->scan));
	fim_catchup_report_unclean(fim, NULL);
	fim_journal_caught_up(fim);
	fim_catchup_end(fim, "done");
}

/* List the trees for a slice; compare (or keep) once done. */
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
		log_warnx("fim: more than %d files under the rules: no "
		    "baseline is kept, and changes made while the agent is "
		    "not watching cannot be looked for", FIM_SNAPSHOT_MAX);
		fim_catchup_report_unclean(fim, "too many files under the "
		    "rules");
		fim_catchup_end(fim, "too many files");
		return;
	}
	fim_catchup_finish(fim);
}

/* Start listing the trees: into the baseline, or to compare with it. */
void
fim_catchup_start(struct fim *fim)
{
	struct fim_catchup	*c = &fim->catchup;
	struct timeval		 tv = { 0, 0 };

	if (c->mode == FIM_CATCHUP_NONE || c->walk != NULL)
		return;
	if (!fim->is_active) {
		fim_catchup_end(fim, "not collecting");
		return;
	}
	/* Until the kernel audits our rules, changes are the listing's. */
	if (!c->is_audited)
		return;
	c->scan = c->mode == FIM_CATCHUP_COMPARE ? fim_snap_new() : NULL;
	if ((c->mode == FIM_CATCHUP_COMPARE && c->scan == NULL) ||
	    (c->walk = fim_walk_new(&fim->rules)) == NULL) {
		fim_catchup_end(fim, "out of memory");
		return;
	}
	/* A new baseline is listed straight into it (events refresh it). */
	if (c->mode == FIM_CATCHUP_BUILD) {
		c->scan = fim->journal.base;
		c->state = "listing a new baseline";
	} else
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

/* Read the baseline of the last run. */
void
fim_catchup_load(struct fim *fim)
{
	struct fim_catchup	*c = &fim->catchup;

	fim_journal_load(fim);
	c->is_unclean = fim->journal.is_unclean;
	c->from_sec = c->is_unclean ? fim->journal.alive_sec :
	    fim->journal.hdr.stopped_sec;
	c->state = fim->journal.load_state;
}

/* The rules changed while collecting: list a new baseline. */
void
fim_catchup_rules_changed(struct fim *fim)
{
	struct fim_catchup	*c = &fim->catchup;

	if (!fim->journal.is_open)
		return;		/* fim_catchup_collect() decides */
	fim_catchup_report_unclean(fim, "the rules changed before the "
	    "comparison");
	if (c->walk != NULL || c->mode != FIM_CATCHUP_NONE)
		fim_catchup_end(fim, "rules changed");
	c->build_why = "the rules changed";
	fim_journal_reset(fim);
	c->mode = FIM_CATCHUP_BUILD;
	c->state = "listing a new baseline";
}

/* Not collecting: not audited, no listing, no baseline kept. */
void
fim_catchup_pause(struct fim *fim)
{
	fim->catchup.is_audited = 0;
	if (fim->catchup.mode == FIM_CATCHUP_COMPARE)
		fim_catchup_report_unclean(fim, "collection stopped before "
		    "the comparison");
	if (fim->catchup.mode != FIM_CATCHUP_NONE)
		fim_catchup_end(fim, "not collecting");
	fim_journal_stop(fim, 0);
}

/*
 * At a clean stop, while our rules are still in: a listing of a new
 * baseline in progress is finished if it takes at most FIM_LIST_STOP_MS
 * (the events read until the rules are out keep it up to date; the module
 * then writes it for the next start). A comparison that did not run keeps
 * the old baseline.
 */
void
fim_catchup_stop(struct fim *fim)
{
	struct fim_catchup	*c = &fim->catchup;
	uint64_t		 until = clock_mono_ms() + FIM_LIST_STOP_MS;
	int			 rc = 0;

	if (c->mode == FIM_CATCHUP_BUILD && c->walk == NULL && fim->is_active)
		c->walk = fim_walk_new(&fim->rules);
	if (c->mode == FIM_CATCHUP_BUILD && c->walk != NULL) {
		do {
			rc = fim_walk_step(c->walk, fim->journal.base, 1024);
		} while (rc == 0 && clock_mono_ms() < until);
		if (rc == 1)
			fim->journal.hdr.is_complete = 1;
		else
			log_warnx("fim: cannot list the watched files at stop "
			    "(%s): changes made until the next start will not "
			    "be looked for", rc == 0 ? "too slow" :
			    "too many files");
	}
	if (c->mode == FIM_CATCHUP_COMPARE)
		fim_catchup_report_unclean(fim, "outpostd stopped again before "
		    "the comparison");
	fim_catchup_end(fim, "stopped");
}

/* The status object "catch_up". */
void
fim_catchup_status(const struct fim *fim, struct json_object *o)
{
	const struct fim_catchup	*c = &fim->catchup;
	struct json_object		*k;

	k = json_object_new_object();
	json_add_string(k, "state", c->state != NULL ? c->state : "none");
	json_add_bool(k, "unclean_stop", fim->journal.is_unclean);
	json_add_time(k, "stopped_at", (time_t)c->from_sec);
	json_add_time(k, "watching_since", (time_t)c->since_sec);
	json_add_time(k, "finished", c->done);
	json_add_int64(k, "changes", (int64_t)c->events);
	json_object_object_add(o, "catch_up", k);
	fim_journal_status(fim, o);
}
