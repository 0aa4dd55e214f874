/*
 * fim-loss.h: what the FIM module lost, by cause (fim-loss.c): records the
 * kernel dropped (its lost counter), serial gaps, socket overruns, events
 * over our queue and batches the spool refused; reported as E704. And the
 * who-data of the window of an unclean stop (fim-catchup.c, E706).
 */
#ifndef OUTPOST_FIM_LOSS_H
#define OUTPOST_FIM_LOSS_H

#include <stdint.h>
#include <time.h>

#include "audit.h"

struct fim;
struct json_object;

/* The losses counted here; the others are the assembler's and queue's. */
struct fim_loss {
	uint32_t	 last_lost;	/* the kernel's counter, last seen */
	int		 has_last_lost;
	uint64_t	 kernel;	/* records the kernel dropped */
	uint64_t	 socket;	/* socket overruns */
	uint64_t	 unclean;	/* unclean stops: a window of who-data */
	uint64_t	 who;		/* changes found in such a window */
	uint64_t	 reported;	/* the total of the last E704 */
	time_t		 reported_at;
};

/* Note the kernel's lost counter (AUDIT_GET); its growth is ours. */
void	fim_loss_kernel(struct fim *, uint32_t lost);
/* Collecting again: the kernel's counter counts from the next look. */
void	fim_loss_restart(struct fim *);
/* The transport's overrun callback: count it if it was our socket. */
void	fim_loss_overrun_cb(enum audit_source, void *arg);
/* Report the losses (E704), at most once a minute while they grow. */
void	fim_loss_report(struct fim *);
/* Add the loss counters (lost_total, lost_kernel, ...) to o. */
void	fim_loss_status(struct fim *, struct json_object *o);

#endif /* OUTPOST_FIM_LOSS_H */
