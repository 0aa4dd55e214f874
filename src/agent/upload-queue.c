/*
 * upload-queue.c: the durable upload queue. Records put here are in the
 * spool (spool.c) before upload_put() returns; they are sent to the
 * platform through the agent API client (api-client.c), oldest first, one
 * at a time, and each is removed only once the platform acknowledged it.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/event.h>
#include <json-c/json.h>

#include "backoff.h"
#include "compat.h"
#include "errors.h"
#include "http.h"
#include "jsonutil.h"
#include "log.h"
#include "spool.h"
#include "upload-queue.h"
#include "api-client.h"

#define UPLOAD_KINDS		8

/* The uploader. */
struct upload {
	struct event_base	*base;
	struct spool		*spool;
	char			*dir;
	struct api_client		*client;
	struct upload_kind	 kinds[UPLOAD_KINDS];
	int			 nkinds;
	struct event		*timer;
	struct http_call	*call;
	uint64_t		 call_seq;
	int			 failures;
	int			 was_answered;	/* the last failure was an
						   answer, not a transport
						   failure */
	time_t			 next_try;	/* 0: not backing off */
	uint64_t		 sent;
	uint64_t		 rejected;	/* dropped unsent (verdict) */
	uint64_t		 dropped_seen;	/* spool_dropped() reported */
	enum error_code		 last_error;
	char			 last_detail[256];
	char			 last_cause[256];	/* error_cause_text() */
	void			(*error_fn)(enum error_code, const char *,
				    void *);
	void			*error_arg;
};

static void	upload_next(struct upload *);

/* The timer: back-off over, or a deferred start. */
static void
upload_timer_cb(evutil_socket_t fd, short what, void *arg)
{
	struct upload	*u = arg;

	u->next_try = 0;
	upload_next(u);
}

/* Run upload_next() from the loop in seconds. */
static void
upload_schedule(struct upload *u, int seconds)
{
	struct timeval	 tv = { seconds, 0 };

	if (seconds > 0)
		u->next_try = time(NULL) + seconds;
	evtimer_add(u->timer, &tv);
}

/* Make the uploader. Returns it, or NULL (logged). */
struct upload *
upload_new(struct event_base *base, const char *dir, uint64_t max_size)
{
	struct upload	*u;
	int		 rc;

	if ((u = calloc(1, sizeof(*u))) == NULL ||
	    (u->dir = strdup(dir)) == NULL ||
	    (u->timer = evtimer_new(base, upload_timer_cb, u)) == NULL) {
		log_warnx("upload: out of memory");
		if (u != NULL)
			free(u->dir);
		free(u);
		return NULL;
	}
	u->base = base;
	if ((rc = spool_open(dir, max_size, &u->spool)) < 0) {
		errno = -rc;
		log_warn("cannot open the upload spool %s", dir);
		upload_free(u);
		return NULL;
	}
	u->dropped_seen = spool_dropped(u->spool);
	if (spool_depth(u->spool) > 0)
		log_info("upload spool %s: %zu record%s (%llu bytes) waiting "
		    "from before", dir, spool_depth(u->spool),
		    spool_depth(u->spool) == 1 ? "" : "s",
		    (unsigned long long)spool_bytes(u->spool));
	return u;
}

/* Where errors of the uploader go (report_error()). */
void
upload_set_error_fn(struct upload *u,
    void (*fn)(enum error_code, const char *, void *), void *arg)
{
	u->error_fn = fn;
	u->error_arg = arg;
}

/* Register a kind. Returns 0, or -1. */
int
upload_register(struct upload *u, const struct upload_kind *k)
{
	if (u == NULL || u->nkinds == UPLOAD_KINDS)
		return -1;
	u->kinds[u->nkinds++] = *k;
	return 0;
}

/* The registration of kind, or NULL. */
static const struct upload_kind *
upload_kind(const struct upload *u, const char *kind)
{
	int	 i;

	for (i = 0; i < u->nkinds; i++)
		if (strcmp(u->kinds[i].kind, kind) == 0)
			return &u->kinds[i];
	return NULL;
}

/* Note records the spool dropped for its size limit. */
static void
upload_note_dropped(struct upload *u)
{
	uint64_t	 dropped = spool_dropped(u->spool);
	char		 message[256];

	if (dropped == u->dropped_seen)
		return;
	snprintf(message, sizeof(message), "%llu record%s dropped from the "
	    "spool %s (spool_max_size %llu bytes; %llu dropped since it was "
	    "made)", (unsigned long long)(dropped - u->dropped_seen),
	    dropped - u->dropped_seen == 1 ? "" : "s", u->dir,
	    (unsigned long long)spool_status_max_size(u->spool),
	    (unsigned long long)dropped);
	u->dropped_seen = dropped;
	if (u->error_fn != NULL)
		u->error_fn(ERR_SPOOL_OVERFLOW, message, u->error_arg);
	else
		log_warnx("%s %s: %s", error_id(ERR_SPOOL_OVERFLOW),
		    error_message(ERR_SPOOL_OVERFLOW), message);
}

/* Spool text of len bytes as kind. Returns its sequence, or -errno. */
static int64_t
upload_spool(struct upload *u, const char *kind, const char *text, size_t len,
    uint64_t next)
{
	int64_t	 seq;

	seq = spool_put(u->spool, kind, text, len);
	if (seq < 0) {
		errno = (int)-seq;
		if (u->error_fn != NULL) {
			char	 message[256];

			snprintf(message, sizeof(message), "cannot spool a "
			    "%s upload in %s: %s", kind, u->dir,
			    strerror(errno));
			u->error_fn(ERR_WRITE_FAILURE, message, u->error_arg);
		} else
			log_warn("upload: cannot spool a %s upload in %s",
			    kind, u->dir);
		return seq;
	}
	if ((uint64_t)seq != next)
		log_warnx("upload: spool gave sequence %lld, expected %llu",
		    (long long)seq, (unsigned long long)next);
	log_debug("upload: %s record %lld spooled (%zu bytes, %zu waiting)",
	    kind, (long long)seq, len, spool_depth(u->spool));
	upload_note_dropped(u);
	if (u->call == NULL && u->next_try == 0 && u->client != NULL)
		upload_schedule(u, 0);
	return seq;
}

/* May a record of kind be spooled? Returns 0, or -errno. */
static int
upload_can_put(struct upload *u, const char *kind)
{
	if (u == NULL)
		return -ENODEV;
	if (upload_kind(u, kind) == NULL) {
		log_warnx("upload: no kind \"%s\" registered", kind);
		return -EINVAL;
	}
	return 0;
}

/* Spool a record. Returns its sequence, or -errno. */
int64_t
upload_put(struct upload *u, const char *kind, struct json_object *body)
{
	struct json_object	*seqobj;
	const char		*text;
	int64_t			 seq;
	uint64_t		 next;
	int			 rc;

	if ((rc = upload_can_put(u, kind)) < 0)
		return rc;
	/*
	 * The sequence number goes into the body before the record is
	 * written, so it must be the one spool_put() will give.
	 */
	next = spool_next_sequence(u->spool);
	seqobj = json_object_new_int64((int64_t)next);
	json_object_object_add(body, "sequence", seqobj);
	text = json_object_to_json_string_ext(body, JSON_C_TO_STRING_PLAIN |
	    JSON_C_TO_STRING_NOSLASHESCAPE);
	seq = upload_spool(u, kind, text, strlen(text), next);
	json_object_object_del(body, "sequence");
	return seq;
}

/*
 * Spool a record given as JSON text: obj is the text of len bytes of an
 * object with at least one member ("{...}"). Returns its sequence, or
 * -errno.
 */
int64_t
upload_put_text(struct upload *u, const char *kind, const char *obj,
    size_t len)
{
	char		*text;
	char		 tail[48];
	size_t		 tlen;
	int64_t		 seq;
	uint64_t	 next;
	int		 rc;

	if ((rc = upload_can_put(u, kind)) < 0)
		return rc;
	if (len < 2 || obj[0] != '{' || obj[len - 1] != '}')
		return -EINVAL;
	/* The sequence goes in as the last member (see upload_put). */
	next = spool_next_sequence(u->spool);
	tlen = (size_t)snprintf(tail, sizeof(tail), ",\"sequence\":%llu}",
	    (unsigned long long)next);
	if ((text = malloc(len - 1 + tlen + 1)) == NULL)
		return -ENOMEM;
	memcpy(text, obj, len - 1);
	memcpy(text + len - 1, tail, tlen + 1);
	seq = upload_spool(u, kind, text, len - 1 + tlen, next);
	free(text);
	return seq;
}

/*
 * Is r the platform's own refusal of a record, one that resending cannot
 * change (docs/protocol.md 2)? A 4xx without the platform's error body
 * (a proxy's page) is not: the record stays.
 */
int
upload_is_refusal(const struct api_client_reply *r)
{
	static const char *const codes[] = { "invalid_json", "invalid_field",
	    "not_found", "body_too_large", "unsupported_encoding" };
	size_t	 i;

	if (r->api_error == NULL || (r->status != 400 && r->status != 404 &&
	    r->status != 413 && r->status != 415))
		return 0;
	for (i = 0; i < nitems(codes); i++)
		if (strcmp(r->api_error, codes[i]) == 0)
			return 1;
	return 0;
}

/* What to do without a reply handler (handlers may end with it too). */
enum upload_verdict
upload_default_verdict(const struct api_client_reply *r)
{
	if (r->error == ERR_NONE)
		return UPLOAD_ACK;
	return upload_is_refusal(r) ? UPLOAD_DROP : UPLOAD_RETRY;
}

/* The platform answered one record. */
static void
upload_done(const struct api_client_reply *r, void *arg)
{
	struct upload			*u = arg;
	const struct upload_kind	*k;
	struct spool_record		 rec;
	struct api_client_reply		 bad;
	enum upload_verdict		 v;
	char				 detail[256], cause[256];
	int64_t				 acked;
	int				 delay, rc;

	u->call = NULL;
	memset(&rec, 0, sizeof(rec));
	rc = spool_peek(u->spool, &rec);
	if (rc != 1 || rec.seq != u->call_seq) {
		/* The record went meanwhile (dropped for size): go on. */
		if (rc == 1)
			spool_record_free(&rec);
		upload_schedule(u, 0);
		return;
	}
	k = upload_kind(u, rec.kind);
	/* An answer that echoes a sequence must echo this record's. */
	if (r->error == ERR_NONE && json_get_int64(r->json, "sequence",
	    &acked) == 0 && (uint64_t)acked != rec.seq) {
		bad = *r;
		bad.error = ERR_ANSWER_INVALID;
		bad.json = NULL;
		snprintf(detail, sizeof(detail), "POST %s: the answer "
		    "acknowledges sequence %lld, not record %llu", k != NULL ?
		    k->path : "?", (long long)acked,
		    (unsigned long long)rec.seq);
		bad.detail = detail;
		r = &bad;
	}
	v = k != NULL && k->reply != NULL ? k->reply(r, &rec, k->arg) :
	    upload_default_verdict(r);
	switch (v) {
	case UPLOAD_ACK:
		spool_ack(u->spool, rec.seq);
		u->sent++;
		if (u->failures > 0)
			log_info("upload: platform accepts uploads again after "
			    "%d failed attempt%s", u->failures,
			    u->failures == 1 ? "" : "s");
		u->failures = 0;
		u->was_answered = 0;
		u->last_error = ERR_NONE;
		u->last_detail[0] = '\0';
		u->last_cause[0] = '\0';
		log_debug("upload: %s record %llu delivered (%zu waiting)",
		    rec.kind, (unsigned long long)rec.seq,
		    spool_depth(u->spool));
		if (spool_depth(u->spool) == 0 && u->sent > 0)
			log_debug("upload: spool drained");
		upload_schedule(u, 0);
		break;
	case UPLOAD_DROP:
		spool_ack(u->spool, rec.seq);
		u->rejected++;
		log_warnx("upload: the platform refused %s record %llu; "
		    "dropping it: %s", rec.kind, (unsigned long long)rec.seq,
		    r->detail != NULL ? r->detail : "refused");
		upload_schedule(u, 0);
		break;
	case UPLOAD_RETRY:
		u->failures++;
		u->was_answered = r->status != 0;
		if (r->detail != detail)
			snprintf(detail, sizeof(detail), "%s",
			    r->detail != NULL ? r->detail : "failed");
		/* One line per change of cause, not of numbers in it. */
		error_cause_text(detail, cause, sizeof(cause));
		if (r->error != u->last_error ||
		    strcmp(cause, u->last_cause) != 0) {
			log_warnx("upload: %s record %llu not delivered (%zu "
			    "waiting), retrying with back-off: %s %s",
			    rec.kind, (unsigned long long)rec.seq,
			    spool_depth(u->spool), error_id(r->error), detail);
			u->last_error = r->error;
			strlcpy(u->last_detail, detail,
			    sizeof(u->last_detail));
			strlcpy(u->last_cause, cause, sizeof(u->last_cause));
		}
		delay = backoff_delay(u->failures);
		if (u->failures > 1)
			log_debug("upload: %s record %llu: failure %d in a row, "
			    "next try in %d s", rec.kind,
			    (unsigned long long)rec.seq, u->failures, delay);
		upload_schedule(u, delay);
		break;
	}
	spool_record_free(&rec);
}

/*
 * Send the oldest record, if the time has come. The record's bytes are
 * the JSON upload_put() wrote; they go out as they are (a record the
 * platform cannot parse gets a 400 and is dropped by the verdict).
 */
static void
upload_next(struct upload *u)
{
	struct spool_record	 rec;
	const struct upload_kind *k;
	int			 rc;

	if (u->call != NULL || u->client == NULL || u->next_try != 0)
		return;
	for (;;) {
		memset(&rec, 0, sizeof(rec));
		if ((rc = spool_peek(u->spool, &rec)) == 0)
			return;
		if (rc < 0) {
			errno = -rc;
			log_warn("upload: cannot read the spool %s", u->dir);
			upload_schedule(u, BACKOFF_MAX);
			return;
		}
		if ((k = upload_kind(u, rec.kind)) != NULL)
			break;
		/* Nothing can ever send it: say so and go on. */
		log_warnx("upload: dropping spool record %llu: unknown kind "
		    "\"%s\"", (unsigned long long)rec.seq, rec.kind);
		spool_ack(u->spool, rec.seq);
		u->rejected++;
		spool_record_free(&rec);
	}
	u->call_seq = rec.seq;
	u->call = api_client_call_text(u->client, "POST", k->path, rec.data,
	    rec.len, NULL, upload_done, u);
	spool_record_free(&rec);
	if (u->call == NULL)
		upload_schedule(u, BACKOFF_MIN);
}

/* Send through this client from now on. */
void
upload_set_client(struct upload *u, struct api_client *p)
{
	if (u == NULL)
		return;
	if (u->call != NULL) {
		http_cancel(u->call);
		u->call = NULL;
	}
	u->client = p;
	if (p != NULL && u->next_try == 0)
		upload_schedule(u, 0);
}

/*
 * A check-in went through: send now, unless the last failure was an
 * answer (the platform, or whatever answers for it, was reachable and
 * answered badly): that back-off stands, so a server cannot drive the
 * re-sends faster than it allows.
 */
void
upload_kick(struct upload *u)
{
	if (u == NULL || u->client == NULL || u->call != NULL ||
	    (u->was_answered && u->next_try != 0))
		return;
	evtimer_del(u->timer);
	u->next_try = 0;
	if (spool_depth(u->spool) > 0)
		upload_schedule(u, 0);
}

/* Change the size limit. */
void
upload_set_max_size(struct upload *u, uint64_t max_size)
{
	spool_set_max_size(u->spool, max_size);
}

/* Records waiting. */
uint64_t
upload_depth(struct upload *u)
{
	return u != NULL ? spool_depth(u->spool) : 0;
}

/* The sequence number of the next record. */
uint64_t
upload_next_sequence(struct upload *u)
{
	return u != NULL ? spool_next_sequence(u->spool) : 0;
}

/* Is record seq still in the spool? */
int
upload_has_record(struct upload *u, uint64_t seq)
{
	return u != NULL && spool_has(u->spool, seq);
}

/* The status. */
struct json_object *
upload_status_json(struct upload *u)
{
	struct json_object	*o = spool_status_json(u->spool);

	json_add_string(o, "directory", u->dir);
	json_add_int64(o, "sent", (int64_t)u->sent);
	json_add_int64(o, "rejected", (int64_t)u->rejected);
	json_add_int64(o, "failures", u->failures);
	json_add_bool(o, "sending", u->call != NULL);
	json_add_time(o, "next_try", u->next_try);
	if (u->last_error != ERR_NONE) {
		json_add_string(o, "last_error", error_id(u->last_error));
		json_add_string(o, "last_error_detail", u->last_detail);
	}
	return o;
}

/* Stop and free. */
void
upload_free(struct upload *u)
{
	if (u == NULL)
		return;
	if (u->call != NULL)
		http_cancel(u->call);
	if (u->timer != NULL)
		event_free(u->timer);
	if (u->spool != NULL)
		spool_close(u->spool);
	free(u->dir);
	free(u);
}
