/*
 * report.h: the agent's error reports. Every failure of every subsystem
 * goes through report_error(): logged with its code, kept as a standing
 * error for "outpostctl status" until its cause is cleared, and reported
 * to the platform through the upload queue (spooled, so a report survives
 * a restart), or with the next heartbeat when the spool cannot take it.
 */
#ifndef OUTPOST_REPORT_H
#define OUTPOST_REPORT_H

#include <stdint.h>

#include "errors.h"

struct json_object;
struct report;
struct upload;

/* A new, empty set of reports. Returns it, or NULL (out of memory). */
struct report	*report_new(void);
/*
 * Report through upload from now on (registers the "errors" kind and
 * takes the queue's own errors); NULL: heartbeats only.
 */
void		 report_set_upload(struct report *, struct upload *);
/*
 * Log an error of code with its detail, keep it standing, report it. An
 * error whose code is standing with the same cause (error_cause_text():
 * the detail but for varying counts) is not logged or reported again; the
 * standing one takes its message.
 */
void		 report_error(struct report *, enum error_code,
		    const char *, ...) __attribute__((format(printf, 3, 4)));
/*
 * The same for a loss over the time window from..to (seconds since the
 * epoch) of count things (-1: unknown): the report carries "window" and
 * "count" (docs/protocol.md 3.8). Always reported.
 */
void		 report_window(struct report *, enum error_code, int64_t from,
		    int64_t to, int64_t count, const char *, ...)
		    __attribute__((format(printf, 6, 7)));
/* Keep and report an error the caller logged itself (message: detail). */
void		 report_record(struct report *, enum error_code,
		    const char *message);
/* Call fn(arg) each time a write failure (E502) is reported. */
void		 report_set_write_hook(struct report *, void (*fn)(void *),
		    void *arg);
/* Clear the standing error of code (its cause went away). */
void		 report_clear(struct report *, enum error_code);
/* Clear every standing error that a good exchange with the platform
 * disproves (network, TLS, proxy, HTTP and answer errors). */
void		 report_clear_transport(struct report *);
/*
 * The reports waiting for a heartbeat, as its "errors" array; they stay
 * in flight until report_heartbeat_done(). Returns the array.
 */
struct json_object *report_heartbeat_errors(struct report *);
/*
 * The standing errors but the transport ones, as a heartbeat's
 * "current_errors" array. Returns a new array.
 */
struct json_object *report_current_errors(struct report *);
/* The heartbeat carrying them was stored (1) or failed (0). */
void		 report_heartbeat_done(struct report *, int is_delivered);
/* Add the standing errors and the report counters to a status object. */
void		 report_status(struct report *, struct json_object *st);
/* Free the reports. */
void		 report_free(struct report *);

#endif /* OUTPOST_REPORT_H */
