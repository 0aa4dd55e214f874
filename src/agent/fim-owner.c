/*
 * fim-owner.c: the FIM module's hold on the kernel audit pid.
 *
 * The module tries to claim the audit pid (AUDIT_SET). While another
 * process holds it (EEXIST), the holder is named (AUDIT_GET,
 * /proc/PID/comm) and reported (E701), records keep coming through the
 * read-only multicast group where the kernel offers it, and the claim is
 * retried every audit_retry_interval seconds by the retry timer (which
 * also retries the rules the kernel refused, fim-rules.c). A claim that
 * fails otherwise is reported as E702, as is an audit system that cannot
 * be opened at all while rules are wanted. Once a claim succeeds the
 * records come by unicast; the multicast socket is drained and closed
 * after the first unicast record (the handover), and the assembler drops
 * the second copy of every record seen both ways, so nothing is
 * duplicated or dropped.
 *
 * As owner it sets a backlog limit and backlog_wait_time 0 (the kernel
 * then never makes applications wait on us), and enables auditing if it
 * was off; it puts the previous values back when it lets go, and never
 * touches the settings of another owner. The status poll (AUDIT_GET every
 * few seconds) tells whether the pid is still ours, who holds it, and the
 * kernel's counters.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <event2/event.h>
#include <json-c/json.h>

#include "agent-conf.h"
#include "audit.h"
#include "clock.h"
#include "errors.h"
#include "fim-int.h"
#include "jsonutil.h"
#include "log.h"
#include "module.h"
#include "report.h"

#define FIM_BACKLOG_LIMIT	65536	/* records: about 13,000 file changes */
#define FIM_BACKLOG_TEXT	"65536"
#define FIM_HANDOVER_MS		2000

static void	fim_owner_retry_cb(evutil_socket_t, short, void *);

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
	fim->owner.ks = *st;
	fim->owner.has_ks = 1;
	if (st->enabled != 0)
		fim_catchup_audited(fim);
	fim_loss_kernel(fim, st->lost);
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
	unsigned int		 mask;

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
	if (ow->changed == 0)
		ow->saved = *st;
	if ((mask = fim_owner_wanted(st, &want)) == 0)
		return;
	ow->changed |= mask;
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

/* Put back the settings we changed as owner. */
static void
fim_owner_restore(struct fim *fim)
{
	struct fim_owner	*ow = &fim->owner;
	int			 rc;

	if (ow->changed == 0 || fim->audit == NULL)
		return;
	rc = audit_set(fim->audit, ow->changed, &ow->saved,
	    fim_owner_settings_cb, fim);
	if (rc < 0)
		log_warnx("fim: cannot restore the audit settings: %s",
		    strerror(-rc));
	else
		log_info("fim: audit settings restored (enabled %u, "
		    "backlog_limit %u, backlog_wait_time %u)",
		    ow->saved.enabled, ow->saved.backlog_limit,
		    ow->saved.backlog_wait_time);
	ow->changed = 0;
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

/* Report the holder of the audit pid (E701) once per holder. */
static void
fim_owner_report_holder(struct fim *fim)
{
	struct fim_owner	*ow = &fim->owner;

	if (ow->holder_pid == 0 || ow->held_reported == ow->holder_pid)
		return;
	ow->held_reported = ow->holder_pid;
	if (audit_is_multicast(fim->audit))
		report_error(fim->env->report, ERR_AUDIT_HELD, "audit netlink "
		    "held by pid %u (%s); events still flow through the "
		    "read-only multicast group; retrying the claim every %d s",
		    ow->holder_pid, ow->holder_comm,
		    fim->env->conf->audit_retry_interval);
	else
		report_error(fim->env->report, ERR_AUDIT_HELD, "audit netlink "
		    "held by pid %u (%s); no FIM events until it is released "
		    "(multicast group unavailable: %s); retrying the claim "
		    "every %d s", ow->holder_pid, ow->holder_comm,
		    strerror(ow->mc_errno != 0 ? ow->mc_errno : ENOTSUP),
		    fim->env->conf->audit_retry_interval);
}

/* Another process holds the pid now: name it, and report it. */
static void
fim_owner_held_by(struct fim *fim, uint32_t pid)
{
	fim->owner.holder_pid = pid;
	fim_owner_comm(pid, fim->owner.holder_comm,
	    sizeof(fim->owner.holder_comm));
	fim_owner_report_holder(fim);
}

/* No other process holds the pid: forget the holder and its E701. */
static void
fim_owner_holder_gone(struct fim *fim)
{
	fim->owner.held_reported = 0;
	fim->owner.holder_pid = 0;
	fim->owner.holder_comm[0] = '\0';
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
	if (st->pid == (uint32_t)fim->self) {
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

/* Report, once, a claim refused for another cause than a holder (E702). */
static void
fim_owner_report_unavailable(struct fim *fim, int err)
{
	if (fim->owner.unavailable_reported)
		return;
	fim->owner.unavailable_reported = 1;
	report_error(fim->env->report, ERR_AUDIT_UNAVAILABLE,
	    "cannot claim the audit pid: %s%s; %s; retrying every %d s",
	    strerror(-err), err == -EPERM || err == -ECONNREFUSED ?
	    " (needs CAP_AUDIT_CONTROL in the initial namespaces)" :
	    "", audit_is_multicast(fim->audit) ? "events flow through "
	    "the read-only multicast group" : "no FIM events",
	    fim->env->conf->audit_retry_interval);
}

/* The claim succeeded: the records are ours, by unicast from now on. */
static void
fim_owner_won(struct fim *fim)
{
	struct fim_owner	*ow = &fim->owner;
	struct audit_stats	 as;
	int			 rc;

	if (ow->held_reported != 0) {
		log_info("fim: audit pid claimed (holder pid %u, %s, is gone)",
		    ow->held_reported, ow->holder_comm);
		report_clear(fim->env->report, ERR_AUDIT_HELD);
	} else
		log_info("fim: audit pid claimed: this process receives the "
		    "audit records");
	fim_owner_holder_gone(fim);
	ow->is_owner = 1;
	ow->owner_since = time(NULL);
	ow->next_retry = 0;
	evtimer_del(ow->retry);
	if (fim_rules_in(fim, FIM_RS_REFUSED) > 0)
		fim_owner_schedule_retry(fim,
		    fim->env->conf->audit_retry_interval);
	if (ow->unavailable_reported) {
		report_clear(fim->env->report, ERR_AUDIT_UNAVAILABLE);
		ow->unavailable_reported = 0;
	}
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
	rc = audit_set_pid(fim->audit, (uint32_t)fim->self,
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

	if (ow->is_owner && pid != (uint32_t)fim->self) {
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
			    "claiming at the next retry", ow->holder_pid,
			    ow->holder_comm);
			report_clear(fim->env->report, ERR_AUDIT_HELD);
			fim_owner_holder_gone(fim);
		} else if (pid != (uint32_t)fim->self)
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

/* Report (E702) that rules are wanted and audit cannot open, or clear. */
void
fim_owner_unavailable(struct fim *fim, int is_wanted)
{
	struct fim_owner	*ow = &fim->owner;

	if (fim->audit == NULL && is_wanted && !ow->unavailable_reported) {
		ow->unavailable_reported = 1;
		report_error(fim->env->report, ERR_AUDIT_UNAVAILABLE,
		    "cannot open the kernel audit netlink socket: %s; file "
		    "integrity monitoring is off", fim->open_errno == ENOTSUP ?
		    "outpostd was built without netlink" :
		    strerror(fim->open_errno));
	} else if (fim->audit == NULL && !is_wanted &&
	    ow->unavailable_reported) {
		ow->unavailable_reported = 0;
		report_clear(fim->env->report, ERR_AUDIT_UNAVAILABLE);
	}
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
	if (ow->held_reported)
		report_clear(fim->env->report, ERR_AUDIT_HELD);
	ow->held_reported = 0;
	ow->holder_pid = 0;
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
