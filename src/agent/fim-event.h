/*
 * fim-event.h: the FIM module's record path (fim-event.c): records from
 * the audit transport into the assembler, assembled events decoded and
 * matched against the rules, and FIM events written for the queue.
 */
#ifndef OUTPOST_FIM_EVENT_H
#define OUTPOST_FIM_EVENT_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "audit.h"
#include "fim-queue.h"

struct fim;
struct fim_change;
struct fim_raw_event;

/* The record path's buffers and counters. */
struct fim_events {
	struct fim_change	*changes;	/* FIM_CHANGES_MAX, reused */
	struct fim_text		 text;		/* the event being written */
	uint64_t		 matched;	/* events a rule wanted */
	uint64_t		 ignored_self;	/* syscalls of this process */
	uint64_t		 unresolved;	/* paths guessed */
	uint64_t		 bad_records;	/* refused or undecodable */
	time_t			 last;		/* of the last matched event */
	int64_t			 stamp_ms;	/* newest record read */
};

/* Allocate the buffers. Returns 0, or -1 (out of memory). */
int	fim_event_init(struct fim *);
/* Free the buffers. */
void	fim_event_free(struct fim *);
/* The transport's record callback: into the assembler. */
void	fim_event_record_cb(int type, const char *text, size_t len,
	    enum audit_source, void *arg);
/* The assembler's callback: an assembled event into FIM events. */
void	fim_event_cb(const struct fim_raw_event *, void *arg);
/* Read now the records the kernel delivered (both sockets in a handover). */
void	fim_event_drain(struct fim *);

#endif /* OUTPOST_FIM_EVENT_H */
