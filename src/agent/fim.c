/*
 * fim.c: file integrity monitoring through the kernel audit system: the
 * module, wiring its parts.
 *
 * The fim manifest's rules (fim-rules.c) and the profile (pause,
 * fim.enabled) decide whether the module collects; fim_update() follows
 * every change of either: while collecting, the tick (assembly timeouts,
 * the handover) and the kernel status poll run, our rules are in the
 * kernel, and the module claims the audit pid or reads the multicast copy
 * (fim-owner.c); otherwise the rules are removed and the pid released, and
 * an agent without FIM rules sleeps. Records come in through fim-event.c,
 * which turns them into FIM events for the queue (fim-queue.c); losses
 * are counted by cause (fim-loss.c); every event goes into the durable
 * baseline's journal as it is queued (fim-journal.c), and what changed
 * while the agent was not watching is caught up with at start
 * (fim-catchup.c), after a crash too.
 *
 * Start (fim_new): our rules' key (fim-rules.c), the audit settings an
 * earlier run saved (fim-owner.c) and the baseline are read; the cached
 * manifest's rules go to the kernel before the event loop runs, and the
 * multicast group is joined, so events are caught from that moment; the
 * pid claim and the cleanup of stale rules follow from the loop
 * (fim_kick), once the cached profile is known. Stop (fim_free): a new
 * baseline being listed is finished, our rules removed, the pid released
 * and its settings restored, the last events spooled and the baseline
 * written for the next start (removed, with the rest, at uninstall).
 */
#include "config.h"

#include <errno.h>
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
#include "errors.h"
#include "fim-assemble.h"
#include "fim-int.h"
#include "fim-queue.h"
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
#define FIM_CAP_AUDIT_CONTROL	30
#define FIM_CAP_AUDIT_READ	37

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

static void	fim_update(struct fim *);
static void	fim_timers(struct fim *, int);

/* The mode now. */
static enum fim_mode
fim_mode(const struct fim *fim)
{
	if (!fim->is_active)
		return FIM_MODE_DISABLED;
	if (fim->owner.is_owner)
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

/* ---- Timers ---- */

/* Soon after start or a change: reconcile if asked, claim, catch up. */
static void
fim_kick_cb(evutil_socket_t fd, short what, void *arg)
{
	struct fim	*fim = arg;

	if (fim->need_reconcile) {
		fim->need_reconcile = 0;
		fim_rules_want_update(fim);
		fim_rules_reconcile(fim);
	}
	fim_owner_claim(fim);
	fim_catchup_start(fim);
}

/* Run fim_kick_cb from the loop in ms milliseconds. */
void
fim_kick(struct fim *fim, int ms)
{
	struct timeval	 tv = { ms / 1000, (ms % 1000) * 1000 };

	if (fim->kick != NULL)
		evtimer_add(fim->kick, &tv);
}

/* The tick: flush old events, finish a handover. */
static void
fim_tick_cb(evutil_socket_t fd, short what, void *arg)
{
	struct fim	*fim = arg;
	uint64_t	 now = clock_mono_ms();

	fim_asm_tick(fim->as, now);
	fim_owner_handover_tick(fim, now);
}

/* The poll timer: the kernel's status, and now and then our rules. */
static void
fim_poll_cb(evutil_socket_t fd, short what, void *arg)
{
	struct fim	*fim = arg;

	fim_owner_poll(fim);
	fim_journal_tick(fim);
	/* Now and then, check that our rules are all still there. */
	if ((what & EV_TIMEOUT) && fim->is_active && ++fim->polls %
	    FIM_VERIFY_POLLS == 0)
		fim_rules_reconcile(fim);
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

/* Collecting: timers on, the rules to the kernel if they changed, claim. */
static void
fim_collect(struct fim *fim, int was_active, int changed)
{
	fim->was_active = 1;
	fim_timers(fim, 1);
	if (!was_active) {
		log_info("fim: collecting: %d rule%s, audit %s",
		    fim->rules.nrules, fim->rules.nrules == 1 ? "" : "s",
		    audit_backend());
		/* The baseline: compared once audited, or listed anew. */
		fim_catchup_collect(fim);
		fim_asm_restart(fim->as);
		/* The kernel's lost counter from now on. */
		fim_loss_restart(fim);
		fim_poll_cb(-1, 0, fim);
	}
	if (!fim->owner.is_owner)
		fim_owner_multicast_on(fim);
	if ((changed || !was_active) && fim->is_starting)
		fim_rules_add_all(fim);
	else if (changed || !was_active)
		fim_rules_reconcile(fim);
	if (!fim->owner.is_owner && !fim->owner.is_claiming)
		fim_kick(fim, 0);
}

/* No longer collecting: flush, remove our rules, let go of audit. */
static void
fim_collect_stop(struct fim *fim)
{
	log_info("fim: not collecting: %s", fim_disabled_reason(fim));
	fim_timers(fim, 0);
	fim_asm_flush(fim->as);
	fim_queue_flush(fim->queue, 1);
	/* The events are spooled: no baseline is kept while not collecting. */
	fim_catchup_pause(fim);
	fim_rules_reconcile(fim);
	fim_owner_stop(fim);
	fim_rules_stop(fim);
}

/* Start or stop collecting to match the manifest and profile. */
static void
fim_update(struct fim *fim)
{
	int	 was_active = fim->is_active, changed, wanted;

	fim->is_active = fim_disabled_reason(fim) == NULL;
	/* Rules are wanted but there may be no audit system to take them. */
	wanted = fim->has_manifest && fim->rules.is_enabled &&
	    fim->rules.nrules > 0 && !fim->is_paused &&
	    fim->profile_enabled != 0;
	fim_owner_unavailable(fim, wanted);
	fim_apply_hash_max(fim);
	changed = fim_rules_want_update(fim);
	if (fim->is_active)
		fim_collect(fim, was_active, changed);
	else if (was_active)
		fim_collect_stop(fim);
	else if (!fim->is_starting && !fim->stale_checked &&
	    fim->profile_enabled != -1 && fim->audit != NULL) {
		/* Not collecting: rules of ours left by a crash go. */
		fim->stale_checked = 1;
		fim_rules_reconcile(fim);
	}
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
	fim_rules_free(&fim->rules);
	fim->rules = rules;
	fim->has_manifest = 1;
	fim->manifest_version = version;
	log_info("fim: manifest version %lld: FIM %s, %d rule%s",
	    (long long)version, rules.is_enabled ? "enabled" : "disabled",
	    rules.nrules, rules.nrules == 1 ? "" : "s");
	/* While collecting, a new baseline is listed for the new rules. */
	fim_catchup_rules_changed(fim);
	fim_update(fim);
	fim_catchup_start(fim);
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

/* The identity went away (uninstalled): no listing at stop. */
static void
fim_identity(void *self, const struct state *st)
{
	struct fim	*fim = self;

	fim->is_uninstalled = st == NULL;
}

/* outpost.conf was reloaded. */
static void
fim_reconfigure(void *self)
{
	struct fim	*fim = self;

	fim_apply_hash_max(fim);
	fim_owner_reconfigure(fim);
}

/* ---- Status ---- */

/* Add the mode ("state") and, when disabled, the reason to o. */
static void
fim_add_state(const struct fim *fim, struct json_object *o)
{
	json_add_string(o, "state", fim_mode_names[fim_mode(fim)]);
	if (fim_mode(fim) == FIM_MODE_DISABLED)
		json_add_string(o, "reason", fim_disabled_reason(fim));
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
	fim_add_state(fim, o);
	fim_owner_add_holder(fim, o);
	if (fim->owner.next_retry != 0)
		json_add_int64(o, "next_retry",
		    (int64_t)fim->owner.next_retry);
	json_add_int64(o, "manifest_version", fim->manifest_version);
	json_add_int64(o, "rules", fim->rules.nrules);
	json_add_int64(o, "rules_installed",
	    fim_rules_in(fim, FIM_RS_INSTALLED));
	json_add_int64(o, "rules_refused",
	    fim_rules_in(fim, FIM_RS_REFUSED));
	json_add_int64(o, "events_sent", (int64_t)qs.spooled);
	json_add_int64(o, "events_acked", (int64_t)qs.acked);
	fim_loss_status(fim, o);
	if (fim->owner.has_ks) {
		json_add_int64(o, "backlog", fim->owner.ks.backlog);
		json_add_int64(o, "backlog_limit",
		    fim->owner.ks.backlog_limit);
	}
	json_object_object_add(body, "fim", o);
}

/* Add the counters of events and of the records they came from to o. */
static void
fim_add_events(struct fim *fim, struct json_object *o)
{
	struct fim_queue_stats	 qs;
	struct fim_asm_stats	 as;

	fim_queue_stats(fim->queue, &qs);
	fim_asm_stats(fim->as, &as);
	json_add_int64(o, "events_matched", (int64_t)fim->events.matched);
	json_add_int64(o, "events_sent", (int64_t)qs.spooled);
	json_add_int64(o, "events_acked", (int64_t)qs.acked);
	json_add_int64(o, "events_waiting", qs.waiting + qs.in_batch);
	json_add_int64(o, "files_hashed", (int64_t)qs.hashed);
	json_add_int64(o, "files_looked_early", (int64_t)qs.early);
	json_add_time(o, "last_event", fim->events.last);
	fim_loss_status(fim, o);
	json_add_int64(o, "records", (int64_t)as.records);
	json_add_int64(o, "duplicates", (int64_t)as.duplicates);
	json_add_int64(o, "incomplete", (int64_t)as.incomplete);
	json_add_int64(o, "partial", (int64_t)as.partial);
	json_add_int64(o, "malformed", (int64_t)(as.malformed +
	    fim->events.bad_records));
	json_add_int64(o, "paths_guessed", (int64_t)fim->events.unresolved);
}

/* The status section. */
static struct json_object *
fim_status(void *self)
{
	struct fim		*fim = self;
	struct json_object	*o;
	struct audit_stats	 ts;

	o = json_object_new_object();
	fim_add_state(fim, o);
	json_add_string(o, "backend", audit_backend());
	if (fim->audit == NULL)
		json_add_string(o, "error", strerror(fim->open_errno));
	fim_owner_status(fim, o);
	json_add_int64(o, "manifest_version", fim->manifest_version);
	if (fim->manifest_error[0] != '\0')
		json_add_string(o, "manifest_error", fim->manifest_error);
	json_add_string(o, "key", fim->key[0] != '\0' ? fim->key : NULL);
	json_add_int64(o, "rules", fim->rules.nrules);
	fim_rules_status(fim, o);
	fim_add_events(fim, o);
	fim_catchup_status(fim, o);
	if (fim->audit != NULL) {
		audit_get_stats(fim->audit, &ts);
		json_add_int64(o, "socket_buffer", ts.rcvbuf);
	}
	fim_owner_kernel_status(fim, o);
	return o;
}

/* ---- Health check ---- */

/* Is effective capability cap set (1), not (0), or unknown (-1)? */
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

/* The health check line "audit.available". */
static void
fim_hc_available(struct fim *fim, struct healthcheck *hc)
{
	const struct audit_state	*ks = &fim->owner.ks;

	if (fim->audit == NULL)
		hc_add(hc, "audit.available", fim->open_errno == ENOTSUP ?
		    HC_SKIP : HC_FAIL, "use a kernel with CONFIG_AUDIT, without "
		    "audit=0, and run outpostd as root outside containers",
		    "kernel audit netlink (%s): %s", audit_backend(),
		    strerror(fim->open_errno));
	else
		hc_add(hc, "audit.available", fim->owner.has_ks &&
		    ks->enabled == 0 && !fim->owner.is_owner &&
		    fim->is_active ? HC_FAIL : HC_PASS,
		    "the process holding the audit pid disabled auditing (E705):"
		    " `auditctl -e 1`, or stop it",
		    "kernel audit reachable over netlink (enabled %u, "
		    "backlog %u of %u, lost %u since boot)", ks->enabled,
		    ks->backlog, ks->backlog_limit, ks->lost);
}

/* The health check line "audit.capability". */
static void
fim_hc_capability(struct healthcheck *hc)
{
	int	 control, readcap;

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
}

/* The health check line "audit.ownership". */
static void
fim_hc_ownership(struct fim *fim, struct healthcheck *hc)
{
	const struct fim_owner	*ow = &fim->owner;

	switch (fim_mode(fim)) {
	case FIM_MODE_DISABLED:
		hc_add(hc, "audit.ownership", HC_SKIP, NULL, "FIM is not "
		    "collecting: %s", fim_disabled_reason(fim));
		break;
	case FIM_MODE_OWNER:
		hc_add(hc, "audit.ownership", HC_PASS, NULL, "this process "
		    "(pid %d) owns the audit pid", (int)getpid());
		break;
	case FIM_MODE_MULTICAST:
		hc_add(hc, "audit.ownership", HC_WARN, "stop the holder (e.g. "
		    "`service auditd stop`) if outpostd should own the audit "
		    "pid; events flow meanwhile", "the audit pid is held by "
		    "pid %u (%s): events come through the read-only multicast "
		    "group; next claim in %lld s", ow->holder_pid,
		    ow->holder_pid != 0 ? ow->holder_comm : "none now",
		    ow->next_retry != 0 ? (long long)(ow->next_retry -
		    time(NULL)) : 0LL);
		break;
	case FIM_MODE_WAITING:
		hc_add(hc, "audit.ownership", HC_FAIL, "stop the holder, or "
		    "grant CAP_AUDIT_READ on a kernel of 3.16 or newer",
		    "the audit pid is held by pid %u (%s) and the multicast "
		    "group is unavailable (%s): no FIM events", ow->holder_pid,
		    ow->holder_comm, strerror(ow->mc_errno != 0 ?
		    ow->mc_errno : ENOTSUP));
		break;
	}
}

/* A health check of the kernel's rules in progress. */
struct fim_hc_list {
	struct fim		*fim;
	struct healthcheck	*hc;
	int			*found;		/* per wanted rule */
	int			 nwant;
	unsigned int		 gen;		/* of the wanted rules */
	int			 stale;		/* ours, not wanted */
};

/* One rule the kernel listed: is it one we want? */
static void
fim_hc_listed_cb(const struct audit_watch *w, void *arg)
{
	struct fim_hc_list		*l = arg;
	const struct fim_kernel_rules	*k = &l->fim->kernel;
	int				 j;

	if (!w->has_key)
		return;
	for (j = 0; j < l->nwant && j < k->nwant; j++)
		if (w->is_watch && w->path != NULL &&
		    strcmp(w->path, k->want[j].w.path) == 0 &&
		    w->is_tree == k->want[j].w.is_tree &&
		    w->perm == k->want[j].w.perm) {
			l->found[j] = 1;
			return;
		}
	l->stale++;
}

/* The kernel listed its rules: "audit.rules" from what it holds now. */
static void
fim_hc_listed_done_cb(int err, void *arg)
{
	struct fim_hc_list	*l = arg;
	struct fim		*fim = l->fim;
	char			 missing[512];
	size_t			 len;
	int			 j, nmissing = 0, refused;

	missing[0] = '\0';
	refused = fim_rules_in(fim, FIM_RS_REFUSED);
	for (j = 0; err == 0 && l->gen == fim->kernel.want_gen &&
	    j < l->nwant; j++) {
		if (l->found[j])
			continue;
		nmissing++;
		len = strlen(missing);
		snprintf(missing + len, sizeof(missing) - len, "%s%s%s",
		    len > 0 ? ", " : "", fim->kernel.want[j].w.path,
		    fim->kernel.want[j].state == FIM_RS_REFUSED ? " (refused: "
		    "see audit.rules errors)" : "");
	}
	if (err != 0)
		hc_add(l->hc, "audit.rules", HC_FAIL, "check `auditctl -l` and "
		    "agent.log", "cannot list the kernel's audit rules: %s",
		    strerror(-err));
	else if (l->gen != fim->kernel.want_gen)
		hc_add(l->hc, "audit.rules", HC_WARN, "run the health check "
		    "again", "the wanted rules changed during the check");
	else if (nmissing > 0) {
		hc_add(l->hc, "audit.rules", HC_FAIL, refused > 0 ? "make the "
		    "paths exist, or check `auditctl -s` (enabled 2 locks the "
		    "rules)" : "the agent puts them back now; look for another "
		    "program removing audit rules (`auditctl -D`)", "%d of %d "
		    "rules with key %s are not in the kernel: %s", nmissing,
		    l->nwant, fim->key, missing);
		/* Put them back now, not at the next minute's check. */
		if (refused < nmissing) {
			log_warnx("fim: the health check found %d of our audit "
			    "rules missing from the kernel; reinstalling",
			    nmissing - refused);
			fim->need_reconcile = 1;
			fim_kick(fim, 0);
		}
	}
	else
		hc_add(l->hc, "audit.rules", HC_PASS, NULL, "the kernel holds "
		    "all %d rule%s with key %s for %d manifest rule%s%s",
		    l->nwant, l->nwant == 1 ? "" : "s", fim->key,
		    fim->rules.nrules, fim->rules.nrules == 1 ? "" : "s",
		    l->stale > 0 ? " (and stale ones being removed)" : "");
	hc_release(l->hc);
	free(l->found);
	free(l);
}

/* The health check line "audit.rules": the kernel's list, read now. */
static void
fim_hc_rules(struct fim *fim, struct healthcheck *hc)
{
	struct fim_hc_list	*l;
	int			 rc;

	if (fim_mode(fim) == FIM_MODE_DISABLED) {
		hc_add(hc, "audit.rules", HC_SKIP, NULL, "no rules wanted: %s",
		    fim_disabled_reason(fim));
		return;
	}
	if ((l = calloc(1, sizeof(*l))) == NULL ||
	    (l->found = calloc((size_t)fim->kernel.nwant + 1,
	    sizeof(*l->found))) == NULL) {
		free(l);
		hc_add(hc, "audit.rules", HC_FAIL, NULL, "out of memory");
		return;
	}
	l->fim = fim;
	l->hc = hc;
	l->nwant = fim->kernel.nwant;
	l->gen = fim->kernel.want_gen;
	hc_hold(hc);
	if ((rc = audit_list_rules(fim->audit, fim->key, fim_hc_listed_cb,
	    fim_hc_listed_done_cb, l)) < 0)
		fim_hc_listed_done_cb(rc, l);
}

/* The health check lines. */
static void
fim_healthcheck(void *self, struct healthcheck *hc)
{
	struct fim	*fim = self;

	fim_hc_available(fim, hc);
	fim_hc_capability(hc);
	fim_hc_ownership(fim, hc);
	fim_hc_rules(fim, hc);
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
	if (fim->audit != NULL && (fim->was_active || fim->is_uninstalled)) {
		/* A new baseline being listed: finished while rules are in. */
		fim_catchup_stop(fim);
		fim_rules_remove_sync(fim, fim->key);
		/* What came in meanwhile is still ours to report. */
		fim_event_drain(fim);
		if (fim->owner.is_owner) {
			fim_owner_release(fim);
			audit_wait(fim->audit, FIM_STOP_TIMEOUT_MS);
		}
	}
	if (fim->as != NULL)
		fim_asm_flush(fim->as);
	if (fim->queue != NULL && fim_queue_flush(fim->queue, 1) > 0)
		log_info("fim: the last FIM events are spooled");
	/* The baseline with what the last events told, for the next start. */
	fim_journal_stop(fim, !fim->is_uninstalled);
	if (fim->is_uninstalled) {
		/* Nothing of this installation stays on the host. */
		fim_owner_uninstall(fim);
		fim_journal_remove(fim);
		fim_rules_key_remove(fim);
	}
	fim_catchup_free(fim);
	fim_journal_free(fim);
	audit_close(fim->audit);
	fim_asm_free(fim->as);
	fim_queue_free(fim->queue);
	if (fim->tick != NULL)
		event_free(fim->tick);
	if (fim->poll != NULL)
		event_free(fim->poll);
	if (fim->kick != NULL)
		event_free(fim->kick);
	fim_owner_free(fim);
	fim_rules_kernel_free(fim);
	fim_rules_free(&fim->rules);
	fim_dirs_free(&fim->dirs);
	fim_event_free(fim);
	free(fim);
}

/* Make the module's parts. Returns 0, or -1 (out of memory). */
static int
fim_alloc(struct fim *fim)
{
	const struct agent_env	*env = fim->env;

	fim->as = fim_asm_new(fim_event_cb, fim, FIM_ASM_TIMEOUT_MS);
	fim->queue_hooks = fim_journal_hooks;
	fim->queue_hooks.arg = fim;
	fim->queue = fim_queue_new(env->base, env->upload, &fim->queue_hooks);
	fim->tick = event_new(env->base, -1, EV_PERSIST, fim_tick_cb, fim);
	fim->poll = event_new(env->base, -1, EV_PERSIST, fim_poll_cb, fim);
	fim->kick = evtimer_new(env->base, fim_kick_cb, fim);
	if (fim->as == NULL || fim->queue == NULL || fim->tick == NULL ||
	    fim->poll == NULL || fim->kick == NULL)
		return -1;
	if (fim_dirs_init(&fim->dirs) == -1 || fim_event_init(fim) == -1 ||
	    fim_owner_init(fim) == -1 || fim_catchup_init(fim) == -1 ||
	    fim_journal_init(fim) == -1)
		return -1;
	return 0;
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
	fim->journal.fd = -1;
	fim->profile_enabled = -1;
	fim->rules.hash_max_size = -1;
	if (fim_alloc(fim) == -1) {
		fim_free(fim);
		return NULL;
	}
	memset(&cb, 0, sizeof(cb));
	cb.record = fim_event_record_cb;
	cb.overrun = fim_loss_overrun_cb;
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
	fim_rules_key_load(fim);
	if (fim->audit != NULL) {
		fim_owner_load_saved(fim);
		fim_catchup_load(fim);
	}
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
