/*
 * fim-catchup.h: what changed while the agent was stopped (fim-catchup.c):
 * the watched trees listed at stop into the state directory, and compared
 * with a new listing once the kernel audits our rules again.
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

/* The catch-up at start and the listing at stop. */
struct fim_catchup {
	struct fim_snapshot	*baseline;	/* listed at the last stop */
	char			 baseline_sig[65];
	int64_t			 stopped_sec;
	long			 stopped_nsec;
	int64_t			 since_sec;	/* audit records flow from here */
	long			 since_nsec;
	int			 is_audited;	/* rules in and auditing enabled */
	struct fim_snapshot	*scan;
	struct fim_walk		*walk;
	struct event		*ev;		/* the listing, slice by slice */
	struct fim_snapshot	*stop_snap;	/* listed at stop */
	char			**touched;	/* reported by audit */
	int			 ntouched;
	uint64_t		 events;	/* changes found */
	time_t			 done;
	const char		*state;
};

/* Make the timer. Returns 0, or -1 (out of memory). */
int	fim_catchup_init(struct fim *);
/* End a catch-up in progress ("stopped") and free the timer. */
void	fim_catchup_free(struct fim *);
/* At start: read the listing of the last stop (and remove the file). */
void	fim_catchup_load(struct fim *);
/* Start comparing, once the kernel audits our rules. */
void	fim_catchup_start(struct fim *);
/* The catch-up looks at least up to now (the rules go in). */
void	fim_catchup_since_now(struct fim *);
/* The kernel audits our rules from now on: the catch-up may start. */
void	fim_catchup_audited(struct fim *);
/* Audit reported a change of path: not the catch-up's, and re-listed. */
void	fim_catchup_seen(struct fim *, const char *path);
/* The rules changed: a catch-up pending or running is pointless. */
void	fim_catchup_rules_changed(struct fim *);
/* Not collecting: not audited, and no catch-up. */
void	fim_catchup_pause(struct fim *);
/* At stop, while our rules are in: list the watched trees. */
void	fim_catchup_list(struct fim *);
/* At stop, once our rules are out: write the listing for the next start. */
void	fim_catchup_save(struct fim *);
/* Add the status object "catch_up" to o. */
void	fim_catchup_status(const struct fim *, struct json_object *o);

#endif /* OUTPOST_FIM_CATCHUP_H */
