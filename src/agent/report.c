/*
 * report.c: the agent's error reports (report.h). A standing error per
 * code (the newest message and time) answers "outpostctl status"; each
 * report goes into the upload queue as an "errors" record, and only when
 * the queue cannot take it (no spool, disk full) into a bounded memory
 * queue that rides on the next heartbeat. The overflow of that queue is
 * counted, never silent.
 */
#include "config.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <json-c/json.h>

#include "jsonutil.h"
#include "log.h"
#include "report.h"
#include "upload-queue.h"

#define REPORT_QUEUE_MAX	100	/* errors waiting for a heartbeat */
#define REPORT_MESSAGE_MAX	512

/* One error: standing (shown in status) or waiting to be reported. */
struct report_err {
	enum error_code	 code;
	char		 message[REPORT_MESSAGE_MAX];
	char		 cause[REPORT_MESSAGE_MAX];	/* error_cause_text() */
	time_t		 time;
	int		 has_window;	/* a loss over a time window */
	int64_t		 from;
	int64_t		 to;
	int64_t		 count;		/* -1: unknown */
};

struct report {
	struct upload		*upload;
	int			 is_putting;	/* report_put() running */
	struct report_err	 standing[ERR_MAX];
	int			 is_standing[ERR_MAX];
	struct report_err	 queue[REPORT_QUEUE_MAX];
	int			 nqueued;
	int			 nin_flight;	/* sent with a heartbeat */
	unsigned long		 dropped;
	unsigned long		 sent;
	unsigned long		 repeats;	/* same cause, not reported */
	void			(*write_hook)(void *);
	void			*write_arg;
};

/* A new set of reports. Returns it, or NULL. */
struct report *
report_new(void)
{
	return calloc(1, sizeof(struct report));
}

/* The upload queue's own errors (spool full, spool unwritable). */
static void
report_upload_error(enum error_code code, const char *message, void *arg)
{
	report_error(arg, code, "%s", message);
}

/* Report through upload from now on. */
void
report_set_upload(struct report *r, struct upload *upload)
{
	static const struct upload_kind report_errors_kind = {
		"errors", "/agent/v1/errors", NULL, NULL
	};

	r->upload = upload;
	if (upload != NULL) {
		upload_set_error_fn(upload, report_upload_error, r);
		upload_register(upload, &report_errors_kind);
	}
}

/* Queue an error for a heartbeat (bounded; the overflow is counted). */
static void
report_queue(struct report *r, const struct report_err *e)
{
	if (r->nqueued == REPORT_QUEUE_MAX) {
		/* Keep the newest: drop the oldest not in flight. */
		if (r->nin_flight >= r->nqueued) {
			r->dropped++;
			return;
		}
		memmove(&r->queue[r->nin_flight], &r->queue[r->nin_flight + 1],
		    (size_t)(r->nqueued - r->nin_flight - 1) *
		    sizeof(r->queue[0]));
		r->nqueued--;
		r->dropped++;
	}
	r->queue[r->nqueued++] = *e;
}

/* One error as the platform takes it. Returns a new object. */
static struct json_object *
report_err_json(const struct report_err *e)
{
	struct json_object	*o = json_object_new_object();

	struct json_object	*w;

	json_add_string(o, "code", error_id(e->code));
	json_add_string(o, "message", e->message);
	json_add_int64(o, "time", (int64_t)e->time);
	if (e->has_window) {
		w = json_object_new_object();
		json_add_int64(w, "from", e->from);
		json_add_int64(w, "to", e->to);
		json_object_object_add(o, "window", w);
		if (e->count >= 0)
			json_add_int64(o, "count", e->count);
	}
	return o;
}

/*
 * Put an error into the upload queue; when it cannot take it (disk
 * full), keep it in memory for the next heartbeat.
 */
static void
report_put(struct report *r, const struct report_err *e)
{
	struct json_object	*body, *errors;
	int64_t			 seq = -1;

	/* The queue's own errors arrive here while it is putting. */
	if (r->upload != NULL && !r->is_putting) {
		r->is_putting = 1;
		body = json_object_new_object();
		errors = json_object_new_array();
		json_object_array_add(errors, report_err_json(e));
		json_object_object_add(body, "errors", errors);
		seq = upload_put(r->upload, "errors", body);
		json_object_put(body);
		r->is_putting = 0;
	}
	if (seq < 0)
		report_queue(r, e);
}

/*
 * Is e the standing error of its code again, with the same cause? The
 * standing one then takes e's message and time.
 */
static int
report_is_repeat(struct report *r, const struct report_err *e)
{
	struct report_err	*st = &r->standing[e->code];

	if (!r->is_standing[e->code] || e->has_window ||
	    strcmp(st->cause, e->cause) != 0)
		return 0;
	memcpy(st->message, e->message, sizeof(st->message));
	st->time = e->time;
	r->repeats++;
	return 1;
}

/* Fill e: code, its detail message, the cause, now. */
static void
report_fill(struct report_err *e, enum error_code code, const char *message)
{
	if (code <= ERR_NONE || code >= ERR_MAX)
		code = ERR_INTERNAL;
	memset(e, 0, sizeof(*e));
	e->code = code;
	e->time = time(NULL);
	e->count = -1;
	snprintf(e->message, sizeof(e->message), "%s: %s", error_message(code),
	    message);
	error_cause_text(message, e->cause, sizeof(e->cause));
}

/* Keep e standing and report it (logged by the caller). */
static void
report_keep(struct report *r, const struct report_err *e)
{
	r->standing[e->code] = *e;
	r->is_standing[e->code] = 1;
	report_put(r, e);
	if (e->code == ERR_WRITE_FAILURE && r->write_hook != NULL)
		r->write_hook(r->write_arg);
}

/* Keep and report an error the caller logged itself. */
void
report_record(struct report *r, enum error_code code, const char *message)
{
	struct report_err	 e;

	report_fill(&e, code, message);
	if (!report_is_repeat(r, &e))
		report_keep(r, &e);
}

/* Log, keep and report an error of code, once per cause. */
static void
report_verror(struct report *r, struct report_err *e, const char *fmt,
    va_list ap)
{
	char	 message[REPORT_MESSAGE_MAX];

	vsnprintf(message, sizeof(message), fmt, ap);
	report_fill(e, e->code, message);
	if (report_is_repeat(r, e)) {
		log_debug("%s again (same cause): %s", error_id(e->code),
		    message);
		return;
	}
	log_warnx("%s %s: %s", error_id(e->code), error_message(e->code),
	    message);
	report_keep(r, e);
}

/* Log, keep and report an error of code. */
void
report_error(struct report *r, enum error_code code, const char *fmt, ...)
{
	struct report_err	 e;
	va_list			 ap;

	memset(&e, 0, sizeof(e));
	e.code = code;
	va_start(ap, fmt);
	report_verror(r, &e, fmt, ap);
	va_end(ap);
}

/* The same for a loss over the window from..to, of count things. */
void
report_window(struct report *r, enum error_code code, int64_t from,
    int64_t to, int64_t count, const char *fmt, ...)
{
	struct report_err	 e;
	va_list			 ap;
	char			 message[REPORT_MESSAGE_MAX];

	va_start(ap, fmt);
	vsnprintf(message, sizeof(message), fmt, ap);
	va_end(ap);
	report_fill(&e, code, message);
	e.has_window = 1;
	e.from = from;
	e.to = to;
	e.count = count;
	log_warnx("%s %s: %s", error_id(code), error_message(code), message);
	report_keep(r, &e);
}

/* Call fn(arg) whenever a write failure (E502) is reported. */
void
report_set_write_hook(struct report *r, void (*fn)(void *), void *arg)
{
	r->write_hook = fn;
	r->write_arg = arg;
}

/* Clear the standing error of code. */
void
report_clear(struct report *r, enum error_code code)
{
	if (code > ERR_NONE && code < ERR_MAX)
		r->is_standing[code] = 0;
}

/*
 * Errors that a successful exchange with the platform disproves: a whole
 * check-in that went through, with answers that held their contracts.
 */
static int
report_is_transport_error(enum error_code code)
{
	switch (code) {
	case ERR_DNS:
	case ERR_CONNECT_REFUSED:
	case ERR_CONNECT_TIMEOUT:
	case ERR_NETWORK:
	case ERR_TIMEOUT:
	case ERR_TLS_VERIFY:
	case ERR_PIN_MISMATCH:
	case ERR_TLS_HANDSHAKE:
	case ERR_PROXY_FAILURE:
	case ERR_PROXY_AUTH:
	case ERR_PROXY_REJECTED:
	case ERR_HTTP:
	case ERR_ACTIVATION_REJECTED:
	case ERR_CREDENTIAL_REVOKED:
	case ERR_RESPONSE_TOO_LARGE:
	case ERR_BAD_RESPONSE:
	case ERR_REDIRECTED:
	case ERR_UNEXPECTED_STATUS:
	case ERR_ANSWER_INVALID:
	case ERR_ANSWER_OVER_LIMIT:
	case ERR_COMMAND_REFUSED:
		return 1;
	default:
		return 0;
	}
}

/* Clear the standing transport errors. */
void
report_clear_transport(struct report *r)
{
	int	 code;

	for (code = ERR_NONE + 1; code < ERR_MAX; code++)
		if (report_is_transport_error((enum error_code)code))
			r->is_standing[code] = 0;
}

/*
 * The standing errors as a heartbeat's "current_errors" array: every one
 * but the transport errors, which the heartbeat disproves by arriving.
 * Returns a new array.
 */
struct json_object *
report_current_errors(struct report *r)
{
	struct json_object	*errors = json_object_new_array();
	int			 code;

	for (code = ERR_NONE + 1; code < ERR_MAX; code++)
		if (r->is_standing[code] &&
		    !report_is_transport_error((enum error_code)code))
			json_object_array_add(errors,
			    report_err_json(&r->standing[code]));
	return errors;
}

/* The queued reports as a heartbeat's "errors" array, now in flight. */
struct json_object *
report_heartbeat_errors(struct report *r)
{
	struct json_object	*errors = json_object_new_array();
	int			 i;

	for (i = 0; i < r->nqueued; i++)
		json_object_array_add(errors, report_err_json(&r->queue[i]));
	r->nin_flight = i;
	return errors;
}

/* The heartbeat that carried the queued reports ended. */
void
report_heartbeat_done(struct report *r, int is_delivered)
{
	if (is_delivered && r->nin_flight > 0) {
		/* The errors sent with it are stored on the platform now. */
		r->sent += (unsigned long)r->nin_flight;
		memmove(&r->queue[0], &r->queue[r->nin_flight],
		    (size_t)(r->nqueued - r->nin_flight) * sizeof(r->queue[0]));
		r->nqueued -= r->nin_flight;
	}
	r->nin_flight = 0;
}

/* Add the standing errors and the counters to st. */
void
report_status(struct report *r, struct json_object *st)
{
	struct json_object	*errors, *e;
	int			 code;

	errors = json_object_new_array();
	for (code = ERR_NONE + 1; code < ERR_MAX; code++) {
		if (!r->is_standing[code])
			continue;
		e = json_object_new_object();
		json_add_string(e, "code", error_id((enum error_code)code));
		json_add_string(e, "name",
		    error_info((enum error_code)code)->name);
		json_add_string(e, "message", r->standing[code].message);
		json_add_time(e, "time", r->standing[code].time);
		if (r->standing[code].has_window) {
			json_add_time(e, "window_from",
			    (time_t)r->standing[code].from);
			json_add_time(e, "window_to",
			    (time_t)r->standing[code].to);
		}
		json_object_array_add(errors, e);
	}
	json_object_object_add(st, "errors", errors);
	json_add_int64(st, "errors_to_report", r->nqueued);
	json_add_int64(st, "errors_reported", (int64_t)r->sent);
	json_add_int64(st, "errors_dropped", (int64_t)r->dropped);
	json_add_int64(st, "errors_repeated", (int64_t)r->repeats);
}

/* Free the reports. */
void
report_free(struct report *r)
{
	free(r);
}
