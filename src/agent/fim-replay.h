/*
 * fim-replay.h: the files of the FIM module's durable baseline read back
 * (fim-replay.c, pure code, fuzzed): a snapshot's pending events and
 * dirty paths, the journal replayed over it, and what that leaves; and
 * the updates of the baseline, as fim-journal.c applies them too.
 */
#ifndef OUTPOST_FIM_REPLAY_H
#define OUTPOST_FIM_REPLAY_H

#include <stddef.h>
#include <stdint.h>

#include "fim-scan.h"

#define FIM_JOURNAL_MAGIC	"outpost-fim-journal 1"

/* One event journalled and not yet in a spooled batch. */
struct fim_pending {
	uint64_t	 id;
	char		*text;		/* the event's JSON */
	size_t		 len;
};

/*
 * One change of the baseline: path now has state (NULL: it is gone); with
 * from, path is the new name of from (a rename: its entry and those below
 * it move). With is_dirty, path's state is not known yet: it is settled
 * once the queue looked at the file (and every record up to the file's
 * change time was read), and until then a crash leaves the change to the
 * event sent again (fim_journal_is_attributed()).
 */
struct fim_update {
	const char		*path;
	const char		*from;
	const struct fim_fstate	*state;
	int			 is_dirty;
};

/* Append a copy of text as event id to *p (n, cap). Returns 0, or -1. */
int	fim_pending_add(struct fim_pending **, size_t *n, size_t *cap,
	    uint64_t id, const char *text, size_t len);
/* Free n pending events and the array. */
void	fim_pending_free(struct fim_pending *, size_t n);
/*
 * Apply update u to base; dirty (may be NULL) is the set of paths whose
 * state is not settled: a dirty update adds to it, others take it out.
 */
void	fim_update_apply(struct fim_snapshot *base, struct fim_snapshot *dirty,
	    const struct fim_update *u);

struct fim_replay;

/* A new replay. Returns it, or NULL (out of memory). */
struct fim_replay *fim_replay_new(void);
/* Replay into base (not taken) a journal of generation. */
void	fim_replay_base(struct fim_replay *, struct fim_snapshot *base,
	    uint64_t generation);
/* What a snapshot holds besides its entries, for replay r, into x. */
void	fim_replay_extra_for(struct fim_snap_extra *x, struct fim_replay *r);
/*
 * Replay the journal text: its header line, then one JSON line each. A
 * torn or damaged line ends the replay there (what follows it is not
 * trusted). Returns the lines applied, or -1 with err when the header is
 * not of this generation.
 */
int	fim_replay_text(struct fim_replay *, const char *text, size_t len,
	    char *err, size_t errlen);
/*
 * The events that never reached the spool: is_held(seq, arg) says whether
 * spool record seq is still there. Moved into *out (n of them).
 */
size_t	fim_replay_lost(struct fim_replay *,
	    int (*is_held)(uint64_t seq, void *), void *arg,
	    struct fim_pending **out);
/*
 * The paths not settled when the files were written (moved into *out, a
 * set), and of those the ones changed by one of the lost events (into
 * *attributed).
 */
void	fim_replay_dirty(struct fim_replay *, const struct fim_pending *lost,
	    size_t nlost, struct fim_snapshot **out,
	    struct fim_snapshot **attributed);
/* The last sign of life the files give (milliseconds), and the next id. */
int64_t	fim_replay_alive_ms(const struct fim_replay *);
uint64_t fim_replay_next_id(const struct fim_replay *);
void	fim_replay_free(struct fim_replay *);

#endif /* OUTPOST_FIM_REPLAY_H */
