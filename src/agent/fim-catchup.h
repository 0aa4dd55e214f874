/*
 * fim-catchup.h: what changed while the agent was not watching
 * (fim-catchup.c): once the kernel audits our rules again, the watched
 * trees are listed and compared with the durable baseline (fim-journal.c);
 * without a usable baseline the listing becomes the baseline.
 */
#ifndef OUTPOST_FIM_CATCHUP_H
#define OUTPOST_FIM_CATCHUP_H

#include <stdint.h>
#include <time.h>

struct event;
struct fim;
struct fim_snapshot;
struct fim_walk;
struct json_object;

/* What the listing is for. */
enum fim_catchup_mode {
	FIM_CATCHUP_NONE = 0,
	FIM_CATCHUP_COMPARE,	/* compare with the baseline, report */
	FIM_CATCHUP_BUILD	/* list into a new baseline, report nothing */
};

/* The catch-up at start, and the listing of a new baseline. */
struct fim_catchup {
	enum fim_catchup_mode	 mode;
	int64_t			 from_sec;	/* the stop, or last sign
						   of life before a crash */
	int64_t			 since_sec;	/* audit records flow from */
	long			 since_nsec;
	int			 is_audited;	/* rules in and auditing on */
	int			 is_unclean;	/* the last stop was not */
	const char		*build_why;	/* why a new baseline */
	struct fim_snapshot	*scan;
	struct fim_walk		*walk;
	struct event		*ev;		/* the listing, slice by slice */
	char			**touched;	/* reported by audit */
	int			 ntouched;
	uint64_t		 events;	/* changes found */
	time_t			 done;
	const char		*state;
};

/* Make the timer. Returns 0, or -1 (out of memory). */
int	fim_catchup_init(struct fim *);
/* End a listing in progress ("stopped") and free the timer. */
void	fim_catchup_free(struct fim *);
/* At start: read the baseline the last run left (fim_journal_load). */
void	fim_catchup_load(struct fim *);
/* Collecting starts: compare with the baseline, or build one. */
void	fim_catchup_collect(struct fim *);
/* Start listing, once the kernel audits our rules. */
void	fim_catchup_start(struct fim *);
/* The catch-up looks at least up to now (the rules go in). */
void	fim_catchup_since_now(struct fim *);
/* The kernel audits our rules from now on: the listing may start. */
void	fim_catchup_audited(struct fim *);
/* Audit reported a change of path: not the catch-up's to report. */
void	fim_catchup_seen(struct fim *, const char *path);
/* The rules changed while collecting: a new baseline is listed. */
void	fim_catchup_rules_changed(struct fim *);
/* Not collecting: no listing, and no baseline kept. */
void	fim_catchup_pause(struct fim *);
/* At a clean stop, rules still in: finish a new baseline if quick. */
void	fim_catchup_stop(struct fim *);
/* Add the status object "catch_up" to o. */
void	fim_catchup_status(const struct fim *, struct json_object *o);

#endif /* OUTPOST_FIM_CATCHUP_H */
