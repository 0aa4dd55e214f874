/*
 * fim-journal.h: the FIM module's durable baseline (fim-journal.c): the
 * watched trees as the platform was last told about them, kept in memory
 * and on disk as a snapshot (state_dir/fim-baseline) plus a journal of
 * what changed since (state_dir/fim-journal), so that a crash loses
 * neither a change nor, for the events already read, who made it.
 *
 * The files are read back by fim-replay.c.
 */
#ifndef OUTPOST_FIM_JOURNAL_H
#define OUTPOST_FIM_JOURNAL_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "fim-queue.h"
#include "fim-replay.h"
#include "fim-scan.h"

struct event;
struct fim;
struct json_object;

/* The durable baseline and its journal. */
struct fim_journal {
	struct fim_snapshot	*base;		/* NULL: none */
	struct fim_snap_header	 hdr;		/* of the files on disk */
	int			 fd;		/* the journal, or -1 */
	int			 is_open;	/* journalling (collecting) */
	int			 is_broken;	/* a write failed: rewrite */
	uint64_t		 bytes;		/* in the journal file */
	uint64_t		 dev;		/* of the journal file */
	uint64_t		 ino;
	struct fim_text		 buf;		/* lines not written yet */
	struct event		*flush;		/* writes buf at loop end */
	struct fim_pending	*pending;	/* FIFO from pending_first */
	size_t			 npending;
	size_t			 pending_first;
	size_t			 pending_cap;
	int64_t			 last_line_ms;	/* wall clock */
	uint64_t		 compactions;
	uint64_t		 write_errors;
	int			 error;		/* errno of the failure */
	/* What the start found. */
	int			 is_unclean;	/* the last stop was not */
	int64_t			 alive_sec;	/* unclean: last sign of life */
	struct fim_pending	*recovered;	/* to send again */
	size_t			 nrecovered;
	struct fim_snapshot	*dirty;		/* paths not settled yet */
	struct fim_snapshot	*attributed;	/* their changes: the
						   recovered events' */
	uint64_t		 recovered_total;
	const char		*load_state;
};

/* Make the flush event. Returns 0, or -1 (out of memory). */
int	fim_journal_init(struct fim *);
/* Write what is buffered, close, free. */
void	fim_journal_free(struct fim *);
/*
 * At start: read the snapshot and journal the last run left, replay them
 * into the baseline, and find the events that never reached the spool.
 */
void	fim_journal_load(struct fim *);
/* Is the baseline complete and of the rules in force? */
int	fim_journal_base_ok(const struct fim *);
/* A new, empty baseline for the rules in force (the walk fills it). */
int	fim_journal_reset(struct fim *);
/* The walk listed every watched file: the baseline is complete. */
void	fim_journal_complete(struct fim *);
/*
 * Start journalling (collecting starts): queue again the events that
 * never reached the spool, then write a new snapshot and journal.
 * Returns 0, or -1 (logged and reported).
 */
int	fim_journal_begin(struct fim *);
/* The id the next journalled event gets. */
uint64_t fim_journal_next_id(const struct fim *);
/*
 * Event id (queued as text, len bytes) changed the baseline by the n
 * updates: apply them, and journal both. text NULL: updates only.
 */
void	fim_journal_event(struct fim *, uint64_t id, const char *text,
	    size_t len, const struct fim_update *, int n);
/* The state of path now into f (path not copied). Returns 0, or -1. */
int	fim_journal_stat(const char *path, struct fim_fstate *f);
/* From the poll: a sign of life, compaction, the files still there. */
void	fim_journal_tick(struct fim *);
/*
 * After an unclean stop: is the difference the catch-up finds on path the
 * change of an event sent again (its file was never looked at)?
 */
int	fim_journal_is_attributed(const struct fim *, const char *path);
/* The catch-up is over: the baseline is settled, attribution ends. */
void	fim_journal_caught_up(struct fim *);
/*
 * Stop journalling. With is_clean (a clean stop), the baseline is written
 * for the next start; otherwise the files are removed (collection paused,
 * uninstalled).
 */
void	fim_journal_stop(struct fim *, int is_clean);
/* Remove the files of the baseline (uninstall). */
void	fim_journal_remove(struct fim *);
/* The queue's hooks (fim-queue.h), arg being the module. */
extern const struct fim_queue_hooks fim_journal_hooks;
/* Add the status object "baseline" to o. */
void	fim_journal_status(const struct fim *, struct json_object *o);

#endif /* OUTPOST_FIM_JOURNAL_H */
