/*
 * worker.h: a helper thread for slow work of requests (worker.c), so the
 * event loop never waits for it: password hashing for sign-ins and new
 * passwords. server.c hands it a request's api_job and answers the
 * request when the job is done.
 */
#ifndef OUTPOST_WORKER_H
#define OUTPOST_WORKER_H

#include <stddef.h>

struct event_base;
struct worker;

/* Work to run on the thread. */
typedef void	 worker_run_fn(void *);
/* Back on the loop: ran is 0 when the worker stopped before running it. */
typedef void	 worker_done_fn(void *, int ran);

struct worker	*worker_new(struct event_base *, size_t max_queued);
int		 worker_submit(struct worker *, worker_run_fn *,
		    worker_done_fn *, void *);
void		 worker_free(struct worker *);
size_t		 worker_queued(struct worker *);

#endif /* OUTPOST_WORKER_H */
