/*
 * fim.c: file integrity monitoring through the kernel audit system.
 *
 * Ownership: the module tries to claim the audit pid (AUDIT_SET). While
 * another process holds it (EEXIST), the holder is named (AUDIT_GET,
 * /proc/PID/comm) and reported (E701), records keep coming through the
 * read-only multicast group where the kernel offers it, and the claim is
 * retried every audit_retry_interval seconds. Once a claim succeeds the
 * records come by unicast; the multicast socket is drained and closed
 * after the first unicast record, and the assembler drops the second copy
 * of every record seen both ways, so nothing is duplicated or dropped.
 * As owner it sets a backlog limit and backlog_wait_time 0 (the kernel
 * then never makes applications wait on us) and puts the previous values
 * back when it lets go; it never touches the settings of another owner.
 *
 * Rules: the fim manifest's rules become kernel watch rules tagged with
 * FIM_AUDIT_KEY, installed in fim_new() before the event loop runs (from
 * the cached manifest), reconciled with the kernel's list on every change
 * (only rules with our key are ever deleted), reinstalled when another
 * program removes them, removed while paused or disabled and at stop.
 *
 * Losses: the kernel's lost counter (polled), serial gaps, socket
 * overruns, our own queue and the spool, each counted and reported
 * (E704).
 */
#include "config.h"

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>
#include <json-c/json.h>

#include "agent-conf.h"
#include "audit.h"
#include "clock.h"
#include "compat.h"
#include "errors.h"
#include "fileio.h"
#include "fim-queue.h"
#include "fim-record.h"
#include "fim-rules.h"
#include "fim-scan.h"
#include "fim.h"
#include "healthcheck.h"
#include "jsonutil.h"
#include "log.h"
#include "manifest.h"
#include "profile.h"
#include "report.h"

#define FIM_TICK_MS		250
#define FIM_POLL_SECONDS	5
#define FIM_VERIFY_POLLS	12	/* rules checked every minute */
#define FIM_ASM_TIMEOUT_MS	1000
#define FIM_BACKLOG_LIMIT	65536	/* records: about 13,000 file changes */
#define FIM_BACKLOG_TEXT	"65536"
#define FIM_HANDOVER_MS		2000
#define FIM_LOSS_REPORT_SECONDS	60
#define FIM_STOP_TIMEOUT_MS	3000
#define FIM_DIRCACHE_SLOTS	16384
#define FIM_USERS		64
#define FIM_KEY_SEPARATOR	0x01
#define FIM_BASELINE_FILE	"fim-baseline"
#define FIM_BASELINE_STOP_MS	3000	/* listing at stop, at most */
#define FIM_SCAN_SLICE_MS	10
#define FIM_CATCHUP_SETTLE_MS	500	/* kauditd's delivery, before the walk */
#define FIM_TOUCHED_MAX		4096
#define FIM_CHANGES_MAX		2	/* file changes of one syscall */

/* What the module is doing about the audit pid. */
enum fim_mode {
	FIM_MODE_DISABLED = 0,	/* not collecting */
	FIM_MODE_OWNER,		/* we hold the audit pid */
	FIM_MODE_MULTICAST,	/* another holds it; read-only copy */
	FIM_MODE_WAITING	/* another holds it; no copy: no events */
};

static const char *const fim_mode_names[] = {
	"disabled", "owner", "multicast", "waiting"
};

/* One kernel watch we want, and how the kernel took it. */
struct fim_rule_state {
	struct fim_kwatch	 w;
	int			 state;		/* FIM_RS_* */
	int			 err;		/* errno when refused */
};
#define FIM_RS_PENDING		0
#define FIM_RS_INSTALLED	1
#define FIM_RS_REFUSED		2

/* A rule of ours the kernel listed. */
struct fim_listed {
	void		*raw;
	size_t		 len;
	char		*path;
	int		 is_tree;
	unsigned int	 perm;
	int		 is_watch;
};

/* One rule operation in flight. */
struct fim_op {
	struct fim	*fim;
	unsigned int	 gen;		/* of the wanted rules it was for */
	int		 index;		/* in want, or -1 (a deletion) */
};

/* A directory learnt from events: its device, inode and path. */
struct fim_dir {
	char		 dev[16];
	uint64_t	 ino;
	char		*path;
};

/* A user name looked up once. */
struct fim_user {
	int64_t		 uid;
	char		 name[64];
};

struct fim {
	const struct agent_env	*env;
	struct audit		*audit;
	int			 open_errno;
	struct fim_assembler	*as;
	struct fim_queue	*queue;
	struct event		*tick;
	struct event		*retry;
	struct event		*poll;
	struct event		*kick;		/* claim / reconcile soon */
	pid_t			 self;

	/* What the manifest and profile say. */
	struct fim_rules	 rules;
	int			 has_manifest;
	int64_t			 manifest_version;
	char			 manifest_error[256];
	int			 is_paused;
	int			 profile_enabled;	/* -1: no profile */
	int			 is_active;

	/* Kernel rules. */
	struct fim_rule_state	*want;
	int			 nwant;
	unsigned int		 want_gen;
	int			 ops;		/* rule requests in flight */
	int			 is_reconciling;
	int			 reconcile_again;
	struct fim_listed	*listed;
	int			 nlisted;
	int			 listed_cap;
	unsigned int		 refused_reported;	/* count reported */
	int			 deleted_total;

	/* Ownership. */
	int			 is_owner;
	int			 is_claiming;
	int			 is_handover;
	uint64_t		 handover_ms;
	uint64_t		 handover_unicast;
	int			 mc_errno;
	uint32_t		 holder_pid;
	char			 holder_comm[64];
	uint32_t		 held_reported;	/* holder pid of our E701 */
	time_t			 next_retry;
	int			 claim_errno;
	time_t			 owner_since;
	struct audit_state	 ks;
	int			 has_ks;
	struct audit_state	 saved;
	unsigned int		 changed;	/* AUDIT_SET_* we changed */
	int			 unavailable_reported;

	/* Losses and counters. */
	uint32_t		 last_lost;
	int			 has_last_lost;
	uint64_t		 lost_kernel;
	uint64_t		 lost_socket;
	uint64_t		 lost_reported;
	time_t			 lost_reported_at;
	uint64_t		 ignored_self;
	uint64_t		 unresolved;
	uint64_t		 bad_records;
	uint64_t		 events_matched;
	uint64_t		 rules_removed;	/* by other programs */
	unsigned int		 polls;
	uint64_t		 polls_sent;	/* status polls */
	uint64_t		 polls_answered;
	uint64_t		 claim_poll_mark;	/* polls_sent at the claim */
	time_t			 last_event;

	/* Lookups. */
	struct fim_dir		*dirs;
	int			 ndirs;
	struct fim_user		 users[FIM_USERS];
	int			 nusers;
	struct fim_change	*changes;	/* FIM_CHANGES_MAX, reused */
	struct fim_text		 text;		/* the event being written */
	int			 is_stopping;
	int			 is_starting;	/* inside fim_new() */
	int			 need_reconcile;
	int			 is_uninstalled;
	int			 was_active;	/* our rules went in once */

	/* Catching up with what changed while the agent was stopped. */
	struct fim_snapshot	*baseline;	/* listed at the last stop */
	char			 baseline_sig[65];
	int64_t			 stopped_sec;
	long			 stopped_nsec;
	int64_t			 since_sec;	/* audit records flow from here */
	long			 since_nsec;
	int			 is_audited;	/* rules in and auditing enabled */
	struct fim_snapshot	*scan;
	struct fim_walk		*walk;
	struct event		*scan_ev;
	struct fim_snapshot	*stop_snap;	/* listed at stop */
	char			**touched;	/* reported by audit */
	int			 ntouched;
	uint64_t		 catchup_events;
	time_t			 catchup_done;
	const char		*catchup_state;
};

static void	fim_update(struct fim *);
static void	fim_reconcile(struct fim *);
static void	fim_reconcile_done(struct fim *);
static void	fim_claim(struct fim *);
static void	fim_schedule_retry(struct fim *, int);
static void	fim_catchup_start(struct fim *);
static void	fim_catchup_end(struct fim *, const char *);
static void	fim_touch(struct fim *, const char *);
static void	fim_audited(struct fim *);
static void	fim_timers(struct fim *, int);

/* The mode now. */
static enum fim_mode
fim_mode(const struct fim *fim)
{
	if (!fim->is_active)
		return FIM_MODE_DISABLED;
	if (fim->is_owner)
		return FIM_MODE_OWNER;
	if (fim->audit != NULL && audit_is_multicast(fim->audit))
		return FIM_MODE_MULTICAST;
	return FIM_MODE_WAITING;
}

/* Why FIM is disabled, or NULL when it is not. */
static const char *
fim_disabled_reason(const struct fim *fim)
{
	if (fim->audit == NULL)
		return "the kernel audit system is unavailable";
	if (fim->is_paused)
		return "data collection is paused";
	if (fim->profile_enabled == 0)
		return "FIM is disabled in the profile";
	if (!fim->has_manifest)
		return "no fim manifest yet";
	if (!fim->rules.is_enabled)
		return "FIM is disabled in the fim manifest";
	if (fim->rules.nrules == 0)
		return "the fim manifest has no rules";
	return NULL;
}

/* The process name of pid from /proc, or "?". */
static void
fim_comm(uint32_t pid, char *out, size_t outlen)
{
	char	 path[64];
	FILE	*fp;
	size_t	 n;

	snprintf(out, outlen, "?");
	snprintf(path, sizeof(path), "/proc/%u/comm", (unsigned int)pid);
	if ((fp = fopen(path, "r")) == NULL)
		return;
	n = fread(out, 1, outlen - 1, fp);
	fclose(fp);
	out[n] = '\0';
	out[strcspn(out, "\n")] = '\0';
	if (out[0] == '\0')
		snprintf(out, outlen, "?");
}

/* ---- Directory cache (for *at() syscalls with a directory fd) ---- */

/* The slot of (dev, ino). */
static unsigned int
fim_dir_hash(const char *dev, uint64_t ino)
{
	uint64_t	 h = ino * 0x9e3779b97f4a7c15ULL;

	while (*dev != '\0')
		h = (h ^ (unsigned char)*dev++) * 0x100000001b3ULL;
	return (unsigned int)(h % FIM_DIRCACHE_SLOTS);
}

/* Forget every directory. */
static void
fim_dirs_clear(struct fim *fim)
{
	int	 i;

	if (fim->dirs == NULL)
		return;
	for (i = 0; i < FIM_DIRCACHE_SLOTS; i++) {
		free(fim->dirs[i].path);
		fim->dirs[i].path = NULL;
	}
	fim->ndirs = 0;
}

/* Learn that directory (dev, ino) is path. */
static void
fim_dirs_learn(struct fim *fim, const char *dev, uint64_t ino,
    const char *path)
{
	unsigned int	 i;
	struct fim_dir	*d;

	if (fim->dirs == NULL || dev[0] == '\0' || ino == 0 || path[0] != '/')
		return;
	if (fim->ndirs >= FIM_DIRCACHE_SLOTS * 3 / 4)
		fim_dirs_clear(fim);
	for (i = fim_dir_hash(dev, ino); ; i = (i + 1) % FIM_DIRCACHE_SLOTS) {
		d = &fim->dirs[i];
		if (d->path == NULL)
			break;
		if (d->ino == ino && strcmp(d->dev, dev) == 0) {
			if (strcmp(d->path, path) == 0)
				return;
			free(d->path);
			d->path = strdup(path);
			return;
		}
	}
	strlcpy(d->dev, dev, sizeof(d->dev));
	d->ino = ino;
	if ((d->path = strdup(path)) != NULL)
		fim->ndirs++;
}

/* The path of directory (dev, ino), or NULL. */
static const char *
fim_dirs_find(struct fim *fim, const char *dev, uint64_t ino)
{
	unsigned int	 i;
	struct fim_dir	*d;

	if (fim->dirs == NULL)
		return NULL;
	for (i = fim_dir_hash(dev, ino); ; i = (i + 1) % FIM_DIRCACHE_SLOTS) {
		d = &fim->dirs[i];
		if (d->path == NULL)
			return NULL;
		if (d->ino == ino && strcmp(d->dev, dev) == 0)
			return d->path;
	}
}

/*
 * Resolve a process's directory fd (or the directory with inode ino).
 * Returns 0 with the path, or -1.
 */
static int
fim_resolve(int64_t pid, int fd, uint64_t ino, const char *dev, char *out,
    size_t outlen, void *arg)
{
	struct fim	*fim = arg;
	struct stat	 sb;
	const char	*path;
	char		 link[64];
	ssize_t		 n;
	size_t		 len;

	if (fd >= 0 && pid > 0) {
		snprintf(link, sizeof(link), "/proc/%lld/fd/%d",
		    (long long)pid, fd);
		n = readlink(link, out, outlen - 1);
		if (n > 0 && out[0] == '/') {
			out[n] = '\0';
			len = (size_t)n;
			if (len > 10 && strcmp(out + len - 10, " (deleted)") == 0)
				out[len - 10] = '\0';
			return 0;
		}
	}
	/*
	 * A directory seen before; when its path names another inode now
	 * the entry is stale. Gone is fine: rm -r removes the directory
	 * right after its entries, before we read the records.
	 */
	if (ino != 0 && dev != NULL &&
	    (path = fim_dirs_find(fim, dev, ino)) != NULL &&
	    (lstat(path, &sb) == -1 ? errno == ENOENT :
	    (uint64_t)sb.st_ino == ino)) {
		strlcpy(out, path, outlen);
		return 0;
	}
	log_debug("fim: cannot tell which directory fd %d of pid %lld is "
	    "(inode %llu on %s)", fd, (long long)pid, (unsigned long long)ino,
	    dev != NULL ? dev : "?");
	return -1;
}

/* ---- Kernel rules ---- */

/* Is a path a directory now (1), something else (0), or missing (-1)? */
static int
fim_is_dir(const char *path, void *arg)
{
	struct stat	 sb;

	if (stat(path, &sb) == -1)
		return -1;
	return S_ISDIR(sb.st_mode) ? 1 : 0;
}

/* Forget the wanted rules. */
static void
fim_want_free(struct fim *fim)
{
	int	 i;

	for (i = 0; i < fim->nwant; i++)
		free(fim->want[i].w.path);
	free(fim->want);
	fim->want = NULL;
	fim->nwant = 0;
	fim->want_gen++;
}

/* Forget the listed rules. */
static void
fim_listed_free(struct fim *fim)
{
	int	 i;

	for (i = 0; i < fim->nlisted; i++) {
		free(fim->listed[i].raw);
		free(fim->listed[i].path);
	}
	free(fim->listed);
	fim->listed = NULL;
	fim->nlisted = fim->listed_cap = 0;
}

/* How many wanted rules are in state. */
static int
fim_rules_in(const struct fim *fim, int state)
{
	int	 i, n = 0;

	for (i = 0; i < fim->nwant; i++)
		if ((int)fim->want[i].state == state)
			n++;
	return n;
}

/* Report refused rules (E703), or clear the report when none is left. */
static void
fim_report_rules(struct fim *fim)
{
	char	 msg[400];
	int	 i, refused = fim_rules_in(fim, FIM_RS_REFUSED);
	size_t	 len;

	if (refused == 0) {
		if (fim->refused_reported > 0) {
			report_clear(fim->env->report, ERR_AUDIT_RULE);
			log_info("fim: every audit rule is installed now");
		}
		fim->refused_reported = 0;
		return;
	}
	/* Retried at the next tick of the retry timer. */
	if (!evtimer_pending(fim->retry, NULL) && fim->is_active &&
	    !fim->is_stopping)
		fim_schedule_retry(fim, fim->env->conf->audit_retry_interval);
	if ((unsigned int)refused == fim->refused_reported)
		return;
	fim->refused_reported = (unsigned int)refused;
	msg[0] = '\0';
	for (i = 0; i < fim->nwant; i++) {
		if (fim->want[i].state != FIM_RS_REFUSED)
			continue;
		len = strlen(msg);
		snprintf(msg + len, sizeof(msg) - len, "%s%s: %s",
		    len > 0 ? "; " : "", fim->want[i].w.path,
		    strerror(fim->want[i].err));
	}
	report_error(fim->env->report, ERR_AUDIT_RULE, "%d of %d FIM rules "
	    "refused by the kernel (retried every %d s): %s", refused,
	    fim->nwant, fim->env->conf->audit_retry_interval, msg);
}

/* A rule request finished. */
static void
fim_rule_done(int err, void *arg)
{
	struct fim_op		*op = arg;
	struct fim		*fim = op->fim;
	struct fim_rule_state	*rs;

	fim->ops--;
	if (op->index >= 0 && op->gen == fim->want_gen &&
	    op->index < fim->nwant) {
		rs = &fim->want[op->index];
		if (err == 0 || err == -EEXIST) {
			/* EEXIST: the very same rule (our key) is there. */
			if (rs->state != FIM_RS_INSTALLED)
				log_debug("fim: audit rule on %s installed%s",
				    rs->w.path, err == -EEXIST ?
				    " (already there)" : "");
			rs->state = FIM_RS_INSTALLED;
			rs->err = 0;
		} else {
			if (rs->state != FIM_RS_REFUSED || rs->err != -err)
				log_warnx("fim: the kernel refused the audit "
				    "rule on %s: %s", rs->w.path,
				    strerror(-err));
			rs->state = FIM_RS_REFUSED;
			rs->err = -err;
		}
	} else if (op->index < 0) {
		if (err == 0)
			fim->deleted_total++;
		else if (err != -ENOENT)
			log_warnx("fim: cannot delete an audit rule of ours: "
			    "%s", strerror(-err));
	}
	free(op);
	if (fim->ops == 0 && fim->is_reconciling && !fim->is_stopping)
		fim_reconcile_done(fim);
}

/* Send one rule request. Returns 0, or -1 (logged). */
static int
fim_rule_op(struct fim *fim, int index, const void *raw, size_t rawlen)
{
	struct fim_op		*op;
	struct audit_watch	 w;
	int			 rc;

	if ((op = calloc(1, sizeof(*op))) == NULL)
		return -1;
	op->fim = fim;
	op->gen = fim->want_gen;
	op->index = index;
	if (index >= 0) {
		memset(&w, 0, sizeof(w));
		w.path = fim->want[index].w.path;
		w.is_tree = fim->want[index].w.is_tree;
		w.perm = fim->want[index].w.perm;
		w.key = FIM_AUDIT_KEY;
		rc = audit_add_watch(fim->audit, &w, fim_rule_done, op);
	} else
		rc = audit_del_raw(fim->audit, raw, rawlen, fim_rule_done, op);
	if (rc < 0) {
		if (index >= 0) {
			fim->want[index].state = FIM_RS_REFUSED;
			fim->want[index].err = -rc;
		}
		log_warnx("fim: cannot send an audit rule request: %s",
		    strerror(-rc));
		free(op);
		return -1;
	}
	fim->ops++;
	return 0;
}

/* Keep one listed rule of ours. */
static void
fim_listed_cb(const struct audit_watch *w, void *arg)
{
	struct fim		*fim = arg;
	struct fim_listed	*l, *grown;

	if (!w->has_key)
		return;		/* not ours: never touched */
	if (fim->nlisted == fim->listed_cap) {
		fim->listed_cap = fim->listed_cap ? fim->listed_cap * 2 : 16;
		grown = reallocarray(fim->listed, (size_t)fim->listed_cap,
		    sizeof(*fim->listed));
		if (grown == NULL)
			return;
		fim->listed = grown;
	}
	l = &fim->listed[fim->nlisted];
	memset(l, 0, sizeof(*l));
	if ((l->raw = malloc(w->rawlen)) == NULL)
		return;
	memcpy(l->raw, w->raw, w->rawlen);
	l->len = w->rawlen;
	l->path = w->path != NULL ? strdup(w->path) : NULL;
	l->is_tree = w->is_tree;
	l->perm = w->perm;
	l->is_watch = w->is_watch;
	fim->nlisted++;
}

/* The kernel listed its rules: delete stale ones of ours, add missing. */
static void
fim_listed_done(int err, void *arg)
{
	struct fim		*fim = arg;
	struct fim_listed	*l;
	int			 i, j, *found;

	fim->ops--;
	if (err != 0) {
		log_warnx("fim: cannot list the kernel's audit rules: %s",
		    strerror(-err));
		fim_listed_free(fim);
		fim->is_reconciling = 0;
		return;
	}
	found = calloc((size_t)fim->nwant + 1, sizeof(*found));
	for (i = 0; i < fim->nlisted; i++) {
		l = &fim->listed[i];
		for (j = 0; j < fim->nwant; j++)
			if (l->is_watch && l->path != NULL &&
			    strcmp(l->path, fim->want[j].w.path) == 0 &&
			    l->is_tree == fim->want[j].w.is_tree &&
			    l->perm == fim->want[j].w.perm)
				break;
		if (j < fim->nwant && found != NULL && !found[j]) {
			found[j] = 1;
			fim->want[j].state = FIM_RS_INSTALLED;
			fim->want[j].err = 0;
			continue;
		}
		log_info("fim: removing audit rule of ours on %s (no longer "
		    "wanted)", l->path != NULL ? l->path : "?");
		fim_rule_op(fim, -1, l->raw, l->len);
	}
	for (j = 0; j < fim->nwant; j++)
		if (found == NULL || !found[j])
			fim_rule_op(fim, j, NULL, 0);
	free(found);
	fim_listed_free(fim);
	if (fim->ops == 0)
		fim_reconcile_done(fim);
}

/*
 * Bring the kernel's rules with our key in line with the wanted ones:
 * list, then delete and add. One round at a time.
 */
static void
fim_reconcile(struct fim *fim)
{
	int	 rc;

	if (fim->audit == NULL || fim->is_stopping)
		return;
	if (fim->is_reconciling) {
		fim->reconcile_again = 1;
		return;
	}
	fim_listed_free(fim);
	rc = audit_list_rules(fim->audit, FIM_AUDIT_KEY, fim_listed_cb,
	    fim_listed_done, fim);
	if (rc < 0) {
		log_warnx("fim: cannot list the kernel's audit rules: %s",
		    strerror(-rc));
		return;
	}
	fim->is_reconciling = 1;
	fim->ops++;
}

/* A reconcile round is over: report the rules, run the round asked for. */
static void
fim_reconcile_done(struct fim *fim)
{
	fim->is_reconciling = 0;
	fim_report_rules(fim);
	if (fim->reconcile_again) {
		fim->reconcile_again = 0;
		fim_reconcile(fim);
	}
}

/*
 * Add every wanted rule at once, without listing first (start: before
 * the event loop); a reconciliation follows to remove stale ones.
 */
static void
fim_rules_add_all(struct fim *fim)
{
	int		 i;

	struct timespec	 now;

	if (fim->audit == NULL || fim->nwant == 0)
		return;
	/* The catch-up looks at least up to here (see fim_audited()). */
	clock_gettime(CLOCK_REALTIME, &now);
	fim->since_sec = (int64_t)now.tv_sec;
	fim->since_nsec = now.tv_nsec;
	fim->is_reconciling = 1;
	for (i = 0; i < fim->nwant; i++)
		fim_rule_op(fim, i, NULL, 0);
	fim->reconcile_again = 1;
	if (fim->ops == 0)
		fim->is_reconciling = 0;
	log_info("fim: %d audit rule%s sent to the kernel (key %s)",
	    fim->nwant, fim->nwant == 1 ? "" : "s", FIM_AUDIT_KEY);
}

/*
 * Work out the kernel watches for the rules in force. Returns 1 if they
 * differ from the wanted ones (which are then replaced), 0 if not.
 */
static int
fim_want_update(struct fim *fim)
{
	struct fim_kwatch	*kw = NULL;
	int			 n = 0, i;

	if (fim->is_active &&
	    (n = fim_rules_kwatches(&fim->rules, fim_is_dir, NULL, &kw)) < 0)
		n = 0;
	if (n == fim->nwant) {
		for (i = 0; i < n; i++)
			if (strcmp(kw[i].path, fim->want[i].w.path) != 0 ||
			    kw[i].is_tree != fim->want[i].w.is_tree ||
			    kw[i].perm != fim->want[i].w.perm)
				break;
		if (i == n) {
			fim_kwatches_free(kw, n);
			return 0;
		}
	}
	fim_want_free(fim);
	if (n > 0 && (fim->want = calloc((size_t)n,
	    sizeof(*fim->want))) == NULL) {
		fim_kwatches_free(kw, n);
		return 1;
	}
	for (i = 0; i < n; i++) {
		fim->want[i].w = kw[i];
		fim->want[i].state = FIM_RS_PENDING;
	}
	free(kw);
	fim->nwant = n;
	return 1;
}

/*
 * Delete every rule with our key, waiting for the kernel (shutdown only:
 * the loop no longer runs).
 */
static void
fim_rules_remove_sync(struct fim *fim)
{
	int	 i, rc, n;

	if (fim->audit == NULL)
		return;
	/* is_stopping is set: callbacks start no new round. */
	audit_wait(fim->audit, FIM_STOP_TIMEOUT_MS);
	fim_listed_free(fim);
	fim->is_reconciling = fim->reconcile_again = 0;
	rc = audit_list_rules(fim->audit, FIM_AUDIT_KEY, fim_listed_cb,
	    NULL, fim);
	if (rc < 0 || audit_wait(fim->audit, FIM_STOP_TIMEOUT_MS) < 0) {
		log_warnx("fim: cannot list the audit rules to remove ours");
		return;
	}
	n = fim->nlisted;
	for (i = 0; i < fim->nlisted; i++)
		fim_rule_op(fim, -1, fim->listed[i].raw, fim->listed[i].len);
	if (audit_wait(fim->audit, FIM_STOP_TIMEOUT_MS) < 0)
		log_warnx("fim: the kernel did not confirm the removal of our "
		    "audit rules");
	else if (n > 0)
		log_info("fim: %d audit rule%s with key %s removed", n,
		    n == 1 ? "" : "s", FIM_AUDIT_KEY);
	fim_listed_free(fim);
}

/* ---- Ownership ---- */

/*
 * Note what AUDIT_GET said: the kernel's counters. The lost counter is
 * the kernel's since boot; while collecting, its growth is ours to count.
 */
static void
fim_note_state(struct fim *fim, const struct audit_state *st)
{
	fim->ks = *st;
	fim->has_ks = 1;
	if (st->enabled != 0)
		fim_audited(fim);
	if (fim->is_active && fim->has_last_lost)
		fim->lost_kernel += (uint32_t)(st->lost - fim->last_lost);
	fim->last_lost = st->lost;
	fim->has_last_lost = 1;
}

/* Arm the claim retry timer. */
static void
fim_schedule_retry(struct fim *fim, int seconds)
{
	struct timeval	 tv = { seconds, 0 };

	fim->next_retry = time(NULL) + seconds;
	evtimer_add(fim->retry, &tv);
}

/* The kernel took (or refused) our settings as owner. */
static void
fim_settings_done(int err, void *arg)
{
	if (err != 0)
		log_warnx("fim: cannot set the audit backlog settings: %s",
		    strerror(-err));
}

/* The kernel took (or refused) our settings, auditing enabled among them. */
static void
fim_enabled_done(int err, void *arg)
{
	struct fim	*fim = arg;

	if (err != 0) {
		log_warnx("fim: cannot enable auditing: %s", strerror(-err));
		return;
	}
	fim_audited(fim);
}

/* The kernel's state when we became owner: save it, apply ours. */
static void
fim_owner_state(int err, const struct audit_state *st, void *arg)
{
	struct fim		*fim = arg;
	struct audit_state	 want;
	unsigned int		 mask = 0;

	if (err != 0)
		return;
	fim_note_state(fim, st);
	if (!fim->is_owner)
		return;
	if (st->enabled == 2) {
		log_warnx("fim: the audit configuration is locked (enabled 2):"
		    " leaving the backlog settings as they are");
		return;
	}
	memset(&want, 0, sizeof(want));
	if (fim->changed == 0)
		fim->saved = *st;
	if (st->enabled == 0) {
		want.enabled = 1;
		mask |= AUDIT_SET_ENABLED;
	}
	if (st->backlog_limit != 0 && st->backlog_limit < FIM_BACKLOG_LIMIT) {
		want.backlog_limit = FIM_BACKLOG_LIMIT;
		mask |= AUDIT_SET_BACKLOG_LIMIT;
	}
	if (st->has_backlog_wait_time && st->backlog_wait_time != 0) {
		want.backlog_wait_time = 0;
		mask |= AUDIT_SET_BACKLOG_WAIT_TIME;
	}
	if (mask == 0)
		return;
	fim->changed |= mask;
	log_info("fim: as audit owner:%s%s%s", mask & AUDIT_SET_ENABLED ?
	    " enabling auditing" : "", mask & AUDIT_SET_BACKLOG_LIMIT ?
	    " backlog_limit " FIM_BACKLOG_TEXT : "",
	    mask & AUDIT_SET_BACKLOG_WAIT_TIME ?
	    " backlog_wait_time 0 (never block applications)" : "");
	if ((err = audit_set(fim->audit, mask, &want, mask &
	    AUDIT_SET_ENABLED ? fim_enabled_done : fim_settings_done,
	    fim)) < 0)
		log_warnx("fim: cannot set the audit settings: %s",
		    strerror(-err));
}

/* Put back the settings we changed as owner. */
static void
fim_restore_settings(struct fim *fim)
{
	int	 rc;

	if (fim->changed == 0 || fim->audit == NULL)
		return;
	rc = audit_set(fim->audit, fim->changed, &fim->saved, fim_settings_done,
	    fim);
	if (rc < 0)
		log_warnx("fim: cannot restore the audit settings: %s",
		    strerror(-rc));
	else
		log_info("fim: audit settings restored (enabled %u, "
		    "backlog_limit %u, backlog_wait_time %u)",
		    fim->saved.enabled, fim->saved.backlog_limit,
		    fim->saved.backlog_wait_time);
	fim->changed = 0;
}

/* The pid release was answered. */
static void
fim_released(int err, void *arg)
{
	if (err != 0)
		log_warnx("fim: cannot release the audit pid: %s",
		    strerror(-err));
}

/* Let go of the audit pid (restoring what we changed). */
static void
fim_release(struct fim *fim)
{
	int	 rc;

	if (!fim->is_owner || fim->audit == NULL)
		return;
	fim_restore_settings(fim);
	/* AUDIT_SET pid 0 only while the pid is ours. */
	if ((rc = audit_set_pid(fim->audit, 0, fim_released, fim)) < 0)
		log_warnx("fim: cannot release the audit pid: %s",
		    strerror(-rc));
	else
		log_info("fim: audit pid released");
	fim->is_owner = 0;
	fim->is_handover = 0;
}

/* Join the multicast group if we can (not owner). */
static void
fim_multicast_on(struct fim *fim)
{
	int	 rc;

	if (fim->audit == NULL || audit_is_multicast(fim->audit))
		return;
	rc = audit_multicast_join(fim->audit);
	if (rc < 0) {
		if (fim->mc_errno != -rc)
			log_warnx("fim: cannot join the audit multicast group "
			    "(read-only copy of the records): %s%s",
			    strerror(-rc), rc == -EPERM ?
			    " (needs CAP_AUDIT_READ)" : rc == -ENOTSUP ?
			    " (kernel older than 3.16)" : "");
		fim->mc_errno = -rc;
		return;
	}
	fim->mc_errno = 0;
	log_debug("fim: joined the audit multicast group");
}

/* Report the holder of the audit pid (E701) once per holder. */
static void
fim_report_holder(struct fim *fim)
{
	if (fim->holder_pid == 0 || fim->held_reported == fim->holder_pid)
		return;
	fim->held_reported = fim->holder_pid;
	if (audit_is_multicast(fim->audit))
		report_error(fim->env->report, ERR_AUDIT_HELD, "audit netlink "
		    "held by pid %u (%s); events still flow through the "
		    "read-only multicast group; retrying the claim every %d s",
		    fim->holder_pid, fim->holder_comm,
		    fim->env->conf->audit_retry_interval);
	else
		report_error(fim->env->report, ERR_AUDIT_HELD, "audit netlink "
		    "held by pid %u (%s); no FIM events until it is released "
		    "(multicast group unavailable: %s); retrying the claim "
		    "every %d s", fim->holder_pid, fim->holder_comm,
		    strerror(fim->mc_errno != 0 ? fim->mc_errno : ENOTSUP),
		    fim->env->conf->audit_retry_interval);
}

/* AUDIT_GET after EEXIST: who holds the pid. */
static void
fim_holder_state(int err, const struct audit_state *st, void *arg)
{
	struct fim	*fim = arg;

	if (err != 0) {
		log_warnx("fim: cannot read the audit status: %s",
		    strerror(-err));
		return;
	}
	fim_note_state(fim, st);
	if (!fim->is_active || fim->is_owner)
		return;
	if (st->pid == (uint32_t)fim->self) {
		/* The pid is ours after all (a lost answer): as owner. */
		fim->is_owner = 1;
		fim_owner_state(0, st, fim);
		return;
	}
	if (st->pid == 0) {
		/* Released meanwhile: try again at once. */
		fim_schedule_retry(fim, 1);
		return;
	}
	fim->holder_pid = st->pid;
	fim_comm(st->pid, fim->holder_comm, sizeof(fim->holder_comm));
	fim_report_holder(fim);
}

/* The claim was answered. */
static void
fim_claimed(int err, void *arg)
{
	struct fim	*fim = arg;
	struct audit_stats as;
	int		 rc;

	fim->is_claiming = 0;
	fim->claim_errno = -err;
	if (err == 0) {
		if (fim->held_reported != 0) {
			log_info("fim: audit pid claimed (holder pid %u, %s, "
			    "is gone)", fim->held_reported, fim->holder_comm);
			report_clear(fim->env->report, ERR_AUDIT_HELD);
		} else
			log_info("fim: audit pid claimed: this process receives "
			    "the audit records");
		fim->held_reported = 0;
		fim->holder_pid = 0;
		fim->holder_comm[0] = '\0';
		fim->is_owner = 1;
		fim->owner_since = time(NULL);
		fim->next_retry = 0;
		evtimer_del(fim->retry);
		if (fim_rules_in(fim, FIM_RS_REFUSED) > 0)
			fim_schedule_retry(fim,
			    fim->env->conf->audit_retry_interval);
		if (fim->unavailable_reported) {
			report_clear(fim->env->report,
			    ERR_AUDIT_UNAVAILABLE);
			fim->unavailable_reported = 0;
		}
		if (audit_is_multicast(fim->audit)) {
			/* Leave multicast once unicast records flow. */
			audit_get_stats(fim->audit, &as);
			fim->is_handover = 1;
			fim->handover_ms = clock_mono_ms();
			fim->handover_unicast =
			    as.records[AUDIT_SOURCE_UNICAST];
		}
		if (!fim->is_active) {
			fim_release(fim);
			return;
		}
		if ((rc = audit_get_state(fim->audit, fim_owner_state,
		    fim)) < 0)
			log_warnx("fim: cannot read the audit status: %s",
			    strerror(-rc));
		return;
	}
	if (!fim->is_active)
		return;
	fim_schedule_retry(fim, fim->env->conf->audit_retry_interval);
	if (err == -EEXIST) {
		if ((rc = audit_get_state(fim->audit, fim_holder_state,
		    fim)) < 0)
			log_warnx("fim: cannot read the audit status: %s",
			    strerror(-rc));
		return;
	}
	if (!fim->unavailable_reported) {
		fim->unavailable_reported = 1;
		report_error(fim->env->report, ERR_AUDIT_UNAVAILABLE,
		    "cannot claim the audit pid: %s%s; %s; retrying every %d s",
		    strerror(-err), err == -EPERM || err == -ECONNREFUSED ?
		    " (needs CAP_AUDIT_CONTROL in the initial namespaces)" :
		    "", audit_is_multicast(fim->audit) ? "events flow through "
		    "the read-only multicast group" : "no FIM events",
		    fim->env->conf->audit_retry_interval);
	}
}

/* Try to claim the audit pid. */
static void
fim_claim(struct fim *fim)
{
	int	 rc;

	if (fim->audit == NULL || !fim->is_active || fim->is_owner ||
	    fim->is_claiming)
		return;
	rc = audit_set_pid(fim->audit, (uint32_t)fim->self, fim_claimed, fim);
	/* Polls sent until now may answer with the pid before the claim. */
	fim->claim_poll_mark = fim->polls_sent;
	if (rc < 0) {
		log_warnx("fim: cannot send the audit pid claim: %s",
		    strerror(-rc));
		fim_schedule_retry(fim, fim->env->conf->audit_retry_interval);
		return;
	}
	fim->is_claiming = 1;
}

/* The retry timer: claim again, and retry refused rules. */
static void
fim_retry_cb(evutil_socket_t fd, short what, void *arg)
{
	struct fim	*fim = arg;

	fim->next_retry = 0;
	if (!fim->is_owner) {
		log_debug("fim: retrying the audit pid claim");
		fim_claim(fim);
	}
	if (fim_rules_in(fim, FIM_RS_REFUSED) > 0) {
		log_debug("fim: retrying the refused audit rules");
		fim_want_update(fim);
		fim_reconcile(fim);
	}
}

/* Soon after start or a change: reconcile if asked, and claim. */
static void
fim_kick_cb(evutil_socket_t fd, short what, void *arg)
{
	struct fim	*fim = arg;

	if (fim->need_reconcile) {
		fim->need_reconcile = 0;
		fim_want_update(fim);
		fim_reconcile(fim);
	}
	fim_claim(fim);
	fim_catchup_start(fim);
}

/* Run fim_kick_cb from the loop in ms milliseconds. */
static void
fim_kick(struct fim *fim, int ms)
{
	struct timeval	 tv = { ms / 1000, (ms % 1000) * 1000 };

	if (fim->kick != NULL)
		evtimer_add(fim->kick, &tv);
}

/* ---- Losses ---- */

/* Every loss so far, and the report when it grew. */
static uint64_t
fim_lost_total(const struct fim *fim, struct fim_asm_stats *as,
    struct fim_queue_stats *qs)
{
	fim_asm_stats(fim->as, as);
	fim_queue_stats(fim->queue, qs);
	return fim->lost_kernel + as->gaps + fim->lost_socket +
	    qs->lost_queue + qs->lost_spool;
}

/* Report losses (E704) at most once a minute while they grow. */
static void
fim_report_losses(struct fim *fim)
{
	struct fim_asm_stats	 as;
	struct fim_queue_stats	 qs;
	uint64_t		 total;
	time_t			 now = time(NULL);

	total = fim_lost_total(fim, &as, &qs);
	if (total <= fim->lost_reported ||
	    now - fim->lost_reported_at < FIM_LOSS_REPORT_SECONDS)
		return;
	report_error(fim->env->report, ERR_AUDIT_LOST, "%llu lost since "
	    "start: %llu records dropped by the kernel (backlog %u of %u), "
	    "%llu events never delivered (serial gaps), %llu socket "
	    "overruns, %llu events over the agent's queue, %llu refused by "
	    "the spool", (unsigned long long)total,
	    (unsigned long long)fim->lost_kernel, fim->ks.backlog,
	    fim->ks.backlog_limit, (unsigned long long)as.gaps,
	    (unsigned long long)fim->lost_socket,
	    (unsigned long long)qs.lost_queue,
	    (unsigned long long)qs.lost_spool);
	fim->lost_reported = total;
	fim->lost_reported_at = now;
}

/* AUDIT_GET of the poll: counters, and whether the pid is still ours. */
static void
fim_polled(int err, const struct audit_state *st, void *arg)
{
	struct fim	*fim = arg;

	fim->polls_answered++;
	if (err != 0) {
		log_debug("fim: audit status poll: %s", strerror(-err));
		return;
	}
	fim_note_state(fim, st);
	if (!fim->is_active)
		return;
	/*
	 * A poll sent before our last claim tells the pid as it was then:
	 * the kernel sends AUDIT_GET replies from a thread of their own, so
	 * this one can come after the claim's ACK.
	 */
	if (fim->polls_answered <= fim->claim_poll_mark) {
		fim_report_losses(fim);
		return;
	}
	if (fim->is_owner && st->pid != (uint32_t)fim->self) {
		log_warnx("fim: the audit pid is no longer ours (now %u); "
		    "claiming it again", st->pid);
		fim->is_owner = 0;
		fim->is_handover = 0;
		fim_multicast_on(fim);
		fim_kick(fim, 0);
	} else if (!fim->is_owner && !fim->is_claiming &&
	    st->pid != fim->holder_pid) {
		if (st->pid == 0) {
			log_info("fim: the audit pid holder %u (%s) let go; "
			    "claiming at the next retry", fim->holder_pid,
			    fim->holder_comm);
			report_clear(fim->env->report, ERR_AUDIT_HELD);
			fim->held_reported = 0;
			fim->holder_pid = 0;
			fim->holder_comm[0] = '\0';
		} else if (st->pid != (uint32_t)fim->self) {
			fim->holder_pid = st->pid;
			fim_comm(st->pid, fim->holder_comm,
			    sizeof(fim->holder_comm));
			fim_report_holder(fim);
		}
	}
	fim_report_losses(fim);
}

/* The poll timer. */
static void
fim_poll_cb(evutil_socket_t fd, short what, void *arg)
{
	struct fim	*fim = arg;
	int		 rc;

	if (fim->audit != NULL) {
		if ((rc = audit_get_state(fim->audit, fim_polled, fim)) < 0)
			log_debug("fim: audit status poll: %s", strerror(-rc));
		else
			fim->polls_sent++;
	}
	/* Now and then, check that our rules are all still there. */
	if ((what & EV_TIMEOUT) && fim->is_active && ++fim->polls %
	    FIM_VERIFY_POLLS == 0)
		fim_reconcile(fim);
}

/* ---- Records and events ---- */

/* The user name of uid, from a small cache ("" if unknown). */
static const char *
fim_user(struct fim *fim, int64_t uid)
{
	struct passwd	 pw, *res = NULL;
	char		 buf[1024];
	struct fim_user	*u;
	int		 i;

	if (uid < 0)
		return "";
	for (i = 0; i < fim->nusers; i++)
		if (fim->users[i].uid == uid)
			return fim->users[i].name;
	u = &fim->users[fim->nusers < FIM_USERS ? fim->nusers++ :
	    (int)(uid % FIM_USERS)];
	u->uid = uid;
	u->name[0] = '\0';
	if (getpwuid_r((uid_t)uid, &pw, buf, sizeof(buf), &res) == 0 &&
	    res != NULL)
		strlcpy(u->name, pw.pw_name, sizeof(u->name));
	return u->name;
}

/* Does a SYSCALL key name ours (keys separated by 0x01)? */
static int
fim_is_our_key(const char *key)
{
	const char	*p = key;
	size_t		 n = strlen(FIM_AUDIT_KEY);

	while (p != NULL && *p != '\0') {
		if (strncmp(p, FIM_AUDIT_KEY, n) == 0 &&
		    (p[n] == '\0' || p[n] == FIM_KEY_SEPARATOR))
			return 1;
		if ((p = strchr(p, FIM_KEY_SEPARATOR)) != NULL)
			p++;
	}
	return 0;
}

/* An id, or JSON null when unset. */
static void
fim_text_id(struct fim_text *t, const char *key, int64_t id)
{
	if (id < 0)
		fim_text_null(t, key);
	else
		fim_text_int(t, key, id);
}

/*
 * The FIM event of one change, as JSON text in fim->text. The inode goes
 * in only when with_inode is set (else the queue adds it, or the one it
 * finds).
 */
static void
fim_event_text(struct fim *fim, const struct fim_syscall *sc,
    const struct fim_change *ch, int rule, int with_inode)
{
	struct fim_text		*t = &fim->text;
	const char		*name;
	char			 text[32];

	fim_text_begin(t, 0);
	fim_text_int(t, "time", sc->stamp.sec);
	fim_text_int(t, "time_ms", sc->stamp.sec * 1000 + sc->stamp.msec);
	fim_text_string(t, "path", ch->path);
	fim_text_string(t, "action", fim_action_name(ch->action));
	if (ch->action == FIM_RENAME)
		fim_text_string(t, "old_path", ch->old_path);
	fim_text_string(t, "rule", fim->rules.rules[rule].path);
	if ((name = fim_syscall_name(sc->arch, sc->syscall)) != NULL)
		fim_text_string(t, "syscall", name);
	else {
		snprintf(text, sizeof(text), "%d", sc->syscall);
		fim_text_string(t, "syscall", text);
	}
	fim_text_bool(t, "success", sc->success != 0);
	if (sc->success == 0)
		fim_text_int(t, "exit", sc->exit);
	fim_text_int(t, "pid", sc->pid);
	fim_text_int(t, "ppid", sc->ppid);
	fim_text_id(t, "uid", sc->uid);
	fim_text_id(t, "euid", sc->euid);
	fim_text_id(t, "auid", sc->auid);
	fim_text_string(t, "user", fim_user(fim, sc->uid));
	if (sc->auid >= 0)
		fim_text_string(t, "auser", fim_user(fim, sc->auid));
	fim_text_string(t, "exe", sc->exe);
	fim_text_string(t, "comm", sc->comm);
	fim_text_string(t, "cwd", sc->cwd);
	if (sc->tty != NULL)
		fim_text_string(t, "tty", sc->tty);
	if (with_inode && ch->item != NULL && ch->item->has_inode)
		fim_text_int(t, "inode", (int64_t)ch->item->inode);
	if (ch->item != NULL && ch->item->has_mode) {
		/* The file's state as the syscall found it. */
		snprintf(text, sizeof(text), "%04o", ch->item->mode & 07777);
		fim_text_open(t, "before");
		fim_text_string(t, "mode", text);
		fim_text_id(t, "owner_uid", ch->item->ouid);
		fim_text_id(t, "owner_gid", ch->item->ogid);
		fim_text_close(t);
		if (ch->action == FIM_DELETE) {
			fim_text_string(t, "mode", text);
			fim_text_id(t, "owner_uid", ch->item->ouid);
			fim_text_id(t, "owner_gid", ch->item->ogid);
		}
	}
	if (!ch->is_resolved)
		fim_text_bool(t, "path_guessed", 1);
	fim_text_int(t, "audit_serial", (int64_t)sc->stamp.serial);
	fim_text_close(t);
}

/* Learn directories from a decoded event (for later *at() syscalls). */
static void
fim_learn_dirs(struct fim *fim, const struct fim_syscall *sc,
    const struct fim_change *ch, int n)
{
	int	 i, trusted = 0;

	/*
	 * A PARENT name is the directory part of the path the process gave;
	 * for a bare name relative to a directory fd the kernel writes the
	 * cwd instead. Only learn from events that gave absolute paths.
	 */
	for (i = 0; i < sc->nitems; i++)
		if (sc->items[i].nametype != FIM_NAME_PARENT &&
		    sc->items[i].name != NULL && sc->items[i].name[0] == '/')
			trusted = 1;
	for (i = 0; trusted && i < sc->nitems; i++)
		if (sc->items[i].nametype == FIM_NAME_PARENT &&
		    sc->items[i].name != NULL && sc->items[i].name[0] == '/' &&
		    sc->items[i].has_inode)
			fim_dirs_learn(fim, sc->items[i].dev,
			    sc->items[i].inode, sc->items[i].name);
	for (i = 0; i < n; i++)
		if (ch[i].is_resolved && ch[i].item != NULL &&
		    ch[i].item->has_mode && S_ISDIR(ch[i].item->mode) &&
		    ch[i].action != FIM_DELETE)
			fim_dirs_learn(fim, ch[i].item->dev, ch[i].item->inode,
			    ch[i].path);
}

/* A CONFIG_CHANGE event: another program removed a rule of ours? */
static void
fim_config_change(struct fim *fim, const struct fim_raw_event *raw,
    const struct fim_syscall *sc)
{
	char	 op[64], key[300], err[128];
	int	 i;

	for (i = 0; i < raw->nrecords; i++) {
		if (raw->records[i].type != FIM_T_CONFIG_CHANGE)
			continue;
		if (fim_field(raw->records[i].body, "op", op, sizeof(op), err,
		    sizeof(err)) != 1 || strcmp(op, "remove_rule") != 0)
			continue;
		if (fim_field(raw->records[i].body, "key", key, sizeof(key),
		    err, sizeof(err)) != 1 || !fim_is_our_key(key))
			continue;
		if ((sc != NULL && sc->pid == fim->self) || fim->is_stopping ||
		    !fim->is_active)
			continue;
		fim->rules_removed++;
		if (sc != NULL)
			log_warnx("fim: another program (pid %lld, %s) removed "
			    "an audit rule of ours; reinstalling",
			    (long long)sc->pid, sc->comm != NULL ? sc->comm :
			    "?");
		else
			log_warnx("fim: an audit rule of ours was removed; "
			    "reinstalling");
		/* At once: files changed meanwhile go unseen. */
		fim->need_reconcile = 1;
		fim_kick(fim, 0);
		return;
	}
}

/* An assembled event: turn it into FIM events. */
static void
fim_event_cb(const struct fim_raw_event *raw, void *arg)
{
	struct fim		*fim = arg;
	struct fim_syscall	 sc;
	struct fim_change	*ch = fim->changes;
	enum fim_look		 look;
	int64_t			 ev_inode;
	char			 err[256];
	int			 i, n, rc, rule, has_config = 0;

	for (i = 0; i < raw->nrecords; i++)
		if (raw->records[i].type == FIM_T_CONFIG_CHANGE)
			has_config = 1;
	rc = fim_syscall_decode(raw, &sc, err, sizeof(err));
	if (rc == -1) {
		if (fim->bad_records++ < 10)
			log_warnx("fim: audit event %u: %s",
			    raw->stamp.serial, err);
		return;
	}
	if (has_config)
		fim_config_change(fim, raw, rc == 1 ? &sc : NULL);
	if (rc == 0)
		return;
	if (sc.pid == fim->self) {
		fim->ignored_self++;
		fim_syscall_clear(&sc);
		return;
	}
	n = fim_changes(&sc, fim_is_our_key(sc.key), fim_resolve, fim, ch,
	    FIM_CHANGES_MAX);
	fim_learn_dirs(fim, &sc, ch, n);
	for (i = 0; i < n; i++) {
		rule = fim_rules_match(&fim->rules, ch[i].path, ch[i].action);
		if (rule < 0 && ch[i].action == FIM_RENAME)
			rule = fim_rules_match(&fim->rules, ch[i].old_path,
			    ch[i].action);
		if (rule < 0)
			continue;
		if (!ch[i].is_resolved)
			fim->unresolved++;
		/* The catch-up at start leaves these to the audit events. */
		fim_touch(fim, ch[i].path);
		if (ch[i].action == FIM_RENAME)
			fim_touch(fim, ch[i].old_path);
		/* At stop: the listing follows what is reported now. */
		if (fim->stop_snap != NULL) {
			fim_snap_refresh(fim->stop_snap, ch[i].path);
			if (ch[i].action == FIM_RENAME)
				fim_snap_refresh(fim->stop_snap,
				    ch[i].old_path);
		}
		look = FIM_LOOK_NONE;
		if (sc.success != 0) {
			switch (ch[i].action) {
			case FIM_CREATE:
			case FIM_MODIFY:
				look = FIM_LOOK_HASH;
				break;
			case FIM_ATTRIB:
			case FIM_RENAME:
				look = FIM_LOOK_STAT;
				break;
			default:
				break;
			}
		}
		fim_event_text(fim, &sc, &ch[i], rule, look == FIM_LOOK_NONE);
		ev_inode = look != FIM_LOOK_NONE && ch[i].item != NULL &&
		    ch[i].item->has_inode ? (int64_t)ch[i].item->inode : -1;
		fim->events_matched++;
		fim->last_event = time(NULL);
		log_debug("fim: %s %s by pid %lld (%s)",
		    fim_action_name(ch[i].action), ch[i].path,
		    (long long)sc.pid, sc.comm != NULL ? sc.comm : "?");
		if (fim->text.is_failed) {
			/* Out of memory: counted as over the queue. */
			fim_queue_push_text(fim->queue, NULL, 0, -1,
			    FIM_LOOK_NONE, NULL, 0);
			continue;
		}
		fim_queue_push_text(fim->queue, fim->text.buf, fim->text.len,
		    ev_inode, look, look != FIM_LOOK_NONE ? ch[i].path : NULL,
		    ch[i].item != NULL ? ch[i].item->inode : 0);
	}
	fim_syscall_clear(&sc);
}

/* One record from the transport. */
static void
fim_record_cb(int type, const char *text, size_t len,
    enum audit_source source, void *arg)
{
	struct fim	*fim = arg;
	char		 err[256];

	if (!fim->is_active)
		return;
	if (source == AUDIT_SOURCE_MULTICAST && fim->is_owner &&
	    !fim->is_handover)
		return;
	if (fim_asm_add(fim->as, type, text, len, (int)source, clock_mono_ms(),
	    err, sizeof(err)) == -1 && fim->bad_records++ < 10)
		log_warnx("fim: audit record of type %d refused: %s", type,
		    err);
}

/* The transport's socket overran: the kernel dropped records for us. */
static void
fim_overrun_cb(enum audit_source source, void *arg)
{
	struct fim	*fim = arg;

	if (!fim->is_active)
		return;
	/* Only the socket that carries our records matters. */
	if ((source == AUDIT_SOURCE_UNICAST) == (fim->is_owner != 0)) {
		fim->lost_socket++;
		log_warnx("fim: the audit %s socket overran; records were "
		    "lost", source == AUDIT_SOURCE_UNICAST ? "unicast" :
		    "multicast");
	}
}

/* The tick: flush old events, finish a handover. */
static void
fim_tick_cb(evutil_socket_t fd, short what, void *arg)
{
	struct fim		*fim = arg;
	struct audit_stats	 as;
	uint64_t		 now = clock_mono_ms();

	fim_asm_tick(fim->as, now);
	if (fim->is_handover && fim->audit != NULL) {
		audit_get_stats(fim->audit, &as);
		if (as.records[AUDIT_SOURCE_UNICAST] > fim->handover_unicast ||
		    now - fim->handover_ms >= FIM_HANDOVER_MS) {
			/*
			 * Every multicast copy queued before the first
			 * unicast record is in the socket now: read them
			 * (duplicates are dropped by serial), then leave.
			 */
			audit_drain(fim->audit, AUDIT_SOURCE_MULTICAST, 1 << 20);
			audit_multicast_leave(fim->audit);
			fim->is_handover = 0;
			log_info("fim: records now come by unicast; left the "
			    "multicast group");
		}
	}
}

/* ---- Catching up after a stop ---- */

/* Read now what the kernel delivered to our sockets (both in a handover). */
static void
fim_drain(struct fim *fim)
{
	if (fim->audit == NULL)
		return;
	audit_drain(fim->audit, AUDIT_SOURCE_UNICAST, 1 << 20);
	if (audit_is_multicast(fim->audit))
		audit_drain(fim->audit, AUDIT_SOURCE_MULTICAST, 1 << 20);
}

/* Remember a path that audit reported while a catch-up is pending. */
static void
fim_touch(struct fim *fim, const char *path)
{
	char	**grown;

	if (fim->baseline == NULL || fim->ntouched >= FIM_TOUCHED_MAX)
		return;
	if ((grown = reallocarray(fim->touched, (size_t)fim->ntouched + 1,
	    sizeof(*fim->touched))) == NULL)
		return;
	fim->touched = grown;
	if ((fim->touched[fim->ntouched] = strdup(path)) != NULL)
		fim->ntouched++;
}

/* Did audit report a change of path since the start? */
static int
fim_was_touched(const struct fim *fim, const char *path)
{
	int	 i;

	for (i = 0; i < fim->ntouched; i++)
		if (strcmp(fim->touched[i], path) == 0)
			return 1;
	return 0;
}

/* Stop catching up, freeing what it holds. */
static void
fim_catchup_end(struct fim *fim, const char *state)
{
	int	 i;

	if (fim->scan_ev != NULL)
		evtimer_del(fim->scan_ev);
	fim_walk_free(fim->walk);
	fim->walk = NULL;
	fim_snap_free(fim->scan);
	fim->scan = NULL;
	fim_snap_free(fim->baseline);
	fim->baseline = NULL;
	for (i = 0; i < fim->ntouched; i++)
		free(fim->touched[i]);
	free(fim->touched);
	fim->touched = NULL;
	fim->ntouched = 0;
	fim->catchup_state = state;
	fim->catchup_done = time(NULL);
}

/* The file state of a snapshot entry, into o. */
static void
fim_add_fstate(struct json_object *o, const struct fim_fstate *f)
{
	char	 mode[16];

	snprintf(mode, sizeof(mode), "%04o", f->mode & 07777);
	json_add_string(o, "mode", mode);
	json_add_int64(o, "owner_uid", f->uid);
	json_add_int64(o, "owner_gid", f->gid);
	json_add_int64(o, "size", f->size);
	json_add_int64(o, "mtime", f->mtime_sec);
}

/* One change made while the agent was stopped: a FIM event. */
static void
fim_catchup_emit(enum fim_action action, const char *path,
    const char *old_path, const struct fim_fstate *before,
    const struct fim_fstate *now, void *arg)
{
	struct fim		*fim = arg;
	struct json_object	*ev, *o;
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
	if (fim_was_touched(fim, path) ||
	    (old_path != NULL && fim_was_touched(fim, old_path)))
		return;
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
	json_add_int64(o, "from", fim->stopped_sec);
	json_add_int64(o, "to", fim->since_sec);
	json_object_object_add(ev, "downtime", o);
	if (before != NULL) {
		json_add_int64(ev, "inode", (int64_t)before->ino);
		o = json_object_new_object();
		fim_add_fstate(o, before);
		json_object_object_add(ev, "before", o);
	}
	if (action == FIM_DELETE && before != NULL)
		fim_add_fstate(ev, before);
	if (now != NULL)
		look = (action == FIM_CREATE || action == FIM_MODIFY) &&
		    S_ISREG(now->mode) ? FIM_LOOK_HASH : FIM_LOOK_STAT;
	fim->catchup_events++;
	fim->events_matched++;
	log_debug("fim: %s %s while the agent was stopped",
	    fim_action_name(action), path);
	fim_queue_push(fim->queue, ev, look, look != FIM_LOOK_NONE ? path :
	    NULL, now != NULL ? now->ino : 0);
}

/* List the trees for a slice; compare once done. */
static void
fim_catchup_cb(evutil_socket_t fd, short what, void *arg)
{
	struct fim	*fim = arg;
	struct timeval	 tv = { 0, 0 };
	uint64_t	 until = clock_mono_ms() + FIM_SCAN_SLICE_MS;
	int		 rc;

	do {
		rc = fim_walk_step(fim->walk, fim->scan, 256);
	} while (rc == 0 && clock_mono_ms() < until);
	if (rc == 0) {
		evtimer_add(fim->scan_ev, &tv);
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
	fim_drain(fim);
	fim->catchup_events = 0;
	fim_snap_diff(fim->baseline, fim->scan, fim->since_sec,
	    fim->since_nsec, fim_catchup_emit, fim);
	log_info("fim: %llu change%s made while the agent was stopped "
	    "(%zu files compared)", (unsigned long long)fim->catchup_events,
	    fim->catchup_events == 1 ? "" : "s", fim_snap_count(fim->scan));
	fim_catchup_end(fim, "done");
}

/* Start comparing the trees with the listing of the last stop. */
static void
fim_catchup_start(struct fim *fim)
{
	struct timeval	 tv = { 0, 0 };
	char		 sig[65];

	if (fim->baseline == NULL || fim->walk != NULL)
		return;
	if (!fim->is_active) {
		fim_catchup_end(fim, "not collecting");
		return;
	}
	/* Until the kernel audits our rules, changes are the scan's. */
	if (!fim->is_audited)
		return;
	fim_rules_signature(&fim->rules, sig);
	if (strcmp(sig, fim->baseline_sig) != 0) {
		log_info("fim: the rules changed since the last stop: changes "
		    "made meanwhile are not looked for");
		fim_catchup_end(fim, "rules changed");
		return;
	}
	if ((fim->scan = fim_snap_new()) == NULL ||
	    (fim->walk = fim_walk_new(&fim->rules)) == NULL) {
		fim_catchup_end(fim, "out of memory");
		return;
	}
	fim->catchup_state = "running";
	/*
	 * The changes made between auditing on and fim->since are recorded,
	 * but kauditd, a kernel thread, may not have delivered them yet
	 * (the ACK that set since comes straight back): they must be in,
	 * and touched, before the diff, or they are reported twice.
	 */
	tv.tv_usec = FIM_CATCHUP_SETTLE_MS * 1000;
	evtimer_add(fim->scan_ev, &tv);
}

/*
 * Our rules are in and the kernel audits (enabled is not 0): from now on
 * changes reach us as records. Until this moment (auditing off before we
 * own the pid, on a system without auditd) they were not recorded, so the
 * catch-up compares up to here, and starts now.
 */
static void
fim_audited(struct fim *fim)
{
	struct timespec	 now;

	if (fim->is_audited || !fim->is_active || !fim->was_active ||
	    fim->audit == NULL)
		return;
	fim->is_audited = 1;
	clock_gettime(CLOCK_REALTIME, &now);
	if (fim->since_sec < (int64_t)now.tv_sec ||
	    (fim->since_sec == (int64_t)now.tv_sec &&
	    fim->since_nsec < now.tv_nsec)) {
		fim->since_sec = (int64_t)now.tv_sec;
		fim->since_nsec = now.tv_nsec;
	}
	log_debug("fim: the kernel audits our rules from now on");
	fim_catchup_start(fim);
}

/* Read the listing of the last stop (and remove it: a crash leaves none). */
static void
fim_catchup_load(struct fim *fim)
{
	char	 path[PATH_MAX], err[256], *text = NULL;
	size_t	 len;
	int	 rc;

	snprintf(path, sizeof(path), "%s/%s", fim->env->conf->state_dir,
	    FIM_BASELINE_FILE);
	rc = fileio_read_all(path, 64 * 1024 * 1024, &text, &len);
	if (rc == -ENOENT) {
		fim->catchup_state = "no listing from the last stop";
		return;
	}
	if (unlink(path) == -1)
		log_warn("fim: cannot remove %s", path);
	if (rc < 0) {
		log_warnx("fim: cannot read %s: %s", path, strerror(-rc));
		fim->catchup_state = "unreadable listing";
		return;
	}
	fim->baseline = fim_snap_parse(text, len, fim->baseline_sig,
	    &fim->stopped_sec, &fim->stopped_nsec, err, sizeof(err));
	free(text);
	if (fim->baseline == NULL) {
		log_warnx("fim: %s: %s; changes made while the agent was "
		    "stopped are not looked for", path, err);
		fim->catchup_state = "bad listing";
		return;
	}
	fim->catchup_state = "pending";
	log_info("fim: %zu files listed at the stop at %lld; looking for "
	    "changes made since", fim_snap_count(fim->baseline),
	    (long long)fim->stopped_sec);
}

/*
 * At stop, while our rules are still in: list the watched trees into
 * fim->stop_snap. The audit events still read until the rules are out
 * bring it up to date (fim_event_cb), so that what they report is not
 * reported again by the next start.
 */
static void
fim_catchup_list(struct fim *fim)
{
	struct fim_snapshot	*snap;
	struct fim_walk		*walk;
	uint64_t		 until = clock_mono_ms() + FIM_BASELINE_STOP_MS;
	int			 rc;

	if (!fim->is_active || fim->is_uninstalled || fim->baseline != NULL)
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
	fim->stop_snap = snap;
}

/* At stop, once our rules are out: write the listing for the next start. */
static void
fim_catchup_save(struct fim *fim)
{
	struct timespec	 now;
	char		 path[PATH_MAX], sig[65];
	int		 rc;

	if (!fim->is_active || fim->is_uninstalled)
		return;
	snprintf(path, sizeof(path), "%s/%s", fim->env->conf->state_dir,
	    FIM_BASELINE_FILE);
	if (fim->baseline != NULL) {
		/* The last catch-up did not finish: keep its listing. */
		if ((rc = fim_snap_save(fim->baseline, path,
		    fim->baseline_sig, fim->stopped_sec,
		    fim->stopped_nsec)) < 0)
			log_warnx("fim: cannot write %s: %s", path,
			    strerror(-rc));
		return;
	}
	if (fim->stop_snap == NULL)
		return;
	clock_gettime(CLOCK_REALTIME, &now);
	fim_rules_signature(&fim->rules, sig);
	if ((rc = fim_snap_save(fim->stop_snap, path, sig,
	    (int64_t)now.tv_sec, now.tv_nsec)) < 0)
		log_warnx("fim: cannot write %s: %s", path, strerror(-rc));
	else
		log_info("fim: %zu watched files listed for the next start",
		    fim_snap_count(fim->stop_snap));
	fim_snap_free(fim->stop_snap);
	fim->stop_snap = NULL;
}

/* The identity went away (uninstalled): no listing at stop. */
static void
fim_identity(void *self, const struct state *st)
{
	struct fim	*fim = self;

	fim->is_uninstalled = st == NULL;
}

/* ---- Configuration ---- */

/* The hash limit in force: the profile's, capped by outpost.conf. */
static void
fim_apply_hash_max(struct fim *fim)
{
	uint64_t	 max = fim->env->conf->fim_hash_max_size;

	if (fim->rules.hash_max_size >= 0 &&
	    (uint64_t)fim->rules.hash_max_size < max)
		max = (uint64_t)fim->rules.hash_max_size;
	fim_queue_set_hash_max(fim->queue, max);
}

/* Start or stop collecting to match the manifest and profile. */
static void
fim_update(struct fim *fim)
{
	int	 was_active = fim->is_active, changed, wanted;

	fim->is_active = fim_disabled_reason(fim) == NULL;
	/* Rules are wanted but there is no audit system to take them. */
	wanted = fim->has_manifest && fim->rules.is_enabled &&
	    fim->rules.nrules > 0 && !fim->is_paused &&
	    fim->profile_enabled != 0;
	if (fim->audit == NULL && wanted && !fim->unavailable_reported) {
		fim->unavailable_reported = 1;
		report_error(fim->env->report, ERR_AUDIT_UNAVAILABLE,
		    "cannot open the kernel audit netlink socket: %s; file "
		    "integrity monitoring is off", fim->open_errno == ENOTSUP ?
		    "outpostd was built without netlink" :
		    strerror(fim->open_errno));
	} else if (fim->audit == NULL && !wanted &&
	    fim->unavailable_reported) {
		fim->unavailable_reported = 0;
		report_clear(fim->env->report, ERR_AUDIT_UNAVAILABLE);
	}
	fim_apply_hash_max(fim);
	changed = fim_want_update(fim);
	if (fim->is_active) {
		fim->was_active = 1;
		fim_timers(fim, 1);
		if (!was_active) {
			log_info("fim: collecting: %d rule%s, audit %s",
			    fim->rules.nrules, fim->rules.nrules == 1 ? "" :
			    "s", audit_backend());
			fim_asm_restart(fim->as);
			/* The kernel's lost counter from now on. */
			fim->has_last_lost = 0;
			fim_poll_cb(-1, 0, fim);
		}
		if (!fim->is_owner)
			fim_multicast_on(fim);
		if ((changed || !was_active) && fim->is_starting)
			fim_rules_add_all(fim);
		else if (changed || !was_active)
			fim_reconcile(fim);
		if (!fim->is_owner && !fim->is_claiming)
			fim_kick(fim, 0);
		return;
	}
	if (!was_active)
		return;
	log_info("fim: not collecting: %s", fim_disabled_reason(fim));
	fim->is_audited = 0;
	fim_timers(fim, 0);
	if (fim->baseline != NULL)
		fim_catchup_end(fim, "not collecting");
	fim_asm_flush(fim->as);
	fim_queue_flush(fim->queue, 1);
	fim_reconcile(fim);
	fim_release(fim);
	if (fim->audit != NULL)
		audit_multicast_leave(fim->audit);
	evtimer_del(fim->retry);
	fim->next_retry = 0;
	if (fim->held_reported)
		report_clear(fim->env->report, ERR_AUDIT_HELD);
	fim->held_reported = 0;
	fim->holder_pid = 0;
	if (fim->refused_reported)
		report_clear(fim->env->report, ERR_AUDIT_RULE);
	fim->refused_reported = 0;
}

/*
 * The tick (assembly timeouts, the handover) and the kernel status poll
 * run only while collecting: an agent without FIM rules sleeps.
 */
static void
fim_timers(struct fim *fim, int on)
{
	struct timeval	 tick = { 0, FIM_TICK_MS * 1000 };
	struct timeval	 poll = { FIM_POLL_SECONDS, 0 };

	if (!on) {
		evtimer_del(fim->tick);
		evtimer_del(fim->poll);
		return;
	}
	if (!evtimer_pending(fim->tick, NULL))
		evtimer_add(fim->tick, &tick);
	if (!evtimer_pending(fim->poll, NULL))
		evtimer_add(fim->poll, &poll);
}

/* A new fim manifest is in force. */
static void
fim_manifest_cb(const char *type, int64_t version, struct json_object *body,
    void *arg)
{
	struct fim		*fim = arg;
	struct json_object	*obj = NULL;
	struct fim_rules	 rules;
	char			 err[256];

	if (body != NULL)
		json_object_object_get_ex(body, "fim", &obj);
	if (fim_rules_parse(obj, &rules, err, sizeof(err)) == -1) {
		snprintf(fim->manifest_error, sizeof(fim->manifest_error),
		    "%s", err);
		report_error(fim->env->report, ERR_MANIFEST_INVALID, "fim "
		    "manifest version %lld: %s; keeping the rules in force",
		    (long long)version, err);
		return;
	}
	fim->manifest_error[0] = '\0';
	if (fim->has_manifest && fim_rules_equal(&rules, &fim->rules)) {
		fim->manifest_version = version;
		fim_rules_free(&rules);
		return;
	}
	if (fim->walk != NULL || (fim->baseline != NULL && fim->has_manifest))
		fim_catchup_end(fim, "rules changed");
	fim_rules_free(&fim->rules);
	fim->rules = rules;
	fim->has_manifest = 1;
	fim->manifest_version = version;
	log_info("fim: manifest version %lld: FIM %s, %d rule%s",
	    (long long)version, rules.is_enabled ? "enabled" : "disabled",
	    rules.nrules, rules.nrules == 1 ? "" : "s");
	fim_update(fim);
}

/* The profile: pause and fim.enabled. */
static void
fim_profile(void *self, const struct profile *profile)
{
	struct fim	*fim = self;
	int		 paused = profile->is_paused;
	int		 enabled = profile->fim_enabled;

	if (fim->is_paused != paused)
		log_info("fim: data collection %s", paused ? "paused: "
		    "removing our audit rules" : "resumed");
	fim->is_paused = paused;
	fim->profile_enabled = enabled;
	fim_update(fim);
}

/* outpost.conf was reloaded. */
static void
fim_reconfigure(void *self)
{
	struct fim	*fim = self;

	fim_apply_hash_max(fim);
	if (fim->next_retry != 0 && fim->next_retry - time(NULL) >
	    fim->env->conf->audit_retry_interval)
		fim_schedule_retry(fim, fim->env->conf->audit_retry_interval);
}

/* ---- Status ---- */

/* Add the loss counters to o. */
static void
fim_add_losses(struct fim *fim, struct json_object *o)
{
	struct fim_asm_stats	 as;
	struct fim_queue_stats	 qs;
	uint64_t		 total;

	total = fim_lost_total(fim, &as, &qs);
	json_add_int64(o, "lost_total", (int64_t)total);
	json_add_int64(o, "lost_kernel", (int64_t)fim->lost_kernel);
	json_add_int64(o, "lost_gaps", (int64_t)as.gaps);
	json_add_int64(o, "lost_socket", (int64_t)fim->lost_socket);
	json_add_int64(o, "lost_queue", (int64_t)qs.lost_queue);
	json_add_int64(o, "lost_spool", (int64_t)qs.lost_spool);
}

/* The heartbeat's "fim" object (small: the platform keeps 4 KiB). */
static void
fim_heartbeat(void *self, struct json_object *body)
{
	struct fim		*fim = self;
	struct json_object	*o;
	struct fim_queue_stats	 qs;

	fim_queue_stats(fim->queue, &qs);
	o = json_object_new_object();
	json_add_string(o, "state", fim_mode_names[fim_mode(fim)]);
	if (fim_mode(fim) == FIM_MODE_DISABLED)
		json_add_string(o, "reason", fim_disabled_reason(fim));
	if (fim->holder_pid != 0) {
		json_add_int64(o, "holder_pid", fim->holder_pid);
		json_add_string(o, "holder_comm", fim->holder_comm);
	} else {
		json_object_object_add(o, "holder_pid", NULL);
		json_object_object_add(o, "holder_comm", NULL);
	}
	if (fim->next_retry != 0)
		json_add_int64(o, "next_retry", (int64_t)fim->next_retry);
	json_add_int64(o, "manifest_version", fim->manifest_version);
	json_add_int64(o, "rules", fim->rules.nrules);
	json_add_int64(o, "rules_installed",
	    fim_rules_in(fim, FIM_RS_INSTALLED));
	json_add_int64(o, "rules_refused",
	    fim_rules_in(fim, FIM_RS_REFUSED));
	json_add_int64(o, "events_sent", (int64_t)qs.spooled);
	json_add_int64(o, "events_acked", (int64_t)qs.acked);
	fim_add_losses(fim, o);
	if (fim->has_ks) {
		json_add_int64(o, "backlog", fim->ks.backlog);
		json_add_int64(o, "backlog_limit", fim->ks.backlog_limit);
	}
	json_object_object_add(body, "fim", o);
}

/* The status section. */
static struct json_object *
fim_status(void *self)
{
	struct fim		*fim = self;
	struct json_object	*o, *k, *rules, *r;
	struct fim_queue_stats	 qs;
	struct fim_asm_stats	 as;
	struct audit_stats	 ts;
	int			 i;
	const char		*state[] = { "pending", "installed",
				    "refused" };

	fim_queue_stats(fim->queue, &qs);
	fim_asm_stats(fim->as, &as);
	o = json_object_new_object();
	json_add_string(o, "state", fim_mode_names[fim_mode(fim)]);
	if (fim_mode(fim) == FIM_MODE_DISABLED)
		json_add_string(o, "reason", fim_disabled_reason(fim));
	json_add_string(o, "backend", audit_backend());
	if (fim->audit == NULL)
		json_add_string(o, "error", strerror(fim->open_errno));
	if (fim->holder_pid != 0) {
		json_add_int64(o, "holder_pid", fim->holder_pid);
		json_add_string(o, "holder_comm", fim->holder_comm);
	} else {
		json_object_object_add(o, "holder_pid", NULL);
		json_object_object_add(o, "holder_comm", NULL);
	}
	json_add_time(o, "next_retry", fim->next_retry);
	json_add_int64(o, "retry_interval",
	    fim->env->conf->audit_retry_interval);
	json_add_time(o, "owner_since", fim->is_owner ? fim->owner_since : 0);
	json_add_bool(o, "multicast", fim->audit != NULL &&
	    audit_is_multicast(fim->audit));
	if (fim->mc_errno != 0)
		json_add_string(o, "multicast_error", strerror(fim->mc_errno));
	json_add_int64(o, "manifest_version", fim->manifest_version);
	if (fim->manifest_error[0] != '\0')
		json_add_string(o, "manifest_error", fim->manifest_error);
	json_add_string(o, "key", FIM_AUDIT_KEY);
	json_add_int64(o, "rules", fim->rules.nrules);
	json_add_int64(o, "rules_installed",
	    fim_rules_in(fim, FIM_RS_INSTALLED));
	json_add_int64(o, "rules_removed_by_others",
	    (int64_t)fim->rules_removed);
	rules = json_object_new_array();
	for (i = 0; i < fim->nwant; i++) {
		r = json_object_new_object();
		json_add_string(r, "path", fim->want[i].w.path);
		json_add_string(r, "watch", fim->want[i].w.is_tree ? "tree" :
		    "path");
		json_add_string(r, "state", state[fim->want[i].state]);
		if (fim->want[i].state == FIM_RS_REFUSED)
			json_add_string(r, "error",
			    strerror(fim->want[i].err));
		json_object_array_add(rules, r);
	}
	json_object_object_add(o, "kernel_rules", rules);
	json_add_int64(o, "events_matched", (int64_t)fim->events_matched);
	json_add_int64(o, "events_sent", (int64_t)qs.spooled);
	json_add_int64(o, "events_acked", (int64_t)qs.acked);
	json_add_int64(o, "events_waiting", qs.waiting + qs.in_batch);
	json_add_int64(o, "files_hashed", (int64_t)qs.hashed);
	json_add_int64(o, "files_looked_early", (int64_t)qs.early);
	json_add_time(o, "last_event", fim->last_event);
	fim_add_losses(fim, o);
	json_add_int64(o, "records", (int64_t)as.records);
	json_add_int64(o, "duplicates", (int64_t)as.duplicates);
	json_add_int64(o, "incomplete", (int64_t)as.incomplete);
	json_add_int64(o, "partial", (int64_t)as.partial);
	json_add_int64(o, "malformed", (int64_t)(as.malformed +
	    fim->bad_records));
	json_add_int64(o, "paths_guessed", (int64_t)fim->unresolved);
	k = json_object_new_object();
	json_add_string(k, "state", fim->catchup_state != NULL ?
	    fim->catchup_state : "none");
	json_add_time(k, "stopped_at", (time_t)fim->stopped_sec);
	json_add_time(k, "finished", fim->catchup_done);
	json_add_int64(k, "changes", (int64_t)fim->catchup_events);
	json_object_object_add(o, "catch_up", k);
	if (fim->audit != NULL) {
		audit_get_stats(fim->audit, &ts);
		json_add_int64(o, "socket_buffer", ts.rcvbuf);
	}
	if (fim->has_ks) {
		k = json_object_new_object();
		json_add_int64(k, "enabled", fim->ks.enabled);
		json_add_int64(k, "pid", fim->ks.pid);
		json_add_int64(k, "backlog", fim->ks.backlog);
		json_add_int64(k, "backlog_limit", fim->ks.backlog_limit);
		if (fim->ks.has_backlog_wait_time)
			json_add_int64(k, "backlog_wait_time",
			    fim->ks.backlog_wait_time);
		json_add_int64(k, "lost", fim->ks.lost);
		json_object_object_add(o, "kernel", k);
	}
	return o;
}

/* Which of our effective capabilities are set (from /proc). */
static int
fim_has_cap(int cap)
{
	FILE			*fp;
	char			 line[256];
	unsigned long long	 eff = 0;
	int			 found = 0;

	if ((fp = fopen("/proc/self/status", "r")) == NULL)
		return -1;
	while (fgets(line, sizeof(line), fp) != NULL)
		if (sscanf(line, "CapEff: %llx", &eff) == 1) {
			found = 1;
			break;
		}
	fclose(fp);
	if (!found)
		return -1;
	return (eff >> cap) & 1;
}

#define FIM_CAP_AUDIT_CONTROL	30
#define FIM_CAP_AUDIT_READ	37

/* The health check lines. */
static void
fim_healthcheck(void *self, struct healthcheck *hc)
{
	struct fim	*fim = self;
	const char	*reason = fim_disabled_reason(fim);
	int		 control, readcap, refused, installed, i;
	char		 msg[512];
	size_t		 len;

	if (fim->audit == NULL)
		hc_add(hc, "audit.available", fim->open_errno == ENOTSUP ?
		    HC_SKIP : HC_FAIL, "use a kernel with CONFIG_AUDIT, without "
		    "audit=0, and run outpostd as root outside containers",
		    "kernel audit netlink (%s): %s", audit_backend(),
		    strerror(fim->open_errno));
	else
		hc_add(hc, "audit.available", fim->has_ks && fim->ks.enabled ==
		    0 && !fim->is_owner && fim->is_active ? HC_WARN : HC_PASS,
		    "the audit owner disabled auditing (auditctl -e 1)",
		    "kernel audit reachable over netlink (enabled %u, "
		    "backlog %u of %u, lost %u since boot)", fim->ks.enabled,
		    fim->ks.backlog, fim->ks.backlog_limit, fim->ks.lost);
	control = fim_has_cap(FIM_CAP_AUDIT_CONTROL);
	readcap = fim_has_cap(FIM_CAP_AUDIT_READ);
	if (control == 1 && readcap == 1)
		hc_add(hc, "audit.capability", HC_PASS, NULL,
		    "CAP_AUDIT_CONTROL and CAP_AUDIT_READ are effective");
	else if (control == 1)
		hc_add(hc, "audit.capability", HC_WARN, "grant CAP_AUDIT_READ "
		    "(kernel 3.16 or newer) so that events flow while auditd "
		    "holds the audit pid", "CAP_AUDIT_READ is missing: no "
		    "read-only copy of the records while another process "
		    "holds the audit pid");
	else
		hc_add(hc, "audit.capability", HC_FAIL, "run outpostd as root "
		    "(or with CAP_AUDIT_CONTROL and CAP_AUDIT_READ)",
		    "CAP_AUDIT_CONTROL is %s: audit rules cannot be installed",
		    control == 0 ? "missing" : "unknown");
	switch (fim_mode(fim)) {
	case FIM_MODE_DISABLED:
		hc_add(hc, "audit.ownership", HC_SKIP, NULL, "FIM is not "
		    "collecting: %s", reason);
		break;
	case FIM_MODE_OWNER:
		hc_add(hc, "audit.ownership", HC_PASS, NULL, "this process "
		    "(pid %d) owns the audit pid", (int)fim->self);
		break;
	case FIM_MODE_MULTICAST:
		hc_add(hc, "audit.ownership", HC_WARN, "stop the holder (e.g. "
		    "`service auditd stop`) if outpostd should own the audit "
		    "pid; events flow meanwhile", "the audit pid is held by "
		    "pid %u (%s): events come through the read-only multicast "
		    "group; next claim in %lld s", fim->holder_pid,
		    fim->holder_pid != 0 ? fim->holder_comm : "none now",
		    fim->next_retry != 0 ? (long long)(fim->next_retry -
		    time(NULL)) : 0LL);
		break;
	case FIM_MODE_WAITING:
		hc_add(hc, "audit.ownership", HC_FAIL, "stop the holder, or "
		    "grant CAP_AUDIT_READ on a kernel of 3.16 or newer",
		    "the audit pid is held by pid %u (%s) and the multicast "
		    "group is unavailable (%s): no FIM events", fim->holder_pid,
		    fim->holder_comm, strerror(fim->mc_errno != 0 ?
		    fim->mc_errno : ENOTSUP));
		break;
	}
	if (fim_mode(fim) == FIM_MODE_DISABLED) {
		hc_add(hc, "audit.rules", HC_SKIP, NULL, "no rules wanted: %s",
		    reason);
		return;
	}
	refused = fim_rules_in(fim, FIM_RS_REFUSED);
	installed = fim_rules_in(fim, FIM_RS_INSTALLED);
	if (refused > 0) {
		msg[0] = '\0';
		for (i = 0; i < fim->nwant; i++)
			if (fim->want[i].state == FIM_RS_REFUSED) {
				len = strlen(msg);
				snprintf(msg + len, sizeof(msg) - len, "%s%s: %s",
				    len > 0 ? "; " : "", fim->want[i].w.path,
				    strerror(fim->want[i].err));
			}
		hc_add(hc, "audit.rules", HC_FAIL, "make the paths exist, or "
		    "check `auditctl -s` (enabled 2 locks the rules)",
		    "%d of %d kernel rules refused: %s", refused, fim->nwant,
		    msg);
	} else if (installed < fim->nwant)
		hc_add(hc, "audit.rules", HC_WARN, "wait a moment and check "
		    "again", "%d of %d kernel rules installed, the rest in "
		    "progress", installed, fim->nwant);
	else
		hc_add(hc, "audit.rules", HC_PASS, NULL, "%d kernel rule%s "
		    "installed (key %s) for %d manifest rule%s", installed,
		    installed == 1 ? "" : "s", FIM_AUDIT_KEY, fim->rules.nrules,
		    fim->rules.nrules == 1 ? "" : "s");
}

/* ---- Life cycle ---- */

/*
 * Stop: list the watched files for the next start, remove our rules,
 * release the pid, spool what is left, free.
 */
static void
fim_free(void *self)
{
	struct fim	*fim = self;

	if (fim == NULL)
		return;
	fim->is_stopping = 1;
	/*
	 * An agent that never collected leaves the audit system alone: the
	 * rules with our key, if any, are not its own.
	 */
	if (fim->audit != NULL && fim->was_active) {
		fim_catchup_list(fim);
		fim_rules_remove_sync(fim);
		/* What came in meanwhile is still ours to report. */
		fim_drain(fim);
		if (fim->is_owner) {
			fim_release(fim);
			audit_wait(fim->audit, FIM_STOP_TIMEOUT_MS);
		}
	}
	if (fim->as != NULL)
		fim_asm_flush(fim->as);
	/* The listing with what the last events told, for the next start. */
	fim_catchup_save(fim);
	fim_snap_free(fim->stop_snap);
	fim->stop_snap = NULL;
	if (fim->queue != NULL && fim_queue_flush(fim->queue, 1) > 0)
		log_info("fim: the last FIM events are spooled");
	fim_catchup_end(fim, "stopped");
	audit_close(fim->audit);
	fim_asm_free(fim->as);
	fim_queue_free(fim->queue);
	if (fim->tick != NULL)
		event_free(fim->tick);
	if (fim->retry != NULL)
		event_free(fim->retry);
	if (fim->poll != NULL)
		event_free(fim->poll);
	if (fim->kick != NULL)
		event_free(fim->kick);
	if (fim->scan_ev != NULL)
		event_free(fim->scan_ev);
	fim_want_free(fim);
	fim_listed_free(fim);
	fim_rules_free(&fim->rules);
	fim_dirs_clear(fim);
	free(fim->dirs);
	free(fim->changes);
	fim_text_free(&fim->text);
	free(fim);
}

/* Start the module. */
struct fim *
fim_new(const struct agent_env *env)
{
	struct fim		*fim;
	struct audit_callbacks	 cb;

	if ((fim = calloc(1, sizeof(*fim))) == NULL)
		return NULL;
	fim->env = env;
	fim->self = getpid();
	fim->profile_enabled = -1;
	fim->rules.hash_max_size = -1;
	fim->as = fim_asm_new(fim_event_cb, fim, FIM_ASM_TIMEOUT_MS);
	fim->queue = fim_queue_new(env->base, env->upload);
	fim->dirs = calloc(FIM_DIRCACHE_SLOTS, sizeof(*fim->dirs));
	fim->changes = calloc(FIM_CHANGES_MAX, sizeof(*fim->changes));
	fim->tick = event_new(env->base, -1, EV_PERSIST, fim_tick_cb, fim);
	fim->poll = event_new(env->base, -1, EV_PERSIST, fim_poll_cb, fim);
	fim->retry = evtimer_new(env->base, fim_retry_cb, fim);
	fim->kick = evtimer_new(env->base, fim_kick_cb, fim);
	fim->scan_ev = evtimer_new(env->base, fim_catchup_cb, fim);
	if (fim->as == NULL || fim->queue == NULL || fim->dirs == NULL ||
	    fim->changes == NULL ||
	    fim->tick == NULL || fim->poll == NULL || fim->retry == NULL ||
	    fim->kick == NULL || fim->scan_ev == NULL) {
		fim_free(fim);
		return NULL;
	}
	memset(&cb, 0, sizeof(cb));
	cb.record = fim_record_cb;
	cb.overrun = fim_overrun_cb;
	cb.arg = fim;
	/* Reported (E702) once rules are wanted: fim_update(). */
	if ((fim->audit = audit_open(env->base, &cb)) == NULL) {
		fim->open_errno = errno;
		log_info("fim: the kernel audit netlink socket cannot be "
		    "opened: %s", strerror(errno));
	}
	fim_apply_hash_max(fim);
	/*
	 * The cached manifest comes at once: its rules go to the kernel
	 * now, before the event loop runs, and the multicast group is
	 * joined, so events are caught from this moment. The pid claim and
	 * the cleanup of stale rules follow from the loop, once the cached
	 * profile (pause) is known.
	 */
	if (fim->audit != NULL)
		fim_catchup_load(fim);
	fim->is_starting = 1;
	if (env->manifests != NULL &&
	    manifests_subscribe(env->manifests, "fim", fim_manifest_cb,
	    fim) == -1)
		log_warnx("fim: cannot subscribe to the fim manifest");
	fim->is_starting = 0;
	return fim;
}

/* The module's operations. */
const struct agent_module_ops fim_ops = {
	.name = "fim",
	.profile = fim_profile,
	.identity = fim_identity,
	.heartbeat = fim_heartbeat,
	.status = fim_status,
	.healthcheck = fim_healthcheck,
	.reconfigure = fim_reconfigure,
	.free = fim_free
};
