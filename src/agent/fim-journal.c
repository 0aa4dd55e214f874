/*
 * fim-journal.c: the FIM module's durable baseline, so that a crash loses
 * neither a change nor, for the events already read, who made it.
 *
 * The baseline is a snapshot of the watched trees (fim-scan.c) as the
 * platform was last told about them. While collecting it lives in memory
 * and on disk as state_dir/fim-baseline (written whole, atomically) plus
 * state_dir/fim-journal, to which one JSON line is appended per change:
 *
 *	outpost-fim-journal 1 <generation>
 *	{"e":ID,"t":MS,"u":[UPDATE...],"v":{EVENT}}	an event queued
 *	{"t":MS,"u":[UPDATE...]}			the baseline alone
 *	{"b":ID,"q":SEQ,"t":MS}		events up to ID go into spool record SEQ
 *	{"d":SEQ}			record SEQ is gone (acknowledged)
 *	{"a":MS}			alive (written every few seconds)
 *
 * where an UPDATE is ["/path"] (gone), ["/path",DEV,INO,MODE,UID,GID,SIZE,
 * MSEC,MNSEC,CSEC,CNSEC] (its state now), or the same with the old path
 * second for a rename (["/new","/old"...]). Every event is journalled as
 * it is queued, with the state of its file, in the same line: a line is
 * there whole or not at all, so the baseline never gets ahead of what the
 * platform will be told. Lines are written at the end of the loop turn
 * that made them; before a batch of events is spooled its "b" line is
 * written and synced, so a batch in the spool is always in the journal.
 * The journal is folded into a new snapshot (a new generation, the events
 * not spooled yet carried in it as "pending") when it outgrows the
 * snapshot, and at a clean stop, which marks the snapshot "clean" and
 * removes the journal.
 *
 * A snapshot that is not "clean" at start says the last stop was not (a
 * crash, SIGKILL, OOM kill or power loss). The journal is then replayed:
 * the baseline takes every change journalled, and the events whose batch
 * never reached the spool (no "b" line, or its record neither in the spool
 * nor acknowledged) are queued again with who made them. What the journal
 * lacks (records the kernel had not delivered, changes made while the
 * agent was down) differs between the baseline and the trees, and the
 * catch-up (fim-catchup.c) reports it once, without an actor. A torn last
 * line is a change never journalled: the catch-up finds it the same way.
 */
#include "config.h"

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>
#include <json-c/json.h>

#include "agent-conf.h"
#include "errors.h"
#include "fileio.h"
#include "fim-int.h"
#include "fim-journal.h"
#include "fim-replay.h"
#include "jsonutil.h"
#include "log.h"
#include "module.h"
#include "report.h"
#include "upload-queue.h"

#define FIM_BASELINE_FILE	"fim-baseline"
#define FIM_JOURNAL_FILE	"fim-journal"
#define FIM_JOURNAL_MIN		(8 * 1024 * 1024)	/* before folding */
#define FIM_JOURNAL_FACTOR	4	/* times the snapshot, before folding */
#define FIM_ENTRY_BYTES		96	/* a snapshot line, about */
#define FIM_ALIVE_MS		5000
#define FIM_FILE_MAX		(512 * 1024 * 1024)
#define FIM_SETTLE_MARGIN_MS	20	/* coarse clocks, record order */

static void	fim_journal_flush_cb(evutil_socket_t, short, void *);
static void	fim_journal_spooling(uint64_t, uint64_t, void *);
static void	fim_journal_done(uint64_t, void *);
static void	fim_journal_looked(const char *, void *);

const struct fim_queue_hooks fim_journal_hooks = {
	fim_journal_spooling, fim_journal_done, fim_journal_looked, NULL
};

/* The time now in milliseconds (wall clock). */
static int64_t
fim_journal_now_ms(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---- The files ---- */

/* The path of file name in the state directory, into path. */
static void
fim_journal_path(const struct fim *fim, const char *name, char *path,
    size_t len)
{
	snprintf(path, len, "%s/%s", fim->env->conf->state_dir, name);
}

/* Make the flush event. Returns 0, or -1. */
int
fim_journal_init(struct fim *fim)
{
	struct fim_journal	*j = &fim->journal;

	j->fd = -1;
	j->load_state = "none";
	j->flush = evtimer_new(fim->env->base, fim_journal_flush_cb, fim);
	return j->flush != NULL ? 0 : -1;
}

/*
 * A write of the baseline failed with err: report it once (E502, naming
 * the cause); the next tick writes the files anew.
 */
static void
fim_journal_fail(struct fim *fim, const char *what, int err)
{
	struct fim_journal	*j = &fim->journal;
	char			 path[PATH_MAX];

	j->write_errors++;
	j->is_broken = 1;
	if (j->error == err)
		return;
	j->error = err;
	fim_journal_path(fim, what, path, sizeof(path));
	report_error(fim->env->report, ERR_WRITE_FAILURE, "fim: cannot write "
	    "%s: %s (%s); changes are not kept durably until it can be "
	    "written again", path, strerror(err), error_write_cause(err));
}

/* Write the buffered lines. Returns 0, or -1 (failed: broken). */
static int
fim_journal_write(struct fim *fim)
{
	struct fim_journal	*j = &fim->journal;
	size_t			 off = 0;
	ssize_t			 n;

	if (j->buf.len == 0)
		return 0;
	if (j->fd == -1 || j->is_broken || j->buf.is_failed) {
		if (j->buf.is_failed)
			j->is_broken = 1;
		fim_text_begin(&j->buf, 1);
		return -1;
	}
	while (off < j->buf.len) {
		n = write(j->fd, j->buf.buf + off, j->buf.len - off);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0) {
			fim_journal_fail(fim, FIM_JOURNAL_FILE,
			    n == 0 ? EIO : errno);
			fim_text_begin(&j->buf, 1);
			return -1;
		}
		off += (size_t)n;
	}
	j->bytes += j->buf.len;
	fim_text_begin(&j->buf, 1);
	return 0;
}

/* At the end of the loop turn: write the lines it made. */
static void
fim_journal_flush_cb(evutil_socket_t fd, short what, void *arg)
{
	fim_journal_write(arg);
}

/* A line was buffered: write it at the end of the loop turn. */
static void
fim_journal_arm(struct fim *fim)
{
	struct timeval	 tv = { 0, 0 };

	fim->journal.last_line_ms = fim_journal_now_ms();
	if (!evtimer_pending(fim->journal.flush, NULL))
		evtimer_add(fim->journal.flush, &tv);
}

/* The pending events as snapshot lines "<id> <json>\n" into t. */
static void
fim_journal_pending_text(const struct fim_journal *j, struct fim_text *t)
{
	char	 num[32];
	size_t	 i;
	int	 len;

	fim_text_begin(t, 1);
	for (i = j->pending_first; i < j->npending; i++) {
		len = snprintf(num, sizeof(num), "%" PRIu64 " ",
		    j->pending[i].id);
		fim_text_raw(t, num, (size_t)len);
		fim_text_raw(t, j->pending[i].text, j->pending[i].len);
		fim_text_raw(t, "\n", 1);
	}
}

/* Open a fresh journal of the current generation. Returns 0 or -errno. */
static int
fim_journal_create(struct fim *fim)
{
	struct fim_journal	*j = &fim->journal;
	struct stat		 sb;
	char			 path[PATH_MAX], head[64];
	int			 len, rc;

	fim_journal_path(fim, FIM_JOURNAL_FILE, path, sizeof(path));
	len = snprintf(head, sizeof(head), "%s %" PRIu64 "\n",
	    FIM_JOURNAL_MAGIC, j->hdr.generation);
	if ((rc = fileio_write_atomic(path, head, (size_t)len, 0600)) < 0)
		return rc;
	if ((j->fd = open(path, O_WRONLY | O_APPEND | O_CLOEXEC)) == -1 ||
	    fstat(j->fd, &sb) == -1)
		return -errno;
	j->dev = (uint64_t)sb.st_dev;
	j->ino = (uint64_t)sb.st_ino;
	j->bytes = (uint64_t)len;
	return 0;
}

/*
 * Fold the journal into a new snapshot (a new generation, with the events
 * not spooled yet); with is_clean, mark it clean and remove the journal,
 * else start a new journal. Returns 0, or -1 (reported).
 */
static int
fim_journal_compact(struct fim *fim, int is_clean)
{
	struct fim_journal	*j = &fim->journal;
	struct fim_snap_header	 h = j->hdr;
	struct fim_text		 p;
	struct timespec		 now;
	char			 path[PATH_MAX];
	int			 rc;

	if (j->base == NULL)
		return -1;
	clock_gettime(CLOCK_REALTIME, &now);
	h.stopped_sec = (int64_t)now.tv_sec;
	h.stopped_nsec = now.tv_nsec;
	h.generation++;
	h.is_clean = is_clean;
	memset(&p, 0, sizeof(p));
	fim_journal_pending_text(j, &p);
	fim_journal_path(fim, FIM_BASELINE_FILE, path, sizeof(path));
	rc = p.is_failed ? -ENOMEM : fim_snap_save(j->base, path, &h, p.buf,
	    p.len, j->npending - j->pending_first, j->dirty);
	fim_text_free(&p);
	if (rc < 0) {
		fim_journal_fail(fim, FIM_BASELINE_FILE, -rc);
		return -1;
	}
	/* Everything buffered is in the snapshot now. */
	j->hdr = h;
	fim_text_begin(&j->buf, 1);
	if (j->fd != -1)
		close(j->fd);
	j->fd = -1;
	j->compactions++;
	if (fim_snap_size(j->base) > 2 * fim_snap_count(j->base) + 1024)
		fim_snap_prune(j->base);
	fim_journal_path(fim, FIM_JOURNAL_FILE, path, sizeof(path));
	if (is_clean) {
		if (unlink(path) == -1 && errno != ENOENT)
			log_warn("fim: cannot remove %s", path);
	} else if ((rc = fim_journal_create(fim)) < 0) {
		fim_journal_fail(fim, FIM_JOURNAL_FILE, -rc);
		return -1;
	}
	if (j->error != 0) {
		log_info("fim: the baseline is written again in %s",
		    fim->env->conf->state_dir);
		report_clear(fim->env->report, ERR_WRITE_FAILURE);
	}
	j->is_broken = 0;
	j->error = 0;
	return 0;
}

/* Is spool record seq still in the spool? */
static int
fim_journal_is_held(uint64_t seq, void *arg)
{
	return upload_has_record(arg, seq);
}

/* Read and replay the journal of generation into r. */
static void
fim_journal_replay(struct fim *fim, struct fim_replay *r)
{
	char	 path[PATH_MAX], err[256], *text = NULL;
	size_t	 len;
	int	 rc;

	fim_journal_path(fim, FIM_JOURNAL_FILE, path, sizeof(path));
	rc = fileio_read_all(path, FIM_FILE_MAX, &text, &len);
	if (rc == -ENOENT)
		return;
	if (rc < 0) {
		log_warnx("fim: cannot read %s: %s", path, strerror(-rc));
		return;
	}
	if ((rc = fim_replay_text(r, text, len, err, sizeof(err))) < 0)
		log_info("fim: %s: %s; not replayed", path, err);
	else
		log_info("fim: %s: %d change%s replayed", path, rc,
		    rc == 1 ? "" : "s");
	free(text);
}

/* Read the snapshot into the baseline. Returns 1, 0 (none), or -1. */
static int
fim_journal_read_snapshot(struct fim *fim, struct fim_replay *r)
{
	struct fim_journal	*j = &fim->journal;
	struct fim_snap_extra	 x;
	char			 path[PATH_MAX], err[256], *text = NULL;
	size_t			 len;
	int			 rc;

	fim_journal_path(fim, FIM_BASELINE_FILE, path, sizeof(path));
	rc = fileio_read_all(path, FIM_FILE_MAX, &text, &len);
	if (rc == -ENOENT)
		return 0;
	if (rc < 0) {
		log_warnx("fim: cannot read %s: %s", path, strerror(-rc));
		return -1;
	}
	fim_replay_extra_for(&x, r);
	j->base = fim_snap_parse(text, len, &j->hdr, &x, err, sizeof(err));
	free(text);
	if (j->base == NULL) {
		log_warnx("fim: %s: %s; changes made while the agent was "
		    "stopped cannot be looked for", path, err);
		memset(&j->hdr, 0, sizeof(j->hdr));
		return -1;
	}
	return 1;
}

/* Read the files of the last run into the baseline; find lost events. */
void
fim_journal_load(struct fim *fim)
{
	struct fim_journal	*j = &fim->journal;
	struct fim_replay	*r;
	char			 path[PATH_MAX];
	int64_t			 alive;
	int			 rc;

	if ((r = fim_replay_new()) == NULL)
		return;
	rc = fim_journal_read_snapshot(fim, r);
	fim_journal_path(fim, FIM_JOURNAL_FILE, path, sizeof(path));
	if (rc == 1) {
		j->is_unclean = !j->hdr.is_clean;
		fim_replay_base(r, j->base, j->hdr.generation);
		if (j->is_unclean)
			fim_journal_replay(fim, r);
	} else
		j->is_unclean = access(path, F_OK) == 0;
	j->nrecovered = fim_replay_lost(r, fim_journal_is_held,
	    fim->env->upload, &j->recovered);
	fim_replay_dirty(r, j->recovered, j->nrecovered, &j->dirty,
	    &j->attributed);
	alive = fim_replay_alive_ms(r) / 1000;
	j->alive_sec = alive > j->hdr.stopped_sec ? alive : j->hdr.stopped_sec;
	if (fim_replay_next_id(r) > j->hdr.next_id)
		j->hdr.next_id = fim_replay_next_id(r);
	if (j->hdr.next_id == 0)
		j->hdr.next_id = 1;
	fim_replay_free(r);
	if (rc == 0 && !j->is_unclean)
		j->load_state = "none";
	else if (j->base == NULL)
		j->load_state = "unusable";
	else
		j->load_state = j->is_unclean ? "unclean stop" : "clean stop";
	if (j->is_unclean)
		log_warnx("fim: the last stop was not clean (crash, kill or "
		    "power loss)%s%s; %zu event%s read before it never reached "
		    "the spool", j->base != NULL ? ": baseline of " : "",
		    j->base != NULL ? "the files replayed" : "",
		    j->nrecovered, j->nrecovered == 1 ? "" : "s");
	else if (j->base != NULL)
		log_info("fim: %zu watched files listed at the stop at %lld",
		    fim_snap_count(j->base), (long long)j->hdr.stopped_sec);
}

/* Is the baseline complete and of the rules in force? */
int
fim_journal_base_ok(const struct fim *fim)
{
	const struct fim_journal	*j = &fim->journal;
	char				 sig[65];

	if (j->base == NULL || !j->hdr.is_complete)
		return 0;
	fim_rules_signature(&fim->rules, sig);
	return strcmp(sig, j->hdr.signature) == 0;
}

/* A new, empty baseline for the rules in force. Returns 0, or -1. */
int
fim_journal_reset(struct fim *fim)
{
	struct fim_journal	*j = &fim->journal;
	struct fim_snapshot	*s;

	if ((s = fim_snap_new()) == NULL)
		return -1;
	fim_snap_free(j->base);
	j->base = s;
	j->hdr.is_complete = 0;
	fim_rules_signature(&fim->rules, j->hdr.signature);
	if (j->is_open)
		fim_journal_compact(fim, 0);
	return 0;
}

/* The walk listed every watched file: the baseline is complete. */
void
fim_journal_complete(struct fim *fim)
{
	struct fim_journal	*j = &fim->journal;

	j->hdr.is_complete = 1;
	if (j->is_open && fim_journal_compact(fim, 0) == 0)
		log_info("fim: baseline of %zu watched files written",
		    fim_snap_count(j->base));
}

/* Keep event id as pending until its batch is spooled. */
static void
fim_journal_pend(struct fim_journal *j, uint64_t id, const char *text,
    size_t len)
{
	if (j->pending_first > 0 && j->pending_first * 2 >= j->npending) {
		memmove(j->pending, j->pending + j->pending_first,
		    (j->npending - j->pending_first) * sizeof(*j->pending));
		j->npending -= j->pending_first;
		j->pending_first = 0;
	}
	if (fim_pending_add(&j->pending, &j->npending, &j->pending_cap, id,
	    text, len) == -1)
		j->is_broken = 1;	/* written whole at the next tick */
}

/* Queue again the events that never reached the spool. */
static void
fim_journal_requeue(struct fim *fim)
{
	struct fim_journal	*j = &fim->journal;
	struct fim_pending	*p;
	size_t			 i, n = 0;

	for (i = 0; i < j->nrecovered; i++) {
		p = &j->recovered[i];
		if (fim_queue_push_text(fim->queue, p->text, p->len,
		    j->hdr.next_id, -1, FIM_LOOK_NONE, NULL, 0) == -1)
			continue;
		fim_journal_pend(j, j->hdr.next_id++, p->text, p->len);
		n++;
	}
	if (n > 0)
		log_info("fim: %zu event%s read before the unclean stop "
		    "queued again, with who made the change", n,
		    n == 1 ? "" : "s");
	j->recovered_total += n;
	fim_pending_free(j->recovered, j->nrecovered);
	j->recovered = NULL;
	j->nrecovered = 0;
}

/* Start journalling. Returns 0, or -1. */
int
fim_journal_begin(struct fim *fim)
{
	struct fim_journal	*j = &fim->journal;

	if (j->is_open)
		return 0;
	if (j->base == NULL && fim_journal_reset(fim) == -1)
		return -1;
	j->is_open = 1;
	fim_journal_requeue(fim);
	return fim_journal_compact(fim, 0);
}

/* The id the next journalled event gets. */
uint64_t
fim_journal_next_id(const struct fim *fim)
{
	return fim->journal.is_open ? fim->journal.hdr.next_id : 0;
}

/* The state of path now into f. Returns 0, or -1 (gone). */
int
fim_journal_stat(const char *path, struct fim_fstate *f)
{
	struct stat	 sb;

	memset(f, 0, sizeof(*f));
	if (lstat(path, &sb) == -1)
		return -1;
	fim_snap_fill(f, &sb);
	f->path = (char *)path;
	return 0;
}

/* Append the state f as ",DEV,INO,..." to t. */
static void
fim_journal_put_state(struct fim_text *t, const struct fim_fstate *f)
{
	char	 num[256];
	int	 len;

	len = snprintf(num, sizeof(num), ",%" PRIu64 ",%" PRIu64 ",%u,%u,%u,"
	    "%" PRId64 ",%" PRId64 ",%ld,%" PRId64 ",%ld", f->dev, f->ino,
	    (unsigned int)f->mode, (unsigned int)f->uid,
	    (unsigned int)f->gid, f->size, f->mtime_sec, f->mtime_nsec,
	    f->ctime_sec, f->ctime_nsec);
	fim_text_raw(t, num, (size_t)len);
}

/*
 * Append the updates as "u":[...] (states, removals, renames) and "k":[...]
 * (the paths whose state is settled later) to t.
 */
static void
fim_journal_put_updates(struct fim_text *t, const struct fim_update *u,
    int n)
{
	int	 i, k = 0;

	fim_text_raw(t, "\"u\":[", 5);
	for (i = 0; i < n; i++) {
		if (u[i].is_dirty && u[i].from == NULL)
			continue;
		if (k++ > 0)
			fim_text_raw(t, ",", 1);
		fim_text_raw(t, "[", 1);
		fim_text_value(t, u[i].path);
		if (u[i].from != NULL) {
			fim_text_raw(t, ",", 1);
			fim_text_value(t, u[i].from);
		}
		if (u[i].state != NULL && !u[i].is_dirty)
			fim_journal_put_state(t, u[i].state);
		fim_text_raw(t, "]", 1);
	}
	fim_text_raw(t, "],\"k\":[", 7);
	for (i = k = 0; i < n; i++) {
		if (!u[i].is_dirty)
			continue;
		if (k++ > 0)
			fim_text_raw(t, ",", 1);
		fim_text_value(t, u[i].path);
	}
	fim_text_raw(t, "]", 1);
}

/* Event id changed the baseline by the n updates: apply, journal both. */
void
fim_journal_event(struct fim *fim, uint64_t id, const char *text,
    size_t len, const struct fim_update *u, int n)
{
	struct fim_journal	*j = &fim->journal;
	char			 num[64];
	int			 i, nlen;

	if (!j->is_open)
		return;
	if (j->dirty == NULL)
		j->dirty = fim_snap_new();
	for (i = 0; i < n; i++)
		fim_update_apply(j->base, j->dirty, &u[i]);
	if (text != NULL) {
		if (id >= j->hdr.next_id)
			j->hdr.next_id = id + 1;
		fim_journal_pend(j, id, text, len);
		nlen = snprintf(num, sizeof(num), "{\"e\":%" PRIu64 ",", id);
	} else
		nlen = snprintf(num, sizeof(num), "{");
	fim_text_raw(&j->buf, num, (size_t)nlen);
	nlen = snprintf(num, sizeof(num), "\"t\":%" PRId64 ",",
	    fim_journal_now_ms());
	fim_text_raw(&j->buf, num, (size_t)nlen);
	fim_journal_put_updates(&j->buf, u, n);
	if (text != NULL) {
		fim_text_raw(&j->buf, ",\"v\":", 5);
		fim_text_raw(&j->buf, text, len);
	}
	fim_text_raw(&j->buf, "}\n", 2);
	fim_journal_arm(fim);
}

/*
 * Settle path's state in the baseline: its state now, once every record
 * up to the file's change time was read (a later change whose record is
 * still on its way must not go into the baseline before its event), or
 * with is_forced (stop: every record was read). A file gone stays as the
 * baseline has it: only a delete event removes it. Returns 1 if settled.
 */
static int
fim_journal_settle(struct fim *fim, const char *path, int is_forced)
{
	struct fim_journal	*j = &fim->journal;
	struct fim_update	 u;
	struct fim_fstate	 f;
	int64_t			 ms;

	if (fim_journal_stat(path, &f) == 0) {
		ms = f.ctime_sec * 1000 + f.ctime_nsec / 1000000;
		if (!is_forced && ms + FIM_SETTLE_MARGIN_MS >=
		    fim->events.stamp_ms)
			return 0;
		memset(&u, 0, sizeof(u));
		u.path = path;
		u.state = &f;
		fim_journal_event(fim, 0, NULL, 0, &u, 1);
	} else
		fim_snap_gone(j->dirty, path);
	return 1;
}

/* Settle the dirty paths that can be (all of them with is_forced). */
static void
fim_journal_settle_all(struct fim *fim, int is_forced)
{
	struct fim_journal	*j = &fim->journal;
	struct fim_fstate	*e;
	char			*path;
	size_t			 i;

	if (j->dirty == NULL)
		return;
	for (i = 0; i < fim_snap_size(j->dirty); i++) {
		e = fim_snap_entry(j->dirty, i);
		if (e->is_gone || (path = strdup(e->path)) == NULL)
			continue;
		/* The update adds no entry to the set: e stays valid. */
		fim_journal_settle(fim, path, is_forced);
		free(path);
	}
	if (fim_snap_count(j->dirty) == 0 && fim_snap_size(j->dirty) > 0)
		fim_snap_prune(j->dirty);
}

/* The queue's hook: it looked at path's file for an event. */
static void
fim_journal_looked(const char *path, void *arg)
{
	struct fim	*fim = arg;

	if (fim->journal.is_open && fim->journal.dirty != NULL &&
	    fim_snap_find(fim->journal.dirty, path) != NULL)
		fim_journal_settle(fim, path, 0);
}

/* Is the difference on path the change of an event sent again? */
int
fim_journal_is_attributed(const struct fim *fim, const char *path)
{
	return fim->journal.attributed != NULL &&
	    fim_snap_find(fim->journal.attributed, path) != NULL;
}

/* The catch-up is over: its comparison settled the baseline. */
void
fim_journal_caught_up(struct fim *fim)
{
	fim_snap_free(fim->journal.attributed);
	fim->journal.attributed = NULL;
}

/* A line of its own: text (a JSON object and its newline). */
static void
fim_journal_line(struct fim *fim, const char *text, size_t len)
{
	if (!fim->journal.is_open)
		return;
	fim_text_raw(&fim->journal.buf, text, len);
	fim_journal_arm(fim);
}

/*
 * The queue's hook: the events up to last_id go into spool record seq.
 * Their "b" line is on disk before the record is, so no record in the
 * spool holds events the journal would send again.
 */
static void
fim_journal_spooling(uint64_t last_id, uint64_t seq, void *arg)
{
	struct fim		*fim = arg;
	struct fim_journal	*j = &fim->journal;
	char			 line[96];
	int			 len;

	while (j->pending_first < j->npending &&
	    j->pending[j->pending_first].id <= last_id) {
		free(j->pending[j->pending_first].text);
		j->pending_first++;
	}
	if (j->pending_first == j->npending)
		j->pending_first = j->npending = 0;
	if (!j->is_open || seq == 0)
		return;
	len = snprintf(line, sizeof(line), "{\"b\":%" PRIu64 ",\"q\":%" PRIu64
	    ",\"t\":%" PRId64 "}\n", last_id, seq, fim_journal_now_ms());
	fim_journal_line(fim, line, (size_t)len);
	if (fim_journal_write(fim) == 0 && fdatasync(j->fd) == -1)
		fim_journal_fail(fim, FIM_JOURNAL_FILE, errno);
}

/* The queue's hook: spool record seq is gone. */
static void
fim_journal_done(uint64_t seq, void *arg)
{
	char	 line[48];
	int	 len;

	len = snprintf(line, sizeof(line), "{\"d\":%" PRIu64 "}\n", seq);
	fim_journal_line(arg, line, (size_t)len);
}

/* Does the journal's path still name the open file? */
static int
fim_journal_is_there(const struct fim *fim)
{
	struct stat	 sb;
	char		 path[PATH_MAX];

	fim_journal_path(fim, FIM_JOURNAL_FILE, path, sizeof(path));
	return stat(path, &sb) == 0 && (uint64_t)sb.st_dev ==
	    fim->journal.dev && (uint64_t)sb.st_ino == fim->journal.ino;
}

/* From the poll: a sign of life, folding, files removed under us. */
void
fim_journal_tick(struct fim *fim)
{
	struct fim_journal	*j = &fim->journal;
	char			 line[48];
	int64_t			 now = fim_journal_now_ms();
	int			 len;

	if (!j->is_open)
		return;
	if (j->is_broken || !fim_journal_is_there(fim)) {
		/* A failed write, or the state directory was removed. */
		if (!j->is_broken)
			log_warnx("fim: %s/%s vanished; writing the baseline "
			    "again", fim->env->conf->state_dir,
			    FIM_JOURNAL_FILE);
		fim_journal_compact(fim, 0);
		return;
	}
	if (j->bytes > FIM_JOURNAL_MIN && j->bytes >
	    (uint64_t)FIM_JOURNAL_FACTOR * FIM_ENTRY_BYTES *
	    fim_snap_count(j->base)) {
		fim_journal_compact(fim, 0);
		return;
	}
	fim_journal_settle_all(fim, 0);
	if (now - j->last_line_ms >= FIM_ALIVE_MS) {
		len = snprintf(line, sizeof(line), "{\"a\":%" PRId64 "}\n",
		    now);
		fim_journal_line(fim, line, (size_t)len);
	}
}

/* Remove the files of the baseline. */
void
fim_journal_remove(struct fim *fim)
{
	char	 path[PATH_MAX];

	fim_journal_path(fim, FIM_BASELINE_FILE, path, sizeof(path));
	if (unlink(path) == -1 && errno != ENOENT)
		log_warn("fim: cannot remove %s", path);
	fim_journal_path(fim, FIM_JOURNAL_FILE, path, sizeof(path));
	if (unlink(path) == -1 && errno != ENOENT)
		log_warn("fim: cannot remove %s", path);
}

/* Stop journalling: write the baseline (clean stop), or remove it. */
void
fim_journal_stop(struct fim *fim, int is_clean)
{
	struct fim_journal	*j = &fim->journal;

	if (!j->is_open)
		return;
	evtimer_del(j->flush);
	if (is_clean && j->base != NULL) {
		/* Every record was read: the files are as the events left them. */
		fim_journal_settle_all(fim, 1);
		if (fim_journal_compact(fim, 1) == 0)
			log_info("fim: %zu watched files listed for the next "
			    "start%s", fim_snap_count(j->base),
			    j->hdr.is_complete ? "" : " (incomplete: not "
			    "compared then)");
	} else {
		fim_journal_remove(fim);
		fim_snap_free(j->base);
		j->base = NULL;
		memset(&j->hdr, 0, sizeof(j->hdr));
		j->hdr.next_id = 1;
	}
	if (j->fd != -1)
		close(j->fd);
	j->fd = -1;
	j->is_open = 0;
	fim_pending_free(j->pending, j->npending);
	j->pending = NULL;
	j->npending = j->pending_first = j->pending_cap = 0;
	fim_snap_free(j->dirty);
	j->dirty = NULL;
	fim_journal_caught_up(fim);
	fim_text_begin(&j->buf, 1);
}

/* Write what is buffered, close, free. */
void
fim_journal_free(struct fim *fim)
{
	struct fim_journal	*j = &fim->journal;

	if (j->is_open)
		fim_journal_write(fim);
	if (j->fd != -1)
		close(j->fd);
	j->fd = -1;
	if (j->flush != NULL)
		event_free(j->flush);
	j->flush = NULL;
	fim_snap_free(j->base);
	j->base = NULL;
	fim_pending_free(j->pending, j->npending);
	fim_pending_free(j->recovered, j->nrecovered);
	fim_snap_free(j->dirty);
	fim_snap_free(j->attributed);
	fim_text_free(&j->buf);
	memset(j, 0, sizeof(*j));
	j->fd = -1;
}

/* The status object "baseline". */
void
fim_journal_status(const struct fim *fim, struct json_object *o)
{
	const struct fim_journal	*j = &fim->journal;
	struct json_object		*k;

	k = json_object_new_object();
	json_add_string(k, "state", !j->is_open ? "not kept" :
	    j->is_broken ? "not written (see errors)" : j->hdr.is_complete ?
	    "kept" : "being listed");
	json_add_string(k, "at_start", j->load_state);
	json_add_int64(k, "files", j->base != NULL ?
	    (int64_t)fim_snap_count(j->base) : 0);
	json_add_bool(k, "complete", j->base != NULL && j->hdr.is_complete);
	json_add_int64(k, "generation", (int64_t)j->hdr.generation);
	json_add_int64(k, "journal_bytes", (int64_t)j->bytes);
	json_add_int64(k, "events_pending", (int64_t)(j->npending -
	    j->pending_first));
	json_add_int64(k, "events_recovered", (int64_t)j->recovered_total);
	json_add_int64(k, "files_unsettled", j->dirty != NULL ?
	    (int64_t)fim_snap_count(j->dirty) : 0);
	json_add_int64(k, "compactions", (int64_t)j->compactions);
	json_add_int64(k, "write_errors", (int64_t)j->write_errors);
	if (j->error != 0)
		json_add_string(k, "error", strerror(j->error));
	json_object_object_add(o, "baseline", k);
}
