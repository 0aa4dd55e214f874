/*
 * fim-owner.c: the FIM module's hold on the kernel audit pid.
 *
 * The module tries to claim the audit pid (AUDIT_SET). While another
 * process holds it (EEXIST), the holder is named (AUDIT_GET,
 * /proc/PID/comm) and watched (a pidfd, audit_watch_holder()): the moment
 * it exits the pid is claimed, and the status poll that sees the pid free
 * claims too; the claim is also retried every audit_retry_interval seconds
 * by the retry timer (which retries the rules the kernel refused,
 * fim-rules.c). Records keep coming through the read-only multicast group
 * where the kernel offers it. Once a claim succeeds the records come by
 * unicast; the multicast socket is drained and closed after the first
 * unicast record (the handover), and the assembler drops the second copy
 * of every record seen both ways, so nothing is duplicated or dropped.
 *
 * The audit state has one error at a time, replaced or cleared the moment
 * its cause changes: E701 while another process holds the pid (events
 * read-only through multicast, or none), E705 while that holder has
 * auditing disabled (no records at all), E702 when the audit system cannot
 * be used (no socket, a claim refused for another cause); none as owner
 * or when not collecting.
 *
 * As owner it sets a backlog limit and backlog_wait_time 0 (the kernel
 * then never makes applications wait on us), and enables auditing if it
 * was off. Before the first change the settings found are written to
 * state_dir/fim-audit-saved (synced), so that they are put back when the
 * agent lets go of the pid in this run or any later one, after a crash
 * too; the file is removed once they are. Settings saved by an earlier run
 * are put back at start when this run does not take the pid and no other
 * process holds it, each only while it still has the value we set. The
 * settings of another owner are never touched. The status poll (AUDIT_GET
 * every few seconds) tells whether the pid is still ours, who holds it,
 * and the kernel's counters.
 */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
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
#include "fim-int.h"
#include "jsonutil.h"
#include "log.h"
#include "module.h"
#include "report.h"

#define FIM_BACKLOG_LIMIT	65536	/* records: about 13,000 file changes */
#define FIM_BACKLOG_TEXT	"65536"
#define FIM_HANDOVER_MS		2000
#define FIM_SAVED_FILE		"fim-audit-saved"

static void	fim_owner_retry_cb(evutil_socket_t, short, void *);
static void	fim_owner_report_holder(struct fim *);
static void	fim_owner_state_cb(int, const struct audit_state *, void *);

/* Make the retry timer. Returns 0, or -1. */
int
fim_owner_init(struct fim *fim)
{
	fim->owner.retry = evtimer_new(fim->env->base, fim_owner_retry_cb,
	    fim);
	return fim->owner.retry != NULL ? 0 : -1;
}

/* Free the retry timer. */
void
fim_owner_free(struct fim *fim)
{
	if (fim->owner.retry != NULL)
		event_free(fim->owner.retry);
	fim->owner.retry = NULL;
}

/*
 * The one error of the audit state becomes code (ERR_NONE: none), with
 * the message of fmt; the error it replaces is cleared.
 */
static void __attribute__((format(printf, 3, 4)))
fim_owner_state_error(struct fim *fim, enum error_code code, const char *fmt,
    ...)
{
	struct fim_owner	*ow = &fim->owner;
	char			 msg[512];
	va_list			 ap;

	if (ow->state_error != ERR_NONE && ow->state_error != (int)code)
		report_clear(fim->env->report, (enum error_code)ow->state_error);
	ow->state_error = (int)code;
	if (code == ERR_NONE || fmt == NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	report_error(fim->env->report, code, "%s", msg);
}

/* ---- The settings saved before the first change ---- */

/* The path of the saved settings, into path. */
static void
fim_owner_saved_path(const struct fim *fim, char *path, size_t len)
{
	snprintf(path, len, "%s/%s", fim->env->conf->state_dir,
	    FIM_SAVED_FILE);
}

/* Write the saved settings, synced. Returns 0, or -errno. */
static int
fim_owner_save(struct fim *fim)
{
	const struct fim_owner	*ow = &fim->owner;
	char			 path[PATH_MAX], text[512];
	int			 len;

	fim_owner_saved_path(fim, path, sizeof(path));
	len = snprintf(text, sizeof(text), "{\"changed\":%u,\"found\":"
	    "{\"enabled\":%u,\"backlog_limit\":%u,\"backlog_wait_time\":%u},"
	    "\"set\":{\"enabled\":%u,\"backlog_limit\":%u,"
	    "\"backlog_wait_time\":%u}}\n", ow->changed, ow->saved.enabled,
	    ow->saved.backlog_limit, ow->saved.backlog_wait_time,
	    ow->set.enabled, ow->set.backlog_limit, ow->set.backlog_wait_time);
	return fileio_write_atomic(path, text, (size_t)len, 0600);
}

/* The settings are back as found: forget them. */
static void
fim_owner_forget_saved(struct fim *fim)
{
	char	 path[PATH_MAX];

	fim->owner.changed = 0;
	fim->owner.is_leftover = 0;
	fim_owner_saved_path(fim, path, sizeof(path));
	if (unlink(path) == -1 && errno != ENOENT)
		log_warn("fim: cannot remove %s", path);
}

/* Read member key of object name of o into *v. Returns 0, or -1. */
static int
fim_owner_saved_value(struct json_object *o, const char *name,
    const char *key, uint32_t *v)
{
	struct json_object	*sub;
	int64_t			 n;

	if (!json_object_object_get_ex(o, name, &sub) ||
	    json_get_int64(sub, key, &n) == -1 || n < 0 || n > UINT32_MAX)
		return -1;
	*v = (uint32_t)n;
	return 0;
}

/* Read the settings an earlier run saved before its first change. */
void
fim_owner_load_saved(struct fim *fim)
{
	struct fim_owner	*ow = &fim->owner;
	struct json_object	*o;
	char			 path[PATH_MAX], err[128], *text = NULL;
	size_t			 len;
	int64_t			 mask;
	int			 rc;

	fim_owner_saved_path(fim, path, sizeof(path));
	if ((rc = fileio_read_all(path, 4096, &text, &len)) == -ENOENT)
		return;
	o = rc == 0 ? json_parse_object(text, len, err, sizeof(err)) : NULL;
	free(text);
	if (o == NULL || json_get_int64(o, "changed", &mask) == -1 ||
	    mask <= 0 || mask > (AUDIT_SET_ENABLED | AUDIT_SET_BACKLOG_LIMIT |
	    AUDIT_SET_BACKLOG_WAIT_TIME) ||
	    fim_owner_saved_value(o, "found", "enabled",
	    &ow->saved.enabled) == -1 ||
	    fim_owner_saved_value(o, "found", "backlog_limit",
	    &ow->saved.backlog_limit) == -1 ||
	    fim_owner_saved_value(o, "found", "backlog_wait_time",
	    &ow->saved.backlog_wait_time) == -1 ||
	    fim_owner_saved_value(o, "set", "enabled", &ow->set.enabled) == -1 ||
	    fim_owner_saved_value(o, "set", "backlog_limit",
	    &ow->set.backlog_limit) == -1 ||
	    fim_owner_saved_value(o, "set", "backlog_wait_time",
	    &ow->set.backlog_wait_time) == -1) {
		log_warnx("fim: %s is damaged; the audit settings it held "
		    "cannot be put back", path);
		json_object_put(o);
		fim_owner_forget_saved(fim);
		return;
	}
	json_object_put(o);
	ow->changed = (unsigned int)mask;
	ow->is_leftover = 1;
	log_info("fim: audit settings saved by an earlier run (enabled %u, "
	    "backlog_limit %u, backlog_wait_time %u) are put back when this "
	    "run lets go of the audit pid", ow->saved.enabled,
	    ow->saved.backlog_limit, ow->saved.backlog_wait_time);
	/* Not collecting this run: put back at once (fim_owner_note_state). */
	if ((rc = audit_get_state(fim->audit, fim_owner_state_cb, fim)) < 0)
		log_warnx("fim: cannot read the audit status: %s",
		    strerror(-rc));
}

/*
 * The settings of a leftover that still have the value we set, given the
 * kernel's st, into *mask. Returns the mask (0: nothing to put back).
 */
static unsigned int
fim_owner_leftover_mask(const struct fim_owner *ow,
    const struct audit_state *st)
{
	unsigned int	 mask = 0;

	if ((ow->changed & AUDIT_SET_ENABLED) && st->enabled == ow->set.enabled)
		mask |= AUDIT_SET_ENABLED;
	if ((ow->changed & AUDIT_SET_BACKLOG_LIMIT) &&
	    st->backlog_limit == ow->set.backlog_limit)
		mask |= AUDIT_SET_BACKLOG_LIMIT;
	if ((ow->changed & AUDIT_SET_BACKLOG_WAIT_TIME) &&
	    st->has_backlog_wait_time &&
	    st->backlog_wait_time == ow->set.backlog_wait_time)
		mask |= AUDIT_SET_BACKLOG_WAIT_TIME;
	return mask;
}

/* The leftover settings were put back (or not). */
static void
fim_owner_leftover_done(int err, void *arg)
{
	struct fim	*fim = arg;

	if (err != 0) {
		log_warnx("fim: cannot put back the audit settings of an "
		    "earlier run: %s", strerror(-err));
		return;
	}
	log_info("fim: audit settings of an earlier run put back (enabled "
	    "%u, backlog_limit %u, backlog_wait_time %u)",
	    fim->owner.saved.enabled, fim->owner.saved.backlog_limit,
	    fim->owner.saved.backlog_wait_time);
	fim_owner_forget_saved(fim);
}

/*
 * Put back the settings an earlier run left, given the kernel's st: only
 * when this run does not hold the pid and nobody else does, and only
 * those that still have our value. Returns 1 if sent, else 0.
 */
static int
fim_owner_put_back_leftover(struct fim *fim, const struct audit_state *st)
{
	struct fim_owner	*ow = &fim->owner;
	unsigned int		 mask;
	int			 rc;

	if (!ow->is_leftover || ow->is_owner || st->pid != 0 ||
	    st->enabled == 2)
		return 0;
	if ((mask = fim_owner_leftover_mask(ow, st)) == 0) {
		log_info("fim: the audit settings an earlier run changed were "
		    "changed again since; leaving them");
		fim_owner_forget_saved(fim);
		return 0;
	}
	if ((rc = audit_set(fim->audit, mask, &ow->saved,
	    fim_owner_leftover_done, fim)) < 0) {
		log_warnx("fim: cannot put back the audit settings of an "
		    "earlier run: %s", strerror(-rc));
		return 0;
	}
	return 1;
}

/* ---- The holder ---- */

/* The process name of pid from /proc into out, or "?". */
static void
fim_owner_comm(uint32_t pid, char *out, size_t outlen)
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

/*
 * Note what AUDIT_GET said: the kernel's state and counters. The lost
 * counter is the kernel's since boot; while collecting, its growth is
 * ours to count.
 */
static void
fim_owner_note_state(struct fim *fim, const struct audit_state *st)
{
	int	 was_disabled = fim->owner.has_ks && fim->owner.ks.enabled == 0;

	fim->owner.ks = *st;
	fim->owner.has_ks = 1;
	if (st->enabled != 0)
		fim_catchup_audited(fim);
	fim_loss_kernel(fim, st->lost);
	/* Not collecting: leftover settings go back if nobody holds the pid. */
	if (!fim->is_active && fim->owner.is_leftover)
		fim_owner_put_back_leftover(fim, st);
	/* The holder switched auditing on or off: E701 or E705. */
	if (fim->is_active && !fim->owner.is_owner &&
	    fim->owner.holder_pid != 0 && was_disabled != (st->enabled == 0))
		fim_owner_report_holder(fim);
}

/* An AUDIT_GET only to note the kernel's state. */
static void
fim_owner_state_cb(int err, const struct audit_state *st, void *arg)
{
	if (err == 0)
		fim_owner_note_state(arg, st);
}

/* Arm the claim retry timer for seconds from now. */
static void
fim_owner_schedule_retry(struct fim *fim, int seconds)
{
	struct timeval	 tv = { seconds, 0 };

	fim->owner.next_retry = time(NULL) + seconds;
	evtimer_add(fim->owner.retry, &tv);
}

/* Arm the retry timer at the configured interval unless it is armed. */
void
fim_owner_retry_later(struct fim *fim)
{
	if (!evtimer_pending(fim->owner.retry, NULL))
		fim_owner_schedule_retry(fim,
		    fim->env->conf->audit_retry_interval);
}

/* The kernel took (or refused) our settings as owner. */
static void
fim_owner_settings_cb(int err, void *arg)
{
	if (err != 0)
		log_warnx("fim: cannot set the audit backlog settings: %s",
		    strerror(-err));
}

/* The kernel took (or refused) our settings, auditing enabled among them. */
static void
fim_owner_enabled_cb(int err, void *arg)
{
	struct fim	*fim = arg;

	if (err != 0) {
		log_warnx("fim: cannot enable auditing: %s", strerror(-err));
		return;
	}
	fim_catchup_audited(fim);
}

/*
 * The settings we want as owner, given the kernel's st, into want.
 * Returns the AUDIT_SET_* mask of those that differ (0: none).
 */
static unsigned int
fim_owner_wanted(const struct audit_state *st, struct audit_state *want)
{
	unsigned int	 mask = 0;

	memset(want, 0, sizeof(*want));
	if (st->enabled == 0) {
		want->enabled = 1;
		mask |= AUDIT_SET_ENABLED;
	}
	if (st->backlog_limit != 0 && st->backlog_limit < FIM_BACKLOG_LIMIT) {
		want->backlog_limit = FIM_BACKLOG_LIMIT;
		mask |= AUDIT_SET_BACKLOG_LIMIT;
	}
	if (st->has_backlog_wait_time && st->backlog_wait_time != 0) {
		want->backlog_wait_time = 0;
		mask |= AUDIT_SET_BACKLOG_WAIT_TIME;
	}
	return mask;
}

/* The kernel's state when we became owner: save it, apply ours. */
static void
fim_owner_taken_cb(int err, const struct audit_state *st, void *arg)
{
	struct fim		*fim = arg;
	struct fim_owner	*ow = &fim->owner;
	struct audit_state	 want;
	unsigned int		 mask, fresh;

	if (err != 0)
		return;
	fim_owner_note_state(fim, st);
	if (!ow->is_owner)
		return;
	if (st->enabled == 2) {
		log_warnx("fim: the audit configuration is locked (enabled 2):"
		    " leaving the backlog settings as they are");
		return;
	}
	if ((mask = fim_owner_wanted(st, &want)) == 0)
		return;
	/*
	 * What is changed for the first time is saved as found, on disk
	 * before the change; what an earlier run changed (leftover) keeps
	 * the value it found.
	 */
	fresh = mask & ~ow->changed;
	if (fresh & AUDIT_SET_ENABLED)
		ow->saved.enabled = st->enabled;
	if (fresh & AUDIT_SET_BACKLOG_LIMIT)
		ow->saved.backlog_limit = st->backlog_limit;
	if (fresh & AUDIT_SET_BACKLOG_WAIT_TIME)
		ow->saved.backlog_wait_time = st->backlog_wait_time;
	ow->saved.has_backlog_wait_time = st->has_backlog_wait_time;
	ow->changed |= mask;
	if (mask & AUDIT_SET_ENABLED)
		ow->set.enabled = want.enabled;
	if (mask & AUDIT_SET_BACKLOG_LIMIT)
		ow->set.backlog_limit = want.backlog_limit;
	if (mask & AUDIT_SET_BACKLOG_WAIT_TIME)
		ow->set.backlog_wait_time = want.backlog_wait_time;
	if ((err = fim_owner_save(fim)) < 0) {
		log_warnx("fim: not changing the audit settings: they cannot be "
		    "saved first in %s: %s", fim->env->conf->state_dir,
		    strerror(-err));
		ow->changed &= ~fresh;
		return;
	}
	log_info("fim: as audit owner:%s%s%s", mask & AUDIT_SET_ENABLED ?
	    " enabling auditing" : "", mask & AUDIT_SET_BACKLOG_LIMIT ?
	    " backlog_limit " FIM_BACKLOG_TEXT : "",
	    mask & AUDIT_SET_BACKLOG_WAIT_TIME ?
	    " backlog_wait_time 0 (never block applications)" : "");
	if ((err = audit_set(fim->audit, mask, &want, mask &
	    AUDIT_SET_ENABLED ? fim_owner_enabled_cb : fim_owner_settings_cb,
	    fim)) < 0)
		log_warnx("fim: cannot set the audit settings: %s",
		    strerror(-err));
}

/* The saved settings were put back (or not: kept for the next time). */
static void
fim_owner_restored_cb(int err, void *arg)
{
	struct fim	*fim = arg;

	if (err != 0) {
		log_warnx("fim: cannot restore the audit settings: %s; %s/%s "
		    "keeps them for the next start", strerror(-err),
		    fim->env->conf->state_dir, FIM_SAVED_FILE);
		return;
	}
	fim_owner_forget_saved(fim);
}

/* Put back the settings we changed as owner (this run or an earlier). */
static void
fim_owner_restore(struct fim *fim)
{
	struct fim_owner	*ow = &fim->owner;
	int			 rc;

	if (ow->changed == 0 || fim->audit == NULL)
		return;
	rc = audit_set(fim->audit, ow->changed, &ow->saved,
	    fim_owner_restored_cb, fim);
	if (rc < 0)
		log_warnx("fim: cannot restore the audit settings: %s",
		    strerror(-rc));
	else
		log_info("fim: audit settings restored (enabled %u, "
		    "backlog_limit %u, backlog_wait_time %u)",
		    ow->saved.enabled, ow->saved.backlog_limit,
		    ow->saved.backlog_wait_time);
}

/* The pid release was answered. */
static void
fim_owner_released_cb(int err, void *arg)
{
	if (err != 0)
		log_warnx("fim: cannot release the audit pid: %s",
		    strerror(-err));
}

/* Let go of the audit pid (restoring what we changed). */
void
fim_owner_release(struct fim *fim)
{
	int	 rc;

	if (!fim->owner.is_owner || fim->audit == NULL)
		return;
	fim_owner_restore(fim);
	/* AUDIT_SET pid 0 only while the pid is ours. */
	if ((rc = audit_set_pid(fim->audit, 0, fim_owner_released_cb,
	    fim)) < 0)
		log_warnx("fim: cannot release the audit pid: %s",
		    strerror(-rc));
	else
		log_info("fim: audit pid released");
	fim->owner.is_owner = 0;
	fim->owner.is_handover = 0;
}

/* Join the multicast group if we can (not owner). */
void
fim_owner_multicast_on(struct fim *fim)
{
	int	 rc;

	if (fim->audit == NULL || audit_is_multicast(fim->audit))
		return;
	rc = audit_multicast_join(fim->audit);
	if (rc < 0) {
		if (fim->owner.mc_errno != -rc)
			log_warnx("fim: cannot join the audit multicast group "
			    "(read-only copy of the records): %s%s",
			    strerror(-rc), rc == -EPERM ?
			    " (needs CAP_AUDIT_READ)" : rc == -ENOTSUP ?
			    " (kernel older than 3.16)" : "");
		fim->owner.mc_errno = -rc;
		return;
	}
	fim->owner.mc_errno = 0;
	log_debug("fim: joined the audit multicast group");
}

/*
 * The audit state's error while another process holds the pid: E705 when
 * it disabled auditing (no records at all), else E701 (read-only events
 * through multicast, or none).
 */
static void
fim_owner_report_holder(struct fim *fim)
{
	struct fim_owner	*ow = &fim->owner;

	if (ow->holder_pid == 0)
		return;
	if (ow->has_ks && ow->ks.enabled == 0)
		fim_owner_state_error(fim, ERR_AUDIT_DISABLED, "pid %u (%s), "
		    "which holds the audit pid, has auditing disabled "
		    "(enabled 0): the kernel makes no audit records, so no FIM "
		    "events arrive until it enables auditing or exits",
		    ow->holder_pid, ow->holder_comm);
	else if (audit_is_multicast(fim->audit))
		fim_owner_state_error(fim, ERR_AUDIT_HELD, "audit netlink held "
		    "by pid %u (%s); events still flow through the read-only "
		    "multicast group; claiming the pid as soon as it exits "
		    "(retried every %d s meanwhile)", ow->holder_pid,
		    ow->holder_comm, fim->env->conf->audit_retry_interval);
	else
		fim_owner_state_error(fim, ERR_AUDIT_HELD, "audit netlink held "
		    "by pid %u (%s); no FIM events until it is released "
		    "(multicast group unavailable: %s); claiming the pid as "
		    "soon as it exits (retried every %d s meanwhile)",
		    ow->holder_pid, ow->holder_comm, strerror(ow->mc_errno !=
		    0 ? ow->mc_errno : ENOTSUP),
		    fim->env->conf->audit_retry_interval);
}

/* The watched holder exited: claim the pid now. */
static void
fim_owner_holder_exit_cb(void *arg)
{
	struct fim		*fim = arg;
	struct fim_owner	*ow = &fim->owner;

	ow->watched = 0;
	if (!fim->is_active || ow->is_owner)
		return;
	log_info("fim: the audit pid holder %u (%s) exited; claiming the "
	    "audit pid", ow->holder_pid, ow->holder_comm);
	fim_owner_claim(fim);
}

/* Another process holds the pid now: name it, watch it, report it. */
static void
fim_owner_held_by(struct fim *fim, uint32_t pid)
{
	struct fim_owner	*ow = &fim->owner;
	int			 rc;

	if (ow->holder_pid != pid)
		fim_owner_comm(pid, ow->holder_comm, sizeof(ow->holder_comm));
	ow->holder_pid = pid;
	ow->last_holder = pid;
	strlcpy(ow->last_comm, ow->holder_comm, sizeof(ow->last_comm));
	if (ow->watched != pid) {
		rc = audit_watch_holder(fim->audit, pid,
		    fim_owner_holder_exit_cb, fim);
		ow->watched = rc == 0 ? pid : 0;
		if (rc == -ESRCH) {
			/* Gone already, the kernel not told yet: soon. */
			fim_owner_schedule_retry(fim, 1);
		} else if (rc < 0 && rc != -ENOTSUP)
			log_debug("fim: cannot watch the audit pid holder %u: "
			    "%s", pid, strerror(-rc));
	}
	fim_owner_report_holder(fim);
}

/* No other process holds the pid: forget the holder. */
static void
fim_owner_holder_gone(struct fim *fim)
{
	struct fim_owner	*ow = &fim->owner;

	if (ow->watched != 0 && fim->audit != NULL)
		audit_watch_holder(fim->audit, 0, NULL, NULL);
	ow->watched = 0;
	ow->holder_pid = 0;
	ow->holder_comm[0] = '\0';
}

/* AUDIT_GET after EEXIST: who holds the pid. */
static void
fim_owner_holder_cb(int err, const struct audit_state *st, void *arg)
{
	struct fim	*fim = arg;

	if (err != 0) {
		log_warnx("fim: cannot read the audit status: %s",
		    strerror(-err));
		return;
	}
	fim_owner_note_state(fim, st);
	if (!fim->is_active || fim->owner.is_owner)
		return;
	if (st->pid == (uint32_t)getpid()) {
		/* The pid is ours after all (a lost answer): as owner. */
		fim->owner.is_owner = 1;
		fim_owner_taken_cb(0, st, fim);
		return;
	}
	if (st->pid == 0) {
		/* Released meanwhile: try again at once. */
		fim_owner_schedule_retry(fim, 1);
		return;
	}
	fim_owner_held_by(fim, st->pid);
}

/* A claim refused for another cause than a holder: E702. */
static void
fim_owner_report_unavailable(struct fim *fim, int err)
{
	fim_owner_holder_gone(fim);
	fim_owner_state_error(fim, ERR_AUDIT_UNAVAILABLE, "cannot claim the "
	    "audit pid: %s%s; %s; retrying every %d s", strerror(-err),
	    err == -EPERM || err == -ECONNREFUSED ? " (needs "
	    "CAP_AUDIT_CONTROL in the initial namespaces)" : "",
	    audit_is_multicast(fim->audit) ? "events flow through the "
	    "read-only multicast group" : "no FIM events",
	    fim->env->conf->audit_retry_interval);
}

/* The claim succeeded: the records are ours, by unicast from now on. */
static void
fim_owner_won(struct fim *fim)
{
	struct fim_owner	*ow = &fim->owner;
	struct audit_stats	 as;
	int			 rc;

	if (ow->last_holder != 0)
		log_info("fim: audit pid claimed (holder pid %u, %s, is gone)",
		    ow->last_holder, ow->last_comm);
	else
		log_info("fim: audit pid claimed: this process receives the "
		    "audit records");
	ow->last_holder = 0;
	fim_owner_holder_gone(fim);
	fim_owner_state_error(fim, ERR_NONE, NULL);
	ow->is_owner = 1;
	ow->owner_since = time(NULL);
	ow->next_retry = 0;
	evtimer_del(ow->retry);
	if (fim_rules_in(fim, FIM_RS_REFUSED) > 0)
		fim_owner_schedule_retry(fim,
		    fim->env->conf->audit_retry_interval);
	if (audit_is_multicast(fim->audit)) {
		/* Leave multicast once unicast records flow. */
		audit_get_stats(fim->audit, &as);
		ow->is_handover = 1;
		ow->handover_ms = clock_mono_ms();
		ow->handover_unicast = as.records[AUDIT_SOURCE_UNICAST];
	}
	if (!fim->is_active) {
		fim_owner_release(fim);
		return;
	}
	if ((rc = audit_get_state(fim->audit, fim_owner_taken_cb, fim)) < 0)
		log_warnx("fim: cannot read the audit status: %s",
		    strerror(-rc));
}

/* The claim was answered. */
static void
fim_owner_claimed_cb(int err, void *arg)
{
	struct fim	*fim = arg;
	int		 rc;

	fim->owner.is_claiming = 0;
	fim->owner.claim_errno = -err;
	if (err == 0) {
		fim_owner_won(fim);
		return;
	}
	if (!fim->is_active)
		return;
	fim_owner_schedule_retry(fim, fim->env->conf->audit_retry_interval);
	if (err == -EEXIST) {
		if ((rc = audit_get_state(fim->audit, fim_owner_holder_cb,
		    fim)) < 0)
			log_warnx("fim: cannot read the audit status: %s",
			    strerror(-rc));
		return;
	}
	fim_owner_report_unavailable(fim, err);
}

/* Try to claim the audit pid. */
void
fim_owner_claim(struct fim *fim)
{
	struct fim_owner	*ow = &fim->owner;
	int			 rc;

	if (fim->audit == NULL || !fim->is_active || ow->is_owner ||
	    ow->is_claiming)
		return;
	rc = audit_set_pid(fim->audit, (uint32_t)getpid(),
	    fim_owner_claimed_cb, fim);
	/* Polls sent until now may answer with the pid before the claim. */
	ow->claim_poll_mark = ow->polls_sent;
	if (rc < 0) {
		log_warnx("fim: cannot send the audit pid claim: %s",
		    strerror(-rc));
		fim_owner_schedule_retry(fim,
		    fim->env->conf->audit_retry_interval);
		return;
	}
	ow->is_claiming = 1;
}

/* The retry timer: claim again, and retry refused rules. */
static void
fim_owner_retry_cb(evutil_socket_t fd, short what, void *arg)
{
	struct fim	*fim = arg;

	fim->owner.next_retry = 0;
	if (!fim->owner.is_owner) {
		log_debug("fim: retrying the audit pid claim");
		fim_owner_claim(fim);
	}
	fim_rules_retry(fim);
}

/* The pid the poll saw (pid) is not what we thought: follow it. */
static void
fim_owner_pid_moved(struct fim *fim, uint32_t pid)
{
	struct fim_owner	*ow = &fim->owner;

	if (ow->is_owner && pid != (uint32_t)getpid()) {
		log_warnx("fim: the audit pid is no longer ours (now %u); "
		    "claiming it again", pid);
		ow->is_owner = 0;
		ow->is_handover = 0;
		fim_owner_multicast_on(fim);
		fim_kick(fim, 0);
	} else if (!ow->is_owner && !ow->is_claiming &&
	    pid != ow->holder_pid) {
		if (pid == 0) {
			log_info("fim: the audit pid holder %u (%s) let go; "
			    "claiming the audit pid", ow->holder_pid,
			    ow->holder_comm);
			fim_owner_holder_gone(fim);
			fim_owner_claim(fim);
		} else if (pid != (uint32_t)getpid())
			fim_owner_held_by(fim, pid);
	}
}

/* AUDIT_GET of the poll: counters, and whether the pid is still ours. */
static void
fim_owner_polled_cb(int err, const struct audit_state *st, void *arg)
{
	struct fim	*fim = arg;

	fim->owner.polls_answered++;
	if (err != 0) {
		log_debug("fim: audit status poll: %s", strerror(-err));
		return;
	}
	fim_owner_note_state(fim, st);
	if (!fim->is_active)
		return;
	/*
	 * A poll sent before our last claim tells the pid as it was then:
	 * the kernel sends AUDIT_GET replies from a thread of their own, so
	 * this one can come after the claim's ACK.
	 */
	if (fim->owner.polls_answered > fim->owner.claim_poll_mark)
		fim_owner_pid_moved(fim, st->pid);
	fim_loss_report(fim);
}

/* Send the status poll. */
void
fim_owner_poll(struct fim *fim)
{
	int	 rc;

	if (fim->audit == NULL)
		return;
	if ((rc = audit_get_state(fim->audit, fim_owner_polled_cb, fim)) < 0)
		log_debug("fim: audit status poll: %s", strerror(-rc));
	else
		fim->owner.polls_sent++;
}

/* Finish a handover once a unicast record came, or after a while. */
void
fim_owner_handover_tick(struct fim *fim, uint64_t now)
{
	struct fim_owner	*ow = &fim->owner;
	struct audit_stats	 as;

	if (!ow->is_handover || fim->audit == NULL)
		return;
	audit_get_stats(fim->audit, &as);
	if (as.records[AUDIT_SOURCE_UNICAST] > ow->handover_unicast ||
	    now - ow->handover_ms >= FIM_HANDOVER_MS) {
		/*
		 * Every multicast copy queued before the first unicast
		 * record is in the socket now: read them (duplicates are
		 * dropped by serial), then leave.
		 */
		audit_drain(fim->audit, AUDIT_SOURCE_MULTICAST, 1 << 20);
		audit_multicast_leave(fim->audit);
		ow->is_handover = 0;
		log_info("fim: records now come by unicast; left the "
		    "multicast group");
	}
}

/* E702 while rules are wanted and audit cannot open; cleared when not. */
void
fim_owner_unavailable(struct fim *fim, int is_wanted)
{
	if (fim->audit != NULL)
		return;
	if (is_wanted)
		fim_owner_state_error(fim, ERR_AUDIT_UNAVAILABLE, "cannot open "
		    "the kernel audit netlink socket: %s; file integrity "
		    "monitoring is off", fim->open_errno == ENOTSUP ?
		    "outpostd was built without netlink" :
		    strerror(fim->open_errno));
	else
		fim_owner_state_error(fim, ERR_NONE, NULL);
}

/* Not collecting: let go of the pid and the group, stop retrying. */
void
fim_owner_stop(struct fim *fim)
{
	struct fim_owner	*ow = &fim->owner;

	fim_owner_release(fim);
	if (fim->audit != NULL)
		audit_multicast_leave(fim->audit);
	evtimer_del(ow->retry);
	ow->next_retry = 0;
	fim_owner_holder_gone(fim);
	ow->last_holder = 0;
	/* Not collecting: no error of the audit state stands. */
	fim_owner_state_error(fim, ERR_NONE, NULL);
}

/* A retry further away than the new interval is brought forward. */
void
fim_owner_reconfigure(struct fim *fim)
{
	if (fim->owner.next_retry != 0 && fim->owner.next_retry - time(NULL) >
	    fim->env->conf->audit_retry_interval)
		fim_owner_schedule_retry(fim,
		    fim->env->conf->audit_retry_interval);
}

/* Add the holder of the pid (or nulls) to o. */
void
fim_owner_add_holder(const struct fim *fim, struct json_object *o)
{
	if (fim->owner.holder_pid != 0) {
		json_add_int64(o, "holder_pid", fim->owner.holder_pid);
		json_add_string(o, "holder_comm", fim->owner.holder_comm);
	} else {
		json_object_object_add(o, "holder_pid", NULL);
		json_object_object_add(o, "holder_comm", NULL);
	}
}

/* The status members about the pid. */
void
fim_owner_status(const struct fim *fim, struct json_object *o)
{
	const struct fim_owner	*ow = &fim->owner;

	fim_owner_add_holder(fim, o);
	json_add_time(o, "next_retry", ow->next_retry);
	json_add_int64(o, "retry_interval",
	    fim->env->conf->audit_retry_interval);
	json_add_time(o, "owner_since", ow->is_owner ? ow->owner_since : 0);
	json_add_bool(o, "multicast", fim->audit != NULL &&
	    audit_is_multicast(fim->audit));
	if (ow->mc_errno != 0)
		json_add_string(o, "multicast_error", strerror(ow->mc_errno));
}

/* The status object "kernel": what the last AUDIT_GET said. */
void
fim_owner_kernel_status(const struct fim *fim, struct json_object *o)
{
	const struct audit_state	*ks = &fim->owner.ks;
	struct json_object		*k;

	if (!fim->owner.has_ks)
		return;
	k = json_object_new_object();
	json_add_int64(k, "enabled", ks->enabled);
	json_add_int64(k, "pid", ks->pid);
	json_add_int64(k, "backlog", ks->backlog);
	json_add_int64(k, "backlog_limit", ks->backlog_limit);
	if (ks->has_backlog_wait_time)
		json_add_int64(k, "backlog_wait_time", ks->backlog_wait_time);
	json_add_int64(k, "lost", ks->lost);
	json_object_object_add(o, "kernel", k);
}

/* The kernel's state at uninstall: put back what an earlier run left. */
static void
fim_owner_uninstall_cb(int err, const struct audit_state *st, void *arg)
{
	struct fim	*fim = arg;

	if (err == 0 && !fim_owner_put_back_leftover(fim, st) &&
	    fim->owner.is_leftover) {
		log_info("fim: pid %u holds the audit pid: the audit settings "
		    "saved by an earlier run are left as it has them", st->pid);
		fim_owner_forget_saved(fim);
	}
}

/*
 * Uninstall without owning the pid: settings an earlier run saved are put
 * back if nobody holds the pid (waiting for the kernel: the loop is over).
 */
void
fim_owner_uninstall(struct fim *fim)
{
	if (fim->audit == NULL || !fim->owner.is_leftover ||
	    fim->owner.is_owner)
		return;
	if (audit_get_state(fim->audit, fim_owner_uninstall_cb, fim) == 0)
		audit_wait(fim->audit, FIM_STOP_TIMEOUT_MS);
	audit_wait(fim->audit, FIM_STOP_TIMEOUT_MS);
}
