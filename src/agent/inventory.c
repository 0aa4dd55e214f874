/*
 * inventory.c: when to scan, what changed, and what to upload (see
 * inventory.h). The collectors are in collect*.c, the bookkeeping file in
 * invstate.c.
 */
#include "config.h"

#include <errno.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <event2/event.h>
#include <json-c/json.h>

#include "agent-conf.h"
#include "answer.h"
#include "api-client.h"
#include "collect.h"
#include "compat.h"
#include "healthcheck.h"
#include "invchange.h"
#include "inventory.h"
#include "invitem.h"
#include "invstate.h"
#include "jsonutil.h"
#include "log.h"
#include "manifest.h"
#include "profile.h"
#include "report.h"
#include "route.h"
#include "spool.h"
#include "state.h"
#include "upload-queue.h"

#define INVENTORY_KIND		"inventory"
#define INVENTORY_PATH		"/agent/v1/inventory"
#define INVENTORY_SOON		1	/* s: first scan after activation */
#define INVENTORY_WAITERS	8
#define INVENTORY_STEP_WARN_MS	50.0	/* a step this long is a bug */
#define INVENTORY_ALL		(~0u)	/* every enabled section */

/* A client of inventory_scan_now() waiting for the end of a scan. */
struct inventory_waiter {
	void	(*done)(struct json_object *, const char *, void *);
	void	*arg;
};

/* The module. */
struct inventory {
	const struct agent_env	*env;
	struct invstate		 st;		/* inventory.json */
	char			*root;		/* inventory_root in force */
	char			*agent_id;	/* NULL: not activated */
	int			 is_paused;
	int			 interval;	/* in force */
	int			 profile_interval;
	/* The inventory manifest: collectors and interval it names. */
	struct json_object	*enabled;	/* {"name": true}; NULL: all */
	int			 manifest_interval;	/* 0: none */
	int64_t			 manifest_version;
	/*
	 * The scan in progress and the one asked for after it: the sections
	 * (bit i: collect_table[i]; see invchange.h) and what made them.
	 */
	struct collect_scan	*scan;
	unsigned int		 scan_mask;
	enum invchange_trigger	 scan_trigger;
	unsigned int		 next_mask;
	enum invchange_trigger	 next_trigger;
	/* What made the scan of each section's newest value. */
	unsigned char		 value_trigger[INVCHANGE_SECTIONS];
	struct invchange	*changes;	/* the change sources */
	struct inventory_waiter	 waiters[INVENTORY_WAITERS];	/* this scan */
	int			 nwaiters;
	struct inventory_waiter	 queued[INVENTORY_WAITERS];	/* next scan */
	int			 nqueued;
	/* Timers. */
	struct event		*scan_timer;	/* the periodic full scan */
	struct event		*reconcile_ev;	/* after an upload answer */
	time_t			 next_scan;
	/*
	 * The digest and item count of the newest good value of each
	 * section. The values themselves live only from the end of a scan
	 * to the upload decision; of the items the platform holds, only
	 * their digests are kept (st.items).
	 */
	struct json_object	*digests;
	struct json_object	*counts;
	int			 have_full;	/* a full scan since start */
	struct json_object	*failures;	/* {"collector": "error"} */
	/* Numbers for status. */
	time_t			 last_scan_start;
	double			 last_duration_ms;
	double			 last_longest_ms;
	const char		*last_longest_collector;
	double			 max_longest_ms;
	double			 last_finish_ms;	/* digests, upload */
	unsigned long		 last_steps;
	unsigned long		 scans;
	unsigned long		 uploads_full, uploads_delta, unchanged;
	unsigned long		 conflicts, refused;
	struct json_object	*last_upload;
};

static void	inventory_start_scan(struct inventory *, unsigned int,
		    enum invchange_trigger);
static void	inventory_reconcile(struct inventory *,
		    struct json_object *decision, struct json_object *sections,
		    int is_full_scan);
static void	inventory_reconcile_soon(struct inventory *);
static void	inventory_trim(void);
static void	inventory_manifest_cb(const char *, int64_t,
		    struct json_object *, void *);

/* Milliseconds as a JSON number with two decimals. */
static struct json_object *
inventory_ms(double ms)
{
	char	 text[32];

	snprintf(text, sizeof(text), "%.2f", ms);
	return json_object_new_double_s(ms, text);
}

/* Is the module allowed to scan and upload now? */
static int
inventory_is_active(const struct inventory *inv)
{
	return inv->agent_id != NULL && !inv->is_paused;
}

/* Write inventory.json; a failure is an error of the agent. */
static void
inventory_save(struct inventory *inv)
{
	int	 rc;

	if ((rc = invstate_save(inv->env->conf->state_dir, &inv->st)) < 0)
		report_error(inv->env->report, ERR_WRITE_FAILURE, "cannot "
		    "write %s/%s: %s", inv->env->conf->state_dir,
		    INVSTATE_FILE_NAME, strerror(-rc));
}

/* Answer the clients in list with result (or error). */
static void
inventory_answer(struct inventory_waiter *list, int *n,
    struct json_object *result, const char *error)
{
	int	 i, count = *n;

	*n = 0;
	for (i = 0; i < count; i++)
		list[i].done(result != NULL ? json_object_get(result) : NULL,
		    error, list[i].arg);
}

/* Arm the periodic scan timer for seconds from now. */
static void
inventory_schedule(struct inventory *inv, int seconds)
{
	struct timeval	 tv = { seconds, 0 };

	inv->next_scan = time(NULL) + seconds;
	evtimer_add(inv->scan_timer, &tv);
}

/* The next periodic scan: inventory_interval plus up to 5 % jitter. */
static void
inventory_schedule_periodic(struct inventory *inv)
{
	int	 jitter = inv->interval / 20;

	inventory_schedule(inv, inv->interval +
	    (jitter > 0 ? (int)(random() % (jitter + 1)) : 0));
}

/* Stop scanning: drop the scan in progress and every timer. */
static void
inventory_stop(struct inventory *inv, const char *why)
{
	if (inv->scan != NULL) {
		collect_scan_free(inv->scan);
		inv->scan = NULL;
		log_info("inventory: scan cancelled: %s", why);
	}
	inv->scan_mask = 0;
	inv->next_mask = 0;
	evtimer_del(inv->scan_timer);
	invchange_stop(inv->changes);
	inv->next_scan = 0;
	inventory_answer(inv->waiters, &inv->nwaiters, NULL, why);
	inventory_answer(inv->queued, &inv->nqueued, NULL, why);
}

/* The number of items of a section (1 for an object). */
static int64_t
inventory_count(struct json_object *v)
{
	if (json_object_is_type(v, json_type_array))
		return (int64_t)json_object_array_length(v);
	return v != NULL ? 1 : 0;
}

/* Is the collector of section enabled (and available)? */
static int
inventory_is_enabled(struct inventory *inv, const char *section)
{
	const struct collector	*c = collect_find(section);

	return c != NULL && collect_is_supported(c) && (inv->enabled == NULL ||
	    json_object_object_get_ex(inv->enabled, section, NULL));
}

/* The enabled collectors as a JSON array (new). */
static struct json_object *
inventory_collectors(struct inventory *inv)
{
	struct json_object	*arr = json_object_new_array();
	int			 i;

	for (i = 0; collect_table[i] != NULL; i++)
		if (inventory_is_enabled(inv, collect_table[i]->name))
			json_object_array_add(arr, json_object_new_string(
			    collect_table[i]->name));
	return arr;
}

/* The sections of the enabled collectors. */
static unsigned int
inventory_enabled_mask(struct inventory *inv)
{
	unsigned int	 mask = 0;
	int		 i;

	for (i = 0; collect_table[i] != NULL && i < INVCHANGE_SECTIONS; i++)
		if (inventory_is_enabled(inv, collect_table[i]->name))
			mask |= 1u << i;
	return mask;
}

/* A scan's sections for people: "full", or "packages,users". */
static const char *
inventory_scope_text(struct inventory *inv, unsigned int mask, char *buf,
    size_t len)
{
	int	 i;

	if (mask == inventory_enabled_mask(inv))
		return "full";
	buf[0] = '\0';
	for (i = 0; collect_table[i] != NULL && i < INVCHANGE_SECTIONS; i++)
		if (mask & (1u << i)) {
			if (buf[0] != '\0')
				strlcat(buf, ",", len);
			strlcat(buf, collect_table[i]->name, len);
		}
	return buf;
}

/* Record this scan's collector failures; report new ones (E603). */
static void
inventory_note_failures(struct inventory *inv, struct json_object *errors)
{
	struct json_object	*e, *now = json_object_new_object();
	const char		*name, *msg, *old;
	size_t			 i;

	for (i = 0; i < json_object_array_length(errors); i++) {
		e = json_object_array_get_idx(errors, i);
		name = collect_member(e, "collector");
		msg = collect_member(e, "error");
		json_add_string(now, name, msg);
		old = json_get_string(inv->failures, name);
		if (old == NULL || strcmp(old, msg) != 0)
			report_error(inv->env->report, ERR_INVENTORY,
			    "collector %s: %s (its last good section is "
			    "kept)", name, msg);
	}
	if (json_object_object_length(now) == 0 &&
	    json_object_object_length(inv->failures) > 0) {
		log_info("inventory: every collector works again");
		report_clear(inv->env->report, ERR_INVENTORY);
	}
	json_object_put(inv->failures);
	inv->failures = now;
}

/* A scan is over: keep its sections, then decide what to upload. */
static void
inventory_scan_done(struct collect_scan *scan, void *arg)
{
	struct inventory	*inv = arg;
	struct collect_stats	 cs;
	struct json_object	*result, *counts, *decision;
	struct timespec		 t0, t1;
	char			 hex[INVSTATE_DIGEST_LEN + 1], names[256];
	const char		*scope;
	unsigned int		 mask = inv->scan_mask, bit;
	int			 is_full;

	is_full = (mask & inventory_enabled_mask(inv)) ==
	    inventory_enabled_mask(inv);
	scope = inventory_scope_text(inv, mask, names, sizeof(names));
	clock_gettime(CLOCK_MONOTONIC, &t0);
	collect_scan_stats(scan, &cs);
	inv->scans++;
	inv->last_duration_ms = cs.duration_ms;
	inv->last_longest_ms = cs.longest_step_ms;
	inv->last_longest_collector = cs.longest_step_collector;
	inv->last_steps = cs.steps;
	if (cs.longest_step_ms > inv->max_longest_ms)
		inv->max_longest_ms = cs.longest_step_ms;
	counts = json_object_new_object();
	json_object_object_foreach(collect_scan_sections(scan), key, val) {
		if (invstate_digest(val, hex) == -1)
			continue;
		json_add_string(inv->digests, key, hex);
		json_add_int64(inv->counts, key, inventory_count(val));
		json_add_int64(counts, key, inventory_count(val));
		if ((bit = invchange_section_bit(key)) != 0)
			inv->value_trigger[ffs((int)bit) - 1] =
			    (unsigned char)inv->scan_trigger;
	}
	inventory_note_failures(inv, collect_scan_errors(scan));
	log_debug("inventory: longest step %.2f ms (%s) of %lu steps",
	    cs.longest_step_ms, cs.longest_step_collector != NULL ?
	    cs.longest_step_collector : "-", cs.steps);
	if (cs.longest_step_ms > INVENTORY_STEP_WARN_MS)
		log_warnx("inventory: a scan step of %s took %.1f ms; the "
		    "event loop was held that long",
		    cs.longest_step_collector, cs.longest_step_ms);
	log_info("inventory: %s scan (%s) done in %.1f ms (%.1f ms of work in "
	    "%lu steps, %zu failed)", scope,
	    invchange_trigger_name(inv->scan_trigger), cs.duration_ms, cs.busy_ms, cs.steps,
	    json_object_array_length(collect_scan_errors(scan)));
	result = json_object_new_object();
	json_add_string(result, "scope", scope);
	json_add_string(result, "trigger",
	    invchange_trigger_name(inv->scan_trigger));
	json_object_object_add(result, "duration_ms",
	    inventory_ms(cs.duration_ms));
	json_object_object_add(result, "longest_step_ms",
	    inventory_ms(cs.longest_step_ms));
	json_add_string(result, "longest_step_collector",
	    cs.longest_step_collector);
	json_add_int64(result, "steps", (int64_t)cs.steps);
	json_object_object_add(result, "counts", counts);
	json_object_object_add(result, "errors",
	    json_object_get(collect_scan_errors(scan)));
	inv->scan = NULL;
	inv->scan_mask = 0;
	if (is_full) {
		inv->have_full = 1;
		inv->st.last_scan = time(NULL);
		inventory_schedule_periodic(inv);
		/* Directories that appeared since get their watches. */
		invchange_start(inv->changes, inv->root,
		    inventory_enabled_mask(inv));
	}
	decision = json_object_new_object();
	inventory_reconcile(inv, decision, collect_scan_sections(scan),
	    is_full);
	json_object_object_add(result, "upload", decision);
	/* The sections go: only their digests stay. */
	collect_scan_free(scan);
	inventory_trim();
	/* Digests, the decision and the spool write: one more step. */
	clock_gettime(CLOCK_MONOTONIC, &t1);
	inv->last_finish_ms = (double)(t1.tv_sec - t0.tv_sec) * 1000.0 +
	    (double)(t1.tv_nsec - t0.tv_nsec) / 1e6;
	log_debug("inventory: digests, decision and spooling took %.2f ms",
	    inv->last_finish_ms);
	json_object_object_add(result, "finish_ms",
	    inventory_ms(inv->last_finish_ms));
	inventory_answer(inv->waiters, &inv->nwaiters, result, NULL);
	json_object_put(result);
	if (inv->next_mask != 0 && inventory_is_active(inv)) {
		mask = inv->next_mask;
		inv->next_mask = 0;
		inventory_start_scan(inv, mask, inv->next_trigger);
	}
}

/*
 * Start a scan of the sections of mask (INVENTORY_ALL: a full scan) now,
 * or after the one in progress. trigger: what asked for it.
 */
static void
inventory_start_scan(struct inventory *inv, unsigned int mask,
    enum invchange_trigger trigger)
{
	const char		*names[32];
	struct collect_opts	 opts;
	char			 text[256];
	int			 i, n = 0;

	if (!inventory_is_active(inv))
		return;
	if (inv->scan != NULL) {
		/* The stronger trigger names the merged scan. */
		if (inv->next_mask == 0 || trigger > inv->next_trigger)
			inv->next_trigger = trigger;
		inv->next_mask |= mask;
		return;
	}
	/* Without a full scan since start there is nothing to compare. */
	if (!inv->have_full)
		mask = INVENTORY_ALL;
	if ((mask &= inventory_enabled_mask(inv)) == 0)
		return;
	for (i = 0; collect_table[i] != NULL && i < INVCHANGE_SECTIONS &&
	    n < (int)nitems(names) - 1; i++)
		if (mask & (1u << i))
			names[n++] = collect_table[i]->name;
	names[n] = NULL;
	memset(&opts, 0, sizeof(opts));
	opts.base = inv->env->base;
	opts.root = inv->root;
	opts.route = inv->env->route;
	opts.may_reuse = trigger == INVCHANGE_POLL;
	inv->scan = collect_scan_start(&opts, names, inventory_scan_done, inv);
	if (inv->scan == NULL) {
		log_warnx("inventory: cannot start a scan: out of memory");
		inventory_answer(inv->queued, &inv->nqueued, NULL,
		    "out of memory");
		return;
	}
	inv->scan_mask = mask;
	inv->scan_trigger = trigger;
	inv->last_scan_start = time(NULL);
	if (mask == inventory_enabled_mask(inv)) {
		evtimer_del(inv->scan_timer);
		inv->next_scan = 0;
	}
	/* The changes seen so far are in this scan. */
	invchange_scanned(inv->changes, mask);
	/* Clients that asked during the last scan wait for this one. */
	for (i = 0; i < inv->nqueued && inv->nwaiters < INVENTORY_WAITERS;
	    i++)
		inv->waiters[inv->nwaiters++] = inv->queued[i];
	inv->nqueued = 0;
	log_debug("inventory: %s scan (%s) of %s started", inventory_scope_text(
	    inv, mask, text, sizeof(text)), invchange_trigger_name(trigger),
	    inv->root);
}

/* The periodic timer. */
static void
inventory_timer_cb(evutil_socket_t fd, short what, void *arg)
{
	struct inventory	*inv = arg;

	inv->next_scan = 0;
	inventory_start_scan(inv, INVENTORY_ALL, INVCHANGE_TIMER);
}

/* The change sources ask for a scan of sections. */
static void
inventory_changes_cb(unsigned int sections, enum invchange_trigger trigger,
    void *arg)
{
	struct inventory	*inv = arg;

	if (!inv->have_full)
		return;
	inventory_start_scan(inv, sections, trigger);
}

/* Forget the pending record (answered, refused or lost). */
static void
inventory_clear_pending(struct inventory *inv)
{
	inv->st.pending_sequence = 0;
	inv->st.pending_is_full = 0;
	inv->st.pending_base = 0;
	inv->st.pending_time = 0;
	json_object_put(inv->st.pending);
	inv->st.pending = NULL;
}

/* Forget the platform's items: changed sections go whole. */
static void
inventory_forget_items(struct inventory *inv)
{
	size_t	 i;

	for (i = 0; i < INVITEM_SECTIONS; i++)
		invstate_items_free(&inv->st.items[i]);
}

/* Forget the acknowledged base: the next upload is a full snapshot. */
static void
inventory_forget_base(struct inventory *inv)
{
	inventory_forget_items(inv);
	inv->st.acked_version = 0;
	json_object_put(inv->st.acked);
	inv->st.acked = json_object_new_object();
}

/* A JSON array of the names in list. */
static struct json_object *
inventory_names(struct json_object *obj)
{
	struct json_object	*arr = json_object_new_array();

	json_object_object_foreach(obj, key, val) {
		(void)val;
		json_object_array_add(arr, json_object_new_string(key));
	}
	return arr;
}

/* The sections a record body carries (data, set, items, remove). */
static unsigned int
inventory_body_mask(struct json_object *body)
{
	static const char *const members[] = { "data", "set", "items" };
	struct json_object	*o;
	unsigned int		 mask = 0;
	size_t			 i;

	for (i = 0; i < nitems(members); i++) {
		if (!json_object_object_get_ex(body, members[i], &o) ||
		    !json_object_is_type(o, json_type_object))
			continue;
		json_object_object_foreach(o, key, val) {
			(void)val;
			mask |= invchange_section_bit(key);
		}
	}
	if (json_object_object_get_ex(body, "remove", &o))
		for (i = 0; i < json_object_array_length(o); i++)
			mask |= invchange_section_bit(json_object_get_string(
			    json_object_array_get_idx(o, i)));
	return mask;
}

/* Spool body as the pending record with the digests it leads to. */
static int
inventory_put(struct inventory *inv, struct json_object *body,
    int is_full, struct json_object *after, struct json_object *decision)
{
	int64_t	 seq;

	seq = upload_put(inv->env->upload, INVENTORY_KIND, body);
	if (seq < 0) {
		json_add_string(decision, "upload", "failed");
		json_add_string(decision, "reason", strerror((int)-seq));
		json_object_put(after);
		return -1;
	}
	/* The bytes spooled and sent: the body with its sequence. */
	json_add_int64(body, "sequence", seq);
	json_add_int64(decision, "bytes", (int64_t)strlen(
	    json_object_to_json_string_ext(body, JSON_C_TO_STRING_PLAIN |
	    JSON_C_TO_STRING_NOSLASHESCAPE)));
	json_object_object_del(body, "sequence");
	inv->st.pending_sequence = (uint64_t)seq;
	inv->st.pending_is_full = is_full;
	inv->st.pending_base = inv->st.acked_version;
	inv->st.pending_time = time(NULL);
	json_object_put(inv->st.pending);
	inv->st.pending = after;
	inventory_save(inv);
	invchange_uploaded(inv->changes, inventory_body_mask(body),
	    inv->value_trigger);
	json_add_int64(decision, "sequence", seq);
	json_object_put(inv->last_upload);
	inv->last_upload = json_object_get(decision);
	json_add_time(decision, "time", inv->st.pending_time);
	return 0;
}

/*
 * Give the heap that a scan's sections held back to the system: glibc
 * keeps freed memory of an arena otherwise, and the idle agent would
 * carry the last snapshot's size for good.
 */
static void
inventory_trim(void)
{
#ifdef __GLIBC__
	malloc_trim(0);
#endif
}

/*
 * Section key changed (its value val): put into items the items that are
 * new or differ and delete those that went, when the platform's items are
 * known and that is smaller than the section; else the whole section
 * into set.
 */
static void
inventory_section_delta(struct inventory *inv, const char *key,
    struct json_object *val, struct json_object *set,
    struct json_object *items)
{
	const struct invitem_section	*sec = invitem_find(key);
	struct invstate_items		 now;
	struct json_object		*put = NULL, *del = NULL, *ops;
	long				 n = -1;

	if (sec != NULL && inv->st.items[invitem_index(sec)].is_known &&
	    invstate_items_build(sec, val, &now) == 0) {
		n = invstate_items_diff(&inv->st.items[invitem_index(sec)],
		    &now, val, &put, &del);
		invstate_items_free(&now);
	}
	if (n <= 0 || (size_t)n >= json_object_array_length(val)) {
		/* No base, not in key order, or most of it changed. */
		json_object_put(put);
		json_object_put(del);
		json_object_object_add(set, key, json_object_get(val));
		return;
	}
	ops = json_object_new_object();
	if (json_object_array_length(put) > 0)
		json_object_object_add(ops, "put", put);
	else
		json_object_put(put);
	if (json_object_array_length(del) > 0)
		json_object_object_add(ops, "delete", del);
	else
		json_object_put(del);
	json_object_object_add(items, key, ops);
}

/* {"section": {"put": n, "delete": n}} of a delta's items (new). */
static struct json_object *
inventory_items_summary(struct json_object *items)
{
	struct json_object	*o = json_object_new_object(), *s, *a;

	json_object_object_foreach(items, key, val) {
		s = json_object_new_object();
		json_add_int64(s, "put", json_object_object_get_ex(val, "put",
		    &a) ? (int64_t)json_object_array_length(a) : 0);
		json_add_int64(s, "delete", json_object_object_get_ex(val,
		    "delete", &a) ? (int64_t)json_object_array_length(a) : 0);
		json_object_object_add(o, key, s);
	}
	return o;
}

/* A JSON value for a log line, or "-" when it is empty. */
static const char *
inventory_log_json(struct json_object *v)
{
	if ((json_object_is_type(v, json_type_array) &&
	    json_object_array_length(v) == 0) ||
	    (json_object_is_type(v, json_type_object) &&
	    json_object_object_length(v) == 0))
		return "-";
	return json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN |
	    JSON_C_TO_STRING_NOSLASHESCAPE);
}

/*
 * Compare what the scans found with what the platform holds, and spool a
 * full snapshot or a delta when they differ. sections are the values of
 * the scan that just ended (NULL: none; is_full_scan: every enabled
 * collector ran); a change whose value is not at hand starts a full scan.
 * decision (may be NULL) gets what was done.
 */
static void
inventory_reconcile(struct inventory *inv, struct json_object *decision,
    struct json_object *sections, int is_full_scan)
{
	struct json_object	*body, *data, *set, *remove, *items, *after;
	struct json_object	*val;
	const char		*have, *digest;
	char			 reason[128];
	unsigned int		 need_scan = 0, bit;
	enum invchange_trigger	 trigger = INVCHANGE_TIMER;
	int			 is_full, i;

	if (decision == NULL)
		decision = json_object_new_object();
	else
		json_object_get(decision);
	if (!inventory_is_active(inv)) {
		json_add_string(decision, "upload", "none");
		json_add_string(decision, "reason", inv->is_paused ?
		    "data collection is paused" : "not activated");
		goto out;
	}
	if (inv->env->upload == NULL) {
		json_add_string(decision, "upload", "none");
		json_add_string(decision, "reason", "no upload spool");
		goto out;
	}
	if (inv->st.pending_sequence != 0) {
		if (upload_depth(inv->env->upload) > 0) {
			snprintf(reason, sizeof(reason), "record %llu is still "
			    "on its way", (unsigned long long)
			    inv->st.pending_sequence);
			json_add_string(decision, "upload", "waiting");
			json_add_string(decision, "reason", reason);
			goto out;
		}
		/* The spool is empty: the record left it unanswered. */
		log_warnx("inventory: record %llu left the spool without an "
		    "answer (dropped for spool_max_size?); deciding again",
		    (unsigned long long)inv->st.pending_sequence);
		inventory_clear_pending(inv);
		inventory_save(inv);
	}
	is_full = inv->st.acked_version == 0;
	if (is_full && !is_full_scan) {
		json_add_string(decision, "upload", "none");
		json_add_string(decision, "reason", "a full scan comes first");
		inventory_start_scan(inv, INVENTORY_ALL, INVCHANGE_TIMER);
		goto out;
	}
	data = json_object_new_object();
	set = json_object_new_object();
	remove = json_object_new_array();
	items = json_object_new_object();
	after = json_object_new_object();
	json_object_object_foreach(inv->digests, key, dval) {
		if (!inventory_is_enabled(inv, key))
			continue;
		digest = json_object_get_string(dval);
		val = NULL;
		if (sections != NULL)
			json_object_object_get_ex(sections, key, &val);
		have = json_get_string(inv->st.acked, key);
		if (is_full) {
			/* A collector failing now: not in the snapshot. */
			if (val != NULL) {
				json_object_object_add(data, key,
				    json_object_get(val));
				json_add_string(after, key, digest);
			}
			continue;
		}
		if (have != NULL && strcmp(have, digest) == 0) {
			json_add_string(after, key, digest);
			continue;
		}
		if (val == NULL) {
			/*
			 * The value is gone since its scan (a record was on
			 * its way then): a scan of it brings it back. After
			 * a full scan it is a collector failing now, whose
			 * section the platform keeps.
			 */
			if (!is_full_scan)
				need_scan |= invchange_section_bit(key);
			continue;
		}
		inventory_section_delta(inv, key, val, set, items);
		json_add_string(after, key, digest);
	}
	json_object_object_foreach(inv->st.acked, k2, v2) {
		/* A full snapshot replaces everything: nothing to keep. */
		if (is_full || json_object_object_get_ex(after, k2, NULL))
			continue;
		if (inventory_is_enabled(inv, k2))
			/* Collected before, failing now: keep it. */
			json_object_object_add(after, k2, json_object_get(v2));
		else
			json_object_array_add(remove,
			    json_object_new_string(k2));
	}
	body = json_object_new_object();
	if (need_scan != 0) {
		json_add_string(decision, "upload", "none");
		json_add_string(decision, "reason", "the changed sections are "
		    "scanned again first");
		json_object_put(after);
		after = NULL;
		/* Their scan keeps what made the values that went. */
		for (i = 0; i < INVCHANGE_SECTIONS; i++)
			if ((bit = need_scan & (1u << i)) != 0 &&
			    inv->value_trigger[i] > trigger)
				trigger = inv->value_trigger[i];
		inventory_start_scan(inv, need_scan, trigger);
	} else if (is_full) {
		json_add_string(body, "type", "full");
		json_object_object_add(body, "data", json_object_get(data));
		json_add_string(decision, "upload", "full");
		json_object_object_add(decision, "sections",
		    inventory_names(data));
	} else if (json_object_object_length(set) == 0 &&
	    json_object_array_length(remove) == 0 &&
	    json_object_object_length(items) == 0) {
		inv->unchanged++;
		json_add_string(decision, "upload", "none");
		json_add_string(decision, "reason", "nothing changed");
		json_object_put(after);
		after = NULL;
		log_debug("inventory: nothing changed since version %lld",
		    (long long)inv->st.acked_version);
	} else {
		json_add_string(body, "type", "delta");
		json_add_int64(body, "base_version", inv->st.acked_version);
		if (json_object_object_length(set) > 0)
			json_object_object_add(body, "set",
			    json_object_get(set));
		if (json_object_array_length(remove) > 0)
			json_object_object_add(body, "remove",
			    json_object_get(remove));
		if (json_object_object_length(items) > 0)
			json_object_object_add(body, "items",
			    json_object_get(items));
		json_add_string(decision, "upload", "delta");
		json_object_object_add(decision, "set", inventory_names(set));
		json_object_object_add(decision, "remove",
		    json_object_get(remove));
		json_object_object_add(decision, "items",
		    inventory_items_summary(items));
	}
	if (after != NULL && inventory_put(inv, body, is_full, after,
	    decision) == 0) {
		if (is_full) {
			inv->uploads_full++;
			log_info("inventory: full snapshot of %d sections "
			    "spooled as record %llu (%lld bytes)",
			    json_object_object_length(data),
			    (unsigned long long)inv->st.pending_sequence,
			    (long long)json_object_get_int64(
			    json_object_object_get(decision, "bytes")));
		} else {
			inv->uploads_delta++;
			log_info("inventory: delta against version %lld "
			    "spooled as record %llu: set %s; remove %s; "
			    "items %s; %lld bytes",
			    (long long)inv->st.acked_version,
			    (unsigned long long)inv->st.pending_sequence,
			    inventory_log_json(json_object_object_get(decision,
			    "set")), inventory_log_json(remove),
			    inventory_log_json(json_object_object_get(decision,
			    "items")), (long long)json_object_get_int64(
			    json_object_object_get(decision, "bytes")));
		}
	}
	json_object_put(body);
	json_object_put(data);
	json_object_put(set);
	json_object_put(remove);
	json_object_put(items);
out:
	json_object_put(decision);
}

/* Decide again after an answer, from the loop. */
static void
inventory_reconcile_cb(evutil_socket_t fd, short what, void *arg)
{
	inventory_reconcile(arg, NULL, NULL, 0);
}

/* Run inventory_reconcile() from the loop in a moment. */
static void
inventory_reconcile_soon(struct inventory *inv)
{
	struct timeval	 tv = { 0, 0 };

	evtimer_add(inv->reconcile_ev, &tv);
}

/*
 * The platform answered an inventory record. 200 with inventory_version
 * (checked by the contract): it holds the record's data now. 409
 * full_inventory_required to a delta: it lacks the base; a full snapshot
 * follows. Anything else keeps the record for the back-off.
 */
static enum upload_verdict
inventory_reply(const struct api_client_reply *r, const struct spool_record *rec,
    void *arg)
{
	struct inventory	*inv = arg;
	struct json_object	*body, *after;
	int64_t			 version = 0, base = -1;
	char			 err[128];
	int			 is_ours, is_stale;

	is_ours = rec->seq == inv->st.pending_sequence;
	is_stale = !is_ours && rec->seq <= inv->st.acked_sequence;
	if (r->error == ERR_NONE) {
		/* The contract (answer.c) makes inventory_version >= 1. */
		if (json_get_int64(r->json, "inventory_version", &version) ==
		    -1 || version <= 0)
			return UPLOAD_RETRY;
		/* The record's body: the items the platform holds now. */
		body = json_parse_object(rec->data, rec->len, err,
		    sizeof(err));
		if (is_ours) {
			after = json_object_get(inv->st.pending);
			inventory_clear_pending(inv);
		} else {
			/* Spooled before a crash, or resent. */
			after = NULL;
			if (body != NULL) {
				json_get_int64(body, "base_version", &base);
				if (base == -1 || base == inv->st.acked_version)
					after = invstate_apply(inv->st.acked,
					    body, err, sizeof(err));
				else
					snprintf(err, sizeof(err), "its base "
					    "%lld is not ours", (long long)base);
			}
			if (after == NULL)
				log_warnx("inventory: record %llu: %s; the next "
				    "upload is a full snapshot",
				    (unsigned long long)rec->seq, err);
		}
		if (after != NULL && (body == NULL ||
		    invstate_items_apply(&inv->st, body) == -1)) {
			log_warnx("inventory: record %llu: %s; its sections "
			    "go whole next time", (unsigned long long)rec->seq,
			    body == NULL ? err : "out of memory");
			inventory_forget_items(inv);
		}
		json_object_put(body);
		inventory_trim();
		if (after == NULL) {
			inventory_forget_base(inv);
			goto acked;
		}
		json_object_put(inv->st.acked);
		inv->st.acked = after;
		inv->st.acked_version = version;
		if (rec->seq > inv->st.acked_sequence)
			inv->st.acked_sequence = rec->seq;
		inv->st.acked_time = time(NULL);
		log_info("inventory: the platform holds record %llu as "
		    "inventory version %lld", (unsigned long long)rec->seq,
		    (long long)version);
acked:
		inventory_save(inv);
		inventory_reconcile_soon(inv);
		return UPLOAD_ACK;
	}
	if (r->status == 409 && r->api_error != NULL &&
	    strcmp(r->api_error, "full_inventory_required") == 0) {
		/*
		 * Only a delta gets that answer (protocol 3.6): to a full
		 * snapshot it would drive snapshot after snapshot, so the
		 * record stays and goes again after the back-off.
		 */
		if ((is_ours && inv->st.pending_is_full) || (!is_ours &&
		    strncmp(rec->data, "{\"type\":\"full\"", 15) == 0)) {
			log_debug("inventory: 409 full_inventory_required to "
			    "the full snapshot in record %llu; it stays and "
			    "goes again after the back-off",
			    (unsigned long long)rec->seq);
			return UPLOAD_RETRY;
		}
		if (is_stale) {
			log_info("inventory: record %llu was already applied "
			    "before a restart; dropping the copy",
			    (unsigned long long)rec->seq);
			return UPLOAD_DROP;
		}
		inv->conflicts++;
		log_warnx("inventory: the platform does not hold the base of "
		    "record %llu (409 full_inventory_required: %s); sending a "
		    "full snapshot", (unsigned long long)rec->seq,
		    r->detail != NULL ? r->detail : "-");
		if (is_ours)
			inventory_clear_pending(inv);
		inventory_forget_base(inv);
		inventory_save(inv);
		inventory_reconcile_soon(inv);
		return UPLOAD_DROP;
	}
	if (upload_is_refusal(r)) {
		inv->refused++;
		report_error(inv->env->report, ERR_INVENTORY, "the platform "
		    "refused inventory record %llu (HTTP %ld): %s",
		    (unsigned long long)rec->seq, r->status,
		    r->detail != NULL ? r->detail : "-");
		if (is_ours) {
			inventory_clear_pending(inv);
			inventory_save(inv);
		}
		return UPLOAD_DROP;
	}
	/* Anything else (a redirect, a bad answer, 5xx): the record stays. */
	return UPLOAD_RETRY;
}

/* Read inventory.json, or start afresh. */
static void
inventory_load(struct inventory *inv)
{
	char	 err[256];
	int	 rc;

	rc = invstate_load(inv->env->conf->state_dir, &inv->st, err,
	    sizeof(err));
	if (rc == 0) {
		log_debug("inventory: %s/%s: acknowledged version %lld%s",
		    inv->env->conf->state_dir, INVSTATE_FILE_NAME,
		    (long long)inv->st.acked_version,
		    inv->st.pending_sequence != 0 ? ", a record pending" : "");
		return;
	}
	if (rc != -ENOENT)
		report_error(inv->env->report, ERR_STATE_UNREADABLE,
		    "%s/%s: %s; the next inventory upload is a full snapshot",
		    inv->env->conf->state_dir, INVSTATE_FILE_NAME, err);
	invstate_init(&inv->st, NULL);
}

/* Start the module. */
struct inventory *
inventory_new(const struct agent_env *env)
{
	struct inventory	*inv;
	struct upload_kind	 kind;

	if ((inv = calloc(1, sizeof(*inv))) == NULL) {
		log_warnx("inventory: out of memory");
		return NULL;
	}
	inv->env = env;
	inv->interval = INVENTORY_INTERVAL_DEFAULT;
	inv->profile_interval = INVENTORY_INTERVAL_DEFAULT;
	inv->digests = json_object_new_object();
	inv->counts = json_object_new_object();
	inv->failures = json_object_new_object();
	inv->root = strdup(env->conf->inventory_root != NULL ?
	    env->conf->inventory_root : "/");
	inv->scan_timer = evtimer_new(env->base, inventory_timer_cb, inv);
	inv->reconcile_ev = evtimer_new(env->base, inventory_reconcile_cb,
	    inv);
	inv->changes = invchange_new(env->base, inventory_changes_cb, inv);
	if (inv->root == NULL || inv->scan_timer == NULL ||
	    inv->reconcile_ev == NULL || inv->changes == NULL) {
		log_warnx("inventory: out of memory");
		inventory_ops.free(inv);
		return NULL;
	}
	inventory_load(inv);
	memset(&kind, 0, sizeof(kind));
	kind.kind = INVENTORY_KIND;
	kind.path = INVENTORY_PATH;
	kind.reply = inventory_reply;
	kind.arg = inv;
	if (env->upload != NULL && upload_register(env->upload, &kind) == -1)
		log_warnx("inventory: cannot register its uploads");
	if (env->manifests != NULL && manifests_subscribe(env->manifests,
	    "inventory", inventory_manifest_cb, inv) == -1)
		log_warnx("inventory: cannot follow the inventory manifest");
	return inv;
}

/* The interval in force: the manifest's, else the profile's. */
static void
inventory_set_interval(struct inventory *inv)
{
	int	 interval = inv->manifest_interval > 0 ?
		    inv->manifest_interval : inv->profile_interval;

	if (interval <= 0)
		interval = INVENTORY_INTERVAL_DEFAULT;
	if (interval == inv->interval)
		return;
	inv->interval = interval;
	log_info("inventory: scanning every %d s (from the %s)", interval,
	    inv->manifest_interval > 0 ? "inventory manifest" : "profile");
	if (inventory_is_active(inv) && inv->scan == NULL &&
	    evtimer_pending(inv->scan_timer, NULL))
		inventory_schedule_periodic(inv);
}

/* The profile's inventory_changes: to the change sources. */
static void
inventory_profile_changes(struct inventory *inv,
    const struct profile *profile)
{
	struct invchange_settings	 set;

	memset(&set, 0, sizeof(set));
	set.enabled = profile->changes_enabled;
	set.settle = profile->changes_settle;
	set.min_interval = profile->changes_min_interval;
	set.poll_interval = profile->changes_poll_interval;
	set.heartbeat_interval = profile->heartbeat_interval;
	invchange_configure(inv->changes, &set);
	/* Turned on: follow changes from now (once a full scan is done). */
	if (set.enabled && inventory_is_active(inv) && inv->have_full)
		invchange_start(inv->changes, inv->root,
		    inventory_enabled_mask(inv));
}

/* A profile is in force: interval, pause and the change sources. */
static void
inventory_profile(void *self, const struct profile *profile)
{
	struct inventory	*inv = self;
	int			 paused = profile->is_paused;
	int			 was_paused = inv->is_paused;

	inv->is_paused = paused;
	inv->profile_interval = profile->inventory_interval;
	inventory_profile_changes(inv, profile);
	if (paused && !was_paused) {
		log_info("inventory: data collection paused by the profile: "
		    "no scans, no inventory uploads");
		inventory_stop(inv, "data collection is paused by the "
		    "configuration profile (data_collection_paused)");
	} else if (!paused && was_paused && inv->agent_id != NULL) {
		log_info("inventory: data collection resumed; scanning");
		inventory_set_interval(inv);
		inventory_schedule(inv, INVENTORY_SOON);
		return;
	}
	inventory_set_interval(inv);
}

/*
 * An inventory manifest is active: its "collectors" (all when absent;
 * "services" is the listening collector) and "inventory_interval".
 */
static void
inventory_manifest_cb(const char *type, int64_t version,
    struct json_object *body, void *arg)
{
	struct inventory	*inv = arg;
	struct json_object	*list, *v, *old = inv->enabled, *names;
	const char		*name;
	int64_t			 interval = 0;
	size_t			 i;
	int			 added = 0, clamped;

	inv->manifest_version = version;
	inv->enabled = NULL;
	if (json_object_object_get_ex(body, "collectors", &list) &&
	    json_object_is_type(list, json_type_array)) {
		inv->enabled = json_object_new_object();
		for (i = 0; i < json_object_array_length(list); i++) {
			v = json_object_array_get_idx(list, i);
			if (!json_object_is_type(v, json_type_string))
				continue;
			name = json_object_get_string(v);
			if (strcmp(name, "services") == 0)
				name = "listening";
			if (collect_find(name) == NULL) {
				log_info("inventory: manifest %lld names "
				    "collector \"%.64s\", which this agent does "
				    "not have; ignored", (long long)version,
				    name);
				continue;
			}
			json_add_bool(inv->enabled, name, 1);
		}
	}
	inv->manifest_interval = 0;
	if (json_get_int64(body, "inventory_interval", &interval) == 0) {
		inv->manifest_interval = (int)answer_clamp(interval,
		    PROFILE_INVENTORY_MIN, PROFILE_INVENTORY_MAX, &clamped);
		if (clamped)
			log_warnx("inventory: manifest %lld: inventory_interval "
			    "%lld is outside the platform's %d..%d seconds; "
			    "using %d", (long long)version,
			    (long long)interval, PROFILE_INVENTORY_MIN,
			    PROFILE_INVENTORY_MAX, inv->manifest_interval);
	}
	names = inventory_collectors(inv);
	log_info("inventory: manifest version %lld: collectors %s",
	    (long long)version, json_object_to_json_string_ext(names,
	    JSON_C_TO_STRING_PLAIN));
	/* Collectors that were off and are on now need a full scan. */
	for (i = 0; i < json_object_array_length(names); i++) {
		name = json_object_get_string(json_object_array_get_idx(names,
		    i));
		if (old != NULL && !json_object_object_get_ex(old, name, NULL))
			added = 1;
	}
	json_object_put(names);
	json_object_put(old);
	inventory_set_interval(inv);
	if (!inventory_is_active(inv) || !inv->have_full)
		return;
	invchange_start(inv->changes, inv->root, inventory_enabled_mask(inv));
	if (added)
		inventory_start_scan(inv, INVENTORY_ALL, INVCHANGE_TIMER);
	else
		inventory_reconcile_soon(inv);
}

/* The identity: a new agent starts with a full snapshot. */
static void
inventory_identity(void *self, const struct state *st)
{
	struct inventory	*inv = self;
	int			 rc;

	if (st == NULL) {
		inventory_stop(inv, "the agent is no longer activated");
		free(inv->agent_id);
		inv->agent_id = NULL;
		if ((rc = invstate_remove(inv->env->conf->state_dir)) < 0)
			log_warnx("inventory: cannot remove %s/%s: %s",
			    inv->env->conf->state_dir, INVSTATE_FILE_NAME,
			    strerror(-rc));
		invstate_free(&inv->st);
		invstate_init(&inv->st, NULL);
		return;
	}
	if (inv->agent_id != NULL && strcmp(inv->agent_id, st->agent_id) == 0)
		return;
	free(inv->agent_id);
	inv->agent_id = strdup(st->agent_id);
	if (inv->st.agent_id == NULL ||
	    strcmp(inv->st.agent_id, st->agent_id) != 0) {
		if (inv->st.agent_id != NULL)
			log_info("inventory: %s/%s belonged to agent %s; "
			    "starting afresh for %s", inv->env->conf->state_dir,
			    INVSTATE_FILE_NAME, inv->st.agent_id,
			    st->agent_id);
		invstate_free(&inv->st);
		invstate_init(&inv->st, st->agent_id);
		inventory_save(inv);
	}
	if (!inv->is_paused && inv->scan == NULL)
		inventory_schedule(inv, INVENTORY_SOON);
}

/* An address came or went: the interfaces changed. */
static void
inventory_address(void *self, int is_added, const struct route_addr *ra)
{
	struct inventory	*inv = self;

	if (!inventory_is_active(inv) || !inv->have_full)
		return;
	invchange_note(inv->changes, invchange_section_bit("interfaces"));
}

/* A heartbeat is about to go: the polls ride on it. */
static void
inventory_heartbeat(void *self, struct json_object *body)
{
	struct inventory	*inv = self;

	if (inventory_is_active(inv) && inv->have_full)
		invchange_heartbeat(inv->changes);
}

/* The section of "outpostctl status". */
static struct json_object *
inventory_status(void *self)
{
	struct inventory	*inv = self;
	struct json_object	*o, *counts, *p;

	o = json_object_new_object();
	json_add_string(o, "state", inv->agent_id == NULL ? "not activated" :
	    inv->is_paused ? "paused" : inv->scan != NULL ? "scanning" :
	    "idle");
	json_add_bool(o, "paused", inv->is_paused);
	json_add_string(o, "root", inv->root);
	json_add_int64(o, "interval", inv->interval);
	json_object_object_add(o, "collectors", inventory_collectors(inv));
	json_add_int64(o, "manifest_version", inv->manifest_version);
	json_add_time(o, "last_scan", inv->st.last_scan);
	json_object_object_add(o, "last_scan_ms",
	    inventory_ms(inv->last_duration_ms));
	json_object_object_add(o, "longest_step_ms",
	    inventory_ms(inv->last_longest_ms));
	json_add_string(o, "longest_step_collector",
	    inv->last_longest_collector);
	json_object_object_add(o, "max_step_ms",
	    inventory_ms(inv->max_longest_ms));
	json_object_object_add(o, "finish_ms",
	    inventory_ms(inv->last_finish_ms));
	json_add_time(o, "next_scan", inventory_is_active(inv) ?
	    inv->next_scan : 0);
	json_add_int64(o, "scans", (int64_t)inv->scans);
	counts = json_object_new_object();
	json_object_object_foreach(inv->counts, key, val)
		json_add_int64(counts, key, json_object_get_int64(val));
	json_object_object_add(o, "sections", counts);
	json_add_int64(o, "inventory_version", inv->st.acked_version);
	json_add_int64(o, "acked_sequence", (int64_t)inv->st.acked_sequence);
	if (inv->st.pending_sequence != 0) {
		p = json_object_new_object();
		json_add_int64(p, "sequence",
		    (int64_t)inv->st.pending_sequence);
		json_add_string(p, "type", inv->st.pending_is_full ? "full" :
		    "delta");
		json_add_time(p, "since", inv->st.pending_time);
		json_object_object_add(o, "pending", p);
	} else
		json_object_object_add(o, "pending", NULL);
	json_add_int64(o, "uploads_full", (int64_t)inv->uploads_full);
	json_add_int64(o, "uploads_delta", (int64_t)inv->uploads_delta);
	json_add_int64(o, "unchanged", (int64_t)inv->unchanged);
	json_add_int64(o, "conflicts", (int64_t)inv->conflicts);
	json_add_int64(o, "refused", (int64_t)inv->refused);
	json_object_object_add(o, "last_upload",
	    json_object_get(inv->last_upload));
	json_object_object_add(o, "failures", json_object_get(inv->failures));
	json_object_object_add(o, "changes", invchange_status(inv->changes));
	return o;
}

/* The health check lines. */
static void
inventory_healthcheck(void *self, struct healthcheck *hc)
{
	struct inventory	*inv = self;
	char			 buf[512];
	size_t			 off = 0;

	if (inv->agent_id == NULL) {
		hc_add(hc, "inventory.collectors", HC_SKIP, NULL,
		    "not activated yet");
		return;
	}
	if (inv->is_paused) {
		hc_add(hc, "inventory.collectors", HC_SKIP, NULL,
		    "data collection is paused by the profile");
		return;
	}
	if (inv->scans == 0) {
		hc_add(hc, "inventory.collectors", HC_SKIP, NULL,
		    "no scan yet");
		return;
	}
	buf[0] = '\0';
	json_object_object_foreach(inv->failures, key, val) {
		if (off >= sizeof(buf))
			break;
		off += (size_t)snprintf(buf + off, sizeof(buf) - off,
		    "%s%s: %s", off ? "; " : "", key,
		    json_object_get_string(val));
	}
	if (json_object_object_length(inv->failures) > 0)
		hc_add(hc, "inventory.collectors", HC_WARN, "fix the file "
		    "named (or inventory_root in outpost.conf), then "
		    "\"outpostctl inventory-scan\"", "%s", buf);
	else
		hc_add(hc, "inventory.collectors", HC_PASS, NULL, "%d "
		    "sections collected; longest scan step %.1f ms",
		    json_object_object_length(inv->counts),
		    inv->last_longest_ms);
	if (inv->st.pending_sequence != 0 &&
	    time(NULL) - inv->st.pending_time > 2 * inv->interval)
		hc_add(hc, "inventory.upload", HC_WARN, "check the platform "
		    "connection (outpostctl status: spool)", "record %llu "
		    "waits for the platform since %lld s",
		    (unsigned long long)inv->st.pending_sequence,
		    (long long)(time(NULL) - inv->st.pending_time));
	else
		hc_add(hc, "inventory.upload", HC_PASS, NULL, "the platform "
		    "holds inventory version %lld%s",
		    (long long)inv->st.acked_version,
		    inv->st.pending_sequence != 0 ? "; a record is on its "
		    "way" : "");
}

/* The configuration was reloaded: a new root means a new scan. */
static void
inventory_reconfigure(void *self)
{
	struct inventory	*inv = self;
	const char		*root = inv->env->conf->inventory_root;
	char			*copy;

	if (root == NULL || strcmp(root, inv->root) == 0 ||
	    (copy = strdup(root)) == NULL)
		return;
	log_info("inventory: inventory_root is now %s; scanning it", root);
	free(inv->root);
	inv->root = copy;
	inv->have_full = 0;
	json_object_put(inv->digests);
	inv->digests = json_object_new_object();
	json_object_put(inv->counts);
	inv->counts = json_object_new_object();
	/* The watches follow the new root after its first full scan. */
	invchange_stop(inv->changes);
	if (inventory_is_active(inv))
		inventory_start_scan(inv, INVENTORY_ALL, INVCHANGE_TIMER);
}

/* Stop and free. */
static void
inventory_free(void *self)
{
	struct inventory	*inv = self;

	if (inv == NULL)
		return;
	inventory_stop(inv, "outpostd is stopping");
	if (inv->scan_timer != NULL)
		event_free(inv->scan_timer);
	invchange_free(inv->changes);
	collect_os_forget();
	if (inv->reconcile_ev != NULL)
		event_free(inv->reconcile_ev);
	json_object_put(inv->digests);
	json_object_put(inv->counts);
	json_object_put(inv->failures);
	json_object_put(inv->last_upload);
	json_object_put(inv->enabled);
	invstate_free(&inv->st);
	free(inv->agent_id);
	free(inv->root);
	free(inv);
}

/* Scan now for a client. */
void
inventory_scan_now(struct inventory *inv,
    void (*done)(struct json_object *, const char *, void *), void *arg)
{
	if (inv->agent_id == NULL) {
		done(NULL, "the agent is not activated yet; inventory scans "
		    "start after activation", arg);
		return;
	}
	if (inv->is_paused) {
		done(NULL, "data collection is paused by the configuration "
		    "profile (data_collection_paused); no scan", arg);
		return;
	}
	if (inv->nqueued == INVENTORY_WAITERS) {
		done(NULL, "too many scans asked for; try again in a moment",
		    arg);
		return;
	}
	log_info("inventory: scan requested through outpostctl");
	inv->queued[inv->nqueued].done = done;
	inv->queued[inv->nqueued].arg = arg;
	inv->nqueued++;
	/* The clients wait for a scan that starts after they asked. */
	inventory_start_scan(inv, INVENTORY_ALL, INVCHANGE_MANUAL);
}

const struct agent_module_ops inventory_ops = {
	.name = "inventory",
	.profile = inventory_profile,
	.identity = inventory_identity,
	.heartbeat = inventory_heartbeat,
	.address = inventory_address,
	.status = inventory_status,
	.healthcheck = inventory_healthcheck,
	.reconfigure = inventory_reconfigure,
	.free = inventory_free
};
