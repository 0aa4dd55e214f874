/*
 * metrics.h: GET /metrics (metrics.c), the platform's figures in the
 * Prometheus text exposition format: plain counters the server bumps on
 * its hot path (requests by endpoint and status, latency histograms,
 * group commits), read and formatted only when scraped, with what the
 * server and the store say at that moment (connections, queue depths,
 * agents online, the process's CPU and memory).
 */
#ifndef OUTPOST_METRICS_H
#define OUTPOST_METRICS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "api.h"

struct json_object;
struct metrics;

/* What the server holds at the moment of a scrape. */
struct metrics_gauges {
	int64_t			 answers_waiting;	/* for the commit */
	int64_t			 worker_queued;		/* password checks */
	int64_t			 sync_lag;		/* commits not synced */
	int64_t			 wal_pages;
	struct json_object	*connections;	/* conns_status_json() */
};

/* Pseudo-endpoints beside the API routes. */
#define METRICS_ROUTE_CONSOLE	(-2)	/* the console's static files */
#define METRICS_ROUTE_NONE	(-1)	/* no route: 404, 405, refused */

struct metrics	*metrics_new(void);
void		 metrics_free(struct metrics *);
/* Count a request answered with status after nsec, by route index. */
void		 metrics_request(struct metrics *, int route, int status,
		    uint64_t nsec);
/* Count a group commit of answers that took nsec (failed: 1). */
void		 metrics_commit(struct metrics *, uint64_t nsec, size_t answers,
		    int failed);
/* Write every counter and the gauges g (may be NULL) to f. */
void		 metrics_write(struct metrics *, const struct metrics_gauges *,
		    FILE *);
/* A monotonic clock in nanoseconds, for the latencies. */
uint64_t	 metrics_now(void);

api_handler	 metrics_get;

#endif /* OUTPOST_METRICS_H */
