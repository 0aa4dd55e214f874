/*
 * invchange.h: when the host changed, for the inventory (inventory.h).
 *
 * The change sources of each section, on the event base: the files the
 * package managers and the account tools rewrite (watch.h: inotify on
 * Linux), the address changes the route tracker reports, and, for what no
 * kernel notification covers (listening sockets, modules, interfaces,
 * host name, OS release, CPU, memory), a poll every poll_interval that
 * rides on the heartbeat when one comes, so it costs no wake-up of its
 * own. A change waits until things settle (settle seconds without a new
 * one, at most ten times that; while dpkg, apt or rpm holds its lock,
 * until it lets go, at most INVCHANGE_LOCK_MAX), and a section is
 * collected again for a change at most once per min_interval after its
 * last upload. Then the inventory is asked to scan the sections that
 * changed, only those (the scan function); its upload decision compares
 * digests as for any scan.
 *
 * Sections are bits: bit i is collect_table[i] (collect.h).
 */
#ifndef OUTPOST_INVCHANGE_H
#define OUTPOST_INVCHANGE_H

#include <stdint.h>
#include <time.h>

struct event_base;
struct json_object;
struct invchange;

#define INVCHANGE_LOCK_MAX	600	/* s: longest wait for a held lock */
#define INVCHANGE_SECTIONS	16	/* bits of a section mask */
#define INVCHANGE_LOCK_RECHECK	60	/* s: lock_recheck with inotify */

/* What made a scan. */
enum invchange_trigger {
	INVCHANGE_TIMER = 0,	/* the interval scan, the first one */
	INVCHANGE_POLL,		/* a poll (shown as "timer") */
	INVCHANGE_WATCH,	/* a change source (file, address) */
	INVCHANGE_MANUAL	/* outpostctl inventory-scan */
};

/* The profile's inventory_changes (docs/protocol.md 3.4). */
struct invchange_settings {
	int	 enabled;	/* change-driven scans at all */
	int	 settle;	/* s without a change before a scan */
	int	 min_interval;	/* s between uploads of a section */
	int	 poll_interval;	/* s between polls; 0: none */
	int	 heartbeat_interval;	/* s: the polls ride on it */
	/*
	 * s between looks at a held lock; 0: every settle. The tracker sets
	 * it: with inotify a lock's release is an event (its holder closes
	 * it), so it is only a safety net there.
	 */
	int	 lock_recheck;
};

/* One section's bookkeeping (monotonic milliseconds; 0: never). */
struct invchange_section {
	uint64_t	 first_pending;	/* oldest change not scanned yet */
	uint64_t	 last_change;	/* newest change seen */
	uint64_t	 last_upload;	/* last record carrying it */
};

/* Asked of the inventory: scan these sections now. */
typedef void	(*invchange_scan_fn)(unsigned int sections,
		    enum invchange_trigger, void *arg);

/* A new tracker on base (stopped). Returns it, or NULL (logged). */
struct invchange	*invchange_new(struct event_base *, invchange_scan_fn,
			    void *arg);
/* Stop and free. */
void	invchange_free(struct invchange *);
/* Apply the profile's settings (restarts the sources when running). */
void	invchange_configure(struct invchange *,
	    const struct invchange_settings *);
/*
 * Follow the changes of the host below root ("/" or a prepared tree) for
 * the sections in enabled; called again (after each full scan) it adds the
 * watches of directories that appeared since.
 */
void	invchange_start(struct invchange *, const char *root,
	    unsigned int enabled);
/* Stop following: no watch, no timer, nothing pending. */
void	invchange_stop(struct invchange *);
/* A change of sections seen by a source (the route tracker). */
void	invchange_note(struct invchange *, unsigned int sections);
/* The agent is awake for a heartbeat: poll now if one is half due. */
void	invchange_heartbeat(struct invchange *);
/* A scan of sections started: it covers the changes seen so far. */
void	invchange_scanned(struct invchange *, unsigned int sections);
/*
 * A record carrying sections was spooled; triggers[i] is what made the
 * scan of section i (an enum invchange_trigger).
 */
void	invchange_uploaded(struct invchange *, unsigned int sections,
	    const unsigned char *triggers);
/* The "changes" member of the inventory status (new). */
struct json_object *invchange_status(struct invchange *);
/* The bit of section name (collect_table), or 0: no such collector. */
unsigned int	invchange_section_bit(const char *name);
/* "timer", "watch" or "manual". */
const char	*invchange_trigger_name(enum invchange_trigger);

/*
 * The pure decision: of the n sections, those whose changes are due for a
 * scan at now (ms), given the sections whose lock is held (locked) and
 * the settings. *next gets the time of the next decision (0: none).
 */
unsigned int	invchange_due(const struct invchange_section *, int n,
		    unsigned int locked, const struct invchange_settings *,
		    uint64_t now, uint64_t *next);

#endif /* OUTPOST_INVCHANGE_H */
