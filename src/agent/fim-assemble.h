/*
 * fim-assemble.h: the records of the kernel audit system put together into
 * events by serial. Pure code: no I/O, no clock (the caller says what time
 * it is).
 *
 * The assembler groups records by serial, drops the second copy of a
 * record that came by both unicast and multicast (during a handover),
 * flushes an event at EOE or after a timeout, and counts the serials that
 * never arrived (gaps).
 */
#ifndef OUTPOST_FIM_ASSEMBLE_H
#define OUTPOST_FIM_ASSEMBLE_H

#include <stddef.h>
#include <stdint.h>

#include "fim-record.h"

/* What the assembler counted. */
struct fim_asm_stats {
	uint64_t	records;	/* accepted */
	uint64_t	events;		/* emitted */
	uint64_t	duplicates;	/* second copies dropped */
	uint64_t	malformed;	/* records refused */
	uint64_t	incomplete;	/* emitted without EOE (timeout) */
	uint64_t	partial;	/* syscall records without SYSCALL */
	uint64_t	evicted;	/* emitted early: table full */
	uint64_t	truncated;	/* records beyond FIM_EVENT_RECORDS */
	uint64_t	gaps;		/* serials that never arrived */
};

struct fim_assembler;

/* Called with each finished event (valid during the call). */
typedef void	(*fim_event_fn)(const struct fim_raw_event *, void *arg);

/*
 * A new assembler: events go to fn; an event without EOE is flushed
 * timeout_ms after its first record. Returns it, or NULL.
 */
struct fim_assembler *fim_asm_new(fim_event_fn fn, void *arg,
		    unsigned int timeout_ms);
/*
 * Add one record of type from source at now_ms. Returns 0 (taken), 1 (a
 * duplicate, dropped), or -1 (malformed, reason in err).
 */
int		 fim_asm_add(struct fim_assembler *, int type, const char *text,
		    size_t len, int source, uint64_t now_ms, char *err,
		    size_t errlen);
/*
 * Flush events older than the timeout and account for serials below the
 * highest seen one tick ago that never arrived. Call it every few hundred
 * milliseconds.
 */
void		 fim_asm_tick(struct fim_assembler *, uint64_t now_ms);
/* Flush every event in progress (shutdown, pause). */
void		 fim_asm_flush(struct fim_assembler *);
/* Forget serials: the next record starts a new sequence (after a pause). */
void		 fim_asm_restart(struct fim_assembler *);
/* The counters. */
void		 fim_asm_stats(const struct fim_assembler *,
		    struct fim_asm_stats *);
/* Free the assembler (events in progress are dropped). */
void		 fim_asm_free(struct fim_assembler *);

#endif /* OUTPOST_FIM_ASSEMBLE_H */
